"""A day's trades: times, prices and volumes, pinned to the day's bar. numpy does the
work, since a day holds thousands of trades and a market holds dozens of symbols.

The path opens with the opening auction at the regular open, passes through the bar's
high and low, and ends with the closing auction at the close; the volumes add up to the
bar's volume. So minute bars, ticks and the daily bar always agree. Moving a price by
hand replaces the rest of the day with a walk from the new price.

Everything that leaves this module is a plain ``int``/``float``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from pykis.market import PriceLimits, price_limits
from pykis.market.ticks import tick_table
from pykis.sim.daily import DailyBar, stable_seed
from pykis.sim.universe import Instrument

__all__ = ["IntradayPath", "Trade"]


@dataclass(frozen=True, slots=True)
class Trade:
    ts: float
    price: int
    volume: int
    auction: bool


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


class IntradayPath:
    def __init__(self, inst: Instrument, day: dt.date, limits: PriceLimits, times, prices,
                 volumes, auction, moves: int = 0) -> None:
        self.inst, self.day, self.limits, self.moves = inst, day, limits, moves
        self.times = np.asarray(times, dtype=float)
        self.prices = np.asarray(prices, dtype=np.int64)
        self.volumes = np.asarray(volumes, dtype=np.int64)
        self.auction = np.asarray(auction, dtype=bool)
        self._cum_volume = np.cumsum(self.volumes)
        self._cum_value = np.cumsum(self.prices * self.volumes)
        self._highs = np.maximum.accumulate(self.prices)
        self._lows = np.minimum.accumulate(self.prices)
        self._flow: tuple[np.ndarray, ...] | None = None  # built on the first flow()

    @classmethod
    def bridged(cls, inst: Instrument, bar: DailyBar, seed: int, open_ts: float,
                auction_ts: float, close_ts: float) -> IntradayPath:
        """A path through the bar's open, high, low and close, with its volume."""
        rng = _rng(seed, inst, bar.date, "intraday")
        times = _trade_times(rng, open_ts, auction_ts, close_ts, inst.tick_interval,
                             bar.volume)
        prices = _bridge(rng, bar, len(times), inst)
        volumes = _split_volume(rng, bar.volume, len(times))
        auction = np.zeros(len(times), dtype=bool)
        auction[[0, -1]] = True
        return cls(inst, bar.date, price_limits(bar.base, inst.kind), times, prices, volumes,
                   auction)

    def __len__(self) -> int:
        return len(self.times)

    def index_at(self, ts: float) -> int:
        """Index of the last trade at or before ``ts``; -1 before the first trade."""
        return int(np.searchsorted(self.times, ts, side="right")) - 1

    def trade(self, index: int) -> Trade:
        return Trade(float(self.times[index]), int(self.prices[index]),
                     int(self.volumes[index]), bool(self.auction[index]))

    def summary(self, index: int) -> tuple[int, int, int, int, int, int]:
        """(open, high, low, last, volume, value) of the trades up to ``index``."""
        return (int(self.prices[0]), int(self._highs[index]), int(self._lows[index]),
                int(self.prices[index]), int(self._cum_volume[index]),
                int(self._cum_value[index]))

    def buyer_initiated(self, index: int) -> bool:
        """Whether trade ``index`` took the ask, by the tick rule: a trade above the
        previous price was a buy, below it a sell, at the same price like the one before."""
        return bool(self._flows()[0][index])

    def flow(self, index: int) -> tuple[int, int, int, int, float, float]:
        """Up to ``index``: (seller-initiated trades, buyer-initiated trades, their volumes,
        time of the high, time of the low)."""
        _, sells, buys, sold, bought, high_at, low_at = self._flows()
        return (int(sells[index]), int(buys[index]), int(sold[index]), int(bought[index]),
                float(self.times[high_at[index]]), float(self.times[low_at[index]]))

    def _flows(self) -> tuple[np.ndarray, ...]:
        if self._flow is None:
            prices, positions = self.prices, np.arange(len(self.prices))
            ticks = np.zeros(len(prices), dtype=np.int64)
            ticks[1:] = np.sign(prices[1:] - prices[:-1])
            ticks[0] = 1  # the opening trade counts as a buy
            last_move = np.maximum.accumulate(np.where(ticks != 0, positions, 0))
            up = ticks[last_move] > 0
            new_high = np.ones(len(prices), dtype=bool)
            new_high[1:] = prices[1:] > self._highs[:-1]
            new_low = np.ones(len(prices), dtype=bool)
            new_low[1:] = prices[1:] < self._lows[:-1]
            self._flow = (up, np.cumsum(~up), np.cumsum(up),
                          np.cumsum(np.where(up, 0, self.volumes)),
                          np.cumsum(np.where(up, self.volumes, 0)),
                          np.maximum.accumulate(np.where(new_high, positions, 0)),
                          np.maximum.accumulate(np.where(new_low, positions, 0)))
        return self._flow

    def realized_bar(self, base: int) -> DailyBar:
        o, h, low, c, v, value = self.summary(len(self) - 1)
        return DailyBar(self.day, base, o, h, low, c, v, value)

    def minute_bars(self, first_end: float, last_end: float, until: float
                    ) -> list[tuple[float, int, int, int, int, int, int]]:
        """One-minute bars labelled by their end, from ``first_end`` to ``last_end``, over
        the trades up to ``until``: (end, open, high, low, close, volume, cumulative value).
        A minute without trades repeats the last price with no volume."""
        visible = self.index_at(until) + 1
        if visible == 0:
            return []
        ends = np.arange(first_end, last_end + 1, 60.0)
        cuts = np.searchsorted(self.times[:visible], ends, side="left")
        bars, start = [], 0
        for end, cut in zip(ends.tolist(), cuts.tolist()):
            if cut == start and start >= visible:
                break  # the minute has not traded yet and nothing after it has either
            chunk = self.prices[start:cut]
            last = int(self.prices[max(cut - 1, 0)])
            volume = int(self.volumes[start:cut].sum())
            value = int(self._cum_value[max(cut - 1, 0)])
            if len(chunk):
                bars.append((end, int(chunk[0]), int(chunk.max()), int(chunk.min()), last,
                             volume, value))
            else:
                bars.append((end, last, last, last, last, 0, value))
            start = cut
        return bars

    def moved(self, ts: float, price: int, seed: int, close_ts: float) -> IntradayPath:
        """This path up to ``ts``, a trade at ``price``, then a walk on until the close."""
        rng = _rng(seed, self.inst, self.day, f"move{self.moves + 1}")
        keep = self.index_at(ts) + 1
        lot = max(1, self.inst.daily_volume // 5_000)
        gaps = rng.exponential(self.inst.tick_interval,
                               int((close_ts - ts) / self.inst.tick_interval * 1.5) + 8)
        later = ts + np.cumsum(gaps)
        later = np.round(later[later < close_ts], 3)
        step = self.inst.daily_vol / math.sqrt(max(1.0, 23_400 / self.inst.tick_interval))
        walk = price * np.exp(np.cumsum(rng.normal(0.0, step, len(later))))
        prices = _snap(walk, self.inst, self.limits) if len(later) else walk
        volumes = np.maximum(1, (lot * rng.lognormal(0, 1, len(later))).astype(np.int64))
        return IntradayPath(
            self.inst, self.day, self.limits,
            np.concatenate([self.times[:keep], [ts], later]),
            np.concatenate([self.prices[:keep], [price], prices]),
            np.concatenate([self.volumes[:keep], [lot], volumes]),
            np.concatenate([self.auction[:keep], [False], np.zeros(len(later), dtype=bool)]),
            moves=self.moves + 1,
        )


def _trade_times(rng: np.random.Generator, open_ts: float, auction_ts: float,
                 close_ts: float, mean: float, volume: int) -> np.ndarray:
    """The opening auction, continuous trades until the closing auction, then the closing
    auction a hair before the close (so the 15:30 minute bar holds it, as at KIS)."""
    expected = int((auction_ts - open_ts) / mean * 1.5) + 8
    inner = open_ts + np.cumsum(rng.exponential(mean, expected))
    inner = np.round(inner[inner < auction_ts], 3)[: max(0, volume - 2)]
    if len(inner) < 2:  # room for the high and the low between open and close
        inner = np.linspace(open_ts, auction_ts, 4)[1:3]
    return np.concatenate([[open_ts], inner, [max(inner[-1], close_ts - 0.001)]])


def _bridge(rng: np.random.Generator, bar: DailyBar, count: int, inst: Instrument
            ) -> np.ndarray:
    """Prices pinned to open (first), close (last), high and low (two inner trades)."""
    inner = rng.choice(np.arange(1, count - 1), size=2, replace=False)
    anchors = sorted([(0, bar.open), (count - 1, bar.close), (int(inner[0]), bar.high),
                      (int(inner[1]), bar.low)])
    step = inst.daily_vol / math.sqrt(count)
    levels = np.empty(count)
    for (i0, p0), (i1, p1) in zip(anchors, anchors[1:]):
        span = i1 - i0
        walk = np.concatenate([[0.0], np.cumsum(rng.normal(0.0, step, span))])
        frac = np.arange(span + 1) / span if span else np.zeros(1)
        a, b = math.log(p0), math.log(p1)
        levels[i0:i1 + 1] = a + (b - a) * frac + walk - frac * walk[-1]
    prices = _snap(np.exp(levels), inst, PriceLimits(bar.low, bar.high))
    for index, price in anchors:
        prices[index] = price
    return prices


def _split_volume(rng: np.random.Generator, volume: int, count: int) -> np.ndarray:
    """``count`` positive volumes adding up to ``volume``; the auctions trade more."""
    weights = rng.lognormal(0.0, 1.0, count)
    weights[[0, -1]] *= 20
    shares = np.maximum(1, np.floor(volume * weights / weights.sum()).astype(np.int64))
    excess = int(shares.sum()) - volume
    for index in np.argsort(-shares):  # take any excess from the largest first
        if excess <= 0:
            break
        cut = min(excess, int(shares[index]) - 1)
        shares[index] -= cut
        excess -= cut
    shares[int(np.argmax(shares))] -= excess  # excess < 0: give the shortfall to one trade
    return shares
