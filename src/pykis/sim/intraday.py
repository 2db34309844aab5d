"""A day's trades: times, prices and volumes, pinned to the day's bar, made on demand.

A liquid listing trades several times a second (a day of 005930 is ~150,000 trades; a
day of the always-open market's 24 hours, four times that), so a day is not generated in
one piece. It is cut into blocks of about 2,000 trades (five minutes of 005930, up to an
hour of a small cap). What the whole day needs is drawn first and is small: each block's
number of trades and volume, and a skeleton of the price walk at each block's end. A
block's trades are drawn from its own seed whenever they are wanted, kept in a shared
cache of bounded size, and summed once, in order, into per-block and per-minute figures.
So any trade, running total or minute bar costs one block at most, and the same seed
always gives the same trades.

``IntradayPath`` numbers the trades and answers every question about the day; how the
blocks are drawn (through the day's bar, or on from a price moved by hand) is
``pykis.sim.paths``.

numpy does the work; everything that leaves this module is a plain ``int``/``float``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from pykis.market import PriceLimits
from pykis.sim.daily import DailyBar
from pykis.sim.universe import Instrument

__all__ = ["IntradayPath", "Trade"]

MINUTE = 60
CACHED_TRADES = 1_500_000  # trades kept drawn, all paths together (~150 MB at most)
Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # times, prices, volumes, auction


@dataclass(frozen=True, slots=True)
class Trade:
    ts: float
    price: int
    volume: int
    auction: bool


# --- blocks -----------------------------------------------------------------------------------
class _Block:
    """One block's trades, with running figures from its first trade: these need only
    the trades before the block (its ``context``) to be added to."""

    __slots__ = (
        "auction",
        "bought",
        "buys",
        "cum_value",
        "cum_volume",
        "high_at",
        "low_at",
        "prices",
        "run_high",
        "run_low",
        "sells",
        "sold",
        "times",
        "up",
        "volumes",
    )

    def __init__(self, times, prices, volumes, auction, last_price: int, last_up: bool
                 ) -> None:
        self.times, self.prices, self.volumes, self.auction = times, prices, volumes, auction
        self.cum_volume = np.cumsum(volumes)
        self.cum_value = np.cumsum(prices * volumes)
        self.run_high = np.maximum.accumulate(prices)
        self.run_low = np.minimum.accumulate(prices)
        positions = np.arange(len(prices))
        self.high_at = _setters(prices, self.run_high, positions, np.greater)
        self.low_at = _setters(prices, self.run_low, positions, np.less)
        # Tick rule: above the previous price a buy, below it a sell, equal like the last;
        # the day's first trade (the opening auction) counts as a buy.
        ticks = np.sign(np.diff(prices, prepend=last_price or prices[:1] - 1))
        moved = np.maximum.accumulate(np.where(ticks != 0, positions, -1))
        self.up = np.where(moved >= 0, ticks[np.maximum(moved, 0)] > 0, last_up)
        self.sells, self.buys = np.cumsum(~self.up), np.cumsum(self.up)
        self.sold = np.cumsum(np.where(self.up, 0, volumes))
        self.bought = np.cumsum(np.where(self.up, volumes, 0))

    def __len__(self) -> int:
        return len(self.times)


def _setters(prices, running, positions, beyond) -> np.ndarray:
    """For each trade, the position of the trade that set the block's running extreme."""
    new = np.ones(len(prices), dtype=bool)
    new[1:] = beyond(prices[1:], running[:-1])
    return np.maximum.accumulate(np.where(new, positions, 0))


@dataclass(frozen=True, slots=True)
class _Total:
    """What the trades before a block add up to."""

    volume: int = 0
    value: int = 0
    high: int = 0
    high_ts: float = 0.0
    low: int = 0
    low_ts: float = 0.0
    sells: int = 0
    buys: int = 0
    sold: int = 0
    bought: int = 0
    last: int = 0  # last price, 0 before the first trade
    up: bool = True

    def then(self, block: _Block) -> _Total:
        if not len(block):
            return self
        top, bottom = int(block.run_high[-1]), int(block.run_low[-1])
        high, high_ts = (top, float(block.times[block.high_at[-1]])) \
            if not self.last or top > self.high else (self.high, self.high_ts)
        low, low_ts = (bottom, float(block.times[block.low_at[-1]])) \
            if not self.last or bottom < self.low else (self.low, self.low_ts)
        return _Total(self.volume + int(block.cum_volume[-1]),
                      self.value + int(block.cum_value[-1]), high, high_ts, low, low_ts,
                      self.sells + int(block.sells[-1]), self.buys + int(block.buys[-1]),
                      self.sold + int(block.sold[-1]), self.bought + int(block.bought[-1]),
                      int(block.prices[-1]), bool(block.up[-1]))


_SERIALS = itertools.count(1)
_CACHE: OrderedDict[tuple[int, int], _Block] = OrderedDict()  # least recently used first
_CACHE_LOCK = threading.Lock()
_cached_trades = 0


def _cache_get(key: tuple[int, int]) -> _Block | None:
    with _CACHE_LOCK:
        block = _CACHE.get(key)
        if block is not None:
            _CACHE.move_to_end(key)
        return block


def _cache_put(key: tuple[int, int], block: _Block) -> None:
    global _cached_trades
    with _CACHE_LOCK:
        if key in _CACHE:
            return
        _CACHE[key] = block
        _cached_trades += len(block)
        while _cached_trades > CACHED_TRADES and len(_CACHE) > 1:
            _, old = _CACHE.popitem(last=False)
            _cached_trades -= len(old)


# --- the path -----------------------------------------------------------------------------
class IntradayPath:
    """A day's trades, numbered from 0 in time order, drawn block by block.

    Subclasses say how many trades each block holds (``counts``, fixed at construction)
    and draw a block's raw trades (``_draw``); this class numbers them, keeps running
    totals and minute bars, and answers every question about the day.
    """

    def __init__(self, inst: Instrument, day: dt.date, limits: PriceLimits, open_ts: float,
                 starts: np.ndarray, counts: np.ndarray, last_ts: float, moves: int = 0
                 ) -> None:
        self.inst, self.day, self.limits, self.moves = inst, day, limits, moves
        self.open_ts = open_ts
        self._starts = starts  # each block's first moment (the last block has no end)
        self._first = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        # The same as lists: bisect on a list is what a single look-up costs least with.
        self._start_list, self._first_list = starts.tolist(), self._first.tolist()
        self._serial = next(_SERIALS)
        self._lock = threading.RLock()
        self._totals: list[_Total] = [_Total()]  # before block k; grows as blocks are summed
        minutes = math.ceil((max(last_ts, float(starts[-1])) - open_ts + 1e-9) / MINUTE)
        self._minutes = np.zeros((max(minutes, 1), 7), dtype=np.int64)  # see _sum_minutes
        # Blocks start on whole minutes, but for the closing auction's a hair before a
        # midnight close (always-open): the row its first minute had before it was summed.
        self._shared: dict[int, np.ndarray] = {}

    # --- what subclasses provide ---------------------------------------------------------
    def _draw(self, k: int) -> Arrays:
        """Block ``k``'s trades: (times, prices, volumes, auction flags), oldest first."""
        raise NotImplementedError

    # --- blocks ----------------------------------------------------------------------------
    def _block(self, k: int) -> _Block:
        key = (self._serial, k)
        block = _cache_get(key)
        if block is None:
            with self._lock:
                self._sum_to(k - 1)
                block = self._make(k)
        return block

    def _make(self, k: int) -> _Block:
        before = self._totals[k]
        block = _Block(*self._draw(k), before.last, before.up)
        assert len(block) == self._first[k + 1] - self._first[k]
        _cache_put((self._serial, k), block)
        return block

    def _sum_to(self, k: int) -> None:
        """Sum blocks up to ``k`` (in order: each block's tick rule needs the last)."""
        with self._lock:
            while len(self._totals) <= k + 1:
                index = len(self._totals) - 1
                block = _cache_get((self._serial, index))
                if block is None:
                    block = self._make(index)
                self._shared[index] = self._minutes[self._first_slot(index)].copy()
                self._sum_minutes(block, self._totals[-1])
                self._totals.append(self._totals[-1].then(block))

    def _sum_minutes(self, block: _Block, before: _Total) -> None:
        """Columns: trades, open, high, low, close, volume, value traded up to the end."""
        if not len(block):
            return
        slots = np.clip(self._slots(block.times), 0, len(self._minutes) - 1)
        for slot, row in self._rows(block, slots, before).items():
            self._minutes[slot] = _merged(self._minutes[slot], row)

    def _slots(self, times: np.ndarray) -> np.ndarray:
        return ((times - self.open_ts) // MINUTE).astype(np.int64)

    @staticmethod
    def _rows(block: _Block, slots: np.ndarray, before: _Total) -> dict[int, np.ndarray]:
        """Minute rows of the block's first ``len(slots)`` trades, by minute slot."""
        cuts = np.flatnonzero(np.diff(slots)) + 1
        firsts = np.concatenate([[0], cuts])
        lasts = np.concatenate([cuts, [len(slots)]]) - 1
        count = len(slots)
        prices, volumes = block.prices[:count], block.volumes[:count]
        table = np.stack([lasts - firsts + 1, prices[firsts],
                          np.maximum.reduceat(prices, firsts),
                          np.minimum.reduceat(prices, firsts), prices[lasts],
                          np.add.reduceat(volumes, firsts),
                          before.value + block.cum_value[lasts]], axis=1)
        return dict(zip(slots[firsts].tolist(), table, strict=True))

    def _locate(self, index: int) -> tuple[int, int]:
        """(block, position in it) of trade ``index``."""
        if not 0 <= index < self._first_list[-1]:
            raise IndexError(index)
        k = bisect.bisect_right(self._first_list, index) - 1
        return k, index - self._first_list[k]

    # --- questions -------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._first_list[-1]

    def index_at(self, ts: float) -> int:
        """Index of the last trade at or before ``ts``; -1 before the first trade."""
        k = bisect.bisect_right(self._start_list, ts) - 1
        if k < 0:
            return -1
        first = self._first_list[k]
        block = self._block(k) if self._first_list[k + 1] > first else None
        inside = int(block.times.searchsorted(ts, side="right")) if block else 0
        return first + inside - 1

    def trade(self, index: int) -> Trade:
        k, at = self._locate(index)
        block = self._block(k)
        return Trade(float(block.times[at]), int(block.prices[at]), int(block.volumes[at]),
                     bool(block.auction[at]))

    def window(self, first: int, last: int) -> Arrays:
        """Trades ``first`` to ``last`` (inclusive) as arrays: times, prices, volumes and
        auction flags."""
        parts: list[tuple[np.ndarray, ...]] = []
        index = first
        while index <= last:
            k, at = self._locate(index)
            block = self._block(k)
            upto = min(len(block), at + last - index + 1)
            parts.append((block.times[at:upto], block.prices[at:upto],
                          block.volumes[at:upto], block.auction[at:upto]))
            index += upto - at
        if not parts:
            empty = np.empty(0)
            return empty, empty.astype(np.int64), empty.astype(np.int64), empty.astype(bool)
        return tuple(np.concatenate(column) for column in zip(*parts))  # type: ignore[return-value]

    def _at(self, index: int) -> tuple[_Total, _Block, int]:
        k, at = self._locate(index)
        self._sum_to(k - 1)
        return self._totals[k], self._block(k), at

    def summary(self, index: int) -> tuple[int, int, int, int, int, int]:
        """(open, high, low, last, volume, value) of the trades up to ``index``."""
        before, block, at = self._at(index)
        first = self._block(0)
        high = int(block.run_high[at]) if not before.last else max(before.high,
                                                                   int(block.run_high[at]))
        low = int(block.run_low[at]) if not before.last else min(before.low,
                                                                 int(block.run_low[at]))
        return (int(first.prices[0]), high, low, int(block.prices[at]),
                before.volume + int(block.cum_volume[at]),
                before.value + int(block.cum_value[at]))

    def buyer_initiated(self, index: int) -> bool:
        """Whether trade ``index`` took the ask, by the tick rule: a trade above the
        previous price was a buy, below it a sell, at the same price like the one before."""
        _, block, at = self._at(index)
        return bool(block.up[at])

    def flow(self, index: int) -> tuple[int, int, int, int, float, float]:
        """Up to ``index``: (seller-initiated trades, buyer-initiated trades, their volumes,
        time of the high, time of the low)."""
        before, block, at = self._at(index)
        high_ts, low_ts = before.high_ts, before.low_ts
        if not before.last or block.run_high[at] > before.high:
            high_ts = float(block.times[block.high_at[at]])
        if not before.last or block.run_low[at] < before.low:
            low_ts = float(block.times[block.low_at[at]])
        return (before.sells + int(block.sells[at]), before.buys + int(block.buys[at]),
                before.sold + int(block.sold[at]), before.bought + int(block.bought[at]),
                high_ts, low_ts)

    def realized_bar(self, base: int) -> DailyBar:
        o, h, low, c, v, value = self.summary(len(self) - 1)
        return DailyBar(self.day, base, o, h, low, c, v, value)

    def minute_bars(self, first_end: float, last_end: float, until: float,
                    limit: int | None = None
                    ) -> list[tuple[float, int, int, int, int, int, int]]:
        """One-minute bars labelled by their end, from ``first_end`` to ``last_end``, over
        the trades up to ``until``: (end, open, high, low, close, volume, cumulative value),
        oldest first (only the newest ``limit`` if given). A minute without trades repeats
        the last price with no volume; minutes after the last trade are left out."""
        visible = self.index_at(until)
        if visible < 0:
            return []
        last_ts = self.trade(visible).ts
        k, _ = self._locate(visible)
        self._sum_to(k - 1)
        newest = min(int((last_end - self.open_ts) // MINUTE),
                     int((last_ts - self.open_ts) // MINUTE) + 1)
        oldest = max(math.ceil((first_end - self.open_ts) / MINUTE - 1e-9), 1)
        if limit is not None:
            oldest = max(oldest, newest - limit + 1)
        if newest < oldest:
            return []
        with self._lock:  # another simulator sharing this day may be summing block k
            rows = self._minute_rows(k, visible, newest)
        carry = self._carry(oldest - 1, rows)
        bars = []
        for slot in range(oldest - 1, newest):
            row = rows.get(slot)
            if row is None:
                row = self._minutes[slot] if slot < self._partial_from(k) else None
            end = self.open_ts + (slot + 1) * MINUTE
            if row is not None and row[0]:
                carry = (int(row[4]), int(row[6]))
                bars.append((end, *map(int, row[1:7].tolist())))  # plain ints, at once
            else:
                bars.append((end, carry[0], carry[0], carry[0], carry[0], 0, carry[1]))
        return bars

    def _partial_from(self, k: int) -> int:
        """The first minute slot that block ``k`` (the last visible one) may touch."""
        return self._first_slot(k)

    def _first_slot(self, k: int) -> int:
        return int((self._starts[k] - self.open_ts) // MINUTE) if k else 0

    def _minute_rows(self, k: int, visible: int, newest: int) -> dict[int, np.ndarray]:
        """Minute rows of the last visible block ``k``: its visible trades, and in its first
        minute what the blocks before it traded there."""
        block, before = self._block(k), self._totals[k]
        first_slot = self._first_slot(k)
        shared = self._shared.get(k)
        if shared is None:  # block k not summed yet: the row holds the blocks before it
            shared = self._minutes[first_slot].copy()
        count = visible - int(self._first[k]) + 1
        rows = self._rows(block, self._slots(block.times[:count]), before) if count else {}
        rows[first_slot] = _merged(shared, rows.get(first_slot))
        for slot in range(first_slot, newest):  # the block's minutes without trades yet
            rows.setdefault(slot, np.zeros(7, dtype=np.int64))
        return rows

    def _carry(self, slot: int, rows: dict[int, np.ndarray]) -> tuple[int, int]:
        """(last price, value traded) at the start of minute ``slot``."""
        for earlier in range(slot - 1, -1, -1):
            row = rows.get(earlier)
            if row is None:
                row = self._minutes[earlier]
            if row[0]:
                return int(row[4]), int(row[6])
        return 0, 0


def _merged(earlier: np.ndarray, later: np.ndarray | None) -> np.ndarray:
    """One minute's row from the rows of its earlier and later trades."""
    if later is None or not later[0]:
        return earlier.copy()
    if not earlier[0]:
        return later.copy()
    return np.array([earlier[0] + later[0], earlier[1], max(earlier[2], later[2]),
                     min(earlier[3], later[3]), later[4], earlier[5] + later[5], later[6]])
