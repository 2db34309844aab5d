"""KRX trading days, overrides and the session schedule of a day (KST)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pykis.exceptions import InvalidInputError
from pykis.market import KST, Session, TradingCalendar

D = dt.date
UTC = dt.timezone.utc
CALENDAR = TradingCalendar()
NORMAL_DAY = D(2026, 3, 3)  # Tuesday
FIRST_DAY_2026 = D(2026, 1, 2)  # Friday; January 1 is a holiday
EXAM_DAY_2026 = D(2026, 11, 19)  # Thursday, college entrance exam (수능)


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 3, 7),  # Saturday
        D(2026, 3, 8),  # Sunday
        D(2026, 1, 1),  # New Year's Day
        D(2026, 2, 16),  # Seollal
        D(2026, 2, 17),
        D(2026, 2, 18),
        D(2026, 3, 2),  # substitute holiday for March 1 (a Sunday)
        D(2026, 5, 1),  # Labor Day
        D(2026, 6, 3),  # local election
        D(2026, 9, 24),  # Chuseok
        D(2026, 9, 25),
        D(2026, 12, 25),  # Christmas
        D(2026, 12, 31),  # year-end closing
        D(2025, 6, 3),  # presidential election
        D(2025, 12, 31),  # year-end closing
        D(2024, 12, 31),  # year-end closing
    ],
)
def test_closed_days(day):
    assert CALENDAR.is_trading_day(day) is False
    assert CALENDAR.schedule(day) is None


@pytest.mark.parametrize(
    "day",
    [
        NORMAL_DAY,
        FIRST_DAY_2026,
        EXAM_DAY_2026,
        D(2026, 2, 13),  # Friday before Seollal
        D(2026, 2, 19),  # Thursday after Seollal
        D(2026, 6, 2),
        D(2026, 6, 4),
        D(2026, 12, 30),  # last trading day of 2026
        D(2025, 12, 30),
        D(2024, 12, 30),
    ],
)
def test_open_days(day):
    assert CALENDAR.is_trading_day(day) is True
    assert CALENDAR.schedule(day) is not None


def test_a_datetime_counts_for_its_kst_date():
    # 23:30 UTC on March 2 (a holiday) is 08:30 KST on March 3 (a trading day).
    assert CALENDAR.is_trading_day(dt.datetime(2026, 3, 2, 23, 30, tzinfo=UTC)) is True
    # 16:00 UTC on Thursday April 30 is 01:00 KST on May 1 (Labor Day).
    assert CALENDAR.is_trading_day(dt.datetime(2026, 4, 30, 16, 0, tzinfo=UTC)) is False


@pytest.mark.parametrize("day", ["2026-03-03", 20260303, None])
def test_invalid_day_is_rejected(day):
    with pytest.raises(InvalidInputError) as caught:
        CALENDAR.is_trading_day(day)
    assert caught.value.argument == "day"


# ------------------------------------------------------------------------- moving in days


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (D(2026, 2, 12), 1, D(2026, 2, 13)),
        (D(2026, 2, 12), 2, D(2026, 2, 19)),  # across Seollal (Feb 14-18)
        (D(2026, 2, 13), 1, D(2026, 2, 19)),
        (D(2026, 2, 19), -1, D(2026, 2, 13)),
        (D(2026, 2, 19), -2, D(2026, 2, 12)),
        (D(2026, 2, 16), 1, D(2026, 2, 19)),  # from a holiday
        (D(2026, 2, 16), -1, D(2026, 2, 13)),
        (D(2026, 3, 3), 0, D(2026, 3, 3)),
        (D(2024, 12, 27), 2, D(2025, 1, 2)),  # T+2 over the year-end closing
        (D(2024, 12, 26), 2, D(2024, 12, 30)),
        (D(2025, 12, 30), 1, D(2026, 1, 2)),
        (D(2026, 9, 23), 1, D(2026, 9, 28)),  # across Chuseok and a weekend
        (D(2026, 3, 3), 10, D(2026, 3, 17)),
    ],
)
def test_add_trading_days(day, count, expected):
    assert CALENDAR.add_trading_days(day, count) == expected


@pytest.mark.parametrize(
    ("day", "next_day", "previous_day"),
    [
        (D(2026, 2, 13), D(2026, 2, 19), D(2026, 2, 12)),
        (D(2026, 2, 17), D(2026, 2, 19), D(2026, 2, 13)),  # from inside the holiday
        (D(2026, 2, 14), D(2026, 2, 19), D(2026, 2, 13)),  # from a Saturday
        (D(2026, 1, 2), D(2026, 1, 5), D(2025, 12, 30)),
        (D(2025, 12, 31), D(2026, 1, 2), D(2025, 12, 30)),
    ],
)
def test_next_and_previous_trading_day(day, next_day, previous_day):
    assert CALENDAR.next_trading_day(day) == next_day
    assert CALENDAR.previous_trading_day(day) == previous_day


def test_trading_days_between_two_dates():
    assert CALENDAR.trading_days(D(2026, 2, 12), D(2026, 2, 20)) == [
        D(2026, 2, 12),
        D(2026, 2, 13),
        D(2026, 2, 19),
        D(2026, 2, 20),
    ]


# -------------------------------------------------------------------------------- overrides


def test_override_closes_a_day():
    calendar = TradingCalendar.with_overrides(closed_days=[D(2026, 3, 4)])
    assert calendar.is_trading_day(D(2026, 3, 4)) is False
    assert calendar.schedule(D(2026, 3, 4)) is None
    assert calendar.next_trading_day(D(2026, 3, 3)) == D(2026, 3, 5)
    assert CALENDAR.is_trading_day(D(2026, 3, 4)) is True  # the default is untouched


@pytest.mark.parametrize("day", [D(2026, 3, 7), D(2026, 5, 1)])  # a Saturday, a holiday
def test_override_opens_a_day(day):
    calendar = TradingCalendar.with_overrides(trading_days=[day])
    assert calendar.is_trading_day(day) is True
    assert calendar.schedule(day).regular_open == dt.datetime(
        day.year, day.month, day.day, 9, 0, tzinfo=KST
    )
    assert CALENDAR.is_trading_day(day) is False


def test_override_shifts_a_day_like_the_exam_day():
    calendar = TradingCalendar.with_overrides(late_days=[D(2026, 3, 4)])
    late = calendar.schedule(D(2026, 3, 4))
    assert late.regular_open.time() == dt.time(10, 0)
    assert late.closing_auction_start.time() == dt.time(16, 20)
    assert late.regular_close.time() == dt.time(16, 30)
    # the built-in exam days stay late
    assert calendar.schedule(EXAM_DAY_2026).regular_open.time() == dt.time(10, 0)


def test_first_trading_day_moves_when_january_2_is_closed():
    calendar = TradingCalendar.with_overrides(closed_days=[D(2026, 1, 2)])
    monday = D(2026, 1, 5)
    assert calendar.schedule(monday).regular_open == dt.datetime(2026, 1, 5, 10, 0, tzinfo=KST)
    assert CALENDAR.schedule(monday).regular_open == dt.datetime(2026, 1, 5, 9, 0, tzinfo=KST)


# --------------------------------------------------------------------------------- schedules


def _times(day):
    schedule = CALENDAR.schedule(day)
    return (
        schedule.pre_market_open,
        schedule.regular_open,
        schedule.closing_auction_start,
        schedule.regular_close,
        schedule.after_hours_close,
    )


def _kst(day, *hours_minutes):
    return tuple(
        dt.datetime(day.year, day.month, day.day, h, m, tzinfo=KST) for h, m in hours_minutes
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (NORMAL_DAY, _kst(NORMAL_DAY, (8, 30), (9, 0), (15, 20), (15, 30), (18, 0))),
        (D(2026, 12, 30), _kst(D(2026, 12, 30), (8, 30), (9, 0), (15, 20), (15, 30), (18, 0))),
        # first trading day of the year: opens an hour late, closes as usual
        (FIRST_DAY_2026, _kst(FIRST_DAY_2026, (9, 30), (10, 0), (15, 20), (15, 30), (18, 0))),
        (D(2025, 1, 2), _kst(D(2025, 1, 2), (9, 30), (10, 0), (15, 20), (15, 30), (18, 0))),
        # exam day: opens and closes an hour late, after-hours still ends at 18:00
        (EXAM_DAY_2026, _kst(EXAM_DAY_2026, (9, 30), (10, 0), (16, 20), (16, 30), (18, 0))),
        (D(2025, 11, 13), _kst(D(2025, 11, 13), (9, 30), (10, 0), (16, 20), (16, 30), (18, 0))),
    ],
)
def test_schedule(day, expected):
    assert _times(day) == expected
    for moment in _times(day):
        assert moment.utcoffset() == dt.timedelta(hours=9)
    assert CALENDAR.schedule(day).date == day


# -------------------------------------------------------------------------------- sessions


def _naive(day, h, m, s=0, us=0):
    return dt.datetime(day.year, day.month, day.day, h, m, s, us)


@pytest.mark.parametrize(
    ("moment", "session"),
    [
        # normal day, naive = KST
        (_naive(NORMAL_DAY, 0, 0), Session.CLOSED),
        (_naive(NORMAL_DAY, 8, 29, 59, 999_999), Session.CLOSED),
        (_naive(NORMAL_DAY, 8, 30), Session.PRE_MARKET),
        (_naive(NORMAL_DAY, 8, 59, 59, 999_999), Session.PRE_MARKET),
        (_naive(NORMAL_DAY, 9, 0), Session.REGULAR),
        (_naive(NORMAL_DAY, 12, 0), Session.REGULAR),
        (_naive(NORMAL_DAY, 15, 19, 59, 999_999), Session.REGULAR),
        (_naive(NORMAL_DAY, 15, 20), Session.CLOSING_AUCTION),
        (_naive(NORMAL_DAY, 15, 29, 59), Session.CLOSING_AUCTION),
        (_naive(NORMAL_DAY, 15, 30), Session.AFTER_HOURS),
        (_naive(NORMAL_DAY, 17, 59, 59), Session.AFTER_HOURS),
        (_naive(NORMAL_DAY, 18, 0), Session.CLOSED),
        (_naive(NORMAL_DAY, 23, 59), Session.CLOSED),
        # first trading day of 2026
        (_naive(FIRST_DAY_2026, 9, 0), Session.CLOSED),
        (_naive(FIRST_DAY_2026, 9, 30), Session.PRE_MARKET),
        (_naive(FIRST_DAY_2026, 9, 59, 59), Session.PRE_MARKET),
        (_naive(FIRST_DAY_2026, 10, 0), Session.REGULAR),
        (_naive(FIRST_DAY_2026, 15, 20), Session.CLOSING_AUCTION),
        (_naive(FIRST_DAY_2026, 15, 30), Session.AFTER_HOURS),
        # exam day
        (_naive(EXAM_DAY_2026, 9, 15), Session.CLOSED),
        (_naive(EXAM_DAY_2026, 9, 30), Session.PRE_MARKET),
        (_naive(EXAM_DAY_2026, 10, 0), Session.REGULAR),
        (_naive(EXAM_DAY_2026, 15, 20), Session.REGULAR),
        (_naive(EXAM_DAY_2026, 16, 20), Session.CLOSING_AUCTION),
        (_naive(EXAM_DAY_2026, 16, 30), Session.AFTER_HOURS),
        (_naive(EXAM_DAY_2026, 18, 0), Session.CLOSED),
        # closed days
        (_naive(D(2026, 5, 1), 10, 0), Session.CLOSED),
        (_naive(D(2026, 3, 7), 10, 0), Session.CLOSED),
        # aware datetimes in UTC (KST = UTC+9)
        (dt.datetime(2026, 3, 3, 0, 0, tzinfo=UTC), Session.REGULAR),  # 09:00 KST
        (dt.datetime(2026, 3, 2, 23, 30, tzinfo=UTC), Session.PRE_MARKET),  # 08:30 KST Mar 3
        (dt.datetime(2026, 3, 2, 23, 29, tzinfo=UTC), Session.CLOSED),  # 08:29 KST
        (dt.datetime(2026, 3, 3, 6, 19, tzinfo=UTC), Session.REGULAR),  # 15:19 KST
        (dt.datetime(2026, 3, 3, 6, 20, tzinfo=UTC), Session.CLOSING_AUCTION),  # 15:20 KST
        (dt.datetime(2026, 3, 3, 6, 30, tzinfo=UTC), Session.AFTER_HOURS),  # 15:30 KST
        (dt.datetime(2026, 3, 3, 9, 0, tzinfo=UTC), Session.CLOSED),  # 18:00 KST
        (dt.datetime(2026, 3, 3, 1, 0, tzinfo=UTC), Session.REGULAR),  # 10:00 KST
        # another zone: 20:00 EST on March 2 is 10:00 KST on March 3
        (dt.datetime(2026, 3, 2, 20, 0, tzinfo=ZoneInfo("America/New_York")), Session.REGULAR),
    ],
)
def test_session_at(moment, session):
    assert CALENDAR.session_at(moment) is session


def test_day_schedule_session_at_another_day_is_closed():
    schedule = CALENDAR.schedule(NORMAL_DAY)
    assert schedule.session_at(_naive(NORMAL_DAY, 10, 0)) is Session.REGULAR
    assert schedule.session_at(_naive(D(2026, 3, 4), 10, 0)) is Session.CLOSED
    # 01:00 UTC on March 3 is 10:00 KST on March 3
    assert schedule.session_at(dt.datetime(2026, 3, 3, 1, 0, tzinfo=UTC)) is Session.REGULAR
    # 20:00 UTC on March 3 is 05:00 KST on March 4
    assert schedule.session_at(dt.datetime(2026, 3, 3, 20, 0, tzinfo=UTC)) is Session.CLOSED
