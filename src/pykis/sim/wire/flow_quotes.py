"""Who traded a symbol or a market: investors, member firms, programs (``pykis.sim.flows``).

KIS: 주식현재가 투자자 FHKST01010900 (30 days, newest first), 주식현재가 회원사
FHKST01010600 (the top five firms each side), 주식현재가 회원사 종목매매동향
FHPST04540000, 종목별 투자자매매동향(일별) FHPTJ04160001, 종목별 프로그램매매추이(체결)
FHPPG04650101 and (일별) FHPPG04650201, 국내기관_외국인 매매종목가집계 FHPTJ04400000,
시장별 투자자매매동향(시세) FHPTJ04030000 and (일별) FHPTJ04040000, 주식일별매수매도체결량
FHKST03010800. Investor and member volumes add up to the day's volume on each side;
KIS's values (``*_tr_pbmn``) are in millions of KRW.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pykis.sim import flows, indices
from pykis.sim.daily import DailyBar
from pykis.sim.flows import INSTITUTIONS, Side
from pykis.sim.indices import IndexBook
from pykis.sim.market import Quote
from pykis.sim.wire import inputs
from pykis.sim.wire.protocol import Call, Reply, dec, pct, yyyymmdd
from pykis.sim.wire.quotes import change_fields, sign

__all__ = ["foreign_institution_total", "inquire_daily_trade_volume", "inquire_investor",
           "inquire_investor_daily_by_market", "inquire_investor_time_by_market",
           "inquire_member", "inquire_member_daily", "investor_trade_by_stock_daily",
           "program_trade_by_stock", "program_trade_by_stock_daily"]

OK = "MCA00000"
MILLION = 1_000_000


def _quote(call: Call) -> Quote | None:
    inputs.market(call)
    code = call.param("FID_INPUT_ISCD").strip()
    if code not in call.state.market.universe:
        return None
    return call.state.market.quote(code, call.now)


def _days(call: Call, quote: Quote, count: int, end: dt.date | None = None) -> list[DailyBar]:
    """The last ``count`` daily bars up to ``end`` (the market day: its trading so far),
    newest first."""
    end = min(end or quote.day, quote.day)
    bars = call.state.market.daily_bars(quote.inst.code, end - dt.timedelta(days=count * 2 + 10),
                                        end, call.now)
    return bars[::-1][:count]


def investors(call: Call, code: str, bar: DailyBar) -> dict[str, Side]:
    """The day's investor split, with ``orgn`` the institutions' sum and ``etc`` the
    other corporations."""
    sides = flows.investor_split(call.state.config.seed, code, bar.date, bar.volume, bar.value)
    def total(names: tuple[str, ...]) -> Side:
        parts = [sides[n] for n in names]
        return Side(*(sum(getattr(p, f) for p in parts)
                      for f in ("buy", "sell", "buy_value", "sell_value")))
    return {**sides, "orgn": total(INSTITUTIONS), "etc": sides["etc_corp"]}


def _side_fields(name: str, side: Side, *, net_suffix: str = "ntby_qty") -> dict[str, Any]:
    return {f"{name}_{net_suffix}": side.net, f"{name}_ntby_tr_pbmn": side.net_value // MILLION,
            f"{name}_shnu_vol": side.buy, f"{name}_seln_vol": side.sell,
            f"{name}_shnu_tr_pbmn": side.buy_value // MILLION,
            f"{name}_seln_tr_pbmn": side.sell_value // MILLION}


def _net_name(group: str) -> str:
    return "ntby_vol" if group in ("pe_fund", "etc_orgt", "etc_corp") else "ntby_qty"


def _all_groups(sides: dict[str, Side]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for group in ("frgn", "prsn", "orgn", *INSTITUTIONS, "etc_corp", "etc"):
        out |= _side_fields(group, sides[group], net_suffix=_net_name(group))
    frgn = sides["frgn"]
    out |= {"frgn_reg_ntby_qty": frgn.net, "frgn_nreg_ntby_qty": 0,
            "frgn_reg_ntby_pbmn": frgn.net_value // MILLION, "frgn_nreg_ntby_pbmn": 0,
            "frgn_reg_askp_qty": frgn.sell, "frgn_reg_bidp_qty": frgn.buy,
            "frgn_reg_askp_pbmn": frgn.sell_value // MILLION,
            "frgn_reg_bidp_pbmn": frgn.buy_value // MILLION}
    return out


def _day_price(bar: DailyBar) -> dict[str, Any]:
    return {"stck_bsop_date": yyyymmdd(bar.date), "stck_clpr": bar.close,
            "prdy_vrss": bar.close - bar.base, "prdy_vrss_sign": sign(bar.close, bar.base),
            "prdy_ctrt": pct(bar.close - bar.base, bar.base), "acml_vol": bar.volume,
            "acml_tr_pbmn": bar.value, "stck_oprc": bar.open, "stck_hgpr": bar.high,
            "stck_lwpr": bar.low}


def _only(values: dict[str, Any], endpoint: str, section: str) -> dict[str, Any]:
    from pykis.sim.wire.market_fields import FIELDS
    names = {name for name, _ in FIELDS[endpoint][section]}
    return {k: v for k, v in values.items() if k in names}


# --- one symbol's investors ----------------------------------------------------------------
def inquire_investor(call: Call) -> Reply:
    quote = _quote(call)
    if quote is None:
        return Reply({"output": []}, OK)
    rows = []
    for bar in _days(call, quote, 30):
        values = {**_day_price(bar), **_all_groups(investors(call, quote.inst.code, bar))}
        rows.append(_only(values, "inquire_investor", "output"))
    return Reply({"output": rows}, OK)


def investor_trade_by_stock_daily(call: Call) -> Reply:
    quote = _quote(call)
    end = inputs.day_param(call, "FID_INPUT_DATE_1")
    call.param("FID_ORG_ADJ_PRC", required=False)
    call.param("FID_ETC_CLS_CODE", required=False)
    if quote is None:
        return Reply({"output1": {}, "output2": []}, OK)
    summary = {"stck_prpr": quote.price, **change_fields(quote), "acml_vol": quote.volume,
               "prdy_vol": quote.prev_volume, "rprs_mrkt_kor_name": quote.inst.index_name}
    rows = []
    for bar in _days(call, quote, 30, end) if end else []:
        values = {**_day_price(bar), **_all_groups(investors(call, quote.inst.code, bar)),
                  "bold_yn": "N"}
        rows.append(_only(values, "investor_trade_by_stock_daily", "output2"))
    return Reply({"output1": summary, "output2": rows}, OK)


# --- member firms --------------------------------------------------------------------------
def inquire_member(call: Call) -> Reply:
    quote = _quote(call)
    if quote is None:
        return Reply({"output": {}}, OK)
    seed, code = call.state.config.seed, quote.inst.code
    sides = flows.member_split(seed, code, quote.day, quote.volume, quote.value)
    previous = call.state.market.calendar.previous_trading_day(quote.day)
    before = flows.member_split(seed, code, previous, quote.prev_volume, 0)
    firms = {number: (name, foreign) for number, name, foreign in flows.MEMBERS}
    out: dict[str, Any] = {}
    for side, qty, pick in (("seln", "total_seln_qty", "sell"), ("shnu", "total_shnu_qty", "buy")):
        top = sorted(sides, key=lambda n: (-getattr(sides[n], pick), n))[:5]
        for rank, number in enumerate(top, 1):
            volume = getattr(sides[number], pick)
            out |= {f"{side}_mbcr_no{rank}": number, f"{side}_mbcr_name{rank}": firms[number][0],
                    f"{qty}{rank}": volume, f"{side}_mbcr_rlim{rank}": pct(volume, quote.volume),
                    f"{side}_qty_icdc{rank}": volume - getattr(before[number], pick),
                    f"{side}_mbcr_glob_yn_{rank}": "Y" if firms[number][1] else "N"}
    foreign = [n for n, (_, is_foreign) in firms.items() if is_foreign]
    sold = sum(sides[n].sell for n in foreign)
    bought = sum(sides[n].buy for n in foreign)
    out |= {"glob_total_seln_qty": sold, "glob_seln_rlim": pct(sold, quote.volume),
            "glob_ntby_qty": bought - sold, "glob_total_shnu_qty": bought,
            "glob_shnu_rlim": pct(bought, quote.volume),
            "glob_total_seln_qty_icdc": sold - sum(before[n].sell for n in foreign),
            "glob_total_shnu_qty_icdc": bought - sum(before[n].buy for n in foreign)}
    return Reply({"output": out}, OK)


def inquire_member_daily(call: Call) -> Reply:
    """One member firm's (FID_INPUT_ISCD_2) buys and sells of a symbol, day by day."""
    quote = _quote(call)
    member = call.param("FID_INPUT_ISCD_2").strip()
    start = inputs.date_bound(call, "FID_INPUT_DATE_1", end=False)
    end = inputs.date_bound(call, "FID_INPUT_DATE_2", end=True)
    call.param("FID_SCTN_CLS_CODE", required=False)
    known = {number for number, _, _ in flows.MEMBERS}
    if quote is None or member not in known:
        return Reply({"output": []}, OK)
    end = min(end, quote.day)
    start = max(start, end - dt.timedelta(days=400))
    bars = call.state.market.daily_bars(quote.inst.code, start, end, call.now)
    rows = []
    for bar in reversed(bars[-100:]):
        side = flows.member_split(call.state.config.seed, quote.inst.code, bar.date,
                                  bar.volume, bar.value)[member]
        rows.append({"stck_bsop_date": yyyymmdd(bar.date), "total_seln_qty": side.sell,
                     "total_shnu_qty": side.buy, "ntby_qty": side.net, "stck_prpr": bar.close,
                     "prdy_vrss": bar.close - bar.base,
                     "prdy_vrss_sign": sign(bar.close, bar.base),
                     "prdy_ctrt": pct(bar.close - bar.base, bar.base), "acml_vol": bar.volume})
    return Reply({"output": rows}, OK)


def inquire_daily_trade_volume(call: Call) -> Reply:
    """주식일별매수매도체결량: shares taken by buyers and by sellers (tick rule), by day."""
    quote = _quote(call)
    call.param("FID_PERIOD_DIV_CODE", required=False)
    if quote is None:
        return Reply({"output1": {}, "output2": []}, OK)
    market = call.state.market
    path = market.path(quote.inst.code, quote.day)
    _s, _b, sold, bought, _h, _l = path.flow(quote.index) if quote.index >= 0 else (0,) * 6
    rows = []
    for bar in _days(call, quote, 30):
        taken = flows.split(bar.volume, [1.0, 1.0]) if bar.date != quote.day else [sold, bought]
        rows.append({"stck_bsop_date": yyyymmdd(bar.date), "total_seln_qty": taken[0],
                     "total_shnu_qty": taken[1]})
    return Reply({"output1": {"shnu_cnqn_smtn": bought, "seln_cnqn_smtn": sold},
                  "output2": rows}, OK)


# --- programs ------------------------------------------------------------------------------
def _program(call: Call, code: str, bar: DailyBar) -> dict[str, Any]:
    side = flows.program_split(call.state.config.seed, code, bar.date, bar.volume, bar.value)
    return {"whol_smtn_seln_vol": side.sell, "whol_smtn_shnu_vol": side.buy,
            "whol_smtn_ntby_qty": side.net, "whol_smtn_seln_tr_pbmn": side.sell_value,
            "whol_smtn_shnu_tr_pbmn": side.buy_value,
            "whol_smtn_ntby_tr_pbmn": side.net_value}


def program_trade_by_stock(call: Call) -> Reply:
    """Program trading of the day so far, one row per minute with trades, newest first."""
    quote = _quote(call)
    if quote is None:
        return Reply({"output": []}, OK)
    market = call.state.market
    schedule = market.schedule(quote.day)
    first = (schedule.regular_open + dt.timedelta(minutes=1)).timestamp()
    bars = market.path(quote.inst.code, quote.day).minute_bars(
        first, call.now.timestamp() + 60, call.now.timestamp(), limit=30)
    rows, volume = [], quote.volume - sum(b[5] for b in bars)
    previous = None
    for end, _o, _h, _l, close, bar_volume, value in bars:
        volume += bar_volume
        day = DailyBar(quote.day, quote.base, 0, 0, 0, close, volume, value)
        program = _program(call, quote.inst.code, day)
        net = program["whol_smtn_ntby_qty"]
        rows.append({"bsop_hour": dt.datetime.fromtimestamp(end, schedule.regular_open.tzinfo)
                     .strftime("%H%M%S"), "stck_prpr": close, "prdy_vrss": close - quote.base,
                     "prdy_vrss_sign": sign(close, quote.base),
                     "prdy_ctrt": pct(close - quote.base, quote.base), "acml_vol": volume,
                     **program, "whol_ntby_vol_icdc": net - previous[0] if previous else 0,
                     "whol_ntby_tr_pbmn_icdc": program["whol_smtn_ntby_tr_pbmn"] - previous[1]
                     if previous else 0})
        previous = (net, program["whol_smtn_ntby_tr_pbmn"])
    return Reply({"output": rows[::-1]}, OK)


def program_trade_by_stock_daily(call: Call) -> Reply:
    quote = _quote(call)
    raw = call.param("FID_INPUT_DATE_1", required=False).strip()
    end = inputs.day_param(call, "FID_INPUT_DATE_1") if raw else None
    if quote is None:
        return Reply({"output": []}, OK)
    bars = _days(call, quote, 31, end)
    rows = []
    for bar, before in zip(bars, [*bars[1:], None]):
        program = _program(call, quote.inst.code, bar)
        earlier = _program(call, quote.inst.code, before) if before else None
        rows.append({**{k: v for k, v in _day_price(bar).items()
                        if k not in ("stck_oprc", "stck_hgpr", "stck_lwpr")}, **program,
                     "whol_ntby_vol_icdc": program["whol_smtn_ntby_qty"]
                     - (earlier["whol_smtn_ntby_qty"] if earlier else 0),
                     "whol_ntby_tr_pbmn_icdc2": program["whol_smtn_ntby_tr_pbmn"]
                     - (earlier["whol_smtn_ntby_tr_pbmn"] if earlier else 0)})
    return Reply({"output": rows[:30]}, OK)


# --- markets -------------------------------------------------------------------------------
def _market_sides(call: Call, definition: indices.IndexDef, day: dt.date, *, live: bool
                  ) -> dict[str, Side]:
    """The investor split of every member of an index, summed."""
    market = call.state.market
    total: dict[str, list[int]] = {}
    for inst in indices.members(market, definition):
        if live:
            q = market.quote(inst.code, call.now)
            bar = DailyBar(day, q.base, q.open, q.high, q.low, q.price, q.volume, q.value)
        else:
            bar = market.bar(inst.code, day)
        for name, side in investors(call, inst.code, bar).items():
            slot = total.setdefault(name, [0, 0, 0, 0])
            for i, part in enumerate((side.buy, side.sell, side.buy_value, side.sell_value)):
                slot[i] += part
    return {name: Side(*parts) for name, parts in total.items()}


_MARKETS = {"999": "0001", "KSP": "0001", "KSQ": "1001", "0001": "0001", "1001": "1001",
            "2001": "2001"}  # 시장구분 codes the samples send (999/KSP KOSPI, KSQ KOSDAQ)


def inquire_investor_time_by_market(call: Call) -> Reply:
    scope = call.param("FID_INPUT_ISCD").strip()
    call.param("FID_INPUT_ISCD_2", required=False)
    definition = indices.index_def(_MARKETS.get(scope, scope))
    if definition is None:
        return Reply({"output": []}, OK)
    day = call.state.market.market_day(call.now)
    sides = _market_sides(call, definition, day, live=True)
    values = _only(_all_groups(sides), "inquire_investor_time_by_market", "output")
    return Reply({"output": [values]}, OK)


def inquire_investor_daily_by_market(call: Call) -> Reply:
    call.choice("FID_COND_MRKT_DIV_CODE", ("U",))
    scope = call.param("FID_INPUT_ISCD").strip()
    start = inputs.date_bound(call, "FID_INPUT_DATE_1", end=False)
    call.param("FID_INPUT_ISCD_1", required=False)
    raw_end = call.param("FID_INPUT_DATE_2", required=False).strip()
    call.param("FID_INPUT_ISCD_2", required=False)
    definition = indices.index_def(_MARKETS.get(scope, scope))
    if definition is None:
        return Reply({"output": []}, OK)
    book = IndexBook(call.state.market)
    today = call.state.market.market_day(call.now)
    end = today
    if raw_end:
        end = min(today, inputs.date_bound(call, "FID_INPUT_DATE_2", end=True))
    start = max(start, end - dt.timedelta(days=45))
    rows = []
    for bar in reversed(book.bars(definition, start, end, call.now)):
        sides = _market_sides(call, definition, bar.date, live=bar.date == today)
        values = {"stck_bsop_date": yyyymmdd(bar.date), "bstp_nmix_prpr": dec(bar.close),
                  "bstp_nmix_prdy_vrss": dec(bar.close - bar.base),
                  "prdy_vrss_sign": sign(round(bar.close * 100), round(bar.base * 100)),
                  "bstp_nmix_prdy_ctrt": dec((bar.close - bar.base) / bar.base * 100
                                             if bar.base else 0),
                  "bstp_nmix_oprc": dec(bar.open), "bstp_nmix_hgpr": dec(bar.high),
                  "bstp_nmix_lwpr": dec(bar.low), "stck_prdy_clpr": dec(bar.base),
                  **_all_groups(sides)}
        rows.append(_only(values, "inquire_investor_daily_by_market", "output"))
    return Reply({"output": rows}, OK)


def foreign_institution_total(call: Call) -> Reply:
    """국내기관_외국인 매매종목가집계: today's net buying by foreigners and institutions,
    ranked (FID_RANK_SORT_CLS_CODE 0 net buying, 1 net selling; FID_DIV_CLS_CODE 0 both
    summed, 1 foreigners, 2 institutions) [U: the sort and class codes' meanings]."""
    call.choice("FID_COND_MRKT_DIV_CODE", ("V", "J"))
    call.param("FID_COND_SCR_DIV_CODE", required=False)
    from pykis.sim.wire.rankings import scope_quotes
    scope = call.param("FID_INPUT_ISCD", required=False)
    who = call.param("FID_DIV_CLS_CODE", required=False).strip() or "0"
    selling = call.param("FID_RANK_SORT_CLS_CODE", required=False).strip() == "1"
    call.param("FID_ETC_CLS_CODE", required=False)
    rows = []
    for quote in scope_quotes(call, scope, funds=False):
        bar = DailyBar(quote.day, quote.base, quote.open, quote.high, quote.low, quote.price,
                       quote.volume, quote.value)
        sides = investors(call, quote.inst.code, bar)
        net = {"1": sides["frgn"].net, "2": sides["orgn"].net}.get(
            who, sides["frgn"].net + sides["orgn"].net)
        values = {**change_fields(quote), "hts_kor_isnm": quote.inst.name,
                  "mksc_shrn_iscd": quote.inst.code, "ntby_qty": net, "stck_prpr": quote.price,
                  "acml_vol": quote.volume, **_all_groups(sides)}
        rows.append((net, quote.inst.code, _only(values, "foreign_institution_total", "output")))
    rows.sort(key=lambda row: (row[0] if selling else -row[0], row[1]))
    return Reply({"output": [row[2] for row in rows[:30]]}, OK)
