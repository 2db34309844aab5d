"""Index APIs (업종): the level now, its daily and minute charts, its ticks, the indices of a
market; computed from the member listings by ``pykis.sim.indices``.

KIS: 업종 현재지수 FHPUP02100000, 업종 일자별지수 FHPUP02120000, 업종 시간별지수(틱)
FHPUP02110100 and (분) FHPUP02110200, 업종 구분별전체시세 FHPUP02140000, 업종 기간별시세
FHKUP03500100 (100 rows), 업종 분봉조회 FHKUP03500200. FID_COND_MRKT_DIV_CODE is "U".
An unknown index code answers success with blank figures, as the stock quotes do [U].
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pykis.market import KST
from pykis.sim import indices
from pykis.sim.errors import SimError
from pykis.sim.indices import IndexBar, IndexBook, IndexDef, IndexLevel
from pykis.sim.wire import inputs
from pykis.sim.wire.market_fields import FIELDS
from pykis.sim.wire.protocol import Call, Reply, dec, pct, yyyymmdd
from pykis.sim.wire.quotes import period_bars, sign

__all__ = ["inquire_daily_indexchartprice", "inquire_index_category_price",
           "inquire_index_daily_price", "inquire_index_price", "inquire_index_tickprice",
           "inquire_index_timeprice", "inquire_time_indexchartprice"]

OK = "MCA00000"
THOUSAND, MILLION = 1_000, 1_000_000  # index volumes in 천주, values in 백만원


def _index(call: Call, name: str = "FID_INPUT_ISCD") -> IndexDef | None:
    call.choice("FID_COND_MRKT_DIV_CODE", ("U", "K", "Q", "J"))
    return indices.index_def(call.param(name))


def _book(call: Call) -> IndexBook:
    return IndexBook(call.state.market)


def _rate(now: float, before: float) -> str:
    return dec((now - before) / before * 100 if before else 0)


def _sign(now: float, before: float) -> str:
    return sign(round(now * 100), round(before * 100))


def _change(now: float, base: float) -> dict[str, Any]:
    return {"bstp_nmix_prdy_vrss": dec(now - base), "prdy_vrss_sign": _sign(now, base),
            "bstp_nmix_prdy_ctrt": _rate(now, base)}


def _now_fields(level: IndexLevel) -> dict[str, Any]:
    bar = level.bar
    return {
        **_change(bar.close, bar.base), "bstp_nmix_prpr": dec(bar.close),
        "prdy_nmix": dec(bar.base), "acml_vol": bar.volume // THOUSAND,
        "acml_tr_pbmn": bar.value // MILLION, "prdy_vol": level.prev_volume // THOUSAND,
        "prdy_tr_pbmn": level.prev_value // MILLION, "hts_kor_isnm": level.definition.name,
        "bstp_cls_code": level.definition.code, "bstp_nmix_oprc": dec(bar.open),
        "bstp_nmix_hgpr": dec(bar.high), "bstp_nmix_lwpr": dec(bar.low),
    }


def _breadth(level: IndexLevel) -> dict[str, Any]:
    b = level.breadth
    return {"ascn_issu_cnt": b["up"], "uplm_issu_cnt": b["upper"], "stnr_issu_cnt": b["flat"],
            "down_issu_cnt": b["down"], "lslm_issu_cnt": b["lower"]}


def _year(call: Call, definition: IndexDef, level: IndexLevel) -> dict[str, Any]:
    """This year's highest and lowest close (and today's level)."""
    day = level.bar.date
    def compute() -> list[IndexBar]:
        return _book(call).bars(definition, dt.date(day.year, 1, 1), day - dt.timedelta(1),
                                call.now)
    bars = [*call.state.market.memo(("index-year", definition.code, day), compute), level.bar]
    top = max(bars, key=lambda b: b.close)
    bottom = min(bars, key=lambda b: b.close)
    now = level.bar.close
    return {"dryy_bstp_nmix_hgpr": dec(top.close), "dryy_bstp_nmix_hgpr_date": yyyymmdd(top.date),
            "dryy_hgpr_vrss_prpr_rate": _rate(now, top.close),
            "dryy_bstp_nmix_lwpr": dec(bottom.close),
            "dryy_bstp_nmix_lwpr_date": yyyymmdd(bottom.date),
            "dryy_lwpr_vrss_prpr_rate": _rate(now, bottom.close)}


def _book_totals(call: Call, level: IndexLevel) -> dict[str, Any]:
    asks = bids = 0
    for quote in level.quotes:
        book = call.state.market.book(quote)
        asks += sum(q for _, q in book.asks)
        bids += sum(q for _, q in book.bids)
    return {"total_askp_rsqn": asks // THOUSAND, "total_bidp_rsqn": bids // THOUSAND,
            "seln_rsqn_rate": pct(asks, asks + bids), "shnu_rsqn_rate": pct(bids, asks + bids),
            "ntby_rsqn": (bids - asks) // THOUSAND}


# --- the level now -----------------------------------------------------------------------
def inquire_index_price(call: Call) -> Reply:
    definition = _index(call)
    if definition is None:
        return Reply({"output": {}}, OK)
    level = _book(call).level(definition, call.now)
    bar = level.bar
    out = {
        **_now_fields(level), **_breadth(level), **_year(call, definition, level),
        **_book_totals(call, level),
        "prdy_nmix_vrss_nmix_oprc": dec(bar.open - bar.base),
        "oprc_vrss_prpr_sign": _sign(bar.open, bar.base),
        "bstp_nmix_oprc_prdy_ctrt": _rate(bar.open, bar.base),
        "prdy_nmix_vrss_nmix_hgpr": dec(bar.high - bar.base),
        "hgpr_vrss_prpr_sign": _sign(bar.high, bar.base),
        "bstp_nmix_hgpr_prdy_ctrt": _rate(bar.high, bar.base),
        "prdy_clpr_vrss_lwpr": dec(bar.low - bar.base),
        "lwpr_vrss_prpr_sign": _sign(bar.low, bar.base),
        "prdy_clpr_vrss_lwpr_rate": _rate(bar.low, bar.base),
    }
    return Reply({"output": _fit("inquire_index_price", "output", out)}, OK)


def _fit(endpoint: str, section: str, values: dict[str, Any]) -> dict[str, Any]:
    """The values ``endpoint``'s ``section`` has fields for (the helpers above fill the
    superset the index answers share)."""
    names = {name for name, _ in FIELDS[endpoint][section]}
    return {k: v for k, v in values.items() if k in names}


def _chart_summary(level: IndexLevel, endpoint: str) -> dict[str, Any]:
    return _fit(endpoint, "output1", _now_fields(level))


# --- daily, weekly, monthly, yearly ------------------------------------------------------
def inquire_daily_indexchartprice(call: Call) -> Reply:
    definition = _index(call)
    start = inputs.date_bound(call, "FID_INPUT_DATE_1", end=False)
    end = inputs.date_bound(call, "FID_INPUT_DATE_2", end=True)
    period = inputs.code(call, "FID_PERIOD_DIV_CODE", ("D", "W", "M", "Y"))
    if definition is None:
        return Reply({"output1": {}, "output2": []}, OK)
    book = _book(call)
    level = book.level(definition, call.now)
    end = min(end, level.bar.date)
    span = {"D": 160, "W": 720, "M": 3100, "Y": 40_000}[period]  # calendar days for 100 rows
    start = max(start, end - dt.timedelta(days=span))
    bars = period_bars(book.bars(definition, start, end, call.now), period)[-100:]
    rows = [{"stck_bsop_date": yyyymmdd(b.date), "bstp_nmix_prpr": dec(b.close),
             "bstp_nmix_oprc": dec(b.open), "bstp_nmix_hgpr": dec(b.high),
             "bstp_nmix_lwpr": dec(b.low), "acml_vol": b.volume // THOUSAND,
             "acml_tr_pbmn": b.value // MILLION, "mod_yn": "N"} for b in reversed(bars)]
    return Reply({"output1": _chart_summary(level, "inquire_daily_indexchartprice"),
                  "output2": rows}, OK)


def inquire_index_daily_price(call: Call) -> Reply:
    """업종 일자별지수: 100 days (weeks, months) up to FID_INPUT_DATE_1, newest first."""
    definition = _index(call)
    period = inputs.code(call, "FID_PERIOD_DIV_CODE", ("D", "W", "M"))
    end = inputs.date_bound(call, "FID_INPUT_DATE_1", end=True)
    if definition is None:
        return Reply({"output1": {}, "output2": []}, OK)
    book = _book(call)
    level = book.level(definition, call.now)
    end = min(end, level.bar.date)
    span = {"D": 160, "W": 720, "M": 3100}[period]
    bars = period_bars(book.bars(definition, end - dt.timedelta(days=span), end, call.now),
                    period)[-100:]
    rows = []
    for bar in reversed(bars):
        rows.append({"stck_bsop_date": yyyymmdd(bar.date), "bstp_nmix_prpr": dec(bar.close),
                     **_change(bar.close, bar.base), "bstp_nmix_oprc": dec(bar.open),
                     "bstp_nmix_hgpr": dec(bar.high), "bstp_nmix_lwpr": dec(bar.low),
                     "acml_vol": bar.volume // THOUSAND, "acml_tr_pbmn": bar.value // MILLION,
                     "acml_vol_rlim": "100.00"})
    summary = _fit("inquire_index_daily_price", "output1",
                   {**_now_fields(level), **_breadth(level), **_year(call, definition, level)})
    return Reply({"output1": summary, "output2": rows}, OK)


# --- minutes and ticks -------------------------------------------------------------------
def _minute_rows(call: Call, definition: IndexDef, level: IndexLevel, step: int
                 ) -> list[tuple[dt.datetime, float, float, float, float, int, int]]:
    """(end, open, high, low, close, volume, cumulative value) bars of ``step`` minutes
    of the market day, oldest first."""
    minutes = _book(call).minutes(definition, level.bar.date, call.now)
    bars = []
    previous = level.bar.base
    for n in range(0, len(minutes), step):
        group = minutes[n:n + step]
        levels = [previous] + [m[1] for m in group]
        end = dt.datetime.fromtimestamp(group[-1][0], KST)
        bars.append((end, levels[0] if n else (level.bar.open or levels[1]), max(levels[1:]),
                     min(levels[1:]), levels[-1], sum(m[2] for m in group), group[-1][3]))
        previous = levels[-1]
    return bars


def inquire_time_indexchartprice(call: Call) -> Reply:
    """업종 분봉: bars of FID_INPUT_HOUR_1 seconds (60, 300, 600...), newest first."""
    definition = _index(call)
    call.param("FID_ETC_CLS_CODE", required=False)
    inputs.code(call, "FID_PW_DATA_INCU_YN", ("Y", "N"), required=False, default="N")
    seconds = call.param("FID_INPUT_HOUR_1").strip()
    if not seconds.isdigit() or not 0 < int(seconds) <= 3600:
        raise SimError("OPSQ2001", text="ERROR INVALID FID_INPUT_HOUR_1")
    if definition is None:
        return Reply({"output1": {}, "output2": []}, OK)
    level = _book(call).level(definition, call.now)
    bars = _minute_rows(call, definition, level, max(1, int(seconds) // 60))
    rows = [{"stck_bsop_date": yyyymmdd(level.bar.date),
             "stck_cntg_hour": end.strftime("%H%M%S"), "bstp_nmix_prpr": dec(c),
             "bstp_nmix_oprc": dec(o), "bstp_nmix_hgpr": dec(h), "bstp_nmix_lwpr": dec(lo),
             "cntg_vol": v // THOUSAND, "acml_tr_pbmn": value // MILLION}
            for end, o, h, lo, c, v, value in reversed(bars[-102:])]
    return Reply({"output1": _chart_summary(level, "inquire_time_indexchartprice"),
                  "output2": rows}, OK)


def _time_rows(call: Call, definition: IndexDef, step: int, hour_field: str
               ) -> list[dict[str, Any]]:
    level = _book(call).level(definition, call.now)
    bars = _minute_rows(call, definition, level, step)
    volume = 0
    out = []
    for end, _o, _h, _lo, close, bar_volume, value in bars:
        volume += bar_volume
        out.append({hour_field: end.strftime("%H%M%S"), "bstp_nmix_prpr": dec(close),
                    **_change(close, level.bar.base), "acml_tr_pbmn": value // MILLION,
                    "acml_vol": volume // THOUSAND, "cntg_vol": bar_volume // THOUSAND})
    return out[::-1][:30]


def inquire_index_tickprice(call: Call) -> Reply:
    """업종 시간별지수(틱): the level after each minute here (the members' ticks are not
    merged one by one), newest first, 30 rows [U]."""
    definition = _index(call)
    if definition is None:
        return Reply({"output": []}, OK)
    return Reply({"output": _time_rows(call, definition, 1, "stck_cntg_hour")}, OK)


def inquire_index_timeprice(call: Call) -> Reply:
    """업종 시간별지수(분): FID_INPUT_HOUR_1 seconds a row (60, 300, 600...)."""
    definition = _index(call)
    seconds = call.param("FID_INPUT_HOUR_1").strip()
    if not seconds.isdigit() or not 0 < int(seconds) <= 3600:
        raise SimError("OPSQ2001", text="ERROR INVALID FID_INPUT_HOUR_1")
    if definition is None:
        return Reply({"output": []}, OK)
    return Reply({"output": _time_rows(call, definition, max(1, int(seconds) // 60),
                                       "bsop_hour")}, OK)


# --- the indices of a market -------------------------------------------------------------
def inquire_index_category_price(call: Call) -> Reply:
    """업종 구분별전체시세: the requested index (output1) and every index of its market
    (output2)."""
    definition = _index(call)
    call.param("FID_COND_SCR_DIV_CODE", required=False)
    call.param("FID_MRKT_CLS_CODE", required=False)
    call.param("FID_BLNG_CLS_CODE", required=False)
    if definition is None:
        return Reply({"output1": {}, "output2": []}, OK)
    book = _book(call)
    level = book.level(definition, call.now)
    summary = _fit("inquire_index_category_price", "output1",
                   {**_now_fields(level), **_breadth(level), **_year(call, definition, level)})
    rows = []
    for other in indices.INDICES.values():
        if other.market is not definition.market:
            continue
        each = book.level(other, call.now)
        bar = each.bar
        rows.append({"bstp_cls_code": other.code, "hts_kor_isnm": other.name,
                     "bstp_nmix_prpr": dec(bar.close), **_change(bar.close, bar.base),
                     "acml_vol": bar.volume // THOUSAND, "acml_tr_pbmn": bar.value // MILLION,
                     "acml_vol_rlim": pct(bar.volume, level.bar.volume),
                     "acml_tr_pbmn_rlim": pct(bar.value, level.bar.value)})
    return Reply({"output1": summary, "output2": rows}, OK)
