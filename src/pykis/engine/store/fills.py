"""Fills: each execution recorded once, with its commission and tax, applied to the
order's filled quantity and to its trade in the same transaction.

KIS gives executions no id of their own, so the caller names each fill with a key that
is the same every time the same execution is reported, and ``(order, key)`` is unique:
for an execution notice, say ``f"{hhmmss}:{quantity}@{price}"`` with a counter for
repeats within a second. REST reports only cumulative figures per order;
:func:`sync_fills` records the difference from what is already recorded.

A notice still in flight when :func:`sync_fills` runs describes an execution the REST
totals already include: the caller must not record it afterwards (compare its time
with the time of the REST snapshot), or the order will be over-counted until the
quantity check stops it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from pykis.api import validate
from pykis.engine.pnl import Execution, average
from pykis.engine.store.columns import aware
from pykis.engine.store.errors import FillConflictError, OrderStateError
from pykis.engine.store.orders import _write, get_order
from pykis.engine.store.schema import Fill, Order
from pykis.engine.store.states import FILLABLE_STATES, FillSource, OrderState, TradeStatus
from pykis.engine.store.trades import add_to_trade, close_trade, get_trade, open_trade
from pykis.exceptions import InvalidInputError
from pykis.market import KST, InstrumentKind, Market, TradeCosts, TradingCosts
from pykis.models import OrderSide

__all__ = ["fills_of", "record_fill", "sync_fills"]

_KEY = 64  # column width


# Statements built once (building a query costs more than running it on SQLite).
_OF_ORDER = select(Fill).where(Fill.order_id == bindparam("order_id")).order_by(Fill.id)
_BY_KEY = select(Fill).where(Fill.order_id == bindparam("order_id"),
                             Fill.fill_key == bindparam("key"))


def fills_of(session: Session, order_id: int) -> list[Fill]:
    return list(session.scalars(_OF_ORDER, {"order_id": order_id}))


def record_fill(session: Session, order_id: int, *, key: str, quantity: int, price: int,
                filled_at: dt.datetime, recorded_at: dt.datetime,
                source: FillSource = FillSource.NOTICE, costs: TradingCosts,
                charged: TradeCosts | None = None) -> Fill | None:
    """Record that ``quantity`` shares of the order executed at ``price``; None if the
    fill ``key`` is already recorded with the same figures. The commission and tax are
    ``charged`` if the broker said, else those of ``costs`` for ``filled_at``'s date."""
    _check_key(key)
    _positive(quantity, "quantity")
    _positive(price, "price")
    aware(filled_at, "filled_at")
    source = _source(source)
    order = get_order(session, order_id, lock=True)
    known = _known(session, order.id, key)
    if known is not None:
        if (known.quantity, known.value) != (quantity, quantity * price):
            raise FillConflictError(f"fill {key!r} of order {order.id} is recorded as "
                                    f"{known.quantity} x {known.price}")
        return None
    return _apply(session, order, key, quantity, quantity * price, filled_at, recorded_at,
                  source, charged or _costs(costs, order, quantity * price,
                                                         filled_at))


def sync_fills(session: Session, order_id: int, *, total_quantity: int, total_value: int,
               filled_at: dt.datetime, recorded_at: dt.datetime, costs: TradingCosts,
               source: FillSource = FillSource.REST) -> Fill | None:
    """Bring the order's fills up to the broker's cumulative ``total_quantity`` shares
    for ``total_value`` KRW (KIS: tot_ccld_qty, tot_ccld_amt) with one fill of the
    difference; None if nothing is missing."""
    _positive(total_quantity, "total_quantity", zero=True)
    _positive(total_value, "total_value", zero=True)
    aware(filled_at, "filled_at")
    source = _source(source)
    order = get_order(session, order_id, lock=True)
    quantity = total_quantity - order.filled_quantity
    value = total_value - order.filled_value
    if quantity == 0 and value == 0:
        return None
    if quantity <= 0 or value <= 0:
        raise FillConflictError(
            f"the broker reports {total_quantity} shares for {total_value} KRW filled on "
            f"order {order.id}; {order.filled_quantity} for {order.filled_value} are recorded")
    key = f"total:{total_quantity}"
    return _apply(session, order, key, quantity, value, filled_at, recorded_at,
                  source, _costs(costs, order, value, filled_at))


def _source(source: object) -> FillSource:
    allowed = tuple(member.value for member in FillSource)
    return FillSource(validate.choice(source, allowed, "source"))


def _check_key(key: object) -> None:
    if not isinstance(key, str) or not 0 < len(key) <= _KEY:
        raise InvalidInputError("key", key, f"a string of 1 to {_KEY} characters")


def _positive(value: object, argument: str, *, zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if zero else 1):
        raise InvalidInputError(argument, value, "a whole number" + (" >= 0" if zero else " > 0"))


def _known(session: Session, order_id: int, key: str) -> Fill | None:
    return session.scalars(_BY_KEY, {"order_id": order_id, "key": key}).one_or_none()


def _costs(costs: TradingCosts, order: Order, value: int, at: dt.datetime) -> TradeCosts:
    # The tax rate follows the settlement date of the KST trading day of the fill.
    return costs.of(order.side, value, at.astimezone(KST).date(), Market(order.market),
                    InstrumentKind(order.kind))


def _apply(session: Session, order: Order, key: str, quantity: int, value: int,
           filled_at: dt.datetime, recorded_at: dt.datetime, source: FillSource,
           charged: TradeCosts) -> Fill:
    if OrderState(order.state) not in FILLABLE_STATES:
        raise OrderStateError(order.id, order.state, "filled")
    if order.filled_quantity + quantity > order.quantity:
        raise FillConflictError(f"{quantity} more shares would fill order {order.id} beyond "
                                f"its {order.quantity} ({order.filled_quantity} filled)")
    execution = Execution(OrderSide(order.side), quantity, value, charged.commission, charged.tax)
    realized, trade_id = _apply_to_trade(session, order, execution, filled_at)
    fill = Fill(order_id=order.id, fill_key=key, source=source.value, quantity=quantity,
                price=average(value, quantity), value=value, commission=charged.commission,
                tax=charged.tax, realized_pnl=realized, filled_at=filled_at,
                recorded_at=recorded_at)
    session.add(fill)
    session.flush()
    filled = order.filled_quantity + quantity
    changes: dict[str, object] = {"filled_quantity": filled,
                                  "filled_value": order.filled_value + value,
                                  "updated_at": recorded_at}
    if filled == order.quantity and order.state != OrderState.CANCELED:
        changes["state"] = OrderState.FILLED.value
    elif order.state == OrderState.ACCEPTED:
        changes["state"] = OrderState.PARTIALLY_FILLED.value
    if trade_id != order.trade_id:
        changes["trade_id"] = trade_id
    _write(session, order, **changes)
    return fill


def _apply_to_trade(session: Session, order: Order, execution: Execution,
                    at: dt.datetime) -> tuple[int | None, int | None]:
    """The sale's realized P&L (None for a buy), and the order's trade afterwards."""
    if execution.side is OrderSide.SELL:
        assert order.trade_id is not None  # the schema requires it for sales
        trade = get_trade(session, order.trade_id, lock=True)
        realized = close_trade(session, trade, execution, reason=order.reason, at=at)
        return realized.pnl, order.trade_id
    held = get_trade(session, order.trade_id, lock=True) if order.trade_id else None
    if held is not None and held.trade_status == TradeStatus.OPEN:
        add_to_trade(session, held, execution, at)
        return None, order.trade_id
    # A first buy, or a buy for a trade that closed meanwhile: a new trade.
    opened = open_trade(session, ticker=order.ticker, fill=execution, at=at,
                        market=Market(order.market), kind=InstrumentKind(order.kind),
                        strategy=order.strategy, reason=order.reason)
    return None, opened.id

