"""Download bars through a client into the store: incrementally, resumably, politely.

What is fetched, and how:

* daily bars (``"1d"``): the period chart (기간별시세 FHKST03010100), 100 rows a call,
  adjusted (FID_ORG_ADJ_PRC 0) or as traded (1), paged back from the newest day missing.
* one-minute bars (``"1m"``): today's from the day's minute chart (당일분봉 FHKST03010200,
  30 a call), earlier days' from the past-days minute chart (일별분봉 FHKST03010230, 120 a
  call), which only the real server has and which reaches a year back. On a paper
  account the report says which days could not be had.

Incremental and resumable: the store records the days a download found complete
(``HistoryStore.checked``: bars stored, or none at KIS, e.g. before a listing); a run
asks only for the trading days of the range that are not among them. Each page (daily)
or day (minutes) is written before the next request, so an interrupted run keeps what
it wrote and the next one fetches only the rest. Today is never recorded complete: it is
fetched again until it is over.

Every request goes through the client, so through its rate limiter, retries and tokens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pykis.api import endpoints as E
from pykis.api import validate
from pykis.api.base import call
from pykis.api.errors import reading
from pykis.exceptions import InvalidInputError
from pykis.history.store import COLUMNS, HistoryStore, _research, as_date
from pykis.market import KST, TradingCalendar
from pykis.models.base import kst, whole

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DownloadReport", "download"]

PERIOD_PAGE = 100  # rows of one period-chart answer
HISTORY_DAYS = 365  # KIS keeps a year of one-minute bars
DEFAULT_DAYS = 365  # how far back a download without ``since`` reaches
_CALENDAR = TradingCalendar()


@dataclass
class DownloadReport:
    """What a download did: bars added per symbol, days fetched, calls made, and what
    could not be had (with the reason)."""

    timeframe: str
    adjusted: bool
    since: dt.date
    until: dt.date
    added: dict[str, int] = field(default_factory=dict)
    days: int = 0  # trading days asked for (complete ones are not asked again)
    calls: int = 0  # flows run through the client (a day of minutes is one)
    unavailable: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.added.values())

    def __str__(self) -> str:
        said = (f"{self.timeframe} {self.since}..{self.until}: {self.rows:,} new bars "
                f"({', '.join(f'{s} {n:,}' for s, n in self.added.items()) or 'none'}), "
                f"{self.days} days fetched")
        return "\n".join([said, *self.unavailable])


def download(kis: Any, symbols: str | Iterable[str], timeframe: str = "1d",
             since: Any = None, until: Any = None, *, store: HistoryStore | None = None,
             adjusted: bool = True, progress: bool = True) -> DownloadReport:
    """Fetch what the store lacks of ``symbols``' bars from ``since`` to ``until``
    (inclusive; default: the last year up to today by the client's clock)."""
    _research()
    ctx = _context(kis)
    wanted = [symbols] if isinstance(symbols, str) else list(symbols)
    if not wanted:
        raise InvalidInputError("symbols", symbols, "one or more KRX short codes")
    wanted = list(dict.fromkeys(validate.symbol(s) for s in wanted))
    if timeframe not in ("1d", "1m"):
        raise InvalidInputError("timeframe", timeframe, '"1d" or "1m"')
    now = dt.datetime.fromtimestamp(ctx.clock(), KST)
    today = now.date()
    last = min(as_date(until, "until") or today, today)
    first = as_date(since, "since") or last - dt.timedelta(days=DEFAULT_DAYS)
    if first > last:
        raise InvalidInputError("since", since, f"a date on or before {last}")
    store = store if store is not None else HistoryStore()
    adjusted = bool(adjusted) if timeframe == "1d" else False
    report = DownloadReport(timeframe, adjusted, first, last)
    days = _CALENDAR.trading_days(first, last)
    plan = {s: [d for d in days if d not in store.checked(s, timeframe, adjusted)]
            for s in wanted}
    fetch = _daily if timeframe == "1d" else _minutes
    with _progress(progress, sum(map(len, plan.values())), timeframe) as advance:
        for symbol, missing in plan.items():
            report.added[symbol] = 0
            if missing:
                fetch(kis, ctx, store, symbol, missing, today, report, advance)
    return report


def _context(kis: Any):
    from pykis.client import AsyncKIS

    if isinstance(kis, AsyncKIS) or not hasattr(kis, "_ctx") or not hasattr(kis, "_run"):
        raise InvalidInputError("kis", type(kis).__name__,
                                "a pykis.KIS client (AsyncKIS: use a KIS in a thread)")
    return kis._ctx


# --- daily ------------------------------------------------------------------------------
def _spans(days: list[dt.date]) -> list[list[dt.date]]:
    """Runs of trading days with no trading day between them."""
    spans: list[list[dt.date]] = []
    for day in days:
        if spans and _CALENDAR.next_trading_day(spans[-1][-1]) == day:
            spans[-1].append(day)
        else:
            spans.append([day])
    return spans


def _daily(kis, ctx, store: HistoryStore, symbol: str, missing: list[dt.date],
           today: dt.date, report: DownloadReport, advance) -> None:
    for span in reversed(_spans(missing)):  # the newest first, as KIS pages
        first, end = span[0], span[-1]
        while end >= first:
            rows = kis._run(_period_page(ctx, symbol, first, end, report.adjusted))
            report.calls += 1
            rows = [r for r in rows if first <= r["time"].date() <= end]
            if not rows and end == span[-1]:
                # Nothing at all in the span: an unknown code, or a listing that had not
                # started yet; recorded as nothing, it would never be asked for again.
                _unavailable(report, f"{symbol}: KIS has no daily bars from {first} to "
                             f"{end}")
                advance(len(span))
                break
            oldest = min((r["time"].date() for r in rows), default=first)
            if len(rows) < PERIOD_PAGE:
                oldest = first  # KIS had nothing older in the span
            report.added[symbol] += store.write(symbol, "1d", _frame(rows), report.adjusted)
            covered = [d for d in span if oldest <= d <= end]
            store.mark_checked(symbol, "1d", [d for d in covered if d < today],
                               report.adjusted)
            report.days += len(covered)
            advance(len(covered))
            if oldest <= first:
                break
            end = oldest - dt.timedelta(days=1)


def _period_page(ctx, symbol: str, first: dt.date, end: dt.date, adjusted: bool):
    answer = yield from call(ctx, E.PERIOD_CHART, params={
        "FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": symbol,
        "FID_INPUT_DATE_1": f"{first:%Y%m%d}", "FID_INPUT_DATE_2": f"{end:%Y%m%d}",
        "FID_PERIOD_DIV_CODE": "D", "FID_ORG_ADJ_PRC": "0" if adjusted else "1"})
    rows = answer.section("output2", list)
    bars = []
    with reading("a daily bar", answer.tr_id):
        for row in rows:
            if not isinstance(row, dict):
                raise TypeError("a row that is not an object")
            if not str(row.get("stck_bsop_date") or "").strip():
                continue  # KIS pads a short answer with blank rows
            start = kst(str(row["stck_bsop_date"]).strip(), "090000")
            bars.append({"time": start, "open": whole(row["stck_oprc"]),
                         "high": whole(row["stck_hgpr"]), "low": whole(row["stck_lwpr"]),
                         "close": whole(row["stck_clpr"]), "volume": whole(row["acml_vol"]),
                         "value": whole(row.get("acml_tr_pbmn") or 0)})
    return bars


# --- one-minute ---------------------------------------------------------------------------
def _minutes(kis, ctx, store: HistoryStore, symbol: str, missing: list[dt.date],
             today: dt.date, report: DownloadReport, advance) -> None:
    from pykis.api.quote import _one_day

    for day in missing:
        if day < today and ctx.paper:
            _unavailable(report, f"{symbol}: minute bars of past days need a real account "
                         "(KIS's paper server has no inquire-time-dailychartprice); "
                         "only today's are downloaded")
            advance(1)
            continue
        if (today - day).days > HISTORY_DAYS:
            _unavailable(report, f"{symbol}: minute bars before "
                         f"{today - dt.timedelta(days=HISTORY_DAYS)} are no longer kept by KIS")
            advance(1)
            continue
        api, page = (E.MINUTE_CHART, 30) if day == today else (E.PAST_MINUTE_CHART, 120)
        candles = kis._run(_one_day(ctx, symbol, day, api, page))
        report.calls += 1
        report.added[symbol] += store.write(symbol, "1m", _minute_frame(candles))
        if day < today:
            store.mark_checked(symbol, "1m", [day])
        report.days += 1
        advance(1)


def _minute_frame(candles: list) -> pd.DataFrame:
    """One day's candles as a frame; each bar's value is the change of KIS's cumulative
    traded value (acml_tr_pbmn) since the bar before (0 where KIS sent none)."""
    rows, before = [], 0
    for candle in sorted({c.timestamp: c for c in candles}.values(), key=lambda c: c.timestamp):
        try:
            total = whole(candle.info.get("acml_tr_pbmn"))
        except (ValueError, TypeError):
            total = None
        value = max(total - before, 0) if total is not None else 0
        before = total if total is not None else before
        rows.append({"time": candle.datetime, "open": candle.open, "high": candle.high,
                     "low": candle.low, "close": candle.close, "volume": candle.volume,
                     "value": value})
    return _frame(rows)


def _frame(rows: list[dict]) -> pd.DataFrame:
    pandas, _, _ = _research()
    return pandas.DataFrame(rows, columns=list(COLUMNS))


def _unavailable(report: DownloadReport, note: str) -> None:
    if note not in report.unavailable:
        report.unavailable.append(note)


@contextmanager
def _progress(shown: bool, total: int, timeframe: str) -> Iterator[Any]:
    """A rich progress bar on stderr counting trading days; nothing when not ``shown``."""
    if not shown or not total:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(),
               MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task(f"{timeframe} bars (trading days)", total=total)
        yield lambda n: bar.advance(task, n)
