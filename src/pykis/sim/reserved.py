"""Reserved orders (예약주문): orders taken while the market is closed and sent to the
exchange at the open of their trading day. No I/O.

KIS (order-resv CTSC0008U, order-resv-ccnl CTSC0004R, order-resv-rvsecncl CTSC0009U
cancel / CTSC0013U amend; real only):

* A reservation without an end date (일반예약주문) is sent once, on the first trading day
  to come. With an end date (기간예약주문, at most 30 calendar days ahead) what is still
  unfilled is sent again every trading day until that date.
* Refusals happen when it is sent (cash, sellable quantity, price limits...): KIS does
  not notify them; the reservation list shows the result.

Choices where KIS's behaviour is not established, kept in ``ReservedRules`` [U]:

* When it is sent: at the regular open (09:00, 10:00 on late days) of its day, as a new
  order of the exchange with the open as its time, matched from there on.
* KIS takes reservations from 15:40 to 07:30 of the next trading day only; the
  simulator takes them at any time unless ``enforce_hours`` (so scripts and checks run
  whenever they are started). A reservation made before the day's open is for that day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pykis.models import OrderSide
from pykis.sim.accounts import Account, Order
from pykis.sim.errors import SimError
from pykis.sim.exchange import Exchange, OrderRequest

__all__ = ["Reservation", "ReservedBook", "ReservedRules"]

MAX_PERIOD_DAYS = 30  # 예약종료일: up to 30 calendar days after the next trading day [V]
SENDABLE = ("00", "01")  # 지정가, 시장가; 02 조건부지정가 and 05 장전시간외 are not simulated


@dataclass(frozen=True)
class ReservedRules:
    enforce_hours: bool = False
    opens: dt.time = dt.time(15, 40)  # reservations taken from (KST) [V portal note]
    closes: dt.time = dt.time(7, 30)  # until, on the next trading day [V portal note]


@dataclass
class Reservation:
    seq: int  # RSVN_ORD_SEQ
    account: Account
    code: str
    side: OrderSide
    qty: int
    price: int
    dvsn: str  # ORD_DVSN_CD
    made: dt.datetime  # when KIS took it (rsvn_ord_ord_dt / rcit)
    first_day: dt.date  # the trading day it is first sent
    end_day: dt.date | None  # 기간예약: sent each day until then
    canceled_at: dt.datetime | None = None
    orders: list[Order] = field(default_factory=list)  # what it became, one a day
    refusal: str = ""  # why the exchange refused it, as KIS's text
    sent_days: set[dt.date] = field(default_factory=set)

    @property
    def last_day(self) -> dt.date:
        return self.end_day or self.first_day

    @property
    def filled(self) -> int:
        return sum(o.filled for o in self.orders)

    @property
    def filled_value(self) -> int:
        return sum(o.filled_value for o in self.orders)

    @property
    def remaining(self) -> int:
        return self.qty - self.filled

    @property
    def pending(self) -> bool:
        """Still waiting to be sent (and not cancelled)."""
        return self.canceled_at is None and not self.orders and not self.refusal


class ReservedBook:
    """Every account's reservations; ``release`` sends those due, before each look at
    the market (``Exchange.before_sync``)."""

    def __init__(self, exchange: Exchange, rules: ReservedRules | None = None) -> None:
        self.exchange = exchange
        self.rules = rules or ReservedRules()
        self._items: list[Reservation] = []
        self._next_seq = 88001  # KIS's samples show 5-digit sequences
        self._releasing = False  # release syncs the exchange, whose sync calls release

    @property
    def calendar(self):
        return self.exchange.market.calendar

    # --- taking, amending, cancelling ---------------------------------------------------
    def reserve(self, account: Account, code: str, side: OrderSide, qty: int, price: int,
                dvsn: str, end_day: dt.date | None, now: dt.datetime) -> Reservation:
        self._check_hours(now)
        first = self.first_day(now)
        if end_day is not None:
            latest = first + dt.timedelta(days=MAX_PERIOD_DAYS)
            if not first <= end_day <= latest:
                raise SimError("OPSQ2001", text="ERROR INVALID RSVN_ORD_END_DT")
        item = Reservation(self._next_seq, account, code, side, qty, price, dvsn, now, first,
                           end_day)
        self._next_seq += 1
        self._items.append(item)
        return item

    def first_day(self, now: dt.datetime) -> dt.date:
        """Today if its open is still ahead, else the next trading day."""
        today = now.date()
        schedule = self.calendar.schedule(today)
        if schedule is not None and now < schedule.regular_open:
            return today
        return self.calendar.next_trading_day(today)

    def _check_hours(self, now: dt.datetime) -> None:
        if not self.rules.enforce_hours:
            return
        moment = now.time()
        if self.rules.closes < moment < self.rules.opens:
            raise SimError("APBK0918")

    def find(self, account: Account, seq: int) -> Reservation | None:
        return next((r for r in self._items if r.account is account and r.seq == seq), None)

    def cancel(self, item: Reservation, now: dt.datetime) -> None:
        """Cancel what has not been sent yet (a period reservation stops being sent)."""
        if item.canceled_at is not None or (not item.pending and item.end_day is None):
            raise SimError("APBK0344")
        item.canceled_at = now

    def amend(self, item: Reservation, qty: int, price: int, dvsn: str,
              end_day: dt.date | None) -> None:
        if not item.pending:
            raise SimError("APBK0344")
        item.qty, item.price, item.dvsn = qty, price, dvsn
        if end_day is not None:
            item.end_day = end_day

    def of(self, account: Account) -> list[Reservation]:
        return [r for r in self._items if r.account is account]

    # --- sending at the open -------------------------------------------------------------
    def release(self, accounts: list[Account], now: dt.datetime) -> None:
        """Send every reservation whose day has opened by ``now``, at that open, day by
        day: the market is matched up to each open first, so a period reservation sends
        only what the day before left unfilled."""
        if self._releasing:
            return
        due = sorted({day for item in self._live() for day in self._due_days(item, now)})
        self._releasing = True
        try:
            for day in due:
                opening = self.exchange.market.schedule(day).regular_open
                self.exchange.sync(accounts, opening)
                for item in self._live():
                    if day in self._due_days(item, now):
                        self._send(item, day)
        finally:
            self._releasing = False

    def _live(self) -> list[Reservation]:
        return [r for r in self._items if r.canceled_at is None and not r.refusal]

    def _due_days(self, item: Reservation, now: dt.datetime) -> list[dt.date]:
        days = []
        for day in self.calendar.trading_days(item.first_day, min(item.last_day, now.date())):
            schedule = self.exchange.market.schedule(day)
            if day not in item.sent_days and now >= schedule.regular_open:
                days.append(day)
        return days

    def _send(self, item: Reservation, day: dt.date) -> None:
        item.sent_days.add(day)
        if item.remaining <= 0 or item.refusal:
            return
        opening = self.exchange.market.schedule(day).regular_open
        request = OrderRequest(item.code, item.side, item.dvsn, item.remaining, item.price,
                               "CTSC0008U")
        try:
            item.orders.append(self.exchange.place(item.account, request, opening))
        except SimError as error:
            item.refusal = error.text
