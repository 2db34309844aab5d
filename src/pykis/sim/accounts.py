"""Accounts, positions, orders and fills: the simulator's ledger, with no I/O.

Cash settles T+2 like a real account: each fill books a cash movement on its settlement
date, so the deposit (예수금), D+1 and D+2 balances are all derived from the movements.
Sale proceeds can be spent at once (they count in D+2 cash), as at KIS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from itertools import islice

from pykis.models import OrderSide
from pykis.sim.env import Env, EnvProfile

__all__ = ["Account", "CashMovement", "DayTotals", "Fill", "Order", "OrderKind", "Position"]

# T+2 trading days never spans more calendar days than this, even over Chuseok and New
# Year; movements older than that have settled.
SETTLEMENT_HORIZON = 20


class OrderKind(StrEnum):
    NEW = "new"
    AMEND = "amend"
    CANCEL = "cancel"


@dataclass
class Fill:
    number: int  # fill sequence number, unique in the simulator
    odno: int
    code: str
    side: OrderSide
    qty: int
    price: int
    ts: float
    day: dt.date
    commission: int
    transaction_tax: int
    rural_tax: int

    @property
    def value(self) -> int:
        return self.qty * self.price

    @property
    def costs(self) -> int:
        return self.commission + self.transaction_tax + self.rural_tax


@dataclass(frozen=True)
class DayTotals:
    """A day's fills summed: shares by (symbol, side), value by side, and costs."""

    shares: dict[tuple[str, OrderSide], int]
    value: dict[OrderSide, int]
    costs: int

    @classmethod
    def of(cls, fills: Iterable[Fill]) -> DayTotals:
        shares: dict[tuple[str, OrderSide], int] = {}
        value = dict.fromkeys(OrderSide, 0)
        costs = 0
        for fill in fills:
            costs += fill.costs
            if fill.side is not OrderSide.BUY and fill.side is not OrderSide.SELL:
                continue  # counted as neither, as inquiries compare sides by identity
            key = (fill.code, fill.side)
            shares[key] = shares.get(key, 0) + fill.qty
            value[fill.side] += fill.value
        return cls(shares, value, costs)


@dataclass
class Order:
    """One order record as KIS books it: a new order, an amendment or a cancellation."""

    number: int
    account: Account
    code: str
    side: OrderSide
    dvsn: str  # ORD_DVSN as sent
    qty: int
    price: int  # limit price; 0 for price-less types
    ts: float
    day: dt.date
    tr_id: str
    exchange: str = "KRX"
    kind: OrderKind = OrderKind.NEW
    original: int | None = None  # ORGN_ODNO for amendments and cancellations
    filled: int = 0
    filled_value: int = 0
    canceled: int = 0  # cancelled by the user or by IOC/FOK
    amended: int = 0  # moved to an amendment order
    expired: bool = False  # the session ended with a remainder
    # Index of the last market trade of the day this order has been matched against.
    # Indexes, not times: with a frozen clock a trade can share the order's timestamp
    # and still come after it (a price moved by hand right after the order).
    seen: int = -1
    fills: list[Fill] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        if self.kind == OrderKind.CANCEL:
            return 0
        return self.qty - self.filled - self.canceled - self.amended

    @property
    def is_open(self) -> bool:
        return self.remaining > 0 and not self.expired

    @property
    def average_price(self) -> int:
        return round(self.filled_value / self.filled) if self.filled else 0


@dataclass
class Position:
    code: str
    qty: int = 0
    avg_price: Decimal = Decimal(0)

    def buy(self, qty: int, price: int) -> None:
        total = self.avg_price * self.qty + Decimal(price * qty)
        self.qty += qty
        self.avg_price = (total / self.qty).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    def sell(self, qty: int) -> None:
        self.qty -= qty


@dataclass(frozen=True, slots=True)
class CashMovement:
    trade_day: dt.date
    settle_day: dt.date
    amount: int  # signed: purchases negative, sales positive (costs included)


@dataclass
class Account:
    env: Env
    profile: EnvProfile
    cano: str  # 8 digits
    product: str  # ACNT_PRDT_CD, "01" for stock accounts
    app_key: str
    app_secret: str
    hts_id: str
    initial_cash: int
    positions: dict[str, Position] = field(default_factory=dict)
    movements: list[CashMovement] = field(default_factory=list)
    orders: dict[int, Order] = field(default_factory=dict)
    # Orders that may still trade; closed ones are pruned on the next look, so matching
    # never walks the whole order history.
    working: dict[int, Order] = field(default_factory=dict)
    _booked: int = 0  # sum of every movement's amount
    # Every fill, oldest first (by number), and by trade day: the exchange books each
    # fill here as it happens, so that inquiries need not gather them from every order.
    _fill_log: list[Fill] = field(default_factory=list, init=False, repr=False,
                                  compare=False)
    _fills_by_day: dict[dt.date, list[Fill]] = field(default_factory=dict, init=False,
                                                     repr=False, compare=False)
    _day_totals: dict[dt.date, tuple[int, DayTotals]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    # Orders by day, as of the order count they were built at (orders are only added).
    _day_index: tuple[int, dict[dt.date, list[Order]]] | None = field(
        default=None, init=False, repr=False, compare=False)
    # Sums of recent movements by (kind, day), as of the movement count they were taken at.
    _sums: tuple[int, dict[tuple[str, dt.date], int]] | None = field(
        default=None, init=False, repr=False, compare=False)

    @property
    def number(self) -> str:
        """The 10-digit account number: CANO followed by the product code."""
        return self.cano + self.product

    def position(self, code: str) -> Position:
        return self.positions.setdefault(code, Position(code))

    def book(self, movement: CashMovement, fill: Fill | None = None) -> None:
        """Book a cash movement, and the fill (of one of this account's orders, numbered
        after every fill booked before) that made it."""
        self.movements.append(movement)
        self._booked += movement.amount
        if fill is not None:
            self._fill_log.append(fill)
            self._fills_by_day.setdefault(fill.day, []).append(fill)

    def cash(self, as_of: dt.date | None = None) -> int:
        """Cash once everything settled by ``as_of`` (None: everything booked).

        Called on every order, so it takes the running total and walks back only over
        the recent movements that may not have settled yet.
        """
        total = self.initial_cash + self._booked
        if as_of is None:
            return total
        return total - self._recent_sum("unsettled", as_of)

    def cash_traded_before(self, day: dt.date) -> int:
        """Cash counting only the trades of days before ``day``."""
        return self.initial_cash + self._booked - self._recent_sum("traded", day)

    def unsettled_sales(self, as_of: dt.date) -> int:
        """Proceeds of sales that settle after ``as_of`` (usable again at once)."""
        return self._recent_sum("sales", as_of)

    def _recent_sum(self, kind: str, day: dt.date) -> int:
        """The sum of the recent movements of ``kind`` as of ``day``, kept until the next
        movement: a balance inquiry asks for several, and every order for some."""
        count = len(self.movements)
        if self._sums is None or self._sums[0] != count:
            self._sums = (count, {})
        sums = self._sums[1]
        key = (kind, day)
        if key not in sums:
            recent = self._recent(day)
            if kind == "unsettled":
                sums[key] = sum(m.amount for m in recent if m.settle_day > day)
            elif kind == "traded":
                sums[key] = sum(m.amount for m in recent if m.trade_day >= day)
            else:
                sums[key] = sum(m.amount for m in recent if m.amount > 0 and m.settle_day > day)
        return sums[key]

    def _recent(self, day: dt.date) -> Iterator[CashMovement]:
        """The movements that may not have settled by ``day``, newest first."""
        horizon = day - dt.timedelta(days=SETTLEMENT_HORIZON)
        for movement in reversed(self.movements):
            if movement.trade_day < horizon:
                return
            yield movement

    def open_orders(self) -> list[Order]:
        for number in [n for n, o in self.working.items() if not o.is_open]:
            del self.working[number]
        return list(self.working.values())

    def open_sell_qty(self, code: str) -> int:
        return sum(o.remaining for o in self.open_orders() if o.code == code and o.side == "sell")

    def sellable(self, code: str) -> int:
        held = self.positions[code].qty if code in self.positions else 0
        return held - self.open_sell_qty(code)

    def orders_between(self, start: dt.date, end: dt.date) -> list[Order]:
        """The orders of the days ``start`` to ``end``, by day; the daily order list asks
        for a day's many times, and walking the whole history each time was quadratic."""
        indexed, by_day = self._day_index or (0, {})
        if indexed != len(self.orders):  # new orders come last in ``orders``
            for order in islice(self.orders.values(), indexed, None):
                by_day.setdefault(order.day, []).append(order)
            self._day_index = (len(self.orders), by_day)
        return [o for day in sorted(by_day) if start <= day <= end for o in by_day[day]]

    def fills(self, day: dt.date | None = None) -> list[Fill]:
        """Every fill (of ``day``), oldest first."""
        return list(self._fill_log if day is None else self._fills_by_day.get(day, ()))

    def day_totals(self, day: dt.date) -> DayTotals:
        """The totals of ``day``'s fills, kept until its next fill: a balance inquiry
        needs them for every holding, and inquiries come many times between fills."""
        fills = self._fills_by_day.get(day, ())
        known = self._day_totals.get(day)
        if known is None or known[0] != len(fills):
            known = self._day_totals[day] = (len(fills), DayTotals.of(fills))
        return known[1]

    def fill_days(self) -> dict[dt.date, list[Fill]]:
        """The fills by trade day (do not modify)."""
        return self._fills_by_day
