"""Synthetic prices: daily bars and the trades of each day, reproducible from a seed.

Daily closes follow a mean-reverting walk in log price around each instrument's level,
so prices stay plausible over years; every day draws its shocks from its own seeded
generator, so a bar depends only on (seed, symbol, date, previous close). A day's
trades are a bridge pinned to that day's open, high, low and close, with volumes that
add up to the day's volume: minute bars, ticks and the daily bar always agree.
Moving a price by hand replaces the rest of the day's path with a walk from the new
price, and the day's bar then comes from the path.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
import threading
from dataclasses import dataclass, field

from pykis.market import PriceLimits, Rounding, TradingCalendar, price_limits, round_to_tick
from pykis.sim.universe import Instrument

__all__ = ["DailyBar", "DailyHistory", "IntradayPath", "day_rng"]

REVERSION = 0.01  # share of the gap to the long-run level closed each day


def day_rng(seed: int, code: str, day: dt.date, salt: str = "") -> random.Random:
    return random.Random(f"{seed}:{code}:{day.isoformat()}:{salt}")


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


def _clamp(price: int, limits: PriceLimits) -> int:
    return min(max(price, limits.lower), limits.upper)


def _tick(price: float, limits: PriceLimits, kind, rounding=Rounding.NEAREST) -> int:
    return _clamp(round_to_tick(max(price, 1.0), rounding, kind), limits)


def generate_bar(inst: Instrument, seed: int, day: dt.date, base: int) -> DailyBar:
    """One day's bar from the previous close ``base``."""
    rng = day_rng(seed, inst.code, day)
    limits = price_limits(base, inst.kind)
    sigma = inst.daily_vol
    drift = REVERSION * (math.log(inst.level) - math.log(base))
    close = _tick(base * math.exp(drift + sigma * rng.gauss(0, 1)), limits, inst.kind)
    open_ = _tick(base * math.exp(sigma * 0.3 * rng.gauss(0, 1)), limits, inst.kind)
    top = max(open_, close) * math.exp(abs(rng.gauss(0, 1)) * sigma * 0.5)
    bottom = min(open_, close) * math.exp(-abs(rng.gauss(0, 1)) * sigma * 0.5)
    high = _tick(top, limits, inst.kind, Rounding.UP)
    low = _tick(bottom, limits, inst.kind, Rounding.DOWN)
    volume = max(1_000, int(inst.daily_volume * rng.lognormvariate(0, 0.35)))
    value = volume * (open_ + high + low + close) // 4
    return DailyBar(day, base, open_, high, low, close, volume, value)


@dataclass
class _Series:
    """Bars in date order with an index; grown forward one trading day at a time."""

    days: list[dt.date] = field(default_factory=list)
    bars: list[DailyBar] = field(default_factory=list)
    index: dict[dt.date, int] = field(default_factory=dict)

    def append(self, bar: DailyBar) -> None:
        self.index[bar.date] = len(self.days)
        self.days.append(bar.date)
        self.bars.append(bar)

    def prefix(self, end: int) -> _Series:
        series = _Series()
        for bar in self.bars[:end]:
            series.append(bar)
        return series


# Untouched histories depend only on (seed, symbol, first day), so every simulator with
# that seed shares them: a reset costs nothing and tests stay fast.
_PRISTINE: dict[tuple[int, str, dt.date], _Series] = {}
_PRISTINE_LOCK = threading.Lock()


class DailyHistory:
    """Daily bars of one instrument from ``first_day`` on, generated forward on demand."""

    def __init__(
        self, inst: Instrument, seed: int, calendar: TradingCalendar, first_day: dt.date
    ) -> None:
        self.inst, self.seed, self.calendar, self.first_day = inst, seed, calendar, first_day
        self._realized: dict[dt.date, DailyBar] = {}
        self._own: _Series | None = None  # set once this history departs from the shared one

    def bar(self, day: dt.date) -> DailyBar:
        """The bar of trading day ``day`` (which must be on or after ``first_day``)."""
        series = self._extend_to(day)
        return series.bars[series.index[day]]

    def base_price(self, day: dt.date) -> int:
        """Reference price of ``day``: the close of the trading day before it."""
        return self.bar(day).base

    def bars(self, start: dt.date, end: dt.date) -> list[DailyBar]:
        """Bars of the trading days from ``start`` to ``end`` inclusive, oldest first."""
        if end < self.first_day:
            return []
        last = end if self.calendar.is_trading_day(end) else self.calendar.previous_trading_day(end)
        if last < self.first_day:
            return []
        series = self._extend_to(last)
        lo = bisect.bisect_left(series.days, start)
        hi = bisect.bisect_right(series.days, end)
        return series.bars[lo:hi]

    def set_realized(self, bar: DailyBar) -> None:
        """Replace a day's bar by what trading actually produced; later bars follow it."""
        self._realized[bar.date] = bar
        series = self._series()
        cut = series.index.get(bar.date, len(series.days))
        self._own = series.prefix(cut)

    def _series(self) -> _Series:
        if self._own is not None:
            return self._own
        key = (self.seed, self.inst.code, self.first_day)
        with _PRISTINE_LOCK:
            return _PRISTINE.setdefault(key, _Series())

    def _extend_to(self, day: dt.date) -> _Series:
        series = self._series()
        if day in series.index:
            return series
        if day < self.first_day or not self.calendar.is_trading_day(day):
            raise KeyError(f"{self.inst.code}: no bar for {day}")
        with _PRISTINE_LOCK:  # the shared series may be grown by another simulator
            current = series.days[-1] if series.days else None
            base = series.bars[-1].close if series.bars else self.inst.level
            while current is None or current < day:
                current = (
                    self.first_day if current is None else self.calendar.next_trading_day(current)
                )
                bar = self._realized.get(current) or generate_bar(
                    self.inst, self.seed, current, base
                )
                series.append(bar)
                base = bar.close
        return series


@dataclass
class IntradayPath:
    """The trades of one instrument on one day, as parallel arrays ordered by time.

    ``auction`` marks the opening and closing single-price trades.
    """

    inst: Instrument
    day: dt.date
    limits: PriceLimits
    times: list[float] = field(default_factory=list)
    prices: list[int] = field(default_factory=list)
    volumes: list[int] = field(default_factory=list)
    auction: list[bool] = field(default_factory=list)
    moves: int = 0
    _cum_volume: list[int] = field(default_factory=list)
    _cum_value: list[int] = field(default_factory=list)
    _highs: list[int] = field(default_factory=list)
    _lows: list[int] = field(default_factory=list)

    @classmethod
    def bridged(
        cls, inst: Instrument, bar: DailyBar, seed: int, open_ts: float, auction_ts: float,
        close_ts: float,
    ) -> IntradayPath:
        """A path through the bar's open, high, low and close, with its volume."""
        rng = day_rng(seed, inst.code, bar.date, "intraday")
        times = _tick_times(rng, open_ts, auction_ts, close_ts, inst.tick_interval, bar.volume)
        path = cls(inst, bar.date, price_limits(bar.base, inst.kind))
        prices = _bridge(rng, bar, len(times), inst)
        volumes = _split_volume(rng, bar.volume, len(times))
        path._assign(times, prices, volumes, [i in (0, len(times) - 1) for i in range(len(times))])
        return path

    def copy(self) -> IntradayPath:
        clone = IntradayPath(self.inst, self.day, self.limits, moves=self.moves)
        clone._assign(list(self.times), list(self.prices), list(self.volumes), list(self.auction))
        return clone

    def index_at(self, ts: float) -> int:
        """Index of the last trade at or before ``ts``; -1 before the first trade."""
        return bisect.bisect_right(self.times, ts) - 1

    def summary(self, index: int) -> tuple[int, int, int, int, int, int]:
        """(open, high, low, last, volume, value) of the trades up to ``index``."""
        return (
            self.prices[0], self._highs[index], self._lows[index], self.prices[index],
            self._cum_volume[index], self._cum_value[index],
        )

    def realized_bar(self, base: int) -> DailyBar:
        o, h, low, c, v, value = self.summary(len(self.times) - 1)
        return DailyBar(self.day, base, o, h, low, c, v, value)

    def move(self, ts: float, price: int, seed: int, close_ts: float) -> None:
        """From ``ts`` on, trade at ``price`` and walk on from there until the close."""
        self.moves += 1
        rng = day_rng(seed, self.inst.code, self.day, f"move{self.moves}")
        keep = self.index_at(ts) + 1
        lot = max(1, self.inst.daily_volume // 5_000)
        times, prices, volumes = self.times[:keep] + [ts], self.prices[:keep] + [price], [lot]
        volumes = self.volumes[:keep] + volumes
        auction = self.auction[:keep] + [False]
        step = self.inst.daily_vol / math.sqrt(max(1.0, 23_400 / self.inst.tick_interval))
        current, t = float(price), ts
        while True:
            t += rng.expovariate(1 / self.inst.tick_interval)
            if t >= close_ts:
                break
            current *= math.exp(step * rng.gauss(0, 1))
            current = float(_tick(current, self.limits, self.inst.kind))
            times.append(round(t, 3))
            prices.append(int(current))
            volumes.append(max(1, int(lot * rng.lognormvariate(0, 1))))
            auction.append(False)
        self._assign(times, prices, volumes, auction)

    def _assign(self, times, prices, volumes, auction) -> None:
        self.times, self.prices, self.volumes, self.auction = times, prices, volumes, auction
        self._cum_volume, self._cum_value, self._highs, self._lows = [], [], [], []
        volume = value = 0
        high, low = 0, 1 << 62
        for price, qty in zip(prices, volumes):
            volume += qty
            value += price * qty
            high, low = max(high, price), min(low, price)
            self._cum_volume.append(volume)
            self._cum_value.append(value)
            self._highs.append(high)
            self._lows.append(low)


def _tick_times(
    rng: random.Random, open_ts: float, auction_ts: float, close_ts: float, mean: float,
    volume: int,
) -> list[float]:
    """Trade times: the opening auction, continuous trades, the closing auction."""
    times = [open_ts]
    t = open_ts
    while len(times) < volume - 1:
        t += rng.expovariate(1 / mean)
        if t >= auction_ts:
            break
        times.append(round(t, 3))
    while len(times) < 3:  # keep room for the high and the low between open and close
        times.append(times[-1] + (auction_ts - times[-1]) / 2)
    # The closing auction prints a hair before the close, so the 15:30 minute bar holds it
    # as at KIS.
    times.append(max(times[-1], close_ts - 0.001))
    return times


def _bridge(rng: random.Random, bar: DailyBar, count: int, inst: Instrument) -> list[int]:
    """Prices pinned to open (first), close (last), high and low (two inner trades)."""
    inner = rng.sample(range(1, count - 1), 2)
    anchors = sorted([(0, bar.open), (count - 1, bar.close), (inner[0], bar.high),
                      (inner[1], bar.low)])
    limits = PriceLimits(bar.low, bar.high)
    step = inst.daily_vol / math.sqrt(count)
    prices = [0] * count
    for (i0, p0), (i1, p1) in zip(anchors, anchors[1:]):
        span = i1 - i0
        walk, total = [0.0], 0.0
        for _ in range(span):
            total += rng.gauss(0, step)
            walk.append(total)
        a, b = math.log(p0), math.log(p1)
        for k in range(span + 1):
            frac = k / span
            level = a + (b - a) * frac + walk[k] - frac * walk[-1]
            prices[i0 + k] = _tick(math.exp(level), limits, inst.kind)
    for index, price in anchors:
        prices[index] = price
    return prices


def _split_volume(rng: random.Random, volume: int, count: int) -> list[int]:
    """``count`` positive volumes adding up to ``volume``; the auctions trade more."""
    weights = [rng.lognormvariate(0, 1) for _ in range(count)]
    weights[0] *= 20
    weights[-1] *= 20
    total = sum(weights)
    shares = [max(1, int(volume * w / total)) for w in weights]
    excess = sum(shares) - volume
    order = sorted(range(count), key=shares.__getitem__, reverse=True)
    for index in order:
        if excess == 0:
            break
        change = min(excess, shares[index] - 1) if excess > 0 else excess
        shares[index] -= change
        excess -= change
    return shares
