"""Candles: daily to yearly from the period chart, and minute candles from today's minute
chart and, where the environment has it, the per-day minute chart (real only, one year).

KIS: 기간별시세 FHKST03010100 (100 rows a call), 당일분봉 FHKST03010200 (30 one-minute
bars), 일별분봉 FHKST03010230 (120 bars, real only). Rows come newest first and are paged
by moving the window back: the end date, or the hour, to just before the oldest row.
Candles are returned oldest first, stamped with the start of their period.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pykis import exceptions as ex
from pykis.api import endpoints as E
from pykis.api import validate
from pykis.api.call import Context, call
from pykis.api.errors import reading
from pykis.api.flow import Flow
from pykis.api.quotes import now, parse
from pykis.market import KST, TradingCalendar
from pykis.models import OHLCV, ModelList
from pykis.models.base import kst, millis

__all__ = ["TIMEFRAMES", "fetch_ohlcv"]

PERIODS = {"1d": "D", "1w": "W", "1M": "M", "1y": "Y"}
MINUTES = {"1m": 1, "3m": 3, "5m": 5, "10m": 10, "15m": 15, "30m": 30, "60m": 60}
TIMEFRAMES = (*MINUTES, *PERIODS)
MAX_CALLS = 200  # pages of one fetch_ohlcv, whatever since/limit ask for
HISTORY_DAYS = 365  # KIS keeps a year of minute bars
EMPTY_DAYS = 5  # trading days in a row without minute bars: the history has ended
_CALENDAR = TradingCalendar()


def fetch_ohlcv(ctx: Context, symbol: str, timeframe: str = "1d", since: int | None = None,
                limit: int | None = None) -> Flow[ModelList[OHLCV]]:
    symbol = validate.symbol(symbol)
    validate.choice(timeframe, TIMEFRAMES, "timeframe")
    if since is not None and (isinstance(since, bool) or not isinstance(since, int)
                              or since < 0):
        raise ex.InvalidInputError("since", since, "milliseconds since the epoch")
    if limit is not None:
        validate.amount(limit, "limit")
    if timeframe in PERIODS:
        candles = yield from _period_candles(ctx, symbol, PERIODS[timeframe], since, limit)
    else:
        minutes = MINUTES[timeframe]
        ones = yield from _minute_candles(ctx, symbol, since, limit and limit * minutes)
        candles = _aggregate(ones, minutes)
    return ModelList(_window(candles, since, limit))


def _window(candles: list[OHLCV], since: int | None, limit: int | None) -> list[OHLCV]:
    """Oldest first; from ``since`` on; ``limit`` candles: the first after ``since``,
    otherwise the most recent."""
    candles = sorted({c.timestamp: c for c in candles}.values(), key=lambda c: c.timestamp)
    if since is not None:
        candles = [c for c in candles if c.timestamp >= since]
        return candles[:limit] if limit else candles
    return candles[-limit:] if limit else candles


def _candle(row: dict[str, Any], start: dt.datetime, tr_id: str) -> OHLCV:
    return parse(OHLCV, row, tr_id, timestamp=millis(start), datetime=start)


def _moment(row: dict[str, Any], tr_id: str, *fields: str) -> dt.datetime:
    """The KST moment a candle's date (and time) fields name."""
    with reading(f"a candle date ({'/'.join(fields)})", tr_id):
        return kst(*(str(row[name]) for name in fields))


# --- daily and longer --------------------------------------------------------------------
def _period_candles(ctx: Context, symbol: str, period: str, since: int | None,
                    limit: int | None) -> Flow[list[OHLCV]]:
    first = _date(since) if since is not None else dt.date(1900, 1, 1)
    end = now(ctx).date()
    candles: list[OHLCV] = []
    for _ in range(MAX_CALLS):
        answer = yield from call(ctx, E.PERIOD_CHART, params={
            "FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": symbol,
            "FID_INPUT_DATE_1": first.strftime("%Y%m%d"),
            "FID_INPUT_DATE_2": end.strftime("%Y%m%d"), "FID_PERIOD_DIV_CODE": period,
            "FID_ORG_ADJ_PRC": "0"})
        rows = [r for r in answer.section("output2", list)
                if isinstance(r, dict) and r.get("stck_bsop_date")]
        if not rows:
            break
        for row in rows:
            day = _moment(row, answer.tr_id, "stck_bsop_date")
            candles.append(_candle(row, day, answer.tr_id))
        oldest = min(c.datetime.date() for c in candles)
        if oldest <= first or oldest > end or (limit and since is None and len(candles) >= limit):
            break  # done, or KIS is not moving back in time
        end = oldest - dt.timedelta(days=1)
    return candles


def _date(millis_: int) -> dt.date:
    return dt.datetime.fromtimestamp(millis_ / 1000, KST).date()


# --- minutes -------------------------------------------------------------------------------
def _minute_candles(ctx: Context, symbol: str, since: int | None, wanted: int | None
                    ) -> Flow[list[OHLCV]]:
    """One-minute candles: today's, then earlier days' (real only) while ``since`` or
    ``wanted`` (a number of one-minute candles) asks for more."""
    today = now(ctx).date()
    candles = yield from _one_day(ctx, symbol, today, E.MINUTE_CHART, 30)
    day, empty = today, 0
    while not ctx.paper and _need_more(candles, since, wanted) and empty < EMPTY_DAYS:
        day = _CALENDAR.previous_trading_day(day)
        if (today - day).days > HISTORY_DAYS:
            break
        earlier = yield from _one_day(ctx, symbol, day, E.PAST_MINUTE_CHART, 120)
        empty = 0 if earlier else empty + 1
        candles += earlier
    return candles


def _need_more(candles: list[OHLCV], since: int | None, wanted: int | None) -> bool:
    if since is not None:
        return not candles or min(c.timestamp for c in candles) > since
    return wanted is not None and len(candles) < wanted


def _one_day(ctx: Context, symbol: str, day: dt.date, api, page: int) -> Flow[list[OHLCV]]:
    """All one-minute candles of ``day``, paging back from the close (newest first)."""
    hour, candles = "235959", []
    for _ in range(MAX_CALLS):
        params = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": symbol,
                  "FID_INPUT_HOUR_1": hour, "FID_PW_DATA_INCU_YN": "N"}
        if api is E.MINUTE_CHART:
            params["FID_ETC_CLS_CODE"] = ""
        else:
            params["FID_INPUT_DATE_1"] = day.strftime("%Y%m%d")
        answer = yield from call(ctx, api, params=params)
        rows = [r for r in answer.section("output2", list)
                if isinstance(r, dict) and r.get("stck_cntg_hour")
                and str(r.get("stck_bsop_date", "")) == day.strftime("%Y%m%d")]
        for row in rows:  # a bar is labelled by its end: it starts a minute earlier
            end = _moment(row, answer.tr_id, "stck_bsop_date", "stck_cntg_hour")
            candles.append(_candle(row, end - dt.timedelta(minutes=1), answer.tr_id))
        if len(rows) < page:
            break
        hour = (candles[-1].datetime).strftime("%H%M%S")  # the oldest bar's start
    return candles


def _aggregate(ones: list[OHLCV], minutes: int) -> list[OHLCV]:
    """N-minute candles from one-minute ones, aligned on the clock (09:00, 09:05, ...)."""
    if minutes == 1:
        return ones
    buckets: dict[dt.datetime, list[OHLCV]] = {}
    for candle in sorted(ones, key=lambda c: c.timestamp):
        start = candle.datetime
        floor = start.replace(minute=start.minute - start.minute % minutes, second=0) \
            if minutes < 60 else start.replace(minute=0, second=0)
        buckets.setdefault(floor, []).append(candle)
    return [
        OHLCV(timestamp=millis(start), datetime=start, open=group[0].open,
              high=max(c.high for c in group), low=min(c.low for c in group),
              close=group[-1].close, volume=sum(c.volume for c in group),
              info={"candles": [c.info for c in group]})
        for start, group in buckets.items()
    ]
