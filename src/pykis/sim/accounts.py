"""Accounts, positions, orders and fills: the simulator's ledger, with no I/O.

Cash settles T+2 like a real account: each fill books a cash movement on its settlement
date, so the deposit (예수금), D+1 and D+2 balances are all derived from the movements.
Sale proceeds can be spent at once (they count in D+2 cash), as at KIS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from pykis.models import OrderSide
from pykis.sim.env import Env, EnvProfile

__all__ = ["Account", "CashMovement", "Fill", "Order", "OrderKind", "Position"]

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
    # Every fill, oldest first, and by trade day, as of the movement count they were
    # built at: each fill books exactly one movement, so a new fill changes the count.
    _fill_index: tuple[int, int, list[Fill], dict[dt.date, list[Fill]]] | None = field(
        default=None, init=False, repr=False, compare=False)

    @property
    def number(self) -> str:
        """The 10-digit account number: CANO followed by the product code."""
        return self.cano + self.product

    def position(self, code: str) -> Position:
        return self.positions.setdefault(code, Position(code))

    def book(self, movement: CashMovement) -> None:
        self.movements.append(movement)
        self._booked += movement.amount

    def cash(self, as_of: dt.date | None = None) -> int:
        """Cash once everything settled by ``as_of`` (None: everything booked).

        Called on every order, so it takes the running total and walks back only over
        the recent movements that may not have settled yet.
        """
        total = self.initial_cash + self._booked
        if as_of is None:
            return total
        return total - sum(m.amount for m in self._recent(as_of) if m.settle_day > as_of)

    def cash_traded_before(self, day: dt.date) -> int:
        """Cash counting only the trades of days before ``day``."""
        total = self.initial_cash + self._booked
        return total - sum(m.amount for m in self._recent(day) if m.trade_day >= day)

    def unsettled_sales(self, as_of: dt.date) -> int:
        """Proceeds of sales that settle after ``as_of`` (usable again at once)."""
        return sum(m.amount for m in self._recent(as_of)
                   if m.amount > 0 and m.settle_day > as_of)

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

    def fills(self, day: dt.date | None = None) -> list[Fill]:
        every, by_day = self._fills()
        return list(every if day is None else by_day.get(day, ()))

    def fill_days(self) -> dict[dt.date, list[Fill]]:
        """The fills by trade day (do not modify)."""
        return self._fills()[1]

    def _fills(self) -> tuple[list[Fill], dict[dt.date, list[Fill]]]:
        """Every fill sorted by number, and by day; rebuilt only after a new fill, since
        inquiries ask for them many times between two fills."""
        key = (len(self.orders), len(self.movements))
        index = self._fill_index
        if index is None or index[:2] != key:
            every = sorted((f for o in self.orders.values() for f in o.fills),
                           key=lambda f: f.number)
            by_day: dict[dt.date, list[Fill]] = {}
            for fill in every:
                by_day.setdefault(fill.day, []).append(fill)
            index = self._fill_index = (*key, every, by_day)
        return index[2], index[3]
