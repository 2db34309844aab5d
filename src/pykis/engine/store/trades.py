"""Trades in the store: opened by a first buy, added to by more buys, closed in part or
in whole by sales, with the money of :mod:`pykis.engine.pnl` (average cost, whole KRW).

The fills of the engine's own orders go through :mod:`.fills`, which calls these; call
them directly only for positions that did not come from the engine's orders (holdings
found at the broker by reconciliation, say)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from pykis.api import validate
from pykis.engine.pnl import Execution, PositionCost, Realized, average, percent
from pykis.engine.store.schema import Fill, Trade
from pykis.engine.store.states import TradeStatus
from pykis.exceptions import InvalidInputError
from pykis.market import InstrumentKind, Market
from pykis.models import OrderSide

__all__ = [
    "add_to_trade",
    "close_trade",
    "get_trade",
    "open_trade",
    "open_trades",
    "position_cost",
    "realized_pnl",
    "total_pnl",
    "trades",
]


def position_cost(trade: Trade) -> PositionCost:
    """The shares the trade holds and what they cost."""
    return PositionCost(trade.open_quantity, trade.open_cost, trade.open_fees)


# Statements built once (building a query costs more than running it on SQLite).
_BY_ID = select(Trade).where(Trade.id == bindparam("trade_id"))
_BY_ID_LOCKED = _BY_ID.with_for_update().execution_options(populate_existing=True)
_OPEN = select(Trade).where(Trade.trade_status == TradeStatus.OPEN).order_by(Trade.id)
_OPEN_OF = select(Trade).where(Trade.trade_status == TradeStatus.OPEN,
                               Trade.ticker == bindparam("ticker")).order_by(Trade.id)


def get_trade(session: Session, trade_id: int, *, lock: bool = False) -> Trade:
    trade = session.scalars(_BY_ID_LOCKED if lock else _BY_ID,
                            {"trade_id": trade_id}).one_or_none()
    if trade is None:
        raise InvalidInputError("trade_id", trade_id, "the id of a recorded trade")
    return trade


def open_trades(session: Session, *, ticker: str | None = None,
                strategy: str | None = None) -> list[Trade]:
    if strategy is None:  # the usual look-ups, with statements built once
        if ticker is None:
            return list(session.scalars(_OPEN))
        return list(session.scalars(_OPEN_OF, {"ticker": ticker}))
    return trades(session, status=TradeStatus.OPEN, ticker=ticker, strategy=strategy)


def trades(session: Session, *, status: TradeStatus | None = None, ticker: str | None = None,
           strategy: str | None = None, since: dt.datetime | None = None) -> list[Trade]:
    """Trades, oldest first; ``since`` keeps those opened at or after it."""
    query = select(Trade)
    for column, value in ((Trade.trade_status, status), (Trade.ticker, ticker),
                          (Trade.strategy, strategy)):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(Trade.opened_at >= since)
    return list(session.scalars(query.order_by(Trade.id)))


def total_pnl(session: Session) -> int:
    """P&L realized by every trade, fees and tax included."""
    return int(session.scalar(select(func.coalesce(func.sum(Trade.pnl), 0))) or 0)


def realized_pnl(session: Session, since: dt.datetime, until: dt.datetime) -> int:
    """P&L realized by sales filled in [since, until): what the daily loss limit counts."""
    total = select(func.coalesce(func.sum(Fill.realized_pnl), 0)).where(
        Fill.filled_at >= since, Fill.filled_at < until)
    return int(session.scalar(total) or 0)


def open_trade(session: Session, *, ticker: str, fill: Execution, at: dt.datetime,
               market: Market = Market.KOSPI, kind: InstrumentKind = InstrumentKind.STOCK,
               strategy: str = "", reason: str = "") -> Trade:
    """A new open trade holding what ``fill`` bought."""
    validate.symbol(ticker, "ticker")
    market = Market(validate.choice(market, tuple(m.value for m in Market), "market"))
    kind = InstrumentKind(validate.choice(kind, tuple(k.value for k in InstrumentKind), "kind"))
    if fill.side is not OrderSide.BUY:
        raise InvalidInputError("fill", fill, "a buy: trades are opened by buying")
    trade = Trade(
        strategy=strategy, ticker=ticker, market=market.value, kind=kind.value,
        trade_status=TradeStatus.OPEN.value, quantity=0, open_quantity=0,
        entry_price=Decimal(0), buy_value=0, sell_value=0, open_cost=0, open_fees=0, fees=0,
        tax=0, pnl=0, realized_basis=0, entry_reason=reason, opened_at=at, updated_at=at,
    )
    _bought(trade, fill, at)
    session.add(trade)
    session.flush()
    return trade


def add_to_trade(session: Session, trade: Trade, fill: Execution, at: dt.datetime) -> Trade:
    """``fill`` bought more of an open trade (the average price moves)."""
    if not trade.is_open:
        raise InvalidInputError("trade", trade.id, "an open trade")
    if fill.side is not OrderSide.BUY:
        raise InvalidInputError("fill", fill, "a buy")
    _bought(trade, fill, at)
    session.flush()
    return trade


def close_trade(session: Session, trade: Trade, fill: Execution, *, reason: str,
                at: dt.datetime) -> Realized:
    """``fill`` sold part or all of an open trade; the trade closes with its last share.
    Returns what this sale realized."""
    if not trade.is_open:
        raise InvalidInputError("trade", trade.id, "an open trade")
    if fill.side is not OrderSide.SELL:
        raise InvalidInputError("fill", fill, "a sale")
    held, realized = position_cost(trade).sold(fill)
    _hold(trade, held, at)
    trade.sell_value += fill.value
    trade.exit_price = average(trade.sell_value, trade.quantity - trade.open_quantity)
    trade.fees += fill.commission
    trade.tax += fill.tax
    trade.pnl += realized.pnl
    trade.realized_basis += realized.basis
    trade.pnl_percent = percent(trade.pnl, trade.realized_basis)
    trade.reason = reason
    if held.quantity == 0:
        trade.trade_status, trade.closed_at = TradeStatus.CLOSED.value, at
    session.flush()
    return realized


def _bought(trade: Trade, fill: Execution, at: dt.datetime) -> None:
    _hold(trade, position_cost(trade).bought(fill), at)
    trade.quantity += fill.quantity
    trade.buy_value += fill.value
    trade.entry_price = average(trade.buy_value, trade.quantity)
    trade.fees += fill.commission


def _hold(trade: Trade, held: PositionCost, at: dt.datetime) -> None:
    trade.open_quantity, trade.open_cost, trade.open_fees = held.quantity, held.cost, held.fees
    trade.updated_at = at
