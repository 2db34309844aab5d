"""Daily bars, reproducible from a seed and computable for any date on its own.

A close is ``level × exp(x(day))`` on the tick grid, where ``x`` is a few slow cycles
plus two layers of Brownian bridges pinned to zero every few weeks. Any day's value
needs only that day's block of shocks, so a chart of 100 days costs 100 evaluations and
nothing is generated sequentially from the first day. Shocks are truncated at 4σ, so a
day never moves anywhere near the ±30 % limit on its own.

A bar realized by hand-made trading (a moved price) replaces the formula for its day;
the following days walk back to the formula within their daily limits.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
import zlib
from dataclasses import dataclass

from pykis.market import InstrumentKind, PriceLimits, TradingCalendar, price_limits
from pykis.market.ticks import tick_table
from pykis.sim.universe import Instrument

__all__ = ["DailyBar", "DailyHistory", "day_rng", "snap", "stable_seed"]

CYCLES = ((1_100.0, 0.08), (370.0, 0.05), (97.0, 0.03))  # (period in days, amplitude)
BRIDGES = (64, 41)  # block lengths in calendar days of the two bridge layers
TRADING_SHARE = math.sqrt(5 / 7)  # shocks are per calendar day; vol is per trading day


def stable_seed(*parts: object) -> int:
    """A seed from any values that is the same in every process (``hash`` is not)."""
    return zlib.crc32(":".join(map(str, parts)).encode())


def day_rng(seed: int, code: str, day: dt.date, salt: str = "") -> random.Random:
    return random.Random(stable_seed(seed, code, day.toordinal(), salt))


def snap(price: float, limits: PriceLimits, bands: tuple, rounding: float = 0.5) -> int:
    """A grid price within ``limits``: nearest (``rounding`` 0.5), down (0.0) or up (UP).

    Price generation calls this very often, so it skips ``round_to_tick``'s validation
    (prices here are finite and positive).
    """
    for upper, tick in bands:
        if upper is None or price < upper:
            break
    snapped = math.floor(price / tick + rounding) * tick
    return min(max(snapped, limits.lower), limits.upper)


# Pure in the base price and kind, and asked for every bar of every fresh simulator.
_limits = functools.lru_cache(maxsize=1 << 14, typed=True)(price_limits)


@functools.lru_cache(maxsize=1 << 10)
def _krx_days(calendar: TradingCalendar, start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    return tuple(calendar.trading_days(start, end))


def _trading_days(calendar: TradingCalendar, start: dt.date, end: dt.date
                  ) -> tuple[dt.date, ...] | list[dt.date]:
    """``calendar.trading_days``, kept for the process where the calendar is a plain
    (frozen, compared by value) one: an index asks it for each of its hundreds of members,
    and every fresh simulator for the same ranges again. Other calendars (always-open
    mode's moves with its clock) are asked each time."""
    if type(calendar) is TradingCalendar:
        return _krx_days(calendar, start, end)
    return calendar.trading_days(start, end)


UP = 1.0 - 1e-9
NO_LIMITS = PriceLimits(1, 1 << 62)


@dataclass(frozen=True, slots=True)
class DailyBar:
    date: dt.date
    base: int  # previous close: the day's reference price (기준가)
    open: int
    high: int
    low: int
    close: int
    volume: int
    value: int  # traded value in KRW


# The formula and a bar's shape are pure in the seed and the listing's parameters, so
# they are kept for the whole process: every test builds a fresh simulator that asks for
# the same days again.
@functools.lru_cache(maxsize=1 << 16)
def _walk(seed: int, code: str, length: int, block: int, sigma: float) -> tuple[float, ...]:
    """One block of a bridge layer's random walk."""
    rng = random.Random(stable_seed(seed, code, length, block))
    walk, total = [0.0], 0.0
    for _ in range(length):
        total += max(-4.0, min(4.0, rng.gauss(0, 1))) * sigma
        walk.append(total)
    return tuple(walk)


def _bridge(seed: int, code: str, sigma: float, length: int, ordinal: int) -> float:
    block, step = divmod(ordinal, length)
    walk = _walk(seed, code, length, block, sigma)
    return walk[step] - step / length * walk[-1]


@functools.lru_cache(maxsize=1 << 12)
def _phases(seed: int, code: str) -> tuple[float, ...]:
    rng = random.Random(stable_seed(seed, code, "cycles"))
    return tuple(rng.uniform(0, 2 * math.pi) for _ in CYCLES)


@functools.lru_cache(maxsize=1 << 17)
def _formula_close(seed: int, code: str, level: int, daily_vol: float,
                   kind: InstrumentKind, ordinal: int) -> int:
    sigma = daily_vol * TRADING_SHARE / math.sqrt(len(BRIDGES))
    x = sum(amp * math.sin(2 * math.pi * ordinal / period + phase)
            for (period, amp), phase in zip(CYCLES, _phases(seed, code)))
    x += sum(_bridge(seed, code, sigma, length, ordinal) for length in BRIDGES)
    return snap(level * math.exp(x), NO_LIMITS, tick_table(kind))


@functools.lru_cache(maxsize=1 << 17)
def _shape(seed: int, code: str, kind: InstrumentKind, sigma: float, daily_volume: int,
           day: dt.date, base: int, close: int, limits: PriceLimits) -> DailyBar:
    """Open, high, low and volume around a close, from the day's own generator."""
    rng = day_rng(seed, code, day)
    bands = tick_table(kind)
    open_ = snap(base * math.exp(sigma * 0.3 * rng.gauss(0, 1)), limits, bands)
    top = max(open_, close) * math.exp(abs(rng.gauss(0, 1)) * sigma * 0.5)
    bottom = min(open_, close) * math.exp(-abs(rng.gauss(0, 1)) * sigma * 0.5)
    high = max(snap(top, limits, bands, UP), open_, close)
    low = min(snap(bottom, limits, bands, 0.0), open_, close)
    volume = max(1_000, int(daily_volume * rng.lognormvariate(0, 0.35)))
    value = volume * (open_ + high + low + close) // 4
    return DailyBar(day, base, open_, high, low, close, volume, value)


class DailyHistory:
    """Daily bars of one instrument from ``first_day`` on."""

    def __init__(
        self, inst: Instrument, seed: int, calendar: TradingCalendar, first_day: dt.date
    ) -> None:
        self.inst, self.seed, self.calendar, self.first_day = inst, seed, calendar, first_day
        self._realized: dict[dt.date, DailyBar] = {}
        self._adjusted: dict[dt.date, int] = {}  # closes pulled back after a realized day
        self._cache: dict[dt.date, DailyBar] = {}

    # --- the formula ------------------------------------------------------------------
    def formula_close(self, day: dt.date) -> int:
        inst = self.inst
        return _formula_close(self.seed, inst.code, inst.level, inst.daily_vol, inst.kind,
                              day.toordinal())

    # --- bars -------------------------------------------------------------------------
    def close(self, day: dt.date) -> int:
        if day in self._realized:
            return self._realized[day].close
        return self._adjusted.get(day) or self.formula_close(day)

    def base_price(self, day: dt.date) -> int:
        """Reference price of ``day``: the close of the trading day before it."""
        return self.close(self.calendar.previous_trading_day(day))

    def bar(self, day: dt.date, *, any_day: bool = False) -> DailyBar:
        """The bar of trading day ``day`` (on or after ``first_day``); ``any_day`` also
        gives one for a day the calendar does not trade (a past always-open weekend that
        had a session): the same bar it had while it was live."""
        if day < self.first_day or not (any_day or self.calendar.is_trading_day(day)):
            raise KeyError(f"{self.inst.code}: no bar for {day}")
        if day in self._realized:
            return self._realized[day]
        bar = self._cache.get(day)
        if bar is None:
            bar = self._made(day, self.calendar.previous_trading_day(day))
        return bar

    def _made(self, day: dt.date, previous: dt.date) -> DailyBar:
        """The formula's bar of ``day``, whose previous trading day is ``previous``."""
        base = self.close(previous)
        limits = _limits(base, self.inst.kind)
        close = min(max(self.close(day), limits.lower), limits.upper)
        bar = self._shape(day, base, close, limits)
        if len(self._cache) > 4_096:
            self._cache.clear()
        self._cache[day] = bar
        return bar

    @property
    def pristine(self) -> bool:
        """Whether every bar is the formula's (no day realized by trading): the bars are
        then the same in every simulator with the same seed, listing and calendar."""
        return not self._realized and not self._adjusted

    def _shape(self, day: dt.date, base: int, close: int, limits: PriceLimits) -> DailyBar:
        inst = self.inst
        return _shape(self.seed, inst.code, inst.kind, inst.daily_vol, inst.daily_volume,
                      day, base, close, limits)

    def bars(self, start: dt.date, end: dt.date) -> list[DailyBar]:
        """Bars of the trading days from ``start`` to ``end`` inclusive, oldest first."""
        days = _trading_days(self.calendar, max(start, self.first_day), end)
        if type(self.calendar) is not TradingCalendar:
            # An always-open calendar lists its live day but counts the previous close
            # without it: each day asks for its own.
            return [self.bar(day) for day in days]
        # On a plain calendar a listed day's previous trading day is the one listed
        # before it: one calendar walk for the first day, none for the rest.
        out, previous, realized, cache = [], None, self._realized, self._cache
        for day in days:
            bar = realized.get(day) or cache.get(day)
            if bar is None:
                bar = self._made(day, previous if previous is not None
                                 else self.calendar.previous_trading_day(day))
            out.append(bar)
            previous = day
        return out

    def set_realized(self, bar: DailyBar) -> None:
        """Replace a day's bar by what trading produced; later days walk back to the
        formula, each within its ±30 % limits."""
        self._realized[bar.date] = bar
        self._adjusted = {d: c for d, c in self._adjusted.items() if d < bar.date}
        self._cache = {d: b for d, b in self._cache.items() if d < bar.date}
        day, base = bar.date, bar.close
        while True:
            day = self.calendar.next_trading_day(day)
            target = self.formula_close(day)
            limits = _limits(base, self.inst.kind)
            close = min(max(target, limits.lower), limits.upper)
            if close == target:
                return
            self._adjusted[day] = base = close
