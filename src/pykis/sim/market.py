"""The simulated market: quotes, order books, trades and bars at any simulator time.

No I/O and no clock of its own: every question carries the moment it is asked about.
The market day at a moment is the latest trading day whose pre-market has begun; before
its first trade the day shows the previous close with no volume, as KIS does.

In always-open mode (``AlwaysOpenCalendar``) the live day, the clock's date, trades from
midnight to midnight whatever day it is, while every other day keeps the KRX calendar:
past weekends and holidays have no bars and past days their KRX sessions. A day this
market has served as the live day keeps the 24-hour session it had (the orders and fills
of that day stay consistent with its trades), though its daily bar leaves the history
once the day is over if KRX did not trade that day.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

from pykis.market import KST, PriceLimits, Session, TradingCalendar, price_limits
from pykis.market.calendar import DaySchedule
from pykis.market.ticks import tick_table
from pykis.sim import paths
from pykis.sim.daily import DailyBar, DailyHistory, stable_seed
from pykis.sim.intraday import IntradayPath, Trade
from pykis.sim.universe import Instrument

if TYPE_CHECKING:
    from pykis.sim.replay import ReplaySource

__all__ = ["AlwaysOpenCalendar", "Book", "MarketState", "Quote", "Trade"]

T = TypeVar("T")

FIRST_DAY = dt.date(2020, 1, 2)  # daily history starts here for every symbol
BOOK_DEPTH = 10
_PATHS: OrderedDict[tuple, IntradayPath] = OrderedDict()  # least recently used first
_PATHS_KEPT = 256  # a path keeps its skeleton and minute bars (~25-80 KB); trades are cached apart
_PATHS_LOCK = threading.Lock()


_SHARED: OrderedDict[tuple, Any] = OrderedDict()  # least recently used first
_SHARED_KEPT = 1024
_SHARED_LOCK = threading.Lock()


def shared_memo(key: tuple, compute: Callable[[], T]) -> T:
    """A value derived from the seed's formula alone, kept for the whole process under
    ``key`` (which names everything it depends on): every test builds a fresh simulator
    that would work the same figures out again. The value must not be changed."""
    with _SHARED_LOCK:
        if key in _SHARED:
            _SHARED.move_to_end(key)
            return _SHARED[key]
    value = compute()
    with _SHARED_LOCK:
        _SHARED[key] = value
        while len(_SHARED) > _SHARED_KEPT:
            _SHARED.popitem(last=False)
    return value


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


@dataclass(frozen=True)
class AlwaysOpenCalendar(TradingCalendar):
    """Demo mode: the live day (the clock's date, KST) trades continuously from midnight
    to midnight, whatever day it is; every other day is ``base``'s (KRX's), so history
    has no weekend or holiday bars and past days have their KRX sessions.

    Counting trading days (the previous close, D+1, T+2 settlement, the tax year) follows
    ``base`` alone: it gives the same answer whenever it is asked. A fill on a live
    Saturday settles with Friday's fills (Tuesday), and Saturday's base price is
    Friday's close.

    ``clock`` (anything with ``now()``) says which day is live; without one, the wall
    clock does. ``bind`` sets it on a calendar already shared (the simulator's state
    builds the calendar before the clock is handed over).
    """

    base: TradingCalendar = field(default_factory=TradingCalendar)
    clock: Clock | None = field(default=None, compare=False)

    def bind(self, clock: Clock, base: TradingCalendar | None = None) -> None:
        object.__setattr__(self, "clock", clock)
        if base is not None and not isinstance(base, AlwaysOpenCalendar):
            object.__setattr__(self, "base", base)

    def live_day(self) -> dt.date:
        now = self.clock.now() if self.clock is not None else dt.datetime.now(KST)
        return now.astimezone(KST).date()

    def is_trading_day(self, day: dt.date) -> bool:
        return _day(day) == self.live_day() or self.base.is_trading_day(day)

    def add_trading_days(self, day: dt.date, count: int) -> dt.date:
        return self.base.add_trading_days(day, count)

    def schedule(self, day: dt.date) -> DaySchedule | None:
        day = _day(day)
        if day != self.live_day():
            return self.base.schedule(day)
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=KST)
        end = midnight + dt.timedelta(days=1)
        return DaySchedule(day, midnight, midnight, end, end, end)


def _day(day: dt.date) -> dt.date:
    return day.astimezone(KST).date() if isinstance(day, dt.datetime) else day


@dataclass(frozen=True, slots=True)
class Quote:
    """A symbol's state at one moment of its market day."""

    inst: Instrument
    day: dt.date
    session: Session
    base: int  # previous close
    open: int  # 0 before the first trade, as KIS shows it
    high: int
    low: int
    price: int
    volume: int
    value: int
    limits: PriceLimits
    prev_volume: int
    last_ts: float | None
    uptick: bool  # the last trade took the ask (tick rule, IntradayPath.buyer_initiated)
    index: int  # of the last trade in the day's path; -1 before the first

    @property
    def change(self) -> int:
        return self.price - self.base


@dataclass(frozen=True, slots=True)
class Book:
    """Ten levels a side, best first; (price, quantity) with price 0 beyond the limits."""

    asks: tuple[tuple[int, int], ...]
    bids: tuple[tuple[int, int], ...]


class MarketState:
    """Every symbol's prices, derived from the seed and the hand-made moves."""

    def __init__(
        self, universe: dict[str, Instrument], seed: int, calendar: TradingCalendar
    ) -> None:
        self.universe, self.seed, self.calendar = universe, seed, calendar
        self._histories: dict[str, DailyHistory] = {}
        self._moved: dict[tuple[str, dt.date], IntradayPath] = {}
        self._schedules: dict[dt.date, DaySchedule] = {}
        self._memo: dict[tuple, Any] = {}
        self._taken: dict[tuple[str, dt.date, int], dict[tuple[str, int], int]] = {}
        self._recent: dict[tuple[str, dt.date], IntradayPath] = {}  # this market's paths
        # Stored bars that drive some listings instead of their synthetic paths
        # (``pykis.sim.replay``); set by the state before the market answers anything.
        self.replay: ReplaySource | None = None

    # --- set-up -------------------------------------------------------------------
    def bind(self, clock: Clock, activity: float = 1.0,
             base: TradingCalendar | None = None) -> None:
        """What the state sets up after building the market: the clock an always-open
        calendar reads its live day from (and the KRX calendar under it), and
        ``activity``, the factor on every listing's trade rate (SimConfig.activity).
        Call it before the market answers anything."""
        if isinstance(self.calendar, AlwaysOpenCalendar):
            self.calendar.bind(clock, base)
        if activity != 1.0:
            if not activity > 0:
                raise ValueError("activity must be a positive factor on the trade rates")
            for code, inst in list(self.universe.items()):
                self.universe[code] = replace(inst, tick_interval=inst.tick_interval / activity)
            self._histories.clear()

    # --- days ---------------------------------------------------------------------
    def market_day(self, moment: dt.datetime) -> dt.date:
        """The trading day a quote at ``moment`` belongs to."""
        day = moment.astimezone(KST).date()
        schedule = self._schedules.get(day) or self.calendar.schedule(day)
        if schedule is None or moment < schedule.pre_market_open:
            day = self.calendar.previous_trading_day(day)
        return max(day, FIRST_DAY)

    def session(self, moment: dt.datetime) -> Session:
        day = moment.astimezone(KST).date()
        if day not in self._schedules and not self.calendar.is_trading_day(day):
            return Session.CLOSED
        return self.schedule(day).session_at(moment)

    def schedule(self, day: dt.date) -> DaySchedule:
        """The sessions of ``day``: fixed the first time this market uses them (a day
        served as the always-open live day keeps its 24 hours)."""
        schedule = self._schedules.get(day)
        if schedule is None:
            schedule = self.calendar.schedule(day)
            assert schedule is not None, f"{day} is not a trading day"
            self._schedules[day] = schedule
        return schedule

    # --- history and paths ----------------------------------------------------------
    def history(self, code: str) -> DailyHistory:
        if code not in self._histories:
            inst = self.universe[code]
            if self.replayed(code):
                self._histories[code] = self.replay.history(inst, self.seed, self.calendar,
                                                            FIRST_DAY)
            else:
                self._histories[code] = DailyHistory(inst, self.seed, self.calendar, FIRST_DAY)
        return self._histories[code]

    def replayed(self, code: str) -> bool:
        """Whether ``code`` follows stored bars (``pykis.sim.replay``)."""
        return self.replay is not None and code in self.replay

    def formula_only(self, code: str) -> bool:
        """Whether ``code``'s daily bars are the seed's formula alone (not replayed, no
        day realized by hand-made trading): the same in every market with this seed,
        listing and calendar, so what is derived from them may be kept for the process."""
        if self.replayed(code):
            return False
        history = self._histories.get(code)
        return history is None or history.pristine

    def bar(self, code: str, day: dt.date) -> DailyBar:
        """The bar of ``day``, also of a day this market had a session on that the
        calendar no longer trades (a past always-open weekend, for its orders)."""
        return self.history(code).bar(day, any_day=day in self._schedules)

    def path(self, code: str, day: dt.date) -> IntradayPath:
        """The day's trades: moved by hand, or generated from the day's bar (shared by
        every simulator with the same seed, bar and hours, since they are identical)."""
        known = self._moved.get((code, day)) or self._recent.get((code, day))
        if known is not None:
            return known
        if len(self._recent) > 512:
            self._recent.clear()
        self._recent[(code, day)] = path = self._shared_path(code, day)
        return path

    def _shared_path(self, code: str, day: dt.date) -> IntradayPath:
        bar = self.bar(code, day)
        schedule = self.schedule(day)
        hours = (schedule.regular_open.timestamp(), schedule.closing_auction_start.timestamp(),
                 schedule.regular_close.timestamp())
        if self.replayed(code):
            return self.replay.path(self.universe[code], bar, hours[0], hours[2])
        key = (self.seed, self.universe[code], bar, hours)
        with _PATHS_LOCK:
            path = _PATHS.get(key)
            if path is not None:
                _PATHS.move_to_end(key)
                return path
        path = paths.bridged(self.universe[code], bar, self.seed, *hours)
        with _PATHS_LOCK:
            _PATHS[key] = path
            while len(_PATHS) > _PATHS_KEPT:
                _PATHS.popitem(last=False)
        return path

    def limits(self, code: str, day: dt.date) -> PriceLimits:
        """The day's price limits, from its base price."""
        return price_limits(self.bar(code, day).base, self.universe[code].kind)

    # --- quotes ---------------------------------------------------------------------
    def quote(self, code: str, moment: dt.datetime) -> Quote:
        day = self.market_day(moment)
        index = self.path(code, day).index_at(moment.timestamp())
        return self.quote_at(code, day, index, self.session(moment))

    def quote_at(self, code: str, day: dt.date, index: int, session: Session) -> Quote:
        """The quote right after trade ``index`` of ``day`` (-1: before the first)."""
        inst = self.universe[code]
        bar = self.bar(code, day)
        previous = self.calendar.previous_trading_day(day)
        prev_volume = self.bar(code, previous).volume if previous >= FIRST_DAY else 0
        limits = price_limits(bar.base, inst.kind)
        path = self.path(code, day)
        if index < 0:
            return Quote(inst, day, session, bar.base, 0, 0, 0, bar.base, 0, 0, limits,
                         prev_volume, None, True, -1)
        open_, high, low, last, volume, value = path.summary(index)
        uptick = path.buyer_initiated(index)
        return Quote(inst, day, session, bar.base, open_, high, low, last, volume, value, limits,
                     prev_volume, path.trade(index).ts, uptick, index)

    def book(self, quote: Quote) -> Book:
        """The order book around the last trade, less what the simulator's accounts took
        from it since that trade; the next market trade shows a fresh book."""
        taken = self._taken.get((quote.inst.code, quote.day, quote.index), {})
        fresh = self._fresh_book(quote)

        def left(levels: tuple[tuple[int, int], ...], side: str) -> tuple[tuple[int, int], ...]:
            # Emptied levels disappear and deeper ones move up, as on a real book.
            kept = [(p, q - taken.get((side, p), 0)) for p, q in levels]
            kept = [(p, q) for p, q in kept if q > 0 or p == 0]
            return tuple(kept + [(0, 0)] * (BOOK_DEPTH - len(kept)))

        return Book(left(fresh.asks, "ask"), left(fresh.bids, "bid"))

    def take(self, quote: Quote, side: str, price: int, qty: int) -> None:
        """Record that an order took ``qty`` at ``price`` from the ``side`` of the book."""
        key = (quote.inst.code, quote.day, quote.index)
        if key not in self._taken:  # only the book of the latest trade matters
            stale = [k for k in self._taken if k[:2] == key[:2]]
            for old in stale:
                del self._taken[old]
        levels = self._taken.setdefault(key, {})
        levels[(side, price)] = levels.get((side, price), 0) + qty

    def _fresh_book(self, quote: Quote) -> Book:
        inst, limits = quote.inst, quote.limits
        bands = tick_table(inst.kind)
        # The last trade hit the ask on an uptick and the bid otherwise.
        ask = quote.price if quote.uptick else _step(quote.price, 1, bands)
        bid = _step(ask, -1, bands)
        # Level sizes: the day's table of draws, read from a place the trade picks.
        noise = self.memo(("book", inst.code, quote.day), lambda: _book_noise(
            stable_seed(self.seed, inst.code, quote.day.toordinal(), "book")))
        at = (quote.index + 1) * 2_654_435_761 % (len(noise) - 2 * BOOK_DEPTH)
        depth = max(1, inst.daily_volume // 4_000)
        asks, bids = [], []
        for level in range(BOOK_DEPTH):  # each level one tick beyond the previous one
            asks.append(_level(ask, limits, depth * noise[at + 2 * level]))
            bids.append(_level(bid, limits, depth * noise[at + 2 * level + 1]))
            ask, bid = _step(ask, 1, bands), _step(bid, -1, bands)
        return Book(tuple(asks), tuple(bids))

    def trades(self, code: str, day: dt.date, after: int, until: float
               ) -> list[tuple[int, Trade]]:
        """(index, trade) of the trades of ``day`` after index ``after`` and at or before
        time ``until``, oldest first."""
        first, times, prices, volumes, auction = self.trade_window(code, day, after, until)
        return [(first + n, Trade(t, p, v, a)) for n, (t, p, v, a) in enumerate(zip(
            times.tolist(), prices.tolist(), volumes.tolist(), auction.tolist()))]

    def trade_window(self, code: str, day: dt.date, after: int, until: float
                     ) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The same trades as arrays: (first index, times, prices, volumes, auction
        flags), for callers that scan many of them (a liquid day holds 100,000+)."""
        path = self.path(code, day)
        return (after + 1, *path.window(after + 1, path.index_at(until)))

    def recent_trades(self, code: str, moment: dt.datetime, count: int) -> list[Trade]:
        """The last ``count`` trades at or before ``moment``, newest first."""
        day = self.market_day(moment)
        path = self.path(code, day)
        end = path.index_at(moment.timestamp())
        return [path.trade(i) for i in range(end, max(-1, end - count), -1)]

    def daily_bars(self, code: str, start: dt.date, end: dt.date, moment: dt.datetime
                   ) -> list[DailyBar]:
        """Daily bars from ``start`` to ``end``, oldest first; the market day's bar shows
        the trading so far and later days do not exist yet."""
        today = self.market_day(moment)
        bars = self.history(code).bars(start, min(end, today))
        if bars and bars[-1].date == today:
            bars[-1] = self._bar_so_far(code, today, moment)
        return bars

    def _bar_so_far(self, code: str, day: dt.date, moment: dt.datetime) -> DailyBar:
        quote = self.quote(code, moment)
        if quote.last_ts is None:
            return DailyBar(day, quote.base, quote.base, quote.base, quote.base, quote.base, 0, 0)
        return DailyBar(day, quote.base, quote.open, quote.high, quote.low, quote.price,
                        quote.volume, quote.value)

    def extremes(self, code: str, day: dt.date) -> dict[str, tuple[int, str, int, str]]:
        """Highest and lowest prices before ``day``: over 250 trading days, since
        New Year and over 52 weeks, as (high, high date, low, low date)."""
        def compute() -> dict[str, tuple[int, str, int, str]]:
            bars = self.history(code).bars(day - dt.timedelta(days=400), day)
            past = [b for b in bars if b.date < day]
            return {
                "d250": _extreme(past[-250:]),
                "year": _extreme([b for b in past if b.date.year == day.year]),
                "w52": _extreme([b for b in past if b.date > day - dt.timedelta(days=364)]),
            }

        def kept() -> dict[str, tuple[int, str, int, str]]:
            key = self.formula_key(code)
            return compute() if key is None else shared_memo(("extremes", *key, day), compute)

        return self.memo(("extremes", code, day), kept)

    def formula_key(self, *codes: str) -> tuple | None:
        """What the formula's bars of ``codes`` depend on, for ``shared_memo``; None where
        they are this market's own: a listing realized by hand or replayed, or a calendar
        other than a plain one (an always-open calendar moves with its clock)."""
        if type(self.calendar) is not TradingCalendar or not all(
                self.formula_only(code) for code in codes):
            return None
        return (self.seed, self.calendar, FIRST_DAY, tuple(self.universe[c] for c in codes))

    def memo(self, key: tuple, compute: Callable[[], T]) -> T:
        """A value derived from this market that stays the same for its key (a day's
        figures); kept with the market, so a reset starts afresh."""
        if key not in self._memo:
            if len(self._memo) > 8_192:
                self._memo.clear()
            self._memo[key] = compute()
        return self._memo[key]

    # --- control --------------------------------------------------------------------
    def move_price(self, code: str, moment: dt.datetime, price: int) -> Quote:
        """Trade ``code`` at ``price`` now and let the rest of the day walk on from it."""
        day = self.market_day(moment)
        path = self.path(code, day)
        close_ts = self.schedule(day).regular_close.timestamp()
        ts = max(moment.timestamp(), path.trade(0).ts)
        path = paths.moved(path, ts, price, self.seed, close_ts)
        self._moved[(code, day)] = path
        self._recent.pop((code, day), None)
        history = self.history(code)
        history.set_realized(path.realized_bar(self.bar(code, day).base))
        return self.quote(code, moment)


def _extreme(bars: list[DailyBar]) -> tuple[int, str, int, str]:
    if not bars:
        return 0, "", 0, ""
    top = max(bars, key=lambda b: (b.high, b.date))
    bottom = min(bars, key=lambda b: (b.low, -b.date.toordinal()))
    return top.high, top.date.strftime("%Y%m%d"), bottom.low, bottom.date.strftime("%Y%m%d")


def _step(price: int, direction: int, bands: tuple) -> int:
    """The grid price one tick above (``direction`` 1) or below (-1) grid price
    ``price``, as ``shift_ticks`` moves it across bands; 0 for none (below 1 KRW, or
    ``price`` 0). Written out because a book takes twenty of them and a liquid stream a
    book per trade."""
    if price <= 0:
        return 0
    if direction > 0:
        return price + _tick(price, bands)
    below = price - 1
    return below - below % _tick(below, bands) if below >= 1 else 0


def _tick(price: int, bands: tuple) -> int:
    for upper, tick in bands:
        if upper is None or price < upper:
            return tick
    raise AssertionError("the last band is open-ended")


@functools.lru_cache(maxsize=1024)
def _book_noise(seed: int) -> tuple[float, ...]:
    """Lognormal factors on the book's level sizes (a day's worth, drawn once, and kept
    for every simulator of the process: each test's fresh one draws the same)."""
    rng = random.Random(seed)
    return tuple(math.exp(0.6 * rng.gauss(0.0, 1.0)) for _ in range(4_096))


def _level(price: int, limits: PriceLimits, size: float) -> tuple[int, int]:
    qty = max(1, int(size))
    if price == 0 or not limits.lower <= price <= limits.upper:
        return 0, 0
    return price, qty
