"""The trading calendar from KIS (국내휴장일조회 chk-holiday CTCA0903R), kept per day.

KIS asks callers to call chk-holiday about once a day (it reads the back office), so
each answer's days are kept in a ``TradingDays`` cache for the client's life. KIS's
paper server has no such API: there, and whenever KIS cannot answer (a network or server
failure, an answer that cannot be read), the bundled KRX calendar
(``pykis.market.TradingCalendar``) answers instead, and is not cached.
"""

from __future__ import annotations

import datetime as dt

from pykis import exceptions as ex
from pykis.api import accountx_endpoints as X
from pykis.api.base import Context, call
from pykis.api.flow import Flow
from pykis.api.quote import parse
from pykis.api.validate import LAST_MILLIS, refuse
from pykis.market import KST, TradingCalendar
from pykis.models.accountx import TradingDay

__all__ = ["TradingDays", "is_trading_day", "next_trading_day", "previous_trading_day"]

LOOKBACK = 15  # days asked before a day whose previous trading day is wanted
SEARCH_LIMIT = 60  # days walked before giving up (no market closes for that long)


class TradingDays:
    """Days KIS has described, by date; the bundled calendar for the rest."""

    def __init__(self) -> None:
        self.days: dict[dt.date, bool] = {}
        self.bundled = TradingCalendar()


def _day(value: object, argument: str, clock) -> dt.date:
    if value is None:
        return dt.datetime.fromtimestamp(clock(), KST).date()
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=KST)
        return value.astimezone(KST).date()
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= LAST_MILLIS:
        return dt.datetime.fromtimestamp(value / 1000, KST).date()  # CCXT's milliseconds
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.replace("/", "-")) if "-" in value or "/" in \
                value else dt.datetime.strptime(value, "%Y%m%d").date()
        except ValueError:
            pass
    raise refuse(argument, value, "a date (datetime.date, 'YYYY-MM-DD', 'YYYYMMDD' or "
                 "milliseconds since the epoch)")


def _lookup(ctx: Context, cache: TradingDays, day: dt.date) -> Flow[bool]:
    if day in cache.days:
        return cache.days[day]
    if ctx.paper:
        return cache.bundled.is_trading_day(day)
    try:
        answer = yield from call(ctx, X.HOLIDAYS, params={
            "BASS_DT": day.strftime("%Y%m%d"), "CTX_AREA_FK": "", "CTX_AREA_NK": ""},
            tr_cont="")
        rows = answer.section("output", list)
        for row in rows:
            item = parse(TradingDay, row, answer.tr_id)
            cache.days[item.date] = item.is_open
    except (ex.NetworkError, ex.ServerError, ex.UnsupportedError):
        return cache.bundled.is_trading_day(day)
    if day not in cache.days:
        raise ex.APIError(f"KIS's calendar did not describe {day}", tr_id=X.HOLIDAYS.tr_id)
    return cache.days[day]


def is_trading_day(ctx: Context, cache: TradingDays, day: object = None) -> Flow[bool]:
    return (yield from _lookup(ctx, cache, _day(day, "date", ctx.clock)))


def next_trading_day(ctx: Context, cache: TradingDays, day: object = None) -> Flow[dt.date]:
    start = _day(day, "date", ctx.clock)
    for step in range(1, SEARCH_LIMIT):
        candidate = start + dt.timedelta(days=step)
        if (yield from _lookup(ctx, cache, candidate)):
            return candidate
    raise ex.APIError(f"no trading day within {SEARCH_LIMIT} days after {start}")


def previous_trading_day(ctx: Context, cache: TradingDays, day: object = None
                         ) -> Flow[dt.date]:
    start = _day(day, "date", ctx.clock)
    for step in range(1, SEARCH_LIMIT):
        candidate = start - dt.timedelta(days=step)
        if candidate not in cache.days and not ctx.paper:
            # One call describes the days from the date asked on: ask from further back.
            yield from _lookup(ctx, cache, start - dt.timedelta(days=LOOKBACK))
        if (yield from _lookup(ctx, cache, candidate)):
            return candidate
    raise ex.APIError(f"no trading day within {SEARCH_LIMIT} days before {start}")
