"""The documented tick path inside a bar: the trades a replayed bar is made of.

A stored bar says only where the price opened, went and closed. Both the simulator (when it
replays history) and the backtester feed a strategy the SAME ticks made from each bar by
``bar_ticks``, so a strategy run live against the replaying simulator and one run by the
backtester see identical prices at identical times.

The path, deterministic:

- a rising or flat bar (close >= open) goes open -> low -> high -> close;
  a falling bar (close < open) goes open -> high -> low -> close.
  Which extreme came first is unknown; this order is the usual convention (backtrader,
  vectorbt) and is the pessimistic one for a trend follower: the bar first moves against
  the direction it ends in.
- the four points sit at fixed offsets inside the bar: 0, 1/4, 2/4 and 3/4 of ``span``.
  A one-minute bar (the default span) trades at +0 s, +15 s, +30 s and +45 s; a daily bar
  (``span=DAY_SPAN``, the 6 h 20 min of continuous trading from 09:00) trades at
  09:00, 10:35, 12:10 and 13:45, all inside the regular session.
- consecutive equal prices are merged into one tick (at the first one's time), so a flat
  bar is one tick and a bar whose open is its low is three.
- the bar's volume is split in whole shares over the ticks that remain: each gets
  ``volume // n``, and the first ``volume % n`` ticks one share more, so they sum to the
  bar's volume exactly. A tick the split leaves without a share is no trade and is
  dropped (a bar of 2 shares and four prices trades twice), as is a bar without volume.
- only ticks inside the day's regular hours (``in_hours``: from the regular open to the
  regular close, closing auction included) are trades, as the replaying simulator
  streams them; a bar outside them (a KIS 15:30 bar, pre-market data) is not replayed.

What a trade leaves on the order book: the book the engine reads when it buys by amount
(a limit at the best ask) is quoted around the last trade: the best ask is its price
if it was an uptick by the tick rule (above the previous trade: yes; below: no; equal:
as the one before; the day's first trade counts as an uptick), else one tick above
(``quoted_ask``). It is the replaying simulator's book (``MarketState._fresh_book`` on
``IntradayPath``'s tick rule), for the backtester to read as the engine reads the
simulator's; what trades against orders is ``pykis.history.fills``.

``bar_ticks`` makes one bar's ticks; ``tape`` makes those of many bars at once (numpy, for
the backtester's speed), tick for tick the same (a test holds them to it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from pykis.market import InstrumentKind, PriceLimits, TradingCalendar

__all__ = ["BarTick", "DAY_SPAN", "MINUTE_SPAN", "Tape", "bar_ticks", "in_hours", "quoted_ask",
           "span_of", "tape"]

MINUTE_SPAN = dt.timedelta(minutes=1)
# Continuous trading on a normal day: 09:00-15:20 (the closing auction is not a tick path).
DAY_SPAN = dt.timedelta(hours=6, minutes=20)
_POINTS = 4


@dataclass(frozen=True, slots=True)
class BarTick:
    """One trade of the path: when, at what price, how many shares."""

    time: dt.datetime
    price: int
    volume: int


def span_of(timeframe: str) -> dt.timedelta:
    """The span over which a bar of ``timeframe`` ("1m" or "1d") spreads its ticks."""
    if timeframe == "1m":
        return MINUTE_SPAN
    if timeframe == "1d":
        return DAY_SPAN
    from pykis.exceptions import InvalidInputError

    raise InvalidInputError("timeframe", timeframe, '"1m" or "1d"')


def bar_ticks(time: dt.datetime, open: int, high: int, low: int, close: int, volume: int,
              *, span: dt.timedelta = MINUTE_SPAN) -> list[BarTick]:
    """The ticks of one bar starting at ``time`` (see the module docstring for the path)."""
    if close >= open:
        path = (open, low, high, close)
    else:
        path = (open, high, low, close)
    step = span / _POINTS
    points: list[tuple[dt.datetime, int]] = []
    for index, price in enumerate(path):
        if not points or points[-1][1] != price:
            points.append((time + step * index, int(price)))
    count = len(points)
    share, extra = divmod(int(volume), count)
    ticks = [BarTick(moment, price, share + (1 if index < extra else 0))
             for index, (moment, price) in enumerate(points)]
    return [t for t in ticks if t.volume > 0]


@dataclass(frozen=True, slots=True)
class Tape:
    """The ticks of many bars, in bar order: ``time`` in nanoseconds since the epoch
    (UTC), ``price`` and ``volume`` as int64, ``bar`` the index of the bar each came from."""

    time: np.ndarray
    price: np.ndarray
    volume: np.ndarray
    bar: np.ndarray


def tape(time_ns: np.ndarray, open: np.ndarray, high: np.ndarray, low: np.ndarray,
         close: np.ndarray, volume: np.ndarray, *, span: dt.timedelta = MINUTE_SPAN) -> Tape:
    """``bar_ticks`` of every bar at once; ``time_ns``: each bar's start, in nanoseconds."""
    open, high, low, close, volume = (np.asarray(a, dtype=np.int64)
                                      for a in (open, high, low, close, volume))
    rising = close >= open
    path = np.stack([open, np.where(rising, low, high), np.where(rising, high, low), close],
                    axis=1)
    keep = np.ones(path.shape, dtype=bool)
    keep[:, 1:] = path[:, 1:] != path[:, :-1]
    count = keep.sum(axis=1)
    rank = np.cumsum(keep, axis=1) - 1  # the tick's place among its bar's kept ticks
    share, extra = np.divmod(volume, count)
    volumes = share[:, None] + (rank < extra[:, None])
    keep &= volumes > 0  # a tick without a share is no trade
    step = span // dt.timedelta(microseconds=1) * 1000 // _POINTS
    times = np.asarray(time_ns, dtype=np.int64)[:, None] + step * np.arange(_POINTS)
    bars = np.broadcast_to(np.arange(len(open))[:, None], path.shape)
    return Tape(times[keep], path[keep], volumes[keep].astype(np.int64), bars[keep])


def in_hours(time_ns: np.ndarray, calendar: TradingCalendar | None = None) -> np.ndarray:
    """Which of the ticks at ``time_ns`` (nanoseconds since the epoch, sorted) fall in
    their day's regular hours on the KRX calendar, from the regular open up to (not
    including) the regular close: the ticks the replaying simulator trades."""
    from pykis.market import KST, TradingCalendar

    calendar = calendar or TradingCalendar()
    keep = np.zeros(len(time_ns), dtype=bool)
    if not len(time_ns):
        return keep
    first = dt.datetime.fromtimestamp(int(time_ns[0]) // 10**9, KST).date()
    last = dt.datetime.fromtimestamp(int(time_ns[-1]) // 10**9, KST).date()
    day = first
    while day <= last:
        schedule = calendar.schedule(day)
        if schedule is not None:
            opens, closes = (int(m.timestamp()) * 10**9 for m in (
                schedule.regular_open, schedule.regular_close))
            keep[np.searchsorted(time_ns, opens):np.searchsorted(time_ns, closes)] = True
        day += dt.timedelta(days=1)
    return keep


def quoted_ask(price: int, uptick: bool, kind: InstrumentKind, limits: PriceLimits | None
               ) -> int | None:
    """The best ask of the book quoted around a trade at ``price`` (see the module
    docstring); None where that is beyond today's upper limit (no ask shown)."""
    from pykis.market import tick_size

    ask = price if uptick else price + tick_size(price, kind)
    if limits is not None and not limits.lower <= ask <= limits.upper:
        return None
    return ask
