"""The two ways a day's trades are drawn, block by block (``pykis.sim.intraday``).

``bridged``: through the day's bar. Trade 0 is the opening auction at the open (the
bar's open), the last one the closing auction a hair before the close (the bar's close,
so the close's minute bar holds it, as at KIS); between them continuous trades, as many
a block as a Poisson draw from the listing's trade rate gives, one of them at the bar's
high and another at its low, with volumes adding up to the bar's. The price walk is a
Brownian bridge over trade numbers: its level at each block's last trade is drawn first
(pinned to the open, high, low and close), a block's trades then bridge two such levels.
So minute bars, ticks and the daily bar always agree.

``moved``: a price moved by hand. The path it replaces up to that moment, a print at the
new price, then a random walk from it (within the day's limits) to the closing auction.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math

import numpy as np

from pykis.market import PriceLimits, price_limits
from pykis.market.ticks import tick_table
from pykis.sim.daily import DailyBar, stable_seed
from pykis.sim.intraday import Arrays, IntradayPath
from pykis.sim.universe import Instrument

__all__ = ["block_seconds", "bridged", "moved"]

BLOCK_SECONDS = 300  # the shortest block: five minutes, aligned on the regular open
BLOCK_TRADES = 2_000  # a block spans about this many trades, up to an hour
_MEAN_WEIGHT = math.exp(0.5)  # mean of a lognormal(0, 1) volume weight
_AUCTION_WEIGHT = 20  # an auction trades this many continuous trades' volume


def bridged(inst: Instrument, bar: DailyBar, seed: int, open_ts: float, auction_ts: float,
            close_ts: float) -> IntradayPath:
    """A day through ``bar``'s open, high, low and close, with its volume."""
    return _BridgedPath(inst, bar, seed, open_ts, auction_ts, close_ts)


def moved(path: IntradayPath, ts: float, price: int, seed: int, close_ts: float
          ) -> IntradayPath:
    """``path`` up to ``ts``, a trade at ``price``, then a walk on until the close."""
    return _MovedPath(path, ts, price, seed, close_ts)


def _rng(seed: int, inst: Instrument, day: dt.date, salt: str) -> np.random.Generator:
    return np.random.default_rng(stable_seed(seed, inst.code, day.toordinal(), salt))


def _snap(prices: np.ndarray, inst: Instrument, limits: PriceLimits) -> np.ndarray:
    """Nearest grid prices (each band with its own tick), kept within ``limits``."""
    bands = tick_table(inst.kind)
    uppers = np.array([upper for upper, _ in bands[:-1]], dtype=float)
    ticks = np.array([tick for _, tick in bands], dtype=np.int64)[np.searchsorted(
        uppers, prices, side="right")]
    snapped = np.floor(prices / ticks + 0.5).astype(np.int64) * ticks
    return np.clip(snapped, limits.lower, limits.upper)


def _bridge(rng: np.random.Generator, count: int, start: float, end: float,
            pins: list[tuple[int, float]], step: float) -> np.ndarray:
    """Log-levels of trades 1..``count`` of a random walk from ``start`` (trade 0) to
    ``end`` (trade ``count``), through ``pins`` (trade number, level)."""
    anchors = sorted({0: start, **dict(pins), count: end}.items())
    walk = np.concatenate([[0.0], np.cumsum(rng.normal(0.0, step, count))])
    levels = np.empty(count + 1)
    for (i0, x0), (i1, x1) in itertools.pairwise(anchors):
        frac = np.arange(i1 - i0 + 1) / (i1 - i0)
        part = walk[i0:i1 + 1] - walk[i0]
        levels[i0:i1 + 1] = x0 + (x1 - x0) * frac + part - frac * part[-1]
    return levels[1:]


def _split(rng: np.random.Generator, volume: int, count: int) -> np.ndarray:
    """``count`` positive volumes adding up to ``volume`` (at least ``count``)."""
    if not count:
        return np.empty(0, dtype=np.int64)
    return _apportion(volume, rng.lognormal(0.0, 1.0, count), np.ones(count, np.int64))


def _apportion(total: int, weights: np.ndarray, least: np.ndarray) -> np.ndarray:
    """Whole shares of ``total`` in proportion to ``weights``, each at least ``least``
    (whose sum is at most ``total``): the rest goes to the heaviest, an excess comes off
    the largest shares first."""
    shares = np.maximum(least, np.floor(total * weights / weights.sum()).astype(np.int64))
    excess = int(shares.sum()) - total
    if excess < 0:
        shares[int(np.argmax(weights))] -= excess
    for index in np.argsort(-shares) if excess > 0 else ():
        cut = min(excess, int(shares[index] - least[index]))
        shares[index] -= cut
        excess -= cut
        if excess == 0:
            break
    return shares


def block_seconds(inst: Instrument) -> int:
    """How long a block of ``inst`` lasts: about ``BLOCK_TRADES`` trades, in whole
    five-minute steps from 5 minutes (005930) to an hour (a small cap), so that drawing a
    block costs little and a day has few of them."""
    steps = round(BLOCK_TRADES * inst.tick_interval / BLOCK_SECONDS)
    return BLOCK_SECONDS * min(max(steps, 1), 12)


def _block_starts(open_ts: float, auction_ts: float, close_ts: float, seconds: int
                  ) -> np.ndarray:
    """Continuous blocks from the open to the closing auction, then the auction's: from
    the auction's start, or its trade when the day has no auction period (always-open:
    the trade a hair before midnight)."""
    starts = np.arange(open_ts, auction_ts, seconds, dtype=float)
    last = min(auction_ts, close_ts - 0.001)
    return np.concatenate([starts if len(starts) else [open_ts], [last]])


class _BridgedPath(IntradayPath):
    """Trade 0 is the opening auction at the open (the bar's open), the last one the
    closing auction a hair before the close (the bar's close, so the close's minute bar
    holds it, as at KIS); between them continuous trades, one of them at the bar's high
    and another at its low."""

    def __init__(self, inst: Instrument, bar: DailyBar, seed: int, open_ts: float,
                 auction_ts: float, close_ts: float) -> None:
        rng = _rng(seed, inst, bar.date, "intraday")
        starts = _block_starts(open_ts, auction_ts, close_ts, block_seconds(inst))
        self._ends = np.append(starts[1:-1], min(auction_ts, close_ts - 0.001))
        inner = rng.poisson((self._ends - starts[:-1]) / inst.tick_interval).astype(np.int64)
        inner = _fit_counts(inner, bar.volume)
        counts = np.concatenate([inner, [1]])
        counts[0] += 1  # the opening auction
        super().__init__(inst, bar.date, price_limits(bar.base, inst.kind), open_ts, starts,
                         counts, close_ts, 0)
        self.bar, self.seed, self.close_ts = bar, seed, close_ts
        self._inner = inner
        total = int(inner.sum())
        self._step = inst.daily_vol / math.sqrt(total + 2)
        # Trade numbers 1..total are the continuous trades; two of them make the extremes.
        high_at, low_at = (int(i) + 1 for i in rng.choice(total, size=2, replace=False))
        self._pins = {0: math.log(bar.open), total + 1: math.log(bar.close),
                      high_at: math.log(bar.high), low_at: math.log(bar.low)}
        self._exact = {high_at: bar.high, low_at: bar.low}
        weights = inner * _MEAN_WEIGHT * rng.lognormal(0.0, 0.2, len(inner))
        auctions = _AUCTION_WEIGHT * rng.lognormal(0.0, 1.0, 2)
        shares = _apportion(bar.volume, np.concatenate([[auctions[0]], weights, [auctions[1]]]),
                            np.concatenate([[1], inner, [1]]))
        self._auction_volumes = int(shares[0]), int(shares[-1])
        self._volumes = shares[1:-1]
        self._knots = self._skeleton(rng, np.cumsum(inner))

    def _skeleton(self, rng: np.random.Generator, ends: np.ndarray) -> dict[int, float]:
        """The walk's level at each block's last continuous trade, drawn left to right as
        a bridge between the pinned levels around it."""
        knots = dict(self._pins)
        pins = sorted(self._pins)
        shocks = rng.normal(0.0, 1.0, len(ends))
        left = 0
        for n, position in enumerate(ends.tolist()):
            if position in knots:
                left = max(left, position)
                continue
            after = bisect.bisect_right(pins, position)
            a, b = max(left, pins[after - 1]), pins[after]
            mean = knots[a] + (knots[b] - knots[a]) * (position - a) / (b - a)
            spread = self._step * math.sqrt((position - a) * (b - position) / (b - a))
            knots[position] = mean + spread * float(shocks[n])
            left = position
        return knots

    def _draw(self, k: int) -> Arrays:
        if k == len(self._inner):  # the closing auction
            return (np.array([max(self.close_ts - 0.001, float(self._ends[-1]))]),
                    np.array([self.bar.close]), np.array([self._auction_volumes[1]]),
                    np.array([True]))
        rng = _rng(self.seed, self.inst, self.day, f"block{k}")
        count, start = int(self._inner[k]), float(self._starts[k])
        last = int(self._first[k + 1]) - 1  # trade number of the block's last trade
        first = last - count + 1
        times = np.sort(rng.uniform(start, float(self._ends[k]), count))
        times = np.floor(times * 1000) / 1000
        pins = [(n - first + 1, level) for n, level in self._pins.items() if first <= n < last]
        levels = _bridge(rng, count, self._knots[first - 1], self._knots[last], pins,
                         self._step) if count else np.empty(0)
        prices = _snap(np.exp(levels), self.inst, PriceLimits(self.bar.low, self.bar.high))
        for n, exact in self._exact.items():
            if first <= n <= last:
                prices[n - first] = exact
        volumes = _split(rng, int(self._volumes[k]), count)
        auction = np.zeros(count, dtype=bool)
        if k == 0:
            times = np.concatenate([[self.open_ts], times])
            prices = np.concatenate([[self.bar.open], prices])
            volumes = np.concatenate([[self._auction_volumes[0]], volumes])
            auction = np.concatenate([[True], auction])
        return times, prices.astype(np.int64), volumes.astype(np.int64), auction


def _fit_counts(inner: np.ndarray, volume: int) -> np.ndarray:
    """Continuous trades per block: at least two (the high and the low), and no more
    than the volume allows (a trade is at least one share; two go to the auctions)."""
    total = int(inner.sum())
    room = volume - 2
    if total > room:
        inner = np.floor(inner * (room / total)).astype(np.int64)
    if inner.sum() < 2:
        inner = inner.copy()
        inner[0] += 2 - int(inner.sum())
    return inner


class _MovedPath(IntradayPath):
    """``source`` up to ``ts``, then a trade at the moved price, then a random walk from
    it (within the day's limits) to the closing auction."""

    def __init__(self, source: IntradayPath, ts: float, price: int, seed: int,
                 close_ts: float) -> None:
        inst = source.inst
        moves = source.moves + 1
        rng = _rng(seed, inst, source.day, f"move{moves}")
        starts = source._starts
        auction_ts = float(starts[-1])
        cut = max(0, int(np.searchsorted(starts, ts, side="right")) - 1)
        keep = source.index_at(ts) + 1
        ends = np.append(starts[1:-1], min(auction_ts, close_ts - 0.001))
        counts = np.diff(source._first)[: cut].copy()
        walk = np.zeros(len(starts), dtype=np.int64)  # walk trades per block
        for k in range(cut, len(starts) - 1):
            span = float(ends[k]) - max(ts, float(starts[k]))
            walk[k] = rng.poisson(span / inst.tick_interval) if span > 0 else 0
        closes = ts < close_ts - 0.001
        own = np.concatenate([[keep - int(source._first[cut]) + 1], np.zeros(
            len(starts) - cut - 1, dtype=np.int64)])
        own[-1] += 1 if closes and cut < len(starts) - 1 else 0
        later = walk[cut:] + own
        if cut == len(starts) - 1 and closes:
            later[-1] += 1
        super().__init__(inst, source.day, source.limits, source.open_ts, starts,
                         np.concatenate([counts, later]), max(close_ts, ts), moves)
        self.source, self.ts, self.price, self.seed = source, ts, price, seed
        self.close_ts, self._keep, self._cut = close_ts, keep, cut
        self._ends, self._walk, self._closes = ends, walk, closes
        # The moved trade is a print of size (a few thousand shares of 005930); the walk
        # after it trades the usual size (a usual day's volume over its trades).
        self._print = max(1, inst.daily_volume // 5_000)
        self._lot = max(1, int(inst.daily_volume * inst.tick_interval / 22_800 / _MEAN_WEIGHT))
        self._step = inst.daily_vol / math.sqrt(max(1.0, 23_400 / inst.tick_interval))
        levels = math.log(price) + np.cumsum(rng.normal(0.0, 1.0, len(starts)) * self._step
                                             * np.sqrt(walk))
        self._knots = np.concatenate([[math.log(price)], levels])  # before block k: [k]

    def _draw(self, k: int) -> Arrays:
        if k < self._cut:
            return self._source_block(k, None)
        rng = _rng(self.seed, self.inst, self.day, f"move{self.moves}:block{k}")
        parts = [self._source_block(k, self._keep)] if k == self._cut else []
        if k == self._cut:
            parts.append((np.array([self.ts]), np.array([self.price]),
                          np.array([self._print]), np.array([False])))
        count = int(self._walk[k])
        if count:
            start = max(self.ts, float(self._starts[k]))
            times = np.floor(np.sort(rng.uniform(start, float(self._ends[k]), count))
                             * 1000) / 1000
            times = np.maximum(times, self.ts)
            levels = _bridge(rng, count, float(self._knots[k]), float(self._knots[k + 1]), [],
                             self._step)
            volumes = np.maximum(1, (self._lot * rng.lognormal(0, 1, count)).astype(np.int64))
            parts.append((times, _snap(np.exp(levels), self.inst, self.limits), volumes,
                          np.zeros(count, dtype=bool)))
        if k == len(self._starts) - 1 and self._closes:
            level = float(self._knots[-1])
            parts.append((np.array([self.close_ts - 0.001]),
                          _snap(np.array([math.exp(level)]), self.inst, self.limits),
                          np.array([self._print]), np.array([True])))
        if not parts:
            return _no_trades()
        return tuple(np.concatenate(column) for column in zip(*parts))  # type: ignore[return-value]

    def _source_block(self, k: int, keep: int | None) -> Arrays:
        first, last = int(self.source._first[k]), int(self.source._first[k + 1])
        if keep is not None:
            last = min(last, keep)
        if last <= first:
            return _no_trades()
        return self.source.window(first, last - 1)


def _no_trades() -> Arrays:
    return np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, bool)
