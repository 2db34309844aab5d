"""Replay: the simulator's market driven by stored bars instead of synthetic paths.

``SimConfig(replay=DIR, replay_from=DATE, speed=N)`` (``pykis sim --replay DIR --from DATE
--speed N``) makes every listing with bars in the ``HistoryStore`` at DIR follow them;
the other listings keep their synthetic paths. The clock starts a minute before the
regular open of ``replay_from`` (or at the moment given), and runs ``speed`` times the
wall clock. Everything the simulator shows of a replayed listing comes from one place,
its day's trades, so REST quotes, daily and minute charts, the order book (built around
the last replayed trade on the tick grid), the real-time trades (H0STCNT0) and the
matching of orders all agree with each other and with the stored bars.

A day's trades, deterministic (no seed involved):

* a day with one-minute bars: each bar becomes the ticks ``pykis.history.ticks.bar_ticks``
  makes of it (open, then low and high in the documented order, then close, at +0, +15,
  +30 and +45 s, the volume split in whole shares) - the very ticks the backtester sees.
  A bar without volume has no trades (the minute repeats the last price, as at KIS), and
  nor does a tick that the split left without a share; bars outside the regular session
  are left out. The day's daily bar is the one the minutes add up to.
* a day with a daily bar only: the ticks of the daily bar over ``DAY_SPAN`` from the
  regular open (09:00, 10:35, 12:10, 13:45 on a normal day).
* a trading day without stored bars, inside or after the stored range: no trades; the
  listing shows its last close (as a listing halted for the day).

Daily bars are the stored raw ones (원주가, what the one-minute bars are made of) where the
store has them, else the adjusted ones. Each day's reference price (기준가) is the close
of the stored day before it (its own open on the first day); the price limits follow.
The traded value of a replayed bar is recomputed from its ticks (price × volume), so it
may differ from the stored ``value``.

The order book of a replayed listing is quoted around the last replayed trade, on the
grid: the best ask is that price when the trade was an uptick by the tick rule (the
day's first trade counts as one), else one tick above it; the best bid one tick below
the ask (the simulator's own book, ``MarketState._fresh_book``, on the tick rule of
``IntradayPath``; ``pykis.history.ticks.quoted_ask`` is the same rule for the
backtester, which reads that ask as the engine reads this book). Its depth is synthetic, so nothing trades against it: orders of a
replayed listing fill only against the replayed trades, by the fill model of recorded
trades (``pykis.history.fills``, the backtester's, written once there; docs/fill-model.md):
nothing on arrival; a market order at the next trade's price; a limit order at its
limit, on the next trade at or beyond it if it was marketable on arrival, else only on
a trade through it; each side sharing a trade's volume.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pykis.market import KST, TradingCalendar, price_limits
from pykis.sim.daily import DailyBar, DailyHistory
from pykis.sim.intraday import Arrays, IntradayPath
from pykis.sim.universe import Instrument

if TYPE_CHECKING:
    from pykis.history.store import HistoryStore

__all__ = ["ReplaySource", "describe", "replay_arrival", "replay_source", "replay_start"]

log = logging.getLogger("pykis.sim")

BLOCK_SECONDS = 1_800  # a replayed day is cut into half hours (a few hundred ticks each)
_PATHS_KEPT = 64


@dataclass(frozen=True, slots=True)
class _Day:
    """One stored day of one listing: its daily bar (``base`` filled in later) and, if
    it has one-minute bars, their starts (epoch seconds) and prices."""

    bar: DailyBar
    minutes: np.ndarray | None  # rows: start, open, high, low, close, volume, value


class ReplaySource:
    """The stored bars of ``store`` as the simulator replays them."""

    def __init__(self, store: HistoryStore | str | os.PathLike[str],
                 calendar: TradingCalendar | None = None) -> None:
        from pykis.history.store import HistoryStore

        self.store = store if isinstance(store, HistoryStore) else HistoryStore(store)
        if not self.store.root.is_dir():
            raise ValueError(f"replay: no history store at {self.store.root}")
        self.calendar = calendar or TradingCalendar()
        self.symbols = frozenset(self.store.symbols("1m")) | frozenset(self.store.symbols("1d"))
        self._days: dict[str, dict[dt.date, _Day]] = {}
        self._paths: OrderedDict[tuple[str, dt.date], IntradayPath] = OrderedDict()
        self._lock = threading.RLock()

    def __contains__(self, code: object) -> bool:
        return code in self.symbols

    def __repr__(self) -> str:
        return f"ReplaySource({str(self.store.root)!r}, {len(self.symbols)} symbols)"

    # --- stored days -----------------------------------------------------------------
    def days(self, code: str) -> dict[dt.date, _Day]:
        """Every stored day of ``code``, oldest first, with its reference price."""
        with self._lock:
            if code not in self._days:
                self._days[code] = self._load(code)
            return self._days[code]

    def first_day(self) -> dt.date | None:
        """The earliest day any replayed listing has bars for."""
        firsts = [next(iter(self.days(code))) for code in sorted(self.symbols)
                  if self.days(code)]
        return min(firsts) if firsts else None

    def _load(self, code: str) -> dict[dt.date, _Day]:
        daily = self.store.bars(code, "1d", adjusted=False)
        if not len(daily):
            daily = self.store.bars(code, "1d", adjusted=True)
        bars: dict[dt.date, DailyBar] = {}
        for row in daily.itertuples(index=False):
            day = row.time.date()
            bars[day] = DailyBar(day, 0, int(row.open), int(row.high), int(row.low),
                                 int(row.close), int(row.volume), int(row.value))
        minutes: dict[dt.date, np.ndarray] = {}
        frame = self.store.bars(code, "1m")
        if len(frame):
            starts = frame["time"].astype("int64").to_numpy() // 1_000_000  # µs → s
            table = np.column_stack([starts, *(frame[c].to_numpy(np.int64) for c in (
                "open", "high", "low", "close", "volume", "value"))])
            for day, rows in _by_day(frame["time"].dt.date.to_numpy(), table).items():
                traded = rows[rows[:, 5] > 0]
                if len(traded):
                    minutes[day] = rows
                    bars[day] = DailyBar(
                        day, 0, int(traded[0, 1]), int(traded[:, 2].max()),
                        int(traded[:, 3].min()), int(traded[-1, 4]), int(traded[:, 5].sum()),
                        _value(traded))
        days, close = {}, None
        for day in sorted(bars):
            if not self.calendar.is_trading_day(day):
                continue  # a bar of a day KRX did not trade cannot be replayed
            bar = bars[day]
            base = close if close is not None else bar.open
            days[day] = _Day(DailyBar(day, base, bar.open, bar.high, bar.low, bar.close,
                                      bar.volume, bar.value), minutes.get(day))
            close = bar.close
        return days

    # --- what the market asks -----------------------------------------------------------
    def history(self, inst: Instrument, seed: int, calendar: TradingCalendar,
                first_day: dt.date) -> DailyHistory:
        return _ReplayHistory(inst, seed, calendar, first_day, self)

    def path(self, inst: Instrument, bar: DailyBar, open_ts: float, close_ts: float
             ) -> IntradayPath:
        """The day's trades: the ticks of its stored bars (none on a day without)."""
        key = (inst.code, bar.date)
        with self._lock:
            path = self._paths.get(key)
            if path is not None and path.inst == inst and path.open_ts == open_ts:
                self._paths.move_to_end(key)
                return path
            stored = self.days(inst.code).get(bar.date)
            ticks = _ticks(stored, open_ts, close_ts)
            path = _ReplayPath(inst, bar, open_ts, close_ts, ticks)
            self._paths[key] = path
            while len(self._paths) > _PATHS_KEPT:
                self._paths.popitem(last=False)
            return path


def _value(rows: np.ndarray) -> int:
    """A day's traded value: the stored one, or its closes × volumes if none is stored."""
    stored = int(rows[:, 6].sum())
    return stored if stored else int((rows[:, 4] * rows[:, 5]).sum())


def _by_day(days: np.ndarray, table: np.ndarray) -> dict[dt.date, np.ndarray]:
    cuts = np.flatnonzero(days[1:] != days[:-1]) + 1
    return {days[start]: part for start, part in zip(np.concatenate([[0], cuts]),
                                                   np.split(table, cuts), strict=True)}


def _ticks(stored: _Day | None, open_ts: float, close_ts: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, prices, volumes) of a stored day's ticks, oldest first, within its session."""
    from pykis.history.ticks import DAY_SPAN, bar_ticks

    if stored is None:
        return np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64)
    if stored.minutes is not None:
        bars = [(dt.datetime.fromtimestamp(int(r[0]), KST), *map(int, r[1:]))
                for r in stored.minutes[:, :6] if r[5] > 0]
        span = {}
    else:
        b = stored.bar
        bars = [(dt.datetime.fromtimestamp(open_ts, KST), b.open, b.high, b.low, b.close,
                 b.volume)] if b.volume > 0 else []
        span = {"span": DAY_SPAN}
    times, prices, volumes = [], [], []
    for start, open_, high, low, close, volume in bars:
        for tick in bar_ticks(start, open_, high, low, close, volume, **span):
            ts = tick.time.timestamp()
            if tick.volume > 0 and open_ts <= ts < close_ts:
                times.append(ts)
                prices.append(tick.price)
                volumes.append(tick.volume)
    return (np.array(times, dtype=float), np.array(prices, dtype=np.int64),
            np.array(volumes, dtype=np.int64))


class _ReplayHistory(DailyHistory):
    """Daily bars of a replayed listing: the stored ones; a trading day without one (in
    or after the stored range) is a day without trades at the last close."""

    def __init__(self, inst: Instrument, seed: int, calendar: TradingCalendar,
                 first_day: dt.date, source: ReplaySource) -> None:
        super().__init__(inst, seed, calendar, first_day)
        self.source = source
        self._stored = source.days(inst.code)
        self._sorted = list(self._stored)

    def _last_close(self, day: dt.date) -> int:
        """The close of the last stored (or realized) day before ``day``."""
        import bisect

        realized = [d for d in self._realized if d < day]
        at = bisect.bisect_left(self._sorted, day) - 1
        stored = self._sorted[at] if at >= 0 else None
        if realized and (stored is None or max(realized) > stored):
            return self._realized[max(realized)].close
        if stored is not None:
            return self._stored[stored].bar.close
        return self._stored[self._sorted[0]].bar.open if self._sorted else self.inst.level

    def bar(self, day: dt.date, *, any_day: bool = False) -> DailyBar:
        if day < self.first_day or not (any_day or self.calendar.is_trading_day(day)):
            raise KeyError(f"{self.inst.code}: no bar for {day}")
        if day in self._realized:
            return self._realized[day]
        stored = self._stored.get(day)
        if stored is not None:
            return stored.bar
        close = self._last_close(day)
        return DailyBar(day, close, close, close, close, close, 0, 0)

    def close(self, day: dt.date) -> int:
        return self.bar(day, any_day=True).close

    def bars(self, start: dt.date, end: dt.date) -> list[DailyBar]:
        """The stored (and realized) days from ``start`` to ``end``, oldest first."""
        days = sorted({*self._stored, *self._realized})
        return [self.bar(d, any_day=True) for d in days
                if max(start, self.first_day) <= d <= end]

    def set_realized(self, bar: DailyBar) -> None:
        self._realized[bar.date] = bar  # a price moved by hand: the stored days stay


class _ReplayPath(IntradayPath):
    """A replayed day: ticks in half-hour blocks from the regular open."""

    def __init__(self, inst: Instrument, bar: DailyBar, open_ts: float, close_ts: float,
                 ticks: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        starts = np.arange(open_ts, max(close_ts, open_ts + 1), BLOCK_SECONDS, dtype=float)
        times = ticks[0]
        edges = np.searchsorted(times, starts[1:], side="left")
        counts = np.diff(np.concatenate([[0], edges, [len(times)]])).astype(np.int64)
        super().__init__(inst, bar.date, price_limits(bar.base, inst.kind), open_ts, starts,
                         counts, close_ts, 0)
        self._ticks = ticks
        self._edges = np.concatenate([[0], np.cumsum(counts)])

    def _draw(self, k: int) -> Arrays:
        first, last = int(self._edges[k]), int(self._edges[k + 1])
        times, prices, volumes = (column[first:last] for column in self._ticks)
        return times, prices, volumes, np.zeros(last - first, dtype=bool)


def replay_arrival(path: IntradayPath) -> Callable[[Any], tuple[int, int | None]]:
    """For the fill model (``matching.allocate_replayed``): when an order arrived on
    ``path``, as the index and price of the last replayed trade at or before its time
    (-1, None: before the day's first trade)."""

    def arrival(order: Any) -> tuple[int, int | None]:
        index = path.index_at(order.ts)
        return index, (path.trade(index).price if index >= 0 else None)

    return arrival


def replay_start(source: ReplaySource, moment: Any) -> dt.datetime:
    """Where a replay's clock starts: a datetime as given (naive: KST); a date (or
    "YYYY-MM-DD") a minute before its regular open; None, the first stored day's."""
    if isinstance(moment, str):
        text = moment.strip()
        try:
            moment = dt.datetime.fromisoformat(text) if len(text) > 10 else \
                dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"replay_from {moment!r} is not a date (YYYY-MM-DD) or an "
                             "ISO 8601 time") from None
    if isinstance(moment, dt.datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=KST)
    day = moment if isinstance(moment, dt.date) else source.first_day()
    if day is None:
        raise ValueError(f"replay: the history store at {source.store.root} holds no bars")
    if not source.calendar.is_trading_day(day):
        day = source.calendar.next_trading_day(day)
    schedule = source.calendar.schedule(day)
    assert schedule is not None
    return schedule.regular_open - dt.timedelta(minutes=1)


def describe(source: ReplaySource) -> str:
    """One line on what is replayed, for a banner."""
    codes = sorted(source.symbols)
    shown = ", ".join(codes[:8]) + (f" and {len(codes) - 8} more" if len(codes) > 8 else "")
    return f"replaying {len(codes)} symbols from {source.store.root}: {shown}"


def replay_source(config: Any) -> ReplaySource | None:
    """The replay a ``SimConfig`` asks for, or None; ValueError for one it cannot have."""
    if config.replay is None:
        if config.replay_from is not None:
            raise ValueError("replay_from needs replay: the folder of the bars to replay")
        return None
    if config.always_open:
        raise ValueError("replay follows the KRX calendar: not with always_open")
    calendar = config.calendar if config.calendar is not None else None
    return ReplaySource(config.replay, calendar)
