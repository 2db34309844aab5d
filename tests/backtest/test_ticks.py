"""The tick path inside a bar (shared with the replaying simulator) and its numpy twin."""

from __future__ import annotations

import datetime as dt

import numpy as np

from pykis.history.ticks import DAY_SPAN, BarTick, bar_ticks, tape
from pykis.market import KST, Session, TradingCalendar

NINE = dt.datetime(2024, 6, 10, 9, 0, tzinfo=KST)


def test_a_rising_bar_goes_low_first_and_a_falling_bar_high_first():
    rising = bar_ticks(NINE, 100, 110, 95, 105, 10)
    falling = bar_ticks(NINE, 100, 110, 95, 99, 10)
    assert [t.price for t in rising] == [100, 95, 110, 105]
    assert [t.price for t in falling] == [100, 110, 95, 99]
    assert [t.time.second for t in rising] == [0, 15, 30, 45]
    assert [t.volume for t in rising] == [3, 3, 2, 2]


def test_equal_prices_merge_and_the_volume_still_adds_up():
    assert bar_ticks(NINE, 100, 100, 100, 100, 7) == [BarTick(NINE, 100, 7)]
    merged = bar_ticks(NINE, 100, 120, 100, 120, 5)  # open = low, high = close
    assert [(t.time.second, t.price, t.volume) for t in merged] == [(0, 100, 3), (30, 120, 2)]


def test_a_daily_bars_ticks_are_inside_the_regular_session():
    calendar = TradingCalendar()
    ticks = bar_ticks(NINE, 63_000, 64_000, 62_000, 63_500, 1_000_001, span=DAY_SPAN)
    assert all(calendar.session_at(t.time) is Session.REGULAR for t in ticks)
    assert sum(t.volume for t in ticks) == 1_000_001


def test_the_tape_is_bar_ticks_tick_for_tick(minutes):
    frame = minutes["005930"]
    expected = [t for row in frame.itertuples(index=False) for t in bar_ticks(
        row.time.to_pydatetime(), row.open, row.high, row.low, row.close, row.volume)]
    made = tape(frame["time"].dt.as_unit("ns").astype("int64").to_numpy(), frame["open"],
                frame["high"], frame["low"], frame["close"], frame["volume"])
    assert list(made.price) == [t.price for t in expected]
    assert list(made.volume) == [t.volume for t in expected]
    assert list(made.time) == [int(t.time.timestamp()) * 10**9 for t in expected]
    assert np.all(np.diff(made.bar) >= 0)
