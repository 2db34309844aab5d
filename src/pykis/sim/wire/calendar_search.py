"""The trading calendar and conditional search on the KIS wire.

KIS: 국내휴장일조회 [국내주식-040] CTCA0903R (chk-holiday), 국내선물 영업일조회
HHMCM000002C0 (market-time), 종목조건검색 목록조회 [국내주식-038] HHKST03900300
(psearch-title), 종목조건검색조회 [국내주식-039] HHKST03900400 (psearch-result); all
real only. chk-holiday pages with ``CTX_AREA_FK``/``CTX_AREA_NK`` (no 100) and answers
``ctx_area_fk``/``ctx_area_nk``; the condition APIs take lower-case ``user_id``/``seq``
and answer in ``output2``.

[U] choices: chk-holiday answers ``HOLIDAY_PAGE`` days a page for ``HOLIDAY_DAYS`` days
from BASS_DT; business, transaction and settlement days are the trading days, except
that the year-end closing day (a weekday on which KRX is closed, 31 December) is still a
business and settlement day. psearch-title for a user without saved conditions is the
error the portal describes ("조회가 계속 됩니다. (다음을 누르십시오.)"), code [U].
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pykis.sim.errors import CODES, KisCode, SimError
from pykis.sim.market import FIRST_DAY
from pykis.sim.wire.protocol import Call, Reply, dec, hhmmss, yyyymmdd
from pykis.sim.wire.quotes import sign

__all__ = ["chk_holiday", "market_time", "psearch_result", "psearch_title"]

HOLIDAY_DAYS = 60  # calendar days answered from BASS_DT, over every page [U]
HOLIDAY_PAGE = 20  # days a page [U]
NO_CONDITIONS = "PSEARCH_NONE"
CODES.setdefault(NO_CONDITIONS, KisCode("KIOK0500", "조회가 계속 됩니다. (다음을 누르십시오.)"))
CODES.setdefault("MCA05918", KisCode("MCA05918", "종목코드 오류입니다."))  # [V] no match
_OK = "MCA00000"


# --- chk-holiday ------------------------------------------------------------------------
def chk_holiday(call: Call) -> Reply:
    start = call.date("BASS_DT")
    call.param("CTX_AREA_FK", required=False)
    first = start
    if call.continued:
        cursor = call.param("CTX_AREA_NK", required=False).strip()
        try:
            first = dt.datetime.strptime(cursor, "%Y%m%d").date()
        except ValueError:
            first = start
    last = start + dt.timedelta(days=HOLIDAY_DAYS - 1)
    days = [first + dt.timedelta(days=i) for i in range(HOLIDAY_PAGE)]
    days = [d for d in days if d <= last]
    more = days and days[-1] < last
    following = yyyymmdd(days[-1] + dt.timedelta(days=1)) if more else ""
    calendar = call.state.market.calendar
    extra = {"ctx_area_nk": following.ljust(20), "ctx_area_fk": yyyymmdd(start).ljust(20)}
    return Reply({"output": [_day(calendar, d) for d in days]}, _OK,
                 tr_cont="M" if more else "D", extra=extra)


def _day(calendar, day: dt.date) -> dict[str, Any]:
    open_ = calendar.is_trading_day(day)
    business = open_ or (day.month == 12 and day.day == 31 and day.weekday() < 5)
    flag = {True: "Y", False: "N"}
    return {"bass_dt": yyyymmdd(day), "wday_dvsn_cd": f"{(day.weekday() + 1) % 7 + 1:02d}",
            "bzdy_yn": flag[business], "tr_day_yn": flag[business], "opnd_yn": flag[open_],
            "sttl_day_yn": flag[business]}


# --- market-time ----------------------------------------------------------------------------
def market_time(call: Call) -> Reply:
    """Today, the time, today's (or the next trading day's) regular hours, and the next
    five trading days from today on [U: which days KIS lists]."""
    calendar, now = call.state.market.calendar, call.now
    day = now.date() if calendar.is_trading_day(now.date()) else calendar.next_trading_day(
        now.date())
    days = [day]
    while len(days) < 5:
        days.append(calendar.next_trading_day(days[-1]))
    schedule = calendar.schedule(day)
    output = {f"date{i + 1}": yyyymmdd(d) for i, d in enumerate(days)}
    output.update(today=yyyymmdd(now.date()), time=now.strftime("%H%M%S"),
                  s_time=hhmmss(schedule.regular_open.timestamp()),
                  e_time=hhmmss(schedule.regular_close.timestamp()))
    return Reply({"output1": output}, _OK)


# --- conditional search ------------------------------------------------------------------------
def _user(call: Call) -> str:
    user = call.param("user_id").strip()
    if not user:
        raise SimError("OPSQ2001", text="ERROR INVALID user_id")
    return user


def psearch_title(call: Call) -> Reply:
    user = _user(call)
    conditions = call.state.extras.conditions.of(user)
    if not conditions:
        raise SimError(NO_CONDITIONS)
    rows = [{"user_id": user, "seq": c.seq, "grp_nm": c.group, "condition_nm": c.name}
            for c in conditions]
    return Reply({"output2": rows}, _OK)


def psearch_result(call: Call) -> Reply:
    user = _user(call)
    seq = call.param("seq").strip()
    condition = call.state.extras.conditions.find(user, seq)
    if condition is None:
        raise SimError("OPSQ2001", text="ERROR INVALID seq")  # [U]
    market = call.state.market
    quotes = [market.quote(code, call.now) for code in sorted(market.universe)]
    rows = [_match_row(call, q) for q in quotes if condition.matches(q)][:100]
    if not rows:
        raise SimError("MCA05918")  # KIS's answer to a search that found nothing [V]
    return Reply({"output2": rows}, _OK)


def _match_row(call: Call, quote) -> dict[str, Any]:
    history = call.state.market.history(quote.inst.code)
    high52, low52 = _year_range(history, quote)
    rate = (quote.price - quote.base) / quote.base * 100 if quote.base else 0
    prev_rate = quote.volume / quote.prev_volume * 100 if quote.prev_volume else 0
    return {
        "code": quote.inst.code, "name": quote.inst.name,
        "daebi": sign(quote.price, quote.base, quote.limits.upper, quote.limits.lower),
        "price": dec(quote.price), "chgrate": dec(rate), "acml_vol": dec(quote.volume),
        "trade_amt": dec(quote.value), "change": dec(quote.price - quote.base),
        "cttr": dec(100), "open": dec(quote.open), "high": dec(quote.high),
        "low": dec(quote.low), "high52": dec(high52), "low52": dec(low52),
        "expdaebi": "3", "chgrate2": dec(prev_rate), "recprice": dec(quote.base),
        "uplmtprice": dec(quote.limits.upper), "dnlmtprice": dec(quote.limits.lower),
        "stotprice": dec(quote.price * quote.inst.shares // 100_000_000),
    }


def _year_range(history, quote) -> tuple[int, int]:
    """The highest and lowest price of the last 52 weeks, today's included."""
    start = max(quote.day - dt.timedelta(days=364), FIRST_DAY)
    bars = history.bars(start, quote.day - dt.timedelta(days=1)) if start < quote.day else []
    highs = [b.high for b in bars] + [quote.high or quote.price]
    lows = [b.low for b in bars if b.low] + [quote.low or quote.price]
    return max(highs), min(lows)
