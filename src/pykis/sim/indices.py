"""Market indices computed from the simulated listings they contain.

Each index is capitalisation-weighted over its members: ``level = base × Σ price·shares /
Σ close₀·shares``, where close₀ is each member's close on the first simulated day
(``FIRST_DAY``) and ``base`` the level KRX published that day. So the level moves only
when its members' prices move, the same prices inquire-price and the WebSocket show.

What KRX computes and this does not: the published high and low are the highest and
lowest levels reached during the day; here (for days already over) they are the levels of
the members' own highs and lows, an envelope that contains the real path. During the
live day the high and low are taken over the index's own minute levels, which are exact.

Codes are KIS's 업종 codes (FID_INPUT_ISCD with FID_COND_MRKT_DIV_CODE "U"): 0001 KOSPI
(종합), 1001 KOSDAQ, 2001 KOSPI 200, 0002/0003 large and mid caps, and KOSPI sector indices (0005…0027) for the
sectors the universe has. Volumes are in thousands of shares and values in millions
of KRW, the units KIS's index answers use [U: units read from the portal's examples].
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from pykis.market import InstrumentKind, Market
from pykis.sim.daily import DailyBar
from pykis.sim.market import FIRST_DAY, MarketState, Quote, shared_memo
from pykis.sim.universe import Instrument

__all__ = ["INDICES", "IndexBar", "IndexDef", "IndexLevel", "index_def", "members"]


@dataclass(frozen=True)
class IndexDef:
    code: str
    name: str  # KIS's hts_kor_isnm
    market: Market
    base: float  # the level on FIRST_DAY
    contains: Callable[[Instrument], bool]


def _stock(inst: Instrument) -> bool:
    return inst.kind is InstrumentKind.STOCK


# KRX's KOSPI sector codes for the sectors the universe names (several map to one code).
_SECTORS: dict[str, tuple[str, str]] = {
    "화학": ("0008", "화학"), "제약": ("0009", "의약품"), "금속": ("0011", "철강금속"),
    "기계·장비": ("0012", "기계"), "전기·전자": ("0013", "전기전자"),
    "운송장비·부품": ("0015", "운수장비"), "유통": ("0016", "유통업"),
    "전기·가스": ("0017", "전기가스업"), "건설": ("0018", "건설업"),
    "운송·창고": ("0019", "운수창고업"), "통신": ("0020", "통신업"),
    "금융": ("0021", "금융업"), "기타금융": ("0021", "금융업"), "증권": ("0024", "증권"),
    "보험": ("0025", "보험"), "IT 서비스": ("0026", "서비스업"),
    "오락·문화": ("0026", "서비스업"),
}


def _sector(code: str) -> Callable[[Instrument], bool]:
    return lambda inst: (_stock(inst) and inst.market is Market.KOSPI
                         and _SECTORS.get(inst.sector, ("",))[0] == code)


INDICES: dict[str, IndexDef] = {
    d.code: d for d in (
        IndexDef("0001", "종합", Market.KOSPI, 2175.17,
                 lambda i: _stock(i) and i.market is Market.KOSPI),
        IndexDef("1001", "코스닥", Market.KOSDAQ, 674.02,
                 lambda i: _stock(i) and i.market is Market.KOSDAQ),
        IndexDef("2001", "코스피200", Market.KOSPI, 290.35,
                 lambda i: _stock(i) and i.index_name == "KOSPI200"),
        # Size classes: the KOSPI 200 listings stand in for the large caps.
        IndexDef("0002", "대형주", Market.KOSPI, 2000.0,
                 lambda i: _stock(i) and i.index_name == "KOSPI200"),
        IndexDef("0003", "중형주", Market.KOSPI, 2000.0,
                 lambda i: _stock(i) and i.market is Market.KOSPI
                 and i.index_name != "KOSPI200"),
        *(IndexDef(code, name, Market.KOSPI, 1000.0, _sector(code))
          for code, name in sorted(set(_SECTORS.values()))),
    )
}


def index_def(code: str) -> IndexDef | None:
    return INDICES.get(code.strip())


def members(market: MarketState, definition: IndexDef) -> list[Instrument]:
    return [inst for inst in market.universe.values() if definition.contains(inst)]


@dataclass(frozen=True)
class IndexBar:
    """One day of an index: levels, and its members' totals."""

    date: dt.date
    base: float  # the previous day's close
    open: float
    high: float
    low: float
    close: float
    volume: int  # shares
    value: int  # KRW


@dataclass(frozen=True)
class IndexLevel:
    """An index now: the day's bar so far and its members' quotes."""

    definition: IndexDef
    bar: IndexBar
    quotes: tuple[Quote, ...]
    prev_volume: int
    prev_value: int

    @cached_property
    def breadth(self) -> dict[str, int]:
        """Members up (and at the upper limit), unchanged, down (and at the lower limit)."""
        counts = dict.fromkeys(("up", "upper", "flat", "down", "lower"), 0)
        for q in self.quotes:
            if q.price > q.base:
                counts["up"] += 1
                counts["upper"] += q.price >= q.limits.upper
            elif q.price < q.base:
                counts["down"] += 1
                counts["lower"] += q.price <= q.limits.lower
            else:
                counts["flat"] += 1
        return counts


class IndexBook:
    """Levels of the indices of one market state (what ``SimState.market`` holds)."""

    def __init__(self, market: MarketState) -> None:
        self.market = market

    def _scale(self, definition: IndexDef) -> float:
        def compute() -> float:
            first = sum(self.market.bar(inst.code, FIRST_DAY).close * inst.shares
                        for inst in members(self.market, definition))
            return definition.base / first if first else 0.0
        return self.market.memo(("index-scale", definition.code), compute)

    def level_of(self, definition: IndexDef, cap: float) -> float:
        return round(cap * self._scale(definition), 2)

    def bars(self, definition: IndexDef, start: dt.date, end: dt.date, moment: dt.datetime
             ) -> list[IndexBar]:
        """Daily bars from ``start`` to ``end`` (oldest first); the market day's is the
        trading so far."""
        today = self.market.market_day(moment)
        # Past days never change: their bars are kept (a chart pages through the same
        # ranges again and again), and only the market day's is worked out each time.
        key = ("index-bars", definition.code, start, min(end, today - dt.timedelta(days=1)))
        out = list(self.market.memo(key, lambda: self._past_bars(definition, *key[2:])))
        if start <= today <= end and self._has_bar(definition, today):
            out.append(self.level(definition, moment).bar)
        return out

    def _past_bars(self, definition: IndexDef, start: dt.date, end: dt.date
                   ) -> list[IndexBar]:
        if end < start:
            return []
        insts = members(self.market, definition)
        # Pure in the seed, the members, the calendar and the range, and each costs a
        # bar of every member for every day (a chart paged back six years: ~300,000),
        # so kept for the process where the members follow the formula.
        key = self.market.formula_key(*(inst.code for inst in insts))
        if key is None:
            return self._member_bars(definition, insts, start, end)
        return list(shared_memo(("index-bars", *key, definition.code, definition.base,
                                 start, end),
                                lambda: tuple(self._member_bars(definition, insts, start,
                                                                end))))

    def _member_bars(self, definition: IndexDef, insts: list[Instrument], start: dt.date,
                     end: dt.date) -> list[IndexBar]:
        by_day: dict[dt.date, list[tuple[Instrument, DailyBar]]] = {}
        for inst in insts:
            for bar in self.market.history(inst.code).bars(start, end):
                by_day.setdefault(bar.date, []).append((inst, bar))
        return [self._bar(definition, day, by_day[day]) for day in sorted(by_day)]

    def _has_bar(self, definition: IndexDef, day: dt.date) -> bool:
        """Whether the members have a bar for ``day`` (a trading day of their history)."""
        insts = members(self.market, definition)
        return bool(insts) and bool(self.market.history(insts[0].code).bars(day, day))

    def _bar(self, definition: IndexDef, day: dt.date,
             rows: list[tuple[Instrument, DailyBar]]) -> IndexBar:
        def cap(pick: Callable[[DailyBar], int]) -> float:
            return self.level_of(definition, sum(pick(b) * i.shares for i, b in rows))
        open_, close = cap(lambda b: b.open or b.base), cap(lambda b: b.close)
        return IndexBar(day, cap(lambda b: b.base), open_,
                        max(open_, close, cap(lambda b: b.high)),
                        min(open_, close, cap(lambda b: b.low)), close,
                        sum(b.volume for _, b in rows), sum(b.value for _, b in rows))

    def level(self, definition: IndexDef, moment: dt.datetime) -> IndexLevel:
        """The index at ``moment``, from its members' quotes."""
        insts = members(self.market, definition)
        quotes = tuple(self.market.quote(inst.code, moment) for inst in insts)
        day = quotes[0].day if quotes else self.market.market_day(moment)
        base = self.level_of(definition, sum(q.base * q.inst.shares for q in quotes))
        last = self.level_of(definition, sum(q.price * q.inst.shares for q in quotes))
        traded = any(q.last_ts is not None for q in quotes)
        open_ = self.level_of(definition, sum((q.open or q.base) * q.inst.shares
                                              for q in quotes)) if traded else 0.0
        minutes = self.minutes(definition, day, moment) if traded else []
        levels = [m[1] for m in minutes] + [open_, last] if traded else [0.0]
        previous = self.market.calendar.previous_trading_day(day)
        prev = [self.market.bar(i.code, previous) for i in insts] if previous >= FIRST_DAY \
            else []
        bar = IndexBar(day, base, open_, max(levels), min(levels) if traded else 0.0, last,
                       sum(q.volume for q in quotes), sum(q.value for q in quotes))
        return IndexLevel(definition, bar, quotes, sum(b.volume for b in prev),
                          sum(b.value for b in prev))

    def minutes(self, definition: IndexDef, day: dt.date, moment: dt.datetime
                ) -> list[tuple[float, float, int, int]]:
        """(minute end, level, volume, cumulative value) of each minute of ``day`` up to
        the one ``moment`` is in, oldest first: the level from every member's last price
        in that minute (a member that has not traded yet counts at its base price)."""
        schedule = self.market.schedule(day)
        first_end = (schedule.regular_open + dt.timedelta(minutes=1)).timestamp()
        last_end = min(moment.timestamp() + 60,
                       (schedule.regular_close + dt.timedelta(minutes=1)).timestamp())
        if last_end < first_end:
            return []
        insts = members(self.market, definition)
        paths = tuple(self.market.path(inst.code, day) for inst in insts)
        bases = tuple(self.market.bar(inst.code, day).base for inst in insts)
        # The same moment asked again (a frozen clock, a chart paged through) gives the
        # same minutes unless a member's day changed: a price moved by hand makes a new
        # path object, so the paths themselves (kept in the value) are part of the check.
        key = ("index-minutes", definition.code, day, moment.timestamp(), bases,
               tuple(map(id, paths)))
        kept_paths, minutes = self.market.memo(key, lambda: (paths, self._minutes(
            definition, insts, paths, bases, first_end, last_end, moment)))
        if all(a is b for a, b in zip(kept_paths, paths)):
            return list(minutes)
        return self._minutes(definition, insts, paths, bases, first_end, last_end, moment)

    def _minutes(self, definition: IndexDef, insts: list[Instrument], paths: tuple,
                 bases: tuple[int, ...], first_end: float, last_end: float,
                 moment: dt.datetime) -> list[tuple[float, float, int, int]]:
        ends = [first_end + 60 * n for n in range(int((last_end - first_end) // 60) + 1)]
        caps = [0.0] * len(ends)
        volumes = [0] * len(ends)
        values = [0] * len(ends)
        for inst, path, price in zip(insts, paths, bases):
            value = 0
            bars = {int(b[0]): b for b in path.minute_bars(
                first_end, last_end, moment.timestamp())}
            for n, end in enumerate(ends):
                bar = bars.get(int(end))
                if bar is not None:
                    price, value = bar[4] or price, bar[6]
                    volumes[n] += bar[5]
                caps[n] += price * inst.shares
                values[n] += value
        return [(end, self.level_of(definition, cap), volume, value)
                for end, cap, volume, value in zip(ends, caps, volumes, values)]
