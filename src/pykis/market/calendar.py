"""KRX trading days and the sessions of each day, in Korea Standard Time.

Trading days come from the XKRX financial calendar of the ``holidays`` package (public
holidays, substitute holidays, election days, Labor Day and the year-end closing),
maintained upstream; ``extra_holidays`` and ``extra_trading_days`` override it.

Session times (KST) on a normal day::

    08:30-09:00  PRE_MARKET       off-hours trade at the previous close (08:30-08:40)
                                  and order entry for the opening auction
    09:00-15:20  REGULAR          continuous trading
    15:20-15:30  CLOSING_AUCTION  single-price auction, price set at 15:30
    15:30-18:00  AFTER_HOURS      off-hours trade at today's close (15:40-16:00),
                                  then after-hours single price (16:00-18:00)

The first trading day of a year opens an hour late (10:00). On the college entrance exam
day (수능) the market opens and closes an hour late (10:00-16:30); the exam dates are not
in any calendar library, so they are a table here that callers can extend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

import holidays

from pykis.exceptions import InvalidInputError
from pykis.models.base import KST

__all__ = [
    "DaySchedule",
    "KST",
    "Session",
    "TradingCalendar",
]


# College entrance exam days (수능): opening and closing both one hour late. [S]
EXAM_DAYS: frozenset[dt.date] = frozenset(
    {
        dt.date(2022, 11, 17),
        dt.date(2023, 11, 16),
        dt.date(2024, 11, 14),
        dt.date(2025, 11, 13),
        dt.date(2026, 11, 19),
    }
)
_ONE_HOUR = dt.timedelta(hours=1)


class Session(StrEnum):
    """Phase of a KRX trading day."""

    CLOSED = "closed"
    PRE_MARKET = "pre_market"
    REGULAR = "regular"
    CLOSING_AUCTION = "closing_auction"
    AFTER_HOURS = "after_hours"


@dataclass(frozen=True, slots=True)
class DaySchedule:
    """Session boundaries of one trading day, as KST-aware datetimes."""

    date: dt.date
    pre_market_open: dt.datetime
    regular_open: dt.datetime
    closing_auction_start: dt.datetime
    regular_close: dt.datetime
    after_hours_close: dt.datetime

    def session_at(self, moment: dt.datetime) -> Session:
        """The session in force at ``moment`` (any timezone; naive means KST)."""
        moment = _as_kst(moment)
        if moment.date() != self.date or moment < self.pre_market_open:
            return Session.CLOSED
        if moment < self.regular_open:
            return Session.PRE_MARKET
        if moment < self.closing_auction_start:
            return Session.REGULAR
        if moment < self.regular_close:
            return Session.CLOSING_AUCTION
        if moment < self.after_hours_close:
            return Session.AFTER_HOURS
        return Session.CLOSED


def _as_kst(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=KST)
    return moment.astimezone(KST)


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=KST)


@lru_cache(maxsize=64)
def _library_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.financial_holidays("XKRX", years=year).keys())


@dataclass(frozen=True)
class TradingCalendar:
    """KRX trading days and session schedules, with local overrides."""

    extra_holidays: frozenset[dt.date] = field(default_factory=frozenset)
    extra_trading_days: frozenset[dt.date] = field(default_factory=frozenset)
    late_days: frozenset[dt.date] = EXAM_DAYS
    after_hours_end: dt.time = dt.time(18, 0)

    @classmethod
    def with_overrides(
        cls,
        closed_days: Iterable[dt.date] = (),
        trading_days: Iterable[dt.date] = (),
        late_days: Iterable[dt.date] = (),
    ) -> TradingCalendar:
        """A calendar that also closes ``closed_days``, opens ``trading_days`` and shifts
        ``late_days`` (exam-day hours) on top of the library's calendar."""
        return cls(
            extra_holidays=frozenset(closed_days),
            extra_trading_days=frozenset(trading_days),
            late_days=EXAM_DAYS | frozenset(late_days),
        )

    def is_trading_day(self, day: dt.date) -> bool:
        day = _date(day)
        if day in self.extra_trading_days:
            return True
        if day in self.extra_holidays or day.weekday() >= 5:
            return False
        return day not in _library_holidays(day.year)

    def next_trading_day(self, day: dt.date) -> dt.date:
        """The first trading day strictly after ``day``."""
        return self.add_trading_days(day, 1)

    def previous_trading_day(self, day: dt.date) -> dt.date:
        """The last trading day strictly before ``day``."""
        return self.add_trading_days(day, -1)

    def add_trading_days(self, day: dt.date, count: int) -> dt.date:
        """Move ``count`` trading days from ``day`` (T+2 settlement: ``count=2``)."""
        current, step = _date(day), (1 if count >= 0 else -1)
        remaining = abs(count)
        while remaining:
            current += dt.timedelta(days=step)
            if self.is_trading_day(current):
                remaining -= 1
        return current

    def trading_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Trading days from ``start`` to ``end``, both included."""
        days, current = [], _date(start)
        while current <= end:
            if self.is_trading_day(current):
                days.append(current)
            current += dt.timedelta(days=1)
        return days

    def schedule(self, day: dt.date) -> DaySchedule | None:
        """The session times of ``day``, or None if the market is closed that day."""
        day = _date(day)
        if not self.is_trading_day(day):
            return None
        open_shift = _ONE_HOUR if self._opens_late(day) else dt.timedelta(0)
        close_shift = _ONE_HOUR if day in self.late_days else dt.timedelta(0)
        return DaySchedule(
            date=day,
            pre_market_open=_at(day, 8, 30) + open_shift,
            regular_open=_at(day, 9, 0) + open_shift,
            closing_auction_start=_at(day, 15, 20) + close_shift,
            regular_close=_at(day, 15, 30) + close_shift,
            after_hours_close=_at(day, self.after_hours_end.hour, self.after_hours_end.minute),
        )

    def session_at(self, moment: dt.datetime) -> Session:
        """The session in force at ``moment``."""
        moment = _as_kst(moment)
        schedule = self.schedule(moment.date())
        return schedule.session_at(moment) if schedule else Session.CLOSED

    def _opens_late(self, day: dt.date) -> bool:
        if day in self.late_days:
            return True
        first = dt.date(day.year, 1, 1)
        if not self.is_trading_day(first):
            first = self.next_trading_day(first)
        return day == first


def _date(day: object) -> dt.date:
    if isinstance(day, dt.datetime):
        return _as_kst(day).date()
    if isinstance(day, dt.date):
        return day
    raise InvalidInputError("day", day, "a datetime.date")
