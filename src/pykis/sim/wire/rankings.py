"""Rankings (순위분석): the listings ranked by what inquire-price and the WebSocket show.

Every ranking reads the same ``Quote`` objects the quote APIs read at the same moment,
filters them by the request's scope (FID_INPUT_ISCD: 0000 all, or an index code such as
0001 KOSPI, 1001 KOSDAQ, 2001 KOSPI 200), its class (FID_DIV_CLS_CODE: 0 all, 1 common,
2 preferred), price range and minimum volume, sorts them and answers the first 30, as
KIS does (its rankings have no further pages). Filters the simulator has nothing to apply
to (margin classes, warning flags) are accepted and ignored.

The simulator has no after-hours single-price session: its after-hours price is the
day's close with no volume, and its after-hours balances are zero.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pykis.market import InstrumentKind
from pykis.sim import indices
from pykis.sim.daily import day_rng
from pykis.sim.errors import SimError
from pykis.sim.market import Quote
from pykis.sim.wire.market_fields import FIELDS
from pykis.sim.wire.protocol import Call, Reply, dec, pct, yyyymmdd
from pykis.sim.wire.quotes import change_fields, sign

__all__ = ["ROWS", "RANKINGS", "Ranking", "quote_values", "scope_quotes"]

OK = "MCA00000"
ROWS = 30  # KIS answers the first 30 of a ranking
MARKETS = ("J", "NX", "UN", "W")
PREFERRED_OF = {"005935": "005930"}  # preferred share: its common share


def scope_quotes(call: Call, scope: str, *, funds: bool = True) -> list[Quote]:
    """Quotes of the listings in ``scope`` (0000 / blank: all; an index code: its
    members; anything else: nothing), at the call's moment."""
    market = call.state.market
    scope = scope.strip()
    if scope in ("", "0000", "0", "000000"):
        insts = [i for i in market.universe.values()
                 if funds or i.kind is InstrumentKind.STOCK]
    else:
        definition = indices.index_def(scope)
        insts = indices.members(market, definition) if definition else []
    return [market.quote(inst.code, call.now) for inst in insts]


def _number(call: Call, name: str) -> int | None:
    """An optional whole-number filter: blank, absent or 0 filters nothing."""
    value = call.param(name, required=False).strip()
    if not value:
        return None
    try:
        number = int(float(value))
    except ValueError:
        raise SimError("OPSQ2001", text=f"ERROR INVALID {name}") from None
    return number or None


def quote_values(call: Call, quote: Quote) -> dict[str, Any]:
    """Every figure a ranking row may show about one quote, by KIS field name."""
    inst, price, base = quote.inst, quote.price, quote.base
    market = call.state.market
    book = market.book(quote)
    _s, _b, sold, bought, _h, _l = (market.path(inst.code, quote.day).flow(quote.index)
                                    if quote.index >= 0 else (0, 0, 0, 0, 0, 0))
    sells, buys = (_s, _b)
    total_ask = sum(q for _, q in book.asks)
    total_bid = sum(q for _, q in book.bids)
    cap = price * inst.shares
    opened = quote.open or base
    return {
        **change_fields(quote), "mksc_shrn_iscd": inst.code, "stck_shrn_iscd": inst.code,
        "hts_kor_isnm": inst.name, "stck_prpr": price, "acml_vol": quote.volume,
        "prdy_vol": quote.prev_volume, "lstn_stcn": inst.shares,
        "acml_tr_pbmn": quote.value, "stck_oprc": quote.open, "stck_hgpr": quote.high,
        "stck_lwpr": quote.low, "stck_sdpr": base, "stck_avls": cap // 100_000_000,
        "vol_tnrt": pct(quote.volume, inst.shares), "vol_inrt": pct(quote.volume,
                                                                  quote.prev_volume),
        "avrg_vol": quote.prev_volume, "avrg_tr_pbmn": market.bar(
            inst.code, market.calendar.previous_trading_day(quote.day)).value
        if quote.prev_volume else 0,
        "tr_pbmn_tnrt": pct(quote.value, cap), "n_befr_clpr_vrss_prpr_rate": pct(
            price - base, base),
        "per": dec(price / inst.eps if inst.eps else 0), "eps": dec(inst.eps),
        "pbr": dec(price / inst.bps if inst.bps else 0),
        "askp": book.asks[0][0], "bidp": book.bids[0][0], "askp_rsqn1": book.asks[0][1],
        "bidp_rsqn1": book.bids[0][1], "seln_rsqn": book.asks[0][1],
        "shnu_rsqn": book.bids[0][1], "total_askp_rsqn": total_ask,
        "total_bidp_rsqn": total_bid, "total_ntsl_bidp_rsqn": total_bid - total_ask,
        "shnu_rsqn_rate": pct(total_bid, total_ask + total_bid),
        "seln_rsqn_rate": pct(total_ask, total_ask + total_bid),
        "oprc_vrss_prpr": price - opened, "oprc_vrss_prpr_sign": sign(price, opened),
        "oprc_vrss_prpr_rate": pct(price - opened, opened),
        "hgpr_vrss_prpr_rate": pct(price - quote.high, quote.high),
        "lwpr_vrss_prpr_rate": pct(price - quote.low, quote.low),
        "acml_hgpr_date": yyyymmdd(quote.day), "acml_lwpr_date": yyyymmdd(quote.day),
        "prd_rsfl": price - base, "prd_rsfl_rate": pct(price - base, base),
        "seln_cnqn_smtn": sold, "shnu_cnqn_smtn": bought, "ntby_cnqn": bought - sold,
        "tday_rltv": pct(bought, sold) if sold else "0.00",
        "shnu_cntg_csnu": buys, "seln_cntg_csnu": sells, "cntg_vol": quote.volume,
        "antc_tr_pbmn": quote.value, "stac_month": "12", "stac_month_cls_code": "0",
        "iqry_csnu": 1, "mrkt_div_cls_code": "J", "ovtm_untp_prpr": price,
        "ovtm_untp_prdy_vrss": price - base, "ovtm_untp_prdy_vrss_sign": sign(price, base),
        "ovtm_untp_prdy_ctrt": pct(price - base, base),
    }


def _extremes(call: Call, quote: Quote) -> dict[str, Any]:
    top, _, bottom, _ = call.state.market.extremes(quote.inst.code, quote.day)["w52"]
    top, bottom = max(top, quote.high), min(bottom or quote.price, quote.low or quote.price)
    return {"new_hgpr": top, "hprc_near_rate": pct(top - quote.price, top),
            "new_lwpr": bottom, "lwpr_near_rate": pct(quote.price - bottom, bottom)}


def _disparity(call: Call, quote: Quote) -> dict[str, Any]:
    market = call.state.market
    def compute() -> list[int]:
        start = quote.day - dt.timedelta(days=200)
        return [b.close for b in market.history(quote.inst.code).bars(start, quote.day)
                if b.date < quote.day]
    closes = market.memo(("closes-120", quote.inst.code, quote.day), compute)
    out = {}
    for days in (5, 10, 20, 60, 120):
        window = ([*closes, quote.price])[-days:]
        average = sum(window) / len(window)
        out[f"d{days}_dsrt"] = dec(quote.price / average * 100 if average else 0)
    return out


def _short_sale(call: Call, quote: Quote) -> dict[str, Any]:
    share = day_rng(call.state.config.seed, quote.inst.code, quote.day, "short").uniform(
        0.005, 0.06)
    qty = int(quote.volume * share)
    average = quote.value // quote.volume if quote.volume else quote.price
    return {"ssts_cntg_qty": qty, "ssts_vol_rlim": pct(qty, quote.volume),
            "ssts_tr_pbmn": qty * average, "ssts_tr_pbmn_rlim": pct(qty, quote.volume),
            "stnd_date1": yyyymmdd(quote.day), "stnd_date2": yyyymmdd(quote.day),
            "avrg_prc": average}


def _interest(call: Call, quote: Quote) -> dict[str, Any]:
    rng = day_rng(call.state.config.seed, quote.inst.code, quote.day, "interest")
    return {"inter_issu_reg_csnu": int(quote.value ** 0.5 / 10 * rng.uniform(0.5, 1.5))}


def _preferred(call: Call, quote: Quote) -> dict[str, Any]:
    common = call.state.market.quote(PREFERRED_OF[quote.inst.code], call.now)
    change = change_fields(common)
    return {
        "mksc_shrn_iscd": common.inst.code, "hts_kor_isnm": common.inst.name,
        "stck_prpr": common.price, "prdy_vrss": change["prdy_vrss"],
        "prdy_vrss_sign": change["prdy_vrss_sign"], "prdy_ctrt": change["prdy_ctrt"],
        "acml_vol": common.volume, "prst_iscd": quote.inst.code,
        "prst_kor_isnm": quote.inst.name, "prst_prpr": quote.price,
        "prst_prdy_vrss": quote.price - quote.base,
        "prst_prdy_vrss_sign": sign(quote.price, quote.base),
        "prst_prdy_ctrt": pct(quote.price - quote.base, quote.base),
        "prst_acml_vol": quote.volume, "diff_prpr": common.price - quote.price,
        "dprt": pct(common.price - quote.price, common.price),
    }


def _cap_share(call: Call, quote: Quote) -> dict[str, Any]:
    """The listing's share of the whole market's capitalisation (its market's stocks)."""
    market = call.state.market
    def total() -> int:
        return sum(market.quote(i.code, call.now).price * i.shares
                   for i in market.universe.values()
                   if i.kind is InstrumentKind.STOCK and i.market is quote.inst.market)
    whole = market.memo(("market-cap", quote.inst.market, call.now), total)
    return {"mrkt_whol_avls_rlim": pct(quote.price * quote.inst.shares, whole)}


def _rate(q: Quote) -> float:
    return (q.price - q.base) / q.base if q.base else 0.0


def _open_rate(q: Quote) -> float:
    opened = q.open or q.base
    return (q.price - opened) / opened if opened else 0.0


Key = Callable[[Quote, dict[str, Any]], float]  # a row's sort key, highest first


def _q(key: Callable[[Quote], float]) -> Key:
    return lambda quote, _values: key(quote)


def _v(name: str, factor: float = 1.0) -> Key:
    return lambda _quote, values: factor * float(values[name])


@dataclass(frozen=True)
class Ranking:
    """One ranking API: its sort keys (by the value of ``sort_param``), which listings it
    ranks, and the figures it adds to ``quote_values``."""

    endpoint: str
    path: str  # under /uapi/domestic-stock/v1/
    tr_id: str
    keys: dict[str, Key]  # sort code: key (highest first)
    sort_param: str = "FID_RANK_SORT_CLS_CODE"
    funds: bool = True  # ETFs ranked too
    only: Callable[[Quote], bool] | None = None
    extra: Callable[[Call, Quote], dict[str, Any]] | None = None
    market_param: str = "FID_COND_MRKT_DIV_CODE"
    markets: tuple[str, ...] = MARKETS
    section: str = "output"
    summary: Callable[[Call, list[Quote]], dict[str, Any]] | None = None  # output1
    scope_param: str = "FID_INPUT_ISCD"


_volume = _q(lambda q: q.volume)
_VOLUME_KEYS = {"0": _volume,
                "1": _q(lambda q: q.volume / q.prev_volume if q.prev_volume else 0),
                "2": _q(lambda q: q.volume / q.inst.shares), "3": _q(lambda q: q.value),
                "4": _q(lambda q: q.value / (q.price * q.inst.shares or 1))}
_CHANGE_KEYS = {"0": _q(_rate), "1": _q(lambda q: -_rate(q)), "2": _q(_open_rate),
                "3": _q(lambda q: -_open_rate(q)), "4": _q(lambda q: abs(_rate(q)))}


def _overtime_summary(call: Call, quotes: list[Quote]) -> dict[str, Any]:
    up = sum(q.price > q.base for q in quotes)
    down = sum(q.price < q.base for q in quotes)
    return {"ovtm_untp_ascn_issu_cnt": up, "ovtm_untp_down_issu_cnt": down,
            "ovtm_untp_stnr_issu_cnt": len(quotes) - up - down}


RANKINGS: tuple[Ranking, ...] = (
    Ranking("volume_rank", "quotations/volume-rank", "FHPST01710000", _VOLUME_KEYS,
            sort_param="FID_BLNG_CLS_CODE"),
    Ranking("fluctuation", "ranking/fluctuation", "FHPST01700000", _CHANGE_KEYS),
    Ranking("market_cap", "ranking/market-cap", "FHPST01740000",
            {"": _q(lambda q: q.price * q.inst.shares)}, sort_param="", funds=False,
            extra=_cap_share),
    Ranking("volume_power", "ranking/volume-power", "FHPST01680000",
            {"": _v("tday_rltv")}, sort_param=""),
    Ranking("near_new_highlow", "ranking/near-new-highlow", "FHPST01870000",
            {"0": _v("hprc_near_rate", -1), "1": _v("lwpr_near_rate", -1)},
            sort_param="FID_PRC_CLS_CODE", funds=False, extra=_extremes),
    Ranking("bulk_trans_num", "ranking/bulk-trans-num", "FHKST190900C0",
            {"0": _volume, "1": _volume}),
    Ranking("exp_trans_updown", "ranking/exp-trans-updown", "FHPST01820000", _CHANGE_KEYS),
    Ranking("after_hour_balance", "ranking/after-hour-balance", "FHPST01760000",
            {"1": _volume, "2": _volume, "3": _volume, "4": _volume, "": _volume}),
    Ranking("quote_balance", "ranking/quote-balance", "FHPST01720000",
            {"0": _v("total_ntsl_bidp_rsqn"), "1": _v("total_ntsl_bidp_rsqn", -1),
             "2": _v("shnu_rsqn_rate"), "3": _v("seln_rsqn_rate")}),
    Ranking("prefer_disparate_ratio", "ranking/prefer-disparate-ratio", "FHPST01770000",
            {"": _q(lambda q: q.price)}, sort_param="", funds=False,
            only=lambda q: q.inst.code in PREFERRED_OF, extra=_preferred),
    Ranking("disparity", "ranking/disparity", "FHPST01780000",
            {"0": _v("d20_dsrt"), "1": _v("d20_dsrt", -1)}, extra=_disparity),
    Ranking("short_sale", "ranking/short-sale", "FHPST04820000", {"": _volume},
            sort_param="", extra=_short_sale),
    Ranking("top_interest_stock", "ranking/top-interest-stock", "FHPST01800000",
            {"": _v("inter_issu_reg_csnu")}, sort_param="", extra=_interest),
    Ranking("market_value", "ranking/market-value", "FHPST01790000",
            {"": _q(lambda q: -(q.price / q.inst.eps) if q.inst.eps else float("-inf"))},
            sort_param="", funds=False),
    Ranking("hts_top_view", "ranking/hts-top-view", "HHMCM000100C0", {"": _q(lambda q: q.value)},
            sort_param="", market_param="", section="output1", scope_param=""),
    Ranking("overtime_fluctuation", "ranking/overtime-fluctuation", "FHPST02340000",
            {"": _q(_rate)}, sort_param="", section="output2", summary=_overtime_summary),
    Ranking("overtime_volume", "ranking/overtime-volume", "FHPST02350000", {"": _volume},
            sort_param="", section="output2", summary=lambda call, quotes: {}),
)


def handler(ranking: Ranking) -> Callable[[Call], Reply]:
    fields = FIELDS[ranking.endpoint]
    spec = {name for name, _ in fields[ranking.section]}

    def handle(call: Call) -> Reply:
        if ranking.market_param:
            call.choice(ranking.market_param, ranking.markets)
        sort = call.param(ranking.sort_param, required=False).strip() \
            if ranking.sort_param else ""
        key = ranking.keys.get(sort) or next(iter(ranking.keys.values()))
        scope = call.param(ranking.scope_param, required=False) if ranking.scope_param else ""
        quotes = [q for q in scope_quotes(call, scope, funds=ranking.funds)
                  if _passes(call, q) and (ranking.only is None or ranking.only(q))]
        rows = []
        for quote in quotes:
            values = quote_values(call, quote)
            if ranking.extra is not None:
                values |= ranking.extra(call, quote)
            rows.append((-key(quote, values), quote.inst.code, values))
        rows.sort(key=lambda row: row[:2])
        out = []
        for rank, (_key, _code, values) in enumerate(rows[:ROWS], 1):
            values["data_rank"] = rank
            out.append({k: v for k, v in values.items() if k in spec})
        sections: dict[str, Any] = {ranking.section: out}
        if ranking.summary is not None:
            sections = {"output1": ranking.summary(call, quotes), **sections}
        return Reply(sections, OK)
    return handle


def _passes(call: Call, quote: Quote) -> bool:
    """The request's class, price and volume filters."""
    division = call.param("FID_DIV_CLS_CODE", required=False).strip()
    preferred = quote.inst.preferred
    if (division == "1" and preferred) or (division == "2" and not preferred):
        return False
    low = _number(call, "FID_INPUT_PRICE_1")
    high = _number(call, "FID_INPUT_PRICE_2")
    least = _number(call, "FID_VOL_CNT")
    if low is not None and quote.price < low:
        return False
    if high is not None and quote.price > high:
        return False
    return least is None or quote.volume >= least
