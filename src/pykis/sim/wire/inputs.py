"""How the quote APIs read the values clients send: market codes, Y/N flags, the dates
of a chart's range and the hour of a minute chart, as KIS accepts them.

What real clients send, and how it is read here:

* ``FID_INPUT_DATE_1`` / ``FID_INPUT_DATE_2`` of the period chart (FHKST03010100) bound
  a range of YYYYMMDD dates, compared as KIS's own date strings are: any eight digits
  are a bound. python-kis 2.1.6 sends ``00000101`` for "from the beginning" and mojito
  ``19800104``; both reach the first bar. Impossible dates bound the range where their
  text falls (``20240230`` ends on 29 February). Other text is refused (OPSQ2001).
* ``FID_INPUT_HOUR_1`` of the minute charts: HHMMSS, bars ending at or before it; a time
  after now is now (KIS's sample: "미래일시 입력 시에 현재가로 조회"), a time past the day
  (``240000``, ``235959``) the day's last bar. ``000000`` is what python-kis sends for
  "the newest bars"; KIS does not document it [U], so SimConfig.minute_chart_midnight
  says whether it means now (the default) or literally midnight (no bar). In always-open
  mode the live day opens at midnight, so paging back a minute at a time comes to 000000
  again: python-kis stops there (its cursor is then before the oldest bar it holds).
  Four digits are read as HHMM [U].
* Market codes (``J``, ``NX``, ``UN``; ``W`` for ELW on older pages) and Y/N flags: in
  upper case as documented; lower case [U] as SimConfig.lower_case_codes says.
"""

from __future__ import annotations

import calendar
import datetime as dt

from pykis.market import KST
from pykis.sim.errors import SimError
from pykis.sim.wire.protocol import Call, is_digits

__all__ = ["LATEST", "code", "date_bound", "day_param", "hour", "market"]

MARKETS = ("J", "NX", "UN", "W")
LATEST = None  # what ``hour`` answers for "the newest bars"


def _invalid(name: str) -> SimError:
    return SimError("OPSQ2001", text=f"ERROR INVALID {name}")


def code(call: Call, name: str, allowed: tuple[str, ...], *, required: bool = True,
         default: str = "") -> str:
    """A coded value (market code, period, Y/N), upper case, or OPSQ2001."""
    value = call.param(name, required=required, default=default)
    if call.state.config.lower_case_codes:
        value = value.upper()
    if value not in allowed:
        raise _invalid(name)
    return value


def market(call: Call, name: str = "FID_COND_MRKT_DIV_CODE") -> str:
    return code(call, name, MARKETS)


def date_bound(call: Call, name: str, *, end: bool) -> dt.date:
    """The first (or, with ``end``, the last) date a YYYYMMDD bound lets into a range:
    the dates whose text is at or after (at or before) the bound's text."""
    value = call.param(name).strip()
    if len(value) != 8 or not is_digits(value):
        raise _invalid(name)
    year, month, day = int(value[:4]), int(value[4:6]), int(value[6:])
    if year == 0:  # before every date
        return dt.date.min
    if not 1 <= month <= 12:
        month, day = (12, 99) if month > 12 else (1, 0)  # past the year / before it
    last_day = calendar.monthrange(year, month)[1]
    if 1 <= day <= last_day:
        return dt.date(year, month, day)
    if end:  # past the month's end: its last day; day 0: the day before the month
        return dt.date(year, month, last_day) if day else dt.date(year, month, 1) - _DAY
    return dt.date(year, month, 1) if not day else _after(dt.date(year, month, last_day))


_DAY = dt.timedelta(days=1)


def _after(day: dt.date) -> dt.date:
    return day + _DAY if day < dt.date.max else day


def day_param(call: Call, name: str) -> dt.date | None:
    """A single YYYYMMDD date; None for eight digits that name no date (no data)."""
    value = call.param(name).strip()
    if len(value) != 8 or not is_digits(value):
        raise _invalid(name)
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        return None


def hour(call: Call, day: dt.date, name: str = "FID_INPUT_HOUR_1") -> dt.datetime | None:
    """The moment of ``day`` a minute chart ends at; ``LATEST`` (None) for the newest
    bars."""
    value = call.param(name).strip()
    if len(value) == 4 and is_digits(value):
        value += "00"
    if len(value) != 6 or not is_digits(value):
        raise _invalid(name)
    if value == "000000" and call.state.config.minute_chart_midnight == "now":
        return LATEST
    hours, minutes, seconds = int(value[:2]), int(value[2:4]), int(value[4:])
    if hours > 23:
        return LATEST
    if minutes > 59:
        minutes, seconds = 59, 59
    return dt.datetime.combine(day, dt.time(hours, minutes, min(seconds, 59)), KST)
