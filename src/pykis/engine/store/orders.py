"""Orders in the store: the intent, written before anything is sent, and its moves
through the states of :mod:`.states`. Every function works inside the caller's
transaction and locks the rows it changes (``SELECT ... FOR UPDATE`` on PostgreSQL;
SQLite transactions are ``BEGIN IMMEDIATE``, one writer at a time)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from pykis.api import validate
from pykis.api.order import ORDER_TYPES
from pykis.engine.store.errors import OrderStateError, OversellError
from pykis.engine.store.schema import Order, Trade
from pykis.engine.store.states import (
    ACTIVE_STATES,
    TRANSITIONS,
    UNRESOLVED_STATES,
    WORKING_STATES,
    OrderState,
    TradeStatus,
)
from pykis.exceptions import InvalidInputError
from pykis.market import KST, InstrumentKind, Market
from pykis.models import OrderSide, OrderStatus

__all__ = [
    "OrderIntent",
    "active_orders",
    "all_orders",
    "broker_order_ids",
    "find_broker_order",
    "find_order",
    "get_order",
    "mark_accepted",
    "mark_adopted",
    "mark_canceled",
    "mark_dropped",
    "mark_rejected",
    "mark_sent",
    "mark_unknown",
    "orders_in",
    "orders_of_trade",
    "pending_sell_quantity",
    "record_broker_report",
    "record_intent",
    "refused_after_sending",
    "traded_tickers",
    "unresolved_orders",
    "working_orders",
]

_PRICED_TYPES = {"limit"}
_CLIENT_ID = 40  # column width


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


def _new_client_order_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """An order the engine means to send, checked before it is recorded.

    ``trade_id``: the trade a sale reduces (required), or an open trade a buy adds to
    (None opens a new trade on the first fill). ``order_type`` and ``time_in_force`` are
    those of :func:`pykis.api.order.create_order`.
    """

    ticker: str
    side: OrderSide
    quantity: int
    order_type: str = "limit"
    limit_price: int | None = None
    time_in_force: str | None = None
    trade_id: int | None = None
    reason: str = ""
    strategy: str = ""
    market: Market = Market.KOSPI
    kind: InstrumentKind = InstrumentKind.STOCK
    client_order_id: str = field(default_factory=_new_client_order_id)

    def __post_init__(self) -> None:
        validate.symbol(self.ticker, "ticker")
        # Strings are accepted and stored as the enums.
        for name, enum in (("side", OrderSide), ("market", Market), ("kind", InstrumentKind)):
            value = validate.choice(getattr(self, name), _values(enum), name)
            object.__setattr__(self, name, enum(value))
        validate.amount(self.quantity, "quantity")
        self._check_type()
        self._check_price(self.kind)
        self._check_trade()
        self._check_texts()

    def _check_trade(self) -> None:
        if self.trade_id is not None:
            validate.amount(self.trade_id, "trade_id")
        elif self.side is OrderSide.SELL:
            raise InvalidInputError("trade_id", None, "the id of the trade a sale reduces")

    def _check_texts(self) -> None:
        for name in ("reason", "strategy"):
            if not isinstance(getattr(self, name), str):
                raise InvalidInputError(name, getattr(self, name), "a string")
        cid = self.client_order_id
        if not isinstance(cid, str) or not 0 < len(cid) <= _CLIENT_ID:
            raise InvalidInputError("client_order_id", cid, f"1 to {_CLIENT_ID} characters")

    def _check_type(self) -> None:
        if (self.order_type, self.time_in_force) not in ORDER_TYPES:
            types = sorted({kind for kind, _ in ORDER_TYPES})
            validate.choice(self.order_type, types, "order_type")
            raise InvalidInputError("time_in_force", self.time_in_force,
                                    f"None, 'IOC' or 'FOK' for a {self.order_type!r} order")

    def _check_price(self, kind: InstrumentKind) -> None:
        if self.order_type in _PRICED_TYPES:
            validate.price(self.limit_price, kind, "limit_price")
        elif self.limit_price is not None:
            raise InvalidInputError("limit_price", self.limit_price,
                                    f"None: a {self.order_type!r} order takes no price")


# ------------------------------------------------------------------------------ reading


# Statements built once: building and coercing a query costs more than running it on
# SQLite, and the engine reads an order several times for each order it sends.
_BY_ID = select(Order).where(Order.id == bindparam("order_id"))
_BY_ID_LOCKED = _BY_ID.with_for_update().execution_options(populate_existing=True)
_BY_CLIENT_ID = select(Order).where(Order.client_order_id == bindparam("client_order_id"))
_BY_BROKER_ID = select(Order).where(Order.broker_order_id == bindparam("number"),
                                    Order.broker_order_date == bindparam("day"))
_IN_STATES = select(Order).where(Order.state.in_(bindparam("states", expanding=True)))
_IN_STATES_OF = _IN_STATES.where(Order.ticker == bindparam("ticker"))
_IN_STATES, _IN_STATES_OF = _IN_STATES.order_by(Order.id), _IN_STATES_OF.order_by(Order.id)


def get_order(session: Session, order_id: int, *, lock: bool = False) -> Order:
    order = session.scalars(_BY_ID_LOCKED if lock else _BY_ID,
                            {"order_id": order_id}).one_or_none()
    if order is None:
        raise InvalidInputError("order_id", order_id, "the id of a recorded order")
    return order


def find_order(session: Session, client_order_id: str) -> Order | None:
    return session.scalars(_BY_CLIENT_ID, {"client_order_id": client_order_id}).one_or_none()


def find_broker_order(session: Session, broker_order_id: str, order_date: dt.date
                      ) -> Order | None:
    """The order KIS numbered ``broker_order_id`` on ``order_date`` (leading zeros or not)."""
    number = validate.order_id(broker_order_id, "broker_order_id")
    return session.scalars(_BY_BROKER_ID, {"number": number, "day": order_date}).one_or_none()


def orders_in(session: Session, states: Iterable[OrderState], *, ticker: str | None = None
              ) -> list[Order]:
    values = [OrderState(s).value for s in states]
    if ticker is None:
        return list(session.scalars(_IN_STATES, {"states": values}))
    return list(session.scalars(_IN_STATES_OF, {"states": values, "ticker": ticker}))


def all_orders(session: Session, *, since: dt.datetime | None = None) -> list[Order]:
    query = select(Order)
    if since is not None:
        query = query.where(Order.created_at >= since)
    return list(session.scalars(query.order_by(Order.id)))


def working_orders(session: Session, *, ticker: str | None = None) -> list[Order]:
    """Orders the broker accepted and has not finished (open at the broker)."""
    return orders_in(session, WORKING_STATES, ticker=ticker)


def active_orders(session: Session, *, ticker: str | None = None) -> list[Order]:
    """Orders that may still trade: unresolved or working at the broker."""
    return orders_in(session, ACTIVE_STATES, ticker=ticker)


def orders_of_trade(session: Session, trade_id: int) -> list[Order]:
    return list(session.scalars(select(Order).where(Order.trade_id == trade_id)
                                .order_by(Order.id)))


_NUMBERED_ON = select(Order.broker_order_date, Order.broker_order_id).where(
    Order.broker_order_date.in_(bindparam("days", expanding=True)),
    Order.broker_order_id.is_not(None))


def broker_order_ids(session: Session, days: Iterable[dt.date]) -> set[tuple[dt.date, str]]:
    """(day, number) of every broker order the store already holds on ``days``."""
    rows = session.execute(_NUMBERED_ON, {"days": list(days)})
    return {(day, number) for day, number in rows}


def unresolved_orders(session: Session) -> list[Order]:
    """Orders whose outcome the broker has not confirmed: ``intent`` (never sent: drop
    them), ``sent`` and ``unknown`` (look them up in today's orders)."""
    return orders_in(session, UNRESOLVED_STATES)


_PENDING_SALES = select(func.coalesce(func.sum(Order.quantity - Order.filled_quantity), 0)
                        ).where(Order.trade_id == bindparam("trade_id"),
                                Order.side == OrderSide.SELL.value,
                                Order.state.in_([s.value for s in ACTIVE_STATES]))


def pending_sell_quantity(session: Session, trade_id: int) -> int:
    """Shares of the trade that sell orders not yet finished may still sell."""
    return _pending_sales(_connection(session), trade_id)


def _pending_sales(connection: Connection, trade_id: int) -> int:
    return int(connection.scalar(_PENDING_SALES, {"trade_id": trade_id}) or 0)


def _connection(session: Session) -> Connection:
    """The transaction's connection, for statements that want no objects back (the
    session's own execution costs several times theirs); what the session holds
    unwritten is written first, as before any query through it."""
    if session.autoflush:
        session.flush()
    return session.connection()


# ------------------------------------------------------------------------------ writing


def record_intent(session: Session, intent: OrderIntent, at: dt.datetime) -> Order:
    """Write ``intent`` as an order in state ``intent``; refuse a sale of shares the
    trade does not hold or that other sell orders may already sell."""
    connection = _connection(session)
    if connection.scalar(_CLIENT_ID_TAKEN, {"client_order_id": intent.client_order_id}
                         ) is not None:
        raise InvalidInputError("client_order_id", intent.client_order_id,
                                "an id no recorded order has")
    if intent.trade_id is not None:
        held = _held(connection, intent)
        if intent.side is OrderSide.SELL:
            available = held - _pending_sales(connection, intent.trade_id)
            if intent.quantity > available:
                raise OversellError(intent.trade_id, intent.quantity, available)
    order = Order(
        client_order_id=intent.client_order_id, trade_id=intent.trade_id,
        strategy=intent.strategy, ticker=intent.ticker, market=intent.market.value,
        kind=intent.kind.value, side=intent.side.value, order_type=intent.order_type,
        time_in_force=intent.time_in_force, quantity=intent.quantity,
        limit_price=intent.limit_price, reason=intent.reason, created_at=at,
        state=OrderState.INTENT.value, updated_at=at, filled_quantity=0, filled_value=0,
    )
    session.add(order)
    session.flush()
    return order


_CLIENT_ID_TAKEN = select(Order.id).where(Order.client_order_id == bindparam("client_order_id"))
_HELD = select(Trade.trade_status, Trade.ticker, Trade.open_quantity).where(
    Trade.id == bindparam("trade_id")).with_for_update()


def _held(connection: Connection, intent: OrderIntent) -> int:
    """The shares the intent's trade holds; it must be an open trade of the ticker."""
    # Locked: two sell intents for one trade must not both see the same shares free.
    trade = connection.execute(_HELD, {"trade_id": intent.trade_id}).one_or_none()
    if trade is None or trade.trade_status != TradeStatus.OPEN or trade.ticker != intent.ticker:
        raise InvalidInputError("trade_id", intent.trade_id,
                                f"the id of an open trade of {intent.ticker}")
    return trade.open_quantity


def _move(order: Order, target: OrderState, at: dt.datetime) -> dict[str, object]:
    """The columns that move ``order`` to ``target``; none if it is there already
    (repeating a report is harmless), OrderStateError if the state machine does not
    allow it."""
    current = OrderState(order.state)
    if current is target:
        return {}
    if target not in TRANSITIONS[current]:
        raise OrderStateError(order.id, current.value, target.value)
    return {"state": target.value, "updated_at": at}


def mark_sent(session: Session, order_id: int, at: dt.datetime) -> Order:
    """Commit this just before the request leaves: from now on the order may exist."""
    order = get_order(session, order_id, lock=True)
    if moved := _move(order, OrderState.SENT, at):
        _write(session, order, **moved, sent_at=at)
    return order


def mark_dropped(session: Session, order_id: int, reason: str, at: dt.datetime) -> Order:
    """An intent that will never be sent (dry run, a risk rule, a restart)."""
    return _mark(session, order_id, OrderState.DROPPED, at, reason)


def mark_accepted(session: Session, order_id: int, broker_order_id: str, org_no: str,
                  at: dt.datetime, order_date: dt.date | None = None) -> Order:
    """KIS booked the order as ``broker_order_id`` (ODNO) at branch ``org_no``;
    ``order_date`` (the KST date of ``at`` by default) is the day KIS numbered it."""
    number = validate.order_id(broker_order_id, "broker_order_id")
    day = order_date or at.astimezone(KST).date()
    order = get_order(session, order_id, lock=True)
    if order.broker_order_id is not None:
        if (order.broker_order_id, order.broker_order_date) != (number, day):
            raise InvalidInputError("broker_order_id", broker_order_id,
                                    f"{order.broker_order_id} (of {order.broker_order_date}),"
                                    f" the number order {order.id} already has")
        return order
    return _book(session, order, number, day, org_no, at, _move(order, OrderState.ACCEPTED, at))


def mark_adopted(session: Session, order_id: int, broker_order_id: str, org_no: str,
                 at: dt.datetime, order_date: dt.date) -> Order:
    """An order recorded as ``rejected`` that KIS had booked after all (its answer was
    misread, or KIS booked it after the look-up gave up): it becomes ``accepted``, the
    one way out of ``rejected``, and only for an order that was sent and has no number."""
    number = validate.order_id(broker_order_id, "broker_order_id")
    order = get_order(session, order_id, lock=True)
    if order.state != OrderState.REJECTED.value or order.sent_at is None \
            or order.broker_order_id is not None:
        raise OrderStateError(order.id, order.state, "adopted")
    error = f"booked by KIS as {number} after all; was recorded as: {order.error}"[:500]
    return _book(session, order, number, order_date, org_no, at,
                 {"state": OrderState.ACCEPTED.value, "updated_at": at, "error": error})


def _book(session: Session, order: Order, number: str, day: dt.date, org_no: str,
          at: dt.datetime, moved: dict[str, object]) -> Order:
    """Give the order KIS's number, with the state change ``moved``."""
    if find_broker_order(session, number, day) is not None:
        raise InvalidInputError("broker_order_id", number,
                                f"a number no other order of {day} has")
    return _write(session, order, **moved, broker_order_id=number, broker_order_date=day,
                  broker_org_no=org_no, broker_updated_at=at)


def refused_after_sending(session: Session, since: dt.datetime) -> list[Order]:
    """Orders sent since ``since`` and recorded as refused: KIS may have booked one
    whose answer could not be read, or that it booked after the look-up gave up."""
    return list(session.scalars(select(Order).where(
        Order.state == OrderState.REJECTED.value, Order.sent_at >= since,
        Order.broker_order_id.is_(None)).order_by(Order.id)))


def traded_tickers(session: Session) -> set[str]:
    """Every ticker the engine has ever ordered."""
    return set(session.scalars(select(Order.ticker).distinct()))


def mark_rejected(session: Session, order_id: int, error: str, at: dt.datetime) -> Order:
    """KIS refused the order (it was not executed), or a look-up showed it never arrived."""
    return _mark(session, order_id, OrderState.REJECTED, at, error)


def mark_unknown(session: Session, order_id: int, error: str, at: dt.datetime) -> Order:
    """No answer came back: KIS may have executed the order. Never resend it."""
    return _mark(session, order_id, OrderState.UNKNOWN, at, error)


def mark_canceled(session: Session, order_id: int, at: dt.datetime, error: str | None = None
                   ) -> Order:
    """The remainder will not execute: cancelled, or expired at the close."""
    return _mark(session, order_id, OrderState.CANCELED, at, error or None)


def _mark(session: Session, order_id: int, target: OrderState, at: dt.datetime,
          error: str | None) -> Order:
    """Move the order to ``target``, keeping ``error`` (if any) as why."""
    order = get_order(session, order_id, lock=True)
    if moved := _move(order, target, at):
        _write(session, order, **moved, **({} if error is None else {"error": error}))
    return order


def record_broker_report(session: Session, order_id: int, *, status: str,
                         filled_quantity: int, average_price: Decimal | int | None,
                         at: dt.datetime) -> Order:
    """Keep what KIS last said about the order (``Order.status``, filled, average);
    the engine's state and fills change only through the functions meant for them."""
    if isinstance(filled_quantity, bool) or not isinstance(filled_quantity, int) \
            or filled_quantity < 0:
        raise InvalidInputError("filled_quantity", filled_quantity, "a whole number >= 0")
    if average_price is not None and (isinstance(average_price, bool)
                                      or not isinstance(average_price, (int, Decimal))):
        raise InvalidInputError("average_price", average_price, "None, an int or a Decimal")
    status = OrderStatus(validate.choice(status, [s.value for s in OrderStatus], "status")).value
    order = get_order(session, order_id, lock=True)
    return _write(session, order, broker_status=status, broker_filled_quantity=filled_quantity,
                  broker_average_price=None if average_price is None else Decimal(average_price),
                  broker_updated_at=at)


_UPDATE = update(Order.__table__).where(Order.__table__.c.id == bindparam("order_id"))


def _write(session: Session, order: Order, **values: object) -> Order:
    """Set ``values`` (columns) on the locked ``order``: one UPDATE on the transaction's
    connection now, and the same values on the object as loaded ones (the session's
    flush of a changed object costs several times the statement)."""
    session.connection().execute(_UPDATE, {"order_id": order.id, **values})
    for name, value in values.items():
        set_committed_value(order, name, value)
    return order
