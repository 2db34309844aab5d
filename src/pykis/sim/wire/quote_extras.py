"""Quote extras: ticks by time, the after-hours single-price session, the second price
page, the expected closing prices.

KIS: 주식현재가 당일시간대별체결 FHPST01060000, 주식현재가 시간외일자별주가 FHPST02320000,
시간외시간별체결 FHPST02310000, 국내주식 시간외현재가 FHPST02300000, 시간외호가
FHPST02300400, 주식현재가 시세2 FHPST01010000, 국내주식 예상체결가 추이(장마감)
FHKST117300C0.

The simulator has no after-hours single-price session (16:00-18:00 on KRX): its
after-hours price is the day's close, unchanged, with no volume and an empty book, so
the after-hours answers have KIS's shape with the regular session's figures [U].
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pykis.sim.market import Quote
from pykis.sim.wire import inputs
from pykis.sim.wire.protocol import Call, Reply, hhmmss, pct, yyyymmdd
from pykis.sim.wire.quotes import change_fields, sign

__all__ = ["exp_closing_price", "inquire_daily_overtimeprice", "inquire_overtime_asking_price",
           "inquire_overtime_price", "inquire_price_2", "inquire_time_itemconclusion",
           "inquire_time_overtimeconclusion"]

OK = "MCA00000"


def _quote(call: Call) -> Quote | None:
    inputs.market(call)
    code = call.param("FID_INPUT_ISCD").strip()
    if code not in call.state.market.universe:
        return None
    return call.state.market.quote(code, call.now)


def inquire_time_itemconclusion(call: Call) -> Reply:
    """The trades at or before FID_INPUT_HOUR_1 (HHMMSS), newest first, 30 rows."""
    quote = _quote(call)
    if quote is None:
        return Reply({"output1": {}, "output2": []}, OK)
    until = inputs.hour(call, quote.day)
    market = call.state.market
    moment = call.now if until is None else min(until, call.now)
    path = market.path(quote.inst.code, quote.day)
    last = path.index_at(moment.timestamp())
    book = market.book(quote)
    rows = []
    for index in range(last, max(-1, last - 30), -1):
        trade = path.trade(index)
        _o, _h, _l, _p, volume, _v = path.summary(index)
        _s, _b, sold, bought, _ht, _lt = path.flow(index)
        rows.append({"stck_cntg_hour": hhmmss(trade.ts), "stck_pbpr": trade.price,
                     "prdy_vrss": trade.price - quote.base,
                     "prdy_vrss_sign": sign(trade.price, quote.base),
                     "prdy_ctrt": pct(trade.price - quote.base, quote.base),
                     "askp": book.asks[0][0], "bidp": book.bids[0][0],
                     "tday_rltv": pct(bought, sold) if sold else "0.00", "acml_vol": volume,
                     "cnqn": trade.volume})
    summary = {"stck_prpr": quote.price, **change_fields(quote), "acml_vol": quote.volume,
               "prdy_vol": quote.prev_volume, "rprs_mrkt_kor_name": quote.inst.index_name}
    return Reply({"output1": summary, "output2": rows}, OK)


def _overtime_now(quote: Quote) -> dict[str, Any]:
    """The after-hours figures: the close, unchanged, no volume; limits ±10 % of it."""
    price = quote.price
    return {"ovtm_untp_prpr": price, "ovtm_untp_prdy_vrss": price - quote.base,
            "ovtm_untp_prdy_vrss_sign": sign(price, quote.base),
            "ovtm_untp_prdy_ctrt": pct(price - quote.base, quote.base), "ovtm_untp_vol": 0,
            "ovtm_untp_tr_pbmn": 0, "ovtm_untp_mxpr": int(price * 1.1),
            "ovtm_untp_llam": int(price * 0.9), "ovtm_untp_oprc": 0, "ovtm_untp_hgpr": 0,
            "ovtm_untp_lwpr": 0, "ovtm_untp_antc_cnpr": 0, "ovtm_untp_antc_cntg_vrss": 0,
            "ovtm_untp_antc_cntg_vrss_sign": "3", "ovtm_untp_antc_cntg_ctrt": "0.00",
            "ovtm_untp_antc_vol": 0}


def inquire_daily_overtimeprice(call: Call) -> Reply:
    quote = _quote(call)
    if quote is None:
        return Reply({"output1": {}, "output2": []}, OK)
    bars = call.state.market.daily_bars(quote.inst.code, quote.day - dt.timedelta(days=50),
                                        quote.day, call.now)[::-1][:30]
    rows = [{"stck_bsop_date": yyyymmdd(b.date), "ovtm_untp_prpr": b.close,
             "ovtm_untp_prdy_vrss": b.close - b.base, "ovtm_untp_prdy_vrss_sign": sign(
                 b.close, b.base), "ovtm_untp_prdy_ctrt": pct(b.close - b.base, b.base),
             "ovtm_untp_vol": 0, "stck_clpr": b.close, "prdy_vrss": b.close - b.base,
             "prdy_vrss_sign": sign(b.close, b.base),
             "prdy_ctrt": pct(b.close - b.base, b.base), "acml_vol": b.volume,
             "ovtm_untp_tr_pbmn": 0} for b in bars]
    return Reply({"output1": _overtime_now(quote), "output2": rows}, OK)


def inquire_time_overtimeconclusion(call: Call) -> Reply:
    quote = _quote(call)
    call.param("FID_HOUR_CLS_CODE", required=False)
    if quote is None:
        return Reply({"output1": {}, "output2": []}, OK)
    summary = {**_overtime_now(quote), "uplm_sign": "1", "lslm_sign": "4"}
    return Reply({"output1": summary, "output2": []}, OK)  # no after-hours trades


def inquire_overtime_price(call: Call) -> Reply:
    quote = _quote(call)
    if quote is None:
        return Reply({"output": {}}, OK)
    now = _overtime_now(quote)
    fund = quote.inst.kind != "STOCK"
    out = {**{k: v for k, v in now.items() if k != "ovtm_untp_antc_vol"},
           "ovtm_untp_antc_cnqn": 0, "bstp_kor_isnm": quote.inst.sector,
           "marg_rate": "100.00" if fund else "20.00", "crdt_able_yn": "N" if fund else "Y",
           "sltr_yn": "N", "mang_issu_yn": "N", "mrkt_warn_cls_code": "00", "trht_yn": "N",
           "ovtm_untp_sdpr": quote.price, "insn_pbnt_yn": "N",
           "rprs_mrkt_kor_name": quote.inst.index_name, "ovtm_vi_cls_code": "N",
           "bidp": 0, "askp": 0}
    return Reply({"output": out}, OK)


def inquire_overtime_asking_price(call: Call) -> Reply:
    quote = _quote(call)
    if quote is None:
        return Reply({"output": {}}, OK)
    return Reply({"output": {"ovtm_untp_last_hour": ""}}, OK)  # an empty book


def inquire_price_2(call: Call) -> Reply:
    quote = _quote(call)
    if quote is None:
        return Reply({"output": {}}, OK)
    inst, price = quote.inst, quote.price
    fund = inst.kind != "STOCK"
    opened = quote.open or quote.base
    out = {
        **change_fields(quote), "rprs_mrkt_kor_name": inst.index_name,
        "new_hgpr_lwpr_cls_code": "", "mxpr_llam_cls_code": "",
        "crdt_able_yn": "N" if fund else "Y", "stck_mxpr": quote.limits.upper,
        "elw_pblc_yn": "N" if fund else "Y",
        "prdy_clpr_vrss_oprc_rate": pct(quote.open - quote.base, quote.base)
        if quote.open else "0.00", "crdt_rate": "0.00" if fund else "45.00",
        "marg_rate": "100.00" if fund else "20.00",
        "lwpr_vrss_prpr": price - quote.low if quote.low else 0,
        "lwpr_vrss_prpr_sign": sign(price, quote.low or price),
        "prdy_clpr_vrss_lwpr_rate": pct(quote.low - quote.base, quote.base)
        if quote.low else "0.00", "stck_lwpr": quote.low,
        "hgpr_vrss_prpr": price - quote.high if quote.high else 0,
        "hgpr_vrss_prpr_sign": sign(price, quote.high or price),
        "prdy_clpr_vrss_hgpr_rate": pct(quote.high - quote.base, quote.base)
        if quote.high else "0.00", "stck_hgpr": quote.high,
        "oprc_vrss_prpr": price - opened, "oprc_vrss_prpr_sign": sign(price, opened),
        "mang_issu_yn": "N", "divi_app_cls_code": "", "short_over_yn": "N",
        "mrkt_warn_cls_code": "00", "invt_caful_yn": "N", "stange_runup_yn": "N",
        "ssts_hot_yn": "N", "low_current_yn": "N", "vi_cls_code": "N",
        "short_over_cls_code": "", "stck_llam": quote.limits.lower, "stck_sdpr": quote.base,
        "bstp_cls_code": "", "stck_prdy_clpr": quote.base, "insn_pbnt_yn": "N",
        "stck_prpr": price, "acml_tr_pbmn": quote.value, "acml_vol": quote.volume,
        "prdy_vrss_vol_rate": pct(quote.volume, quote.prev_volume),
        "bstp_kor_isnm": inst.sector, "sltr_yn": "N", "trht_yn": "N",
        "oprc_rang_cont_yn": "N", "vlnt_fin_cls_code": "", "stck_oprc": quote.open,
        "prdy_vol": quote.prev_volume,
    }
    return Reply({"output": out}, OK)


def exp_closing_price(call: Call) -> Reply:
    """The listings of a scope with their price as the closing auction would match it:
    the last price here (the auction's expected price is not modelled) [U]."""
    from pykis.sim.wire.rankings import scope_quotes
    inputs.market(call)
    scope = call.param("FID_INPUT_ISCD", required=False)
    call.param("FID_RANK_SORT_CLS_CODE", required=False)
    call.param("FID_COND_SCR_DIV_CODE", required=False)
    call.param("FID_BLNG_CLS_CODE", required=False)
    quotes = sorted(scope_quotes(call, scope, funds=False),
                    key=lambda q: (-(q.price - q.base) / q.base, q.inst.code))
    rows = [{"stck_shrn_iscd": q.inst.code, "hts_kor_isnm": q.inst.name, "stck_prpr": q.price,
             **change_fields(q), "sdpr_vrss_prpr": q.price - q.base,
             "sdpr_vrss_prpr_rate": pct(q.price - q.base, q.base), "cntg_vol": q.volume}
            for q in quotes[:30]]
    return Reply({"output": rows}, OK)


