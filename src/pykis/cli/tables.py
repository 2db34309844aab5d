"""Rich tables of PyKIS results. Amounts get thousands separators; rises are red and
falls blue, as on every Korean trading screen (the opposite of Western convention).
Times are KST, whatever the machine's zone: KRX's hours are KST. Every string that
comes from KIS, a user or a strategy (names, symbols, order numbers, reasons) goes in
as ``Text``, never as a ``str`` that rich would read as markup ("[bold]" stays text)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.table import Table
from rich.text import Text

from pykis.models import OHLCV, Balance, Listing, Order, OrderBook, OrderSide, Ticker
from pykis.models.base import KST

if TYPE_CHECKING:  # the engine needs its extra; these tables only read its results
    from pykis.engine.results import EngineStatus, TradeRecord

__all__ = ["balance_table", "book_table", "kst_time", "listings_table", "ohlcv_table",
           "orders_table", "percent", "positions_table", "quotes_table", "signed",
           "status_table", "trades_table", "trend", "watch_table", "won"]

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


def kst_time(moment: dt.datetime, shape: str = "%H:%M:%S") -> str:
    """``moment`` on the KST clock (a naive one is taken as KST, as KIS sends them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=KST)
    return moment.astimezone(KST).strftime(shape)


def _text(value: object, style: str = "") -> Text:
    """A cell or title from outside PyKIS, shown as it is."""
    return Text("—" if value is None else str(value), style=style)


def _table(title: str, **options: object) -> Table:
    # No vertical rules, one space between columns: a quote row fits in 80 columns.
    return Table(title=_text(title, "italic"), box=box.SIMPLE_HEAD, pad_edge=False,
                 padding=0, **options)


def _names(table: Table) -> None:
    # Folded rather than cut: an ellipsis in the middle of a Korean name reads badly.
    # Eight cells hold four Hangul syllables, the length of most names.
    table.add_column("Name", overflow="fold", min_width=8)


def _numbers(table: Table, *names: str) -> None:
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)


def quotes_table(tickers: Sequence[Ticker]) -> Table:
    latest = max(t.datetime for t in tickers)
    table = _table(f"Quotes at {kst_time(latest)} KST")
    table.add_column("Symbol", no_wrap=True)
    _names(table)
    _numbers(table, "Last", "Change", "%", "Volume", "High", "Low")
    table.add_column("Limits", justify="right", min_width=7)  # may wrap at "~" on narrow screens
    for t in tickers:
        table.add_row(_text(t.symbol), _text(t.name), trend(t.change, won(t.last)),
                      signed(t.change), percent(t.change_percent), won(t.volume), won(t.high),
                      won(t.low), f"{won(t.lower_limit)} ~ {won(t.upper_limit)}")
    return table


def watch_table(tickers: Sequence[Ticker], updates: int,
                names: Mapping[str, str | None] | None = None) -> Table:
    """The live board of ``pykis watch``: last trade, change, best bid and ask. Trades
    on the stream carry no name: ``names`` holds those of the first quotes."""
    names = names or {}
    table = _table(f"Live: {updates:,} updates (Ctrl-C stops)")
    table.add_column("Symbol", no_wrap=True)
    _names(table)
    _numbers(table, "Last", "Change", "%", "Bid", "Ask", "Volume")
    table.add_column("Time (KST)", no_wrap=True)
    for t in tickers:
        table.add_row(_text(t.symbol), _text(t.name or names.get(t.symbol)),
                      trend(t.change, won(t.last)), signed(t.change),
                      percent(t.change_percent), won(t.bid), won(t.ask), won(t.volume),
                      kst_time(t.datetime))
    return table


def book_table(book: OrderBook) -> Table:
    """Level by level, best first: asks on the left, bids on the right."""
    table = _table(f"{book.symbol} order book at {kst_time(book.datetime)} KST")
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
    table.add_column("Start (KST)" if timeframe.endswith("m") else "Start", no_wrap=True)
    _numbers(table, "Open", "High", "Low", "Close", "Volume")
    for c in candles:
        table.add_row(kst_time(c.datetime, shape), won(c.open), won(c.high), won(c.low),
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
        table.add_row(_text(p.symbol), _text(p.name), won(p.amount), won(p.sellable),
                      f"{p.average_price:,.0f}", won(p.current_price), won(p.value),
                      signed(p.unrealized_pnl), percent(p.unrealized_pnl_percent))
    return table


def orders_table(orders: Iterable[Order], title: str) -> Table:
    """Orders: today's are shown by their time, earlier days' by date and time."""
    orders = list(orders)
    days = {kst_time(o.datetime, "%Y-%m-%d") for o in orders}
    shape = "%H:%M:%S" if len(days) <= 1 else "%Y-%m-%d %H:%M:%S"
    table = _table(title)
    for name in ("Time (KST)", "Order", "Symbol", "Side", "Type"):
        table.add_column(name, no_wrap=True)
    _numbers(table, "Price", "Qty", "Filled", "Left", "Avg")
    table.add_column("Status", no_wrap=True)
    for o in orders:
        table.add_row(kst_time(o.datetime, shape), _text(o.id), _text(o.symbol),
                      _text(o.side.value, UP if o.side is OrderSide.BUY else DOWN),
                      _text(o.type.value), won(o.price), won(o.amount), won(o.filled),
                      won(o.remaining), won(o.average), _text(o.status.value))
    return table


def listings_table(listings: Iterable[Listing], title: str) -> Table:
    """``pykis search``: code, names, market and kind of each listing found."""
    listings = list(listings)
    english = any(item.english_name for item in listings)  # known on real accounts only
    table = _table(title)
    table.add_column("Symbol", no_wrap=True)
    _names(table)
    if english:
        table.add_column("English name", overflow="fold")
    for name in ("Market", "Kind", "ISIN"):
        table.add_column(name, no_wrap=True)
    for item in listings:
        cells = [_text(item.symbol), _text(item.name)]
        if english:
            cells.append(_text(item.english_name))
        table.add_row(*cells, _text(item.market.value), _text(item.kind.value),
                      _text(item.isin))
    return table


def status_table(status: EngineStatus) -> Table:
    """``pykis engine status``: the engine's positions at live prices, and its P&L."""
    exposure = f", exposure {status.exposure:.1%}" if status.exposure is not None else ""
    table = _table(f"Engine: equity {won(status.equity)} KRW, cash (D+2) "
                   f"{won(status.cash)} KRW{exposure}")
    for name in ("Ticker", "Qty", "Entry", "Price", "Value", "Unrealized", "%"):
        table.add_column(name, justify="left" if name == "Ticker" else "right", no_wrap=True)
    for p in status.positions:
        table.add_row(_text(p.ticker), won(p.quantity), f"{p.entry_price:,.0f}", won(p.price),
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
                 "P&L", "%", "Opened (KST)", "Reason"):
        table.add_column(name, justify="right" if name not in ("Ticker", "Status", "Reason",
                                                               "Opened (KST)") else "left")
    for t in records:
        table.add_row(str(t.id), _text(t.ticker), _text(t.trade_status), won(t.quantity),
                      won(t.open_quantity),
                      f"{t.entry_price:,.0f}",
                      f"{t.exit_price:,.0f}" if t.exit_price is not None else "—",
                      won(t.fees), won(t.tax), signed(t.pnl),
                      f"{t.pnl_percent:+.2f}" if t.pnl_percent is not None else "—",
                      kst_time(t.opened_at, "%Y-%m-%d %H:%M"), _text(t.reason or ""))
    return table
