"""The engine's tables: trades, orders and fills (SQLAlchemy 2 typed mappings).

Money is whole KRW in BIGINT columns; only averages and percentages are decimals
(:class:`ExactDecimal`, never a float). Constraints have fixed names, so that later
migrations can address them on every database.

``orders`` keeps what the engine intended apart from what the broker reported, as
freqtrade keeps its ``ft_*`` columns: the intent columns are written before the order is
sent and never change; ``state`` is the engine's view (see :mod:`.states`); the
``broker_*`` columns hold what KIS said, written after; ``filled_*`` sum the ``fills``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from pykis.engine.store.columns import ExactDecimal, UTCDateTime
from pykis.engine.store.states import FillSource, OrderState, TradeStatus
from pykis.market import InstrumentKind, Market
from pykis.models import OrderSide

__all__ = ["Base", "EquityMark", "Fill", "Order", "Trade"]

NAMING = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}

Money = Annotated[int, mapped_column(BigInteger)]
Moment = Annotated[dt.datetime, mapped_column(UTCDateTime)]
Average = Annotated[Decimal, mapped_column(ExactDecimal)]


def _one_of(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(v.value)) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Trade(Base):
    """A position from its first buy to its last sale (average cost, whole KRW)."""

    __tablename__ = "trades"
    __table_args__ = (
        CheckConstraint(_one_of("trade_status", TradeStatus), name="trade_status"),
        CheckConstraint(_one_of("market", Market), name="market"),
        CheckConstraint(_one_of("kind", InstrumentKind), name="kind"),
        CheckConstraint("open_quantity >= 0 AND open_quantity <= quantity", name="open_quantity"),
        # No ghost positions: a trade is open exactly while it holds shares.
        CheckConstraint(
            "(trade_status = 'OPEN' AND open_quantity > 0)"
            " OR (trade_status = 'CLOSED' AND open_quantity = 0)",
            name="status_matches_quantity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy: Mapped[str] = mapped_column(String(64), default="")
    ticker: Mapped[str] = mapped_column(String(12), index=True)
    market: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(8))
    trade_status: Mapped[str] = mapped_column(String(8), index=True)
    quantity: Mapped[int]  # shares bought in total
    open_quantity: Mapped[int]  # shares still held
    entry_price: Mapped[Average]  # average buy price of all buys, commission excluded
    exit_price: Mapped[Average | None]  # average sale price so far
    buy_value: Mapped[Money]
    sell_value: Mapped[Money] = mapped_column(default=0)
    open_cost: Mapped[Money]  # traded value of the shares held (average cost)
    open_fees: Mapped[Money]  # buy commission of the shares held
    fees: Mapped[Money] = mapped_column(default=0)  # commission paid, both sides
    tax: Mapped[Money] = mapped_column(default=0)  # sale taxes paid
    pnl: Mapped[Money] = mapped_column(default=0)  # realized, fees and tax included
    realized_basis: Mapped[Money] = mapped_column(default=0)  # cost of the shares sold
    pnl_percent: Mapped[Average | None]  # pnl / realized_basis x 100
    entry_reason: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)  # why it was (last) sold
    opened_at: Mapped[Moment]
    closed_at: Mapped[Moment | None]
    updated_at: Mapped[Moment]
    # The highest price seen while the trade was open: where a trailing stop trails from.
    high_price: Mapped[int | None] = mapped_column(BigInteger)

    orders: Mapped[list[Order]] = relationship(back_populates="trade", order_by="Order.id")

    @property
    def is_open(self) -> bool:
        return self.trade_status == TradeStatus.OPEN


class Order(Base):
    """One order: the engine's intent, its state, and what the broker reported."""

    __tablename__ = "orders"
    __table_args__ = (
        # KIS numbers orders per trading day, so the number alone may come back.
        UniqueConstraint("broker_order_date", "broker_order_id"),
        CheckConstraint(_one_of("side", OrderSide), name="side"),
        CheckConstraint(_one_of("state", OrderState), name="state"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("limit_price IS NULL OR limit_price > 0", name="limit_price"),
        CheckConstraint("filled_quantity >= 0 AND filled_quantity <= quantity", name="filled"),
        CheckConstraint(
            "broker_order_id IS NULL OR broker_order_date IS NOT NULL", name="broker_order_date"
        ),
        CheckConstraint("side = 'buy' OR trade_id IS NOT NULL", name="sell_has_trade"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # intent: written before the order is sent, never changed
    client_order_id: Mapped[str] = mapped_column(String(40), unique=True)
    trade_id: Mapped[int | None] = mapped_column(ForeignKey("trades.id"), index=True)
    strategy: Mapped[str] = mapped_column(String(64), default="")
    ticker: Mapped[str] = mapped_column(String(12), index=True)
    market: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(8))
    side: Mapped[str] = mapped_column(String(4))
    order_type: Mapped[str] = mapped_column(String(16))
    time_in_force: Mapped[str | None] = mapped_column(String(3))
    quantity: Mapped[int]
    limit_price: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[Moment]
    # the engine's view
    state: Mapped[str] = mapped_column(String(16), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[Moment | None]
    updated_at: Mapped[Moment]
    filled_quantity: Mapped[int] = mapped_column(default=0)
    filled_value: Mapped[Money] = mapped_column(default=0)
    # what the broker reported
    broker_order_id: Mapped[str | None] = mapped_column(String(10))
    broker_order_date: Mapped[dt.date | None] = mapped_column(Date)
    broker_org_no: Mapped[str | None] = mapped_column(String(10))
    broker_status: Mapped[str | None] = mapped_column(String(16))
    broker_filled_quantity: Mapped[int | None]
    broker_average_price: Mapped[Average | None]
    broker_updated_at: Mapped[Moment | None]

    trade: Mapped[Trade | None] = relationship(back_populates="orders")
    fills: Mapped[list[Fill]] = relationship(back_populates="order", order_by="Fill.id")

    @property
    def remaining(self) -> int:
        return self.quantity - self.filled_quantity


class Fill(Base):
    """One execution of an order, recorded once: ``(order_id, fill_key)`` is unique."""

    __tablename__ = "fills"
    __table_args__ = (
        UniqueConstraint("order_id", "fill_key"),
        CheckConstraint(_one_of("source", FillSource), name="source"),
        CheckConstraint("quantity > 0 AND value > 0", name="quantity"),
        CheckConstraint("commission >= 0 AND tax >= 0", name="costs"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    fill_key: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[int]
    price: Mapped[Average]  # value / quantity (a difference of REST totals may be fractional)
    value: Mapped[Money]
    commission: Mapped[Money]
    tax: Mapped[Money]
    realized_pnl: Mapped[Money | None]  # what a sale realized (None for buys)
    filled_at: Mapped[Moment] = mapped_column(index=True)
    recorded_at: Mapped[Moment]

    order: Mapped[Order] = relationship(back_populates="fills")


class EquityMark(Base):
    """The account's equity when the engine first valued it on a KST trading day: the
    base of the daily loss limit, kept so that a restart does not reset the limit."""

    __tablename__ = "equity_marks"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    equity: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[Moment]
