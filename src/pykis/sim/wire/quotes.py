"""Quote APIs: current price, order book, ticks, daily and minute charts, multi-quotes.

KIS: 주식현재가 시세 [v1_국내주식-008] FHKST01010100, 호가/예상체결 [v1_국내주식-011]
FHKST01010200, 체결 [v1_국내주식-009] FHKST01010300, 일자별 [v1_국내주식-010]
FHKST01010400, 기간별시세 [v1_국내주식-016] FHKST03010100, 당일분봉 [v1_국내주식-022]
FHKST03010200, 일별분봉 [국내주식-213] FHKST03010230, 멀티종목 [국내주식-205] FHKST11300006.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any, TypeVar

from pykis.market import KST, Session, tick_size
from pykis.sim.market import FIRST_DAY, Book, MarketState, Quote
from pykis.sim.universe import Instrument
from pykis.sim.wire import inputs
from pykis.sim.wire.protocol import Call, Reply, dec, hhmmss, pct, yyyymmdd

__all__ = [
    "inquire_asking_price",
    "inquire_ccnl",
    "inquire_daily_itemchartprice",
    "inquire_daily_price",
    "inquire_price",
    "inquire_time_dailychartprice",
    "inquire_time_itemchartprice",
    "intstock_multprice",
]

OK = "MCA00000"


# --- shared figures ------------------------------------------------------------------
def sign(price: int, base: int, upper: int = 0, lower: int = 0) -> str:
    """prdy_vrss_sign: 1 upper limit, 2 up, 3 unchanged, 4 lower limit, 5 down."""
    if price > base:
        return "1" if upper and price >= upper else "2"
    if price < base:
        return "4" if lower and price <= lower else "5"
    return "3"


def change_fields(quote: Quote) -> dict[str, str]:
    change = quote.price - quote.base
    return {
        "prdy_vrss": str(change),
        "prdy_vrss_sign": sign(quote.price, quote.base, quote.limits.upper, quote.limits.lower),
        "prdy_ctrt": pct(change, quote.base),
    }


def _symbol(call: Call, name: str = "FID_INPUT_ISCD") -> str:
    return call.param(name).strip()


def _quote(call: Call, code: str) -> Quote | None:
    if code not in call.state.market.universe:
        return None
    return call.state.market.quote(code, call.now)


# --- inquire-price -----------------------------------------------------------------------
def inquire_price(call: Call) -> Reply:
    inputs.market(call)
    code = _symbol(call)
    quote = _quote(call, code)
    if quote is None:  # KIS answers an unknown code with success and a zero price
        return Reply({"output": {"stck_shrn_iscd": code}}, OK)
    return Reply({"output": price_output(call, quote)}, OK)


def price_output(call: Call, quote: Quote) -> dict[str, Any]:
    inst, price = quote.inst, quote.price
    return {
        **_listing_fields(inst), **change_fields(quote), "stck_prpr": price,
        "acml_tr_pbmn": quote.value, "acml_vol": quote.volume,
        "prdy_vrss_vol_rate": pct(quote.volume, quote.prev_volume),
        "stck_oprc": quote.open, "stck_hgpr": quote.high, "stck_lwpr": quote.low,
        "stck_mxpr": quote.limits.upper, "stck_llam": quote.limits.lower,
        "stck_sdpr": quote.base,
        "wghn_avrg_stck_prc": dec(quote.value / quote.volume if quote.volume else price),
        **call.state.market.memo(("pivots", inst.code, quote.day),
                               lambda: _pivots(call.state.market, inst.code, quote.day)),
        "rstc_wdth_prc": quote.limits.upper - quote.base, "stck_sspr": int(quote.base * 0.76),
        "aspr_unit": tick_size(price, inst.kind),
        "hts_avls": price * inst.shares // 100_000_000,
        "per": dec(price / inst.eps if inst.eps else 0),
        "pbr": dec(price / inst.bps if inst.bps else 0),
        "vol_tnrt": pct(quote.volume, inst.shares), **_extreme_fields(call, quote),
    }


@lru_cache(maxsize=512)
def _listing_fields(inst: Instrument) -> dict[str, Any]:
    """What does not change during a day: the listing's own figures and flags."""
    fund = inst.kind != "STOCK"
    return {
        "iscd_stat_cls_code": "55", "marg_rate": "100.00" if fund else "20.00",
        "rprs_mrkt_kor_name": inst.index_name, "bstp_kor_isnm": inst.sector,
        "temp_stop_yn": "N", "oprc_rang_cont_yn": "N", "clpr_rang_cont_yn": "N",
        "crdt_able_yn": "N" if fund else "Y", "grmn_rate_cls_code": "40",
        "elw_pblc_yn": "N" if fund else "Y", "hts_frgn_ehrt": dec(inst.foreign_ratio),
        "frgn_ntby_qty": 0, "pgtr_ntby_qty": 0, "cpfn": inst.capital,
        "stck_fcam": inst.face_value, "hts_deal_qty_unit_val": 1, "lstn_stcn": inst.shares,
        "stac_month": "12", "eps": dec(inst.eps), "bps": dec(inst.bps),
        "whol_loan_rmnd_rate": "0.19", "ssts_yn": "Y", "stck_shrn_iscd": inst.code,
        "fcam_cnnm": str(inst.face_value), "cpfn_cnnm": f"{inst.capital:,} 억",
        "frgn_hldn_qty": int(inst.shares * inst.foreign_ratio / 100), "vi_cls_code": "N",
        "ovtm_vi_cls_code": "N", "last_ssts_cntg_qty": 0, "invt_caful_yn": "N",
        "mrkt_warn_cls_code": "00", "short_over_yn": "N", "sltr_yn": "N",
        "mang_issu_cls_code": "N",
    }


def _pivots(market: MarketState, code: str, day: dt.date) -> dict[str, int]:
    """Pivot points and DeMark levels from the previous day's bar (fixed for the day)."""
    previous = market.calendar.previous_trading_day(day)
    bars = market.history(code).bars(previous, previous)
    if not bars:
        return {}
    b = bars[0]
    pivot = (b.high + b.low + b.close) / 3
    span = b.high - b.low
    if b.close > b.open:
        x = 2 * b.high + b.low + b.close
    elif b.close < b.open:
        x = b.high + 2 * b.low + b.close
    else:
        x = b.high + b.low + 2 * b.close
    return {
        "pvt_scnd_dmrs_prc": round(pivot + span), "pvt_frst_dmrs_prc": round(2 * pivot - b.low),
        "pvt_pont_val": round(pivot), "pvt_frst_dmsp_prc": round(2 * pivot - b.high),
        "pvt_scnd_dmsp_prc": round(pivot - span), "dmrs_val": round(x / 2 - b.low),
        "dmsp_val": round(x / 2 - b.high),
    }


def _extreme_fields(call: Call, quote: Quote) -> dict[str, Any]:
    today = yyyymmdd(quote.day)
    out: dict[str, Any] = {}
    names = {
        "d250": ("d250_hgpr", "d250_hgpr_date", "d250_hgpr_vrss_prpr_rate", "d250_lwpr",
                 "d250_lwpr_date", "d250_lwpr_vrss_prpr_rate"),
        "year": ("stck_dryy_hgpr", "dryy_hgpr_date", "dryy_hgpr_vrss_prpr_rate",
                 "stck_dryy_lwpr", "dryy_lwpr_date", "dryy_lwpr_vrss_prpr_rate"),
        "w52": ("w52_hgpr", "w52_hgpr_date", "w52_hgpr_vrss_prpr_ctrt", "w52_lwpr",
                "w52_lwpr_date", "w52_lwpr_vrss_prpr_ctrt"),
    }
    for period, (high, high_date, high_rate, low, low_date, low_rate) in names.items():
        top, top_date, bottom, bottom_date = call.state.market.extremes(quote.inst.code,
                                                                       quote.day)[period]
        if quote.high and quote.high >= top:
            top, top_date = quote.high, today
        if quote.low and (not bottom or quote.low <= bottom):
            bottom, bottom_date = quote.low, today
        out |= {
            high: top, high_date: top_date, high_rate: pct(quote.price - top, top),
            low: bottom, low_date: bottom_date, low_rate: pct(quote.price - bottom, bottom),
        }
    return out


# --- order book --------------------------------------------------------------------------
def inquire_asking_price(call: Call) -> Reply:
    inputs.market(call)
    code = _symbol(call)
    quote = _quote(call, code)
    if quote is None:
        return Reply({"output1": {}, "output2": {"stck_shrn_iscd": code}}, OK)
    book = call.state.market.book(quote)
    return Reply({"output1": book_output(quote, book), "output2": expected_output(quote)}, OK)


def book_output(quote: Quote, book: Book) -> dict[str, Any]:
    out: dict[str, Any] = {"aspr_acpt_hour": hhmmss(quote.last_ts) if quote.last_ts else ""}
    for level, ((ask, ask_qty), (bid, bid_qty)) in enumerate(zip(book.asks, book.bids), 1):
        out |= {f"askp{level}": ask, f"bidp{level}": bid, f"askp_rsqn{level}": ask_qty,
                f"bidp_rsqn{level}": bid_qty}
    total_ask = sum(q for _, q in book.asks)
    total_bid = sum(q for _, q in book.bids)
    out |= {"total_askp_rsqn": total_ask, "total_bidp_rsqn": total_bid,
            "ntby_aspr_rsqn": total_bid - total_ask, "new_mkop_cls_code": ""}
    return out


def expected_output(quote: Quote) -> dict[str, Any]:
    """Expected execution: only meaningful during the single-price auctions."""
    auction = quote.session in (Session.PRE_MARKET, Session.CLOSING_AUCTION)
    expected = quote.price if auction else 0
    return {
        "stck_prpr": quote.price, "stck_oprc": quote.open, "stck_hgpr": quote.high,
        "stck_lwpr": quote.low, "stck_sdpr": quote.base, "antc_cnpr": expected,
        "antc_cntg_vrss_sign": sign(expected, quote.base) if auction else "3",
        "antc_cntg_vrss": expected - quote.base if auction else 0,
        "antc_cntg_prdy_ctrt": pct(expected - quote.base, quote.base) if auction else "0.00",
        "antc_vol": 0, "stck_shrn_iscd": quote.inst.code, "vi_cls_code": "N",
    }


# --- recent ticks ------------------------------------------------------------------------
def inquire_ccnl(call: Call) -> Reply:
    inputs.market(call)
    quote = _quote(call, _symbol(call))
    if quote is None:
        return Reply({"output": []}, OK)
    trades = call.state.market.recent_trades(quote.inst.code, call.now, 30)
    rows = [
        {"stck_cntg_hour": hhmmss(t.ts), "stck_prpr": t.price, "prdy_vrss": t.price - quote.base,
         "prdy_vrss_sign": sign(t.price, quote.base), "cntg_vol": t.volume,
         "tday_rltv": dec(100 + (t.price - quote.base) / quote.base * 1000),
         "prdy_ctrt": pct(t.price - quote.base, quote.base)}
        for t in trades
    ]
    return Reply({"output": rows}, OK)


# --- daily / weekly / monthly / yearly -----------------------------------------------------
B = TypeVar("B")  # DailyBar or pykis.sim.indices.IndexBar: the same fields


def period_bars(bars: list[B], period: str) -> list[B]:
    """Group daily bars (oldest first; a listing's or an index's, which have the same
    fields) into W/M/Y bars dated by their first trading day."""
    if period == "D":
        return bars
    def key(day: dt.date) -> tuple:
        if period == "W":
            return tuple(day.isocalendar())[:2]
        return (day.year, day.month) if period == "M" else (day.year,)
    grouped: dict[tuple, list[B]] = {}
    for bar in bars:
        grouped.setdefault(key(bar.date), []).append(bar)
    return [
        type(g[0])(g[0].date, g[0].base, g[0].open, max(b.high for b in g),
                   min(b.low for b in g), g[-1].close, sum(b.volume for b in g),
                   sum(b.value for b in g))
        for g in grouped.values()
    ]


def inquire_daily_price(call: Call) -> Reply:
    inputs.market(call)
    period = inputs.code(call, "FID_PERIOD_DIV_CODE", ("D", "W", "M"))
    call.choice("FID_ORG_ADJ_PRC", ("0", "1"))
    quote = _quote(call, _symbol(call))
    if quote is None:
        return Reply({"output": []}, OK)
    span = {"D": 90, "W": 250, "M": 1000}[period]
    bars = call.state.market.daily_bars(quote.inst.code, quote.day - dt.timedelta(days=span),
                                      quote.day, call.now)
    grouped = period_bars(bars, period)[-31:]
    rows = []
    for before, bar in zip([None, *grouped], grouped):
        prev_close = before.close if before else bar.base
        prev_volume = before.volume if before else 0
        rows.append({
            "stck_bsop_date": yyyymmdd(bar.date), "stck_oprc": bar.open, "stck_hgpr": bar.high,
            "stck_lwpr": bar.low, "stck_clpr": bar.close, "acml_vol": bar.volume,
            "prdy_vrss_vol_rate": pct(bar.volume, prev_volume),
            "prdy_vrss": bar.close - prev_close, "prdy_vrss_sign": sign(bar.close, prev_close),
            "prdy_ctrt": pct(bar.close - prev_close, prev_close),
            "hts_frgn_ehrt": dec(quote.inst.foreign_ratio), "frgn_ntby_qty": 0,
            "flng_cls_code": "00", "acml_prtt_rate": "0.00",
        })
    return Reply({"output": rows[::-1][:30]}, OK)


def inquire_daily_itemchartprice(call: Call) -> Reply:
    inputs.market(call)
    code = _symbol(call)
    start = inputs.date_bound(call, "FID_INPUT_DATE_1", end=False)
    end = inputs.date_bound(call, "FID_INPUT_DATE_2", end=True)
    period = inputs.code(call, "FID_PERIOD_DIV_CODE", ("D", "W", "M", "Y"))
    call.choice("FID_ORG_ADJ_PRC", ("0", "1"))
    quote = _quote(call, code)
    if quote is None:
        return Reply({"output1": {"stck_shrn_iscd": code}, "output2": []}, OK)
    end = min(end, quote.day)
    start = max(start, _oldest_needed(call, end, period))
    bars = call.state.market.daily_bars(code, start, end, call.now)
    grouped = period_bars(bars, period)
    rows = []
    for bar in reversed(grouped[-100:]):
        rows.append({
            "stck_bsop_date": yyyymmdd(bar.date), "stck_clpr": bar.close, "stck_oprc": bar.open,
            "stck_hgpr": bar.high, "stck_lwpr": bar.low, "acml_vol": bar.volume,
            "acml_tr_pbmn": bar.value, "flng_cls_code": "00", "prtt_rate": "0.00",
            "mod_yn": "N", "prdy_vrss_sign": sign(bar.close, bar.base),
            "prdy_vrss": bar.close - bar.base, "revl_issu_reas": "",
        })
    return Reply({"output1": chart_summary(call, quote), "output2": rows}, OK)


def _oldest_needed(call: Call, end: dt.date, period: str) -> dt.date:
    """The earliest day the newest 100 periods up to ``end`` can reach: a range from the
    first day (python-kis's 00000101) builds no more bars than a page shows."""
    if end < FIRST_DAY:
        return end
    if period == "D":  # the 100th trading day back, and one for a live always-open day
        return call.state.market.calendar.add_trading_days(end + dt.timedelta(days=1), -101)
    if period == "W":
        return end - dt.timedelta(weeks=101)
    return dt.date.min


def chart_summary(call: Call, quote: Quote) -> dict[str, Any]:
    inst = quote.inst
    market = call.state.market
    previous = market.calendar.previous_trading_day(quote.day)
    prev = market.history(inst.code).bars(previous, previous)
    prev_bar = prev[0] if prev else None
    book = market.book(quote)
    return {
        **change_fields(quote), "stck_prdy_clpr": quote.base, "acml_vol": quote.volume,
        "acml_tr_pbmn": quote.value, "hts_kor_isnm": inst.name, "stck_prpr": quote.price,
        "stck_shrn_iscd": inst.code, "prdy_vol": quote.prev_volume,
        "stck_mxpr": quote.limits.upper, "stck_llam": quote.limits.lower,
        "stck_oprc": quote.open, "stck_hgpr": quote.high, "stck_lwpr": quote.low,
        "stck_prdy_oprc": prev_bar.open if prev_bar else 0,
        "stck_prdy_hgpr": prev_bar.high if prev_bar else 0,
        "stck_prdy_lwpr": prev_bar.low if prev_bar else 0,
        "askp": book.asks[0][0], "bidp": book.bids[0][0],
        "prdy_vrss_vol": quote.volume - quote.prev_volume,
        "vol_tnrt": pct(quote.volume, inst.shares), "stck_fcam": inst.face_value,
        "lstn_stcn": inst.shares, "cpfn": inst.capital,
        "hts_avls": quote.price * inst.shares // 100_000_000,
        "per": dec(quote.price / inst.eps if inst.eps else 0), "eps": dec(inst.eps),
        "pbr": dec(quote.price / inst.bps if inst.bps else 0),
        "itewhol_loan_rmnd_ratem name": "0.19",
    }


# --- minute bars -------------------------------------------------------------------------
def minute_rows(call: Call, code: str, day: dt.date, until: dt.datetime | None, count: int
                ) -> list[dict[str, Any]]:
    """Up to ``count`` one-minute bars of ``day`` labelled by their end (HHMM00) and
    ending at or before ``until`` (None: the newest), newest first; minutes without
    trades repeat the price. A time after now shows the minute in progress, as KIS does."""
    market = call.state.market
    first_end = market.schedule(day).regular_open + dt.timedelta(minutes=1)
    in_progress = call.now + dt.timedelta(minutes=1)  # the minute now is in, by its end
    last_end = in_progress if until is None else min(until, in_progress)
    visible = call.now if until is None else min(until, call.now)
    bars = market.path(code, day).minute_bars(
        first_end.timestamp(), last_end.timestamp(), visible.timestamp(), limit=count)
    rows = [
        {"stck_bsop_date": yyyymmdd(day),
         "stck_cntg_hour": dt.datetime.fromtimestamp(end, KST).strftime("%H%M%S"),
         "stck_prpr": close, "stck_oprc": open_, "stck_hgpr": high, "stck_lwpr": low,
         "cntg_vol": volume, "acml_tr_pbmn": value}
        for end, open_, high, low, close, volume, value in bars
    ]
    return rows[::-1]


def minute_summary(quote: Quote) -> dict[str, Any]:
    return {**change_fields(quote), "stck_prdy_clpr": quote.base, "acml_vol": quote.volume,
            "acml_tr_pbmn": quote.value, "hts_kor_isnm": quote.inst.name,
            "stck_prpr": quote.price}


def inquire_time_itemchartprice(call: Call) -> Reply:
    inputs.market(call)
    call.param("FID_ETC_CLS_CODE", required=False)
    inputs.code(call, "FID_PW_DATA_INCU_YN", ("Y", "N"))
    quote = _quote(call, _symbol(call))
    if quote is None:
        return Reply({"output1": {}, "output2": []}, OK)
    until = inputs.hour(call, quote.day)
    rows = minute_rows(call, quote.inst.code, quote.day, until, 30)
    return Reply({"output1": minute_summary(quote), "output2": rows}, OK)


def inquire_time_dailychartprice(call: Call) -> Reply:
    inputs.market(call)
    day = inputs.day_param(call, "FID_INPUT_DATE_1")
    inputs.code(call, "FID_PW_DATA_INCU_YN", ("Y", "N", ""), required=False)  # optional
    quote = _quote(call, _symbol(call))
    if quote is None:
        return Reply({"output1": {}, "output2": []}, OK)
    rows: list[dict[str, Any]] = []
    market = call.state.market
    kept_from = quote.day - dt.timedelta(days=365)  # KIS keeps a year of minute bars
    until = inputs.hour(call, quote.day if day is None else day)
    if day is not None and market.calendar.is_trading_day(day) and kept_from <= day <= quote.day:
        rows = minute_rows(call, quote.inst.code, day, until, 120)
    return Reply({"output1": minute_summary(quote), "output2": rows}, OK)


# --- several symbols at once -------------------------------------------------------------
def intstock_multprice(call: Call) -> Reply:
    rows = []
    for n in range(1, 31):
        code = call.query.get(f"FID_INPUT_ISCD_{n}", "").strip()
        if not code:
            continue
        inputs.code(call, f"FID_COND_MRKT_DIV_CODE_{n}", ("J", "NX", "UN"))
        quote = _quote(call, code)
        rows.append(multi_row(call, quote) if quote else {"inter_shrn_iscd": code})
    if not rows:
        call.param("FID_INPUT_ISCD_1")  # the first pair is required
    return Reply({"output": rows}, OK)


def multi_row(call: Call, quote: Quote) -> dict[str, Any]:
    inst = quote.inst
    book = call.state.market.book(quote)
    change = change_fields(quote)
    return {
        "kospi_kosdaq_cls_name": "코스피" if inst.market == "KOSPI" else "코스닥",
        "mrkt_trtm_cls_name": "", "hour_cls_code": "0", "inter_shrn_iscd": inst.code,
        "inter_kor_isnm": inst.name, "inter2_prpr": quote.price,
        "inter2_prdy_vrss": change["prdy_vrss"], "prdy_vrss_sign": change["prdy_vrss_sign"],
        "prdy_ctrt": change["prdy_ctrt"], "acml_vol": quote.volume, "inter2_oprc": quote.open,
        "inter2_hgpr": quote.high, "inter2_lwpr": quote.low,
        "inter2_llam": quote.limits.lower, "inter2_mxpr": quote.limits.upper,
        "inter2_askp": book.asks[0][0], "inter2_bidp": book.bids[0][0],
        "seln_rsqn": book.asks[0][1], "shnu_rsqn": book.bids[0][1],
        "total_askp_rsqn": sum(q for _, q in book.asks),
        "total_bidp_rsqn": sum(q for _, q in book.bids), "acml_tr_pbmn": quote.value,
        "inter2_prdy_clpr": quote.base,
        "oprc_vrss_hgpr_rate": pct(quote.high - quote.open, quote.open),
        "intr_antc_cntg_vrss": 0, "intr_antc_cntg_vrss_sign": "3",
        "intr_antc_cntg_prdy_ctrt": "0.00", "intr_antc_vol": 0, "inter2_sdpr": quote.base,
    }
