"""Rich tables of PyKIS results. Amounts get thousands separators; rises are red and
falls blue, as on every Korean trading screen (the opposite of Western convention)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.table import Table
from rich.text import Text

from pykis.models import OHLCV, Balance, Order, OrderBook, OrderSide, Ticker

if TYPE_CHECKING:  # the engine needs its extra; these tables only read its results
    from pykis.engine.results import EngineStatus, TradeRecord

__all__ = ["balance_table", "book_table", "ohlcv_table", "orders_table", "percent",
           "positions_table", "quotes_table", "signed", "status_table", "trades_table", "trend",
           "watch_table", "won"]

UP, DOWN = "red", "bright_blue"


def won(value: float | None) -> str:
    """KRW as KIS counts them: whole numbers (a float from a model shows no .0)."""
    if value is None:
        return "—"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def trend(value: float, text: str) -> Text:
    return Text(text, style=UP if value > 0 else DOWN if value < 0 else "")


def signed(value: float) -> Text:
    return trend(value, f"{value:+,.0f}" if value == int(value) else f"{value:+,.2f}")


def percent(value: float) -> Text:
    return trend(value, f"{value:+.2f}%")


def _table(title: str, **options: object) -> Table:
    # No vertical rules, one space of padding between columns: a quote row fits in 100.
    return Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True,
                 **options)


def _names(table: Table) -> None:
    # Folded rather than cut: an ellipsis in the middle of a Korean name reads badly.
    table.add_column("Name", overflow="fold", min_width=4)


def _numbers(table: Table, *names: str) -> None:
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)


def _time(moment: dt.datetime) -> str:
    return moment.strftime("%H:%M:%S")


def quotes_table(tickers: Sequence[Ticker]) -> Table:
    latest = max(t.datetime for t in tickers)
    table = _table(f"Quotes at {_time(latest)} KST")
    table.add_column("Symbol", no_wrap=True)
    _names(table)  # empty for a single symbol: inquire-price has no name, the batch call has
    _numbers(table, "Last", "Change", "Change %", "Volume", "High", "Low")
    table.add_column("Limits", justify="right", min_width=7)  # may wrap at "~" on narrow screens
    for t in tickers:
        # Text, not str: rich would read brackets in a name as markup.
        table.add_row(t.symbol, Text(t.name or "—"), trend(t.change, won(t.last)),
                      signed(t.change), percent(t.change_percent), won(t.volume), won(t.high),
                      won(t.low), f"{won(t.lower_limit)} ~ {won(t.upper_limit)}")
    return table


def watch_table(tickers: Sequence[Ticker], updates: int) -> Table:
    """The live board of ``pykis watch``: last trade, change, best bid and ask."""
    table = _table(f"Live: {updates:,} updates (Ctrl-C stops)")
    table.add_column("Symbol", no_wrap=True)
    _numbers(table, "Last", "Change", "Change %", "Bid", "Ask", "Volume")
    table.add_column("Time", no_wrap=True)
    for t in tickers:
        table.add_row(t.symbol, trend(t.change, won(t.last)), signed(t.change),
                      percent(t.change_percent), won(t.bid), won(t.ask), won(t.volume),
                      _time(t.datetime))
    return table


def book_table(book: OrderBook) -> Table:
    """Level by level, best first: asks on the left, bids on the right."""
    table = _table(f"{book.symbol} order book at {_time(book.datetime)} KST")
    table.add_column("#", justify="right", style="dim")
    _numbers(table, "Ask", "Ask qty", "Bid", "Bid qty")
    for level in range(max(len(book.asks), len(book.bids))):
        ask = book.asks[level] if level < len(book.asks) else (None, None)
        bid = book.bids[level] if level < len(book.bids) else (None, None)
        table.add_row(str(level + 1), Text(won(ask[0]), style=DOWN), won(ask[1]),
                      Text(won(bid[0]), style=UP), won(bid[1]))
    if book.best_ask and book.best_bid:
        table.caption = f"spread {won(book.best_ask[0] - book.best_bid[0])}"
    return table


def ohlcv_table(candles: Iterable[OHLCV], symbol: str, timeframe: str) -> Table:
    # Minute bars need the time of day; longer ones start at midnight.
    shape = "%Y-%m-%d %H:%M" if timeframe.endswith("m") else "%Y-%m-%d"
    table = _table(f"{symbol} {timeframe} candles")
    table.add_column("Start", no_wrap=True)
    _numbers(table, "Open", "High", "Low", "Close", "Volume")
    for c in candles:
        table.add_row(c.datetime.strftime(shape), won(c.open), won(c.high), won(c.low),
                      trend(c.close - c.open, won(c.close)), won(c.volume))
    return table


def balance_table(balance: Balance, account: str) -> Table:
    """Cash as it settles (T+2), then what the account is worth."""
    table = _table(f"Account {account}", show_header=False)
    table.add_column("Item")
    _numbers(table, "KRW")
    table.add_row("Deposit", won(balance.deposit))
    table.add_row("Deposit D+1", won(balance.deposit_d1))
    table.add_row("Deposit D+2", won(balance.deposit_d2))
    table.add_row("Orderable", won(balance.free), end_section=True)
    table.add_row("Stocks at market", won(balance.stock_value))
    table.add_row("Cost of stocks", won(balance.cost))
    table.add_row("Profit / loss", signed(balance.total_pnl))
    table.add_row("Total", won(balance.total))
    table.add_row("Net assets", won(balance.net_assets))
    return table


def positions_table(balance: Balance) -> Table:
    table = _table("Positions")
    table.add_column("Symbol", no_wrap=True)
    _names(table)
    _numbers(table, "Qty", "Sellable", "Avg price", "Price", "Value", "P/L", "P/L %")
    for p in balance.positions:
        table.add_row(p.symbol, Text(p.name), won(p.amount), won(p.sellable),
                      f"{p.average_price:,.0f}", won(p.current_price), won(p.value),
                      signed(p.unrealized_pnl), percent(p.unrealized_pnl_percent))
    return table


def orders_table(orders: Iterable[Order], title: str) -> Table:
    table = _table(title)
    for name in ("Time", "Order", "Symbol", "Side", "Type"):
        table.add_column(name, no_wrap=True)
    _numbers(table, "Price", "Qty", "Filled", "Left", "Avg")
    table.add_column("Status", no_wrap=True)
    for o in orders:
        table.add_row(_time(o.datetime), o.id, o.symbol,
                      Text(o.side, style=UP if o.side is OrderSide.BUY else DOWN), o.type,
                      won(o.price), won(o.amount), won(o.filled), won(o.remaining),
                      won(o.average), o.status)
    return table


def status_table(status: EngineStatus) -> Table:
    """``pykis engine status``: the engine's positions at live prices, and its P&L."""
    exposure = f", exposure {status.exposure:.1%}" if status.exposure is not None else ""
    table = _table(f"Engine: equity {won(status.equity)} KRW, cash (D+2) "
                   f"{won(status.cash)} KRW{exposure}")
    for name in ("Ticker", "Qty", "Entry", "Price", "Value", "Unrealized", "%"):
        table.add_column(name, justify="left" if name == "Ticker" else "right", no_wrap=True)
    for p in status.positions:
        table.add_row(p.ticker, won(p.quantity), f"{p.entry_price:,.0f}", won(p.price),
                      won(p.market_value),
                      signed(p.unrealized_pnl) if p.unrealized_pnl is not None else "—",
                      f"{p.unrealized_pnl_percent:+.2f}" if p.unrealized_pnl_percent is not None
                      else "—")
    table.caption = (f"realized today {status.realized_pnl_today:+,} KRW, in all "
                     f"{status.realized_pnl_total:+,} KRW; unrealized "
                     f"{status.unrealized_pnl:+,} KRW; open orders {status.open_orders}")
    return table


def trades_table(records: Sequence[TradeRecord]) -> Table:
    """``pykis engine trades``: the ledger's trades, oldest first."""
    table = _table("Trades")
    for name in ("Id", "Ticker", "Status", "Qty", "Open", "Entry", "Exit", "Fees", "Tax",
                 "P&L", "%", "Opened (UTC)", "Reason"):
        table.add_column(name, justify="right" if name not in ("Ticker", "Status", "Reason",
                                                               "Opened (UTC)") else "left")
    for t in records:
        table.add_row(str(t.id), t.ticker, t.trade_status, won(t.quantity), won(t.open_quantity),
                      f"{t.entry_price:,.0f}",
                      f"{t.exit_price:,.0f}" if t.exit_price is not None else "—",
                      won(t.fees), won(t.tax), signed(t.pnl),
                      f"{t.pnl_percent:+.2f}" if t.pnl_percent is not None else "—",
                      f"{t.opened_at:%Y-%m-%d %H:%M}", t.reason or "")
    return table
