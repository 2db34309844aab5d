"""The simulated market: quotes, order books, trades and bars at any simulator time.

No I/O and no clock of its own: every question carries the moment it is asked about.
The market day at a moment is the latest trading day whose pre-market has begun; before
its first trade the day shows the previous close with no volume, as KIS does.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pykis.market import KST, PriceLimits, Session, TradingCalendar, price_limits, shift_ticks
from pykis.market.calendar import DaySchedule
from pykis.sim.daily import DailyBar, DailyHistory, stable_seed
from pykis.sim.intraday import IntradayPath, Trade
from pykis.sim.universe import Instrument

__all__ = ["AlwaysOpenCalendar", "Book", "MarketState", "Quote", "Trade"]

T = TypeVar("T")

FIRST_DAY = dt.date(2020, 1, 2)  # daily history starts here for every symbol
BOOK_DEPTH = 10
_PATHS: OrderedDict[tuple, IntradayPath] = OrderedDict()  # least recently used first
_PATHS_KEPT = 256  # a path holds a day of trades in typed arrays: ~300 KB
_PATHS_LOCK = threading.Lock()


class AlwaysOpenCalendar(TradingCalendar):
    """Demo mode: every day trades, continuously, from midnight to midnight."""

    def is_trading_day(self, day: dt.date) -> bool:
        return True

    def schedule(self, day: dt.date) -> DaySchedule:
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=KST)
        end = midnight + dt.timedelta(days=1)
        return DaySchedule(day, midnight, midnight, end, end, end)


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

    # --- days ---------------------------------------------------------------------
    def market_day(self, moment: dt.datetime) -> dt.date:
        """The trading day a quote at ``moment`` belongs to."""
        day = moment.astimezone(KST).date()
        schedule = self.calendar.schedule(day)
        if schedule is None or moment < schedule.pre_market_open:
            day = self.calendar.previous_trading_day(day)
        return max(day, FIRST_DAY)

    def session(self, moment: dt.datetime) -> Session:
        day = moment.astimezone(KST).date()
        if not self.calendar.is_trading_day(day):
            return Session.CLOSED
        return self.schedule(day).session_at(moment)

    def schedule(self, day: dt.date) -> DaySchedule:
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
            self._histories[code] = DailyHistory(inst, self.seed, self.calendar, FIRST_DAY)
        return self._histories[code]

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
        bar = self.history(code).bar(day)
        schedule = self.schedule(day)
        hours = (schedule.regular_open.timestamp(), schedule.closing_auction_start.timestamp(),
                 schedule.regular_close.timestamp())
        key = (self.seed, self.universe[code], bar, hours)
        with _PATHS_LOCK:
            path = _PATHS.get(key)
            if path is not None:
                _PATHS.move_to_end(key)
                return path
        path = IntradayPath.bridged(self.universe[code], bar, self.seed, *hours)
        with _PATHS_LOCK:
            _PATHS[key] = path
            while len(_PATHS) > _PATHS_KEPT:
                _PATHS.popitem(last=False)
        return path

    def limits(self, code: str, day: dt.date) -> PriceLimits:
        """The day's price limits, from its base price."""
        return price_limits(self.history(code).bar(day).base, self.universe[code].kind)

    # --- quotes ---------------------------------------------------------------------
    def quote(self, code: str, moment: dt.datetime) -> Quote:
        day = self.market_day(moment)
        index = self.path(code, day).index_at(moment.timestamp())
        return self.quote_at(code, day, index, self.session(moment))

    def quote_at(self, code: str, day: dt.date, index: int, session: Session) -> Quote:
        """The quote right after trade ``index`` of ``day`` (-1: before the first)."""
        inst, history = self.universe[code], self.history(code)
        bar = history.bar(day)
        previous = self.calendar.previous_trading_day(day)
        prev_volume = history.bar(previous).volume if previous >= FIRST_DAY else 0
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
        # The last trade hit the ask on an uptick and the bid otherwise.
        ask = quote.price if quote.uptick else _step(quote.price, 1, inst)
        bid = _step(ask, -1, inst)
        rng = random.Random(stable_seed(self.seed, inst.code, quote.day.toordinal(),
                                        quote.index))
        depth = max(1, inst.daily_volume // 4_000)
        asks, bids = [], []
        for _ in range(BOOK_DEPTH):  # each level one tick beyond the previous one
            asks.append(_level(ask, limits, depth, rng))
            bids.append(_level(bid, limits, depth, rng))
            ask, bid = _step(ask, 1, inst), _step(bid, -1, inst)
        return Book(tuple(asks), tuple(bids))

    def trades(self, code: str, day: dt.date, after: int, until: float
               ) -> list[tuple[int, Trade]]:
        """(index, trade) of the trades of ``day`` after index ``after`` and at or before
        time ``until``, oldest first."""
        path = self.path(code, day)
        return [(i, path.trade(i)) for i in range(after + 1, path.index_at(until) + 1)]

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

        return self.memo(("extremes", code, day), compute)

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
        path = path.moved(ts, price, self.seed, close_ts)
        self._moved[(code, day)] = path
        self._recent.pop((code, day), None)
        history = self.history(code)
        history.set_realized(path.realized_bar(history.bar(day).base))
        return self.quote(code, moment)


def _extreme(bars: list[DailyBar]) -> tuple[int, str, int, str]:
    if not bars:
        return 0, "", 0, ""
    top = max(bars, key=lambda b: (b.high, b.date))
    bottom = min(bars, key=lambda b: (b.low, -b.date.toordinal()))
    return top.high, top.date.strftime("%Y%m%d"), bottom.low, bottom.date.strftime("%Y%m%d")


def _step(price: int, steps: int, inst: Instrument) -> int:
    try:
        return shift_ticks(price, steps, inst.kind)
    except ValueError:
        return 0


def _level(price: int, limits: PriceLimits, depth: int, rng: random.Random) -> tuple[int, int]:
    qty = max(1, int(depth * rng.lognormvariate(0, 0.6)))
    if price == 0 or not limits.lower <= price <= limits.upper:
        return 0, 0
    return price, qty
