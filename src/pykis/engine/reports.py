"""The store's rows as the engine's results: an order as a ``TradeResult``, open trades
as valued positions, trades as records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pykis.engine.pnl import Unrealized, average, percent
from pykis.engine.portfolio import Portfolio
from pykis.engine.results import PositionReport, TradeRecord, TradeResult
from pykis.engine.store import Order, Store, Trade
from pykis.exceptions import KISError
from pykis.models import OrderSide

__all__ = ["position_reports", "trade_record", "trade_result"]


def trade_result(store: Store, row: Order, success: bool, message: str) -> TradeResult:
    """``row`` with the figures of its fills: shares, average price, costs, and for a
    sale what it realized (its percentage over the cost of the shares sold)."""
    fills = store.fills_of(row.id)
    quantity = sum(f.quantity for f in fills)
    value = sum(f.value for f in fills)
    fees, tax = sum(f.commission for f in fills), sum(f.tax for f in fills)
    pnl = pnl_percent = None
    if row.side == OrderSide.SELL and fills:
        pnl = sum(f.realized_pnl or 0 for f in fills)
        # proceeds - basis - sell fees - tax = pnl, so the basis is what is left
        pnl_percent = percent(pnl, value - fees - tax - pnl)
    return TradeResult(
        success=success, order_id=row.broker_order_id, ticker=row.ticker, side=row.side,
        quantity=quantity, price=average(value, quantity) if quantity else None, fees=fees,
        tax=tax, pnl=pnl, pnl_percent=pnl_percent, message=message, status=row.state,
        requested_quantity=row.quantity, client_order_id=row.client_order_id,
        trade_id=row.trade_id)  # rows come back re-read after their fills are recorded


def position_reports(trades: list[Trade], portfolio: Portfolio,
                     prices: Callable[[list[str]], dict[str, int]], day: dt.date
                     ) -> list[PositionReport]:
    """Open trades valued by ``portfolio`` at ``prices`` (a price that cannot be read
    leaves the value empty rather than failing the whole report). A ticker held by two
    trades (two strategies) is valued once, as KIS holds it, and shown on the first."""
    try:
        live = prices(sorted({t.ticker for t in trades}))
    except KISError:  # the positions are still worth showing without prices
        live = {}
    reports, shown = [], set()
    for trade in trades:
        price = live.get(trade.ticker)
        valued = None
        if price is not None and trade.ticker not in shown:
            valued = portfolio.value(trade.ticker, price, day).unrealized
            shown.add(trade.ticker)
        reports.append(_position(trade, price, valued))
    return reports


def _position(trade: Trade, price: int | None, valued: Unrealized | None) -> PositionReport:
    return PositionReport(
        trade_id=trade.id, ticker=trade.ticker, quantity=trade.open_quantity,
        entry_price=trade.entry_price, cost=trade.open_cost + trade.open_fees, price=price,
        market_value=valued.market_value if valued else None,
        unrealized_pnl=valued.pnl if valued else None,
        unrealized_pnl_percent=valued.pnl_percent if valued else None,
        high_price=trade.high_price, opened_at=trade.opened_at)


def trade_record(trade: Trade) -> TradeRecord:
    return TradeRecord(
        id=trade.id, ticker=trade.ticker, trade_status=trade.trade_status,
        quantity=trade.quantity, open_quantity=trade.open_quantity,
        entry_price=trade.entry_price, exit_price=trade.exit_price, fees=trade.fees,
        tax=trade.tax, pnl=trade.pnl, pnl_percent=trade.pnl_percent, reason=trade.reason,
        strategy=trade.strategy, high_price=trade.high_price, opened_at=trade.opened_at,
        closed_at=trade.closed_at)
