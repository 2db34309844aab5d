"""Product look-ups: what a listing is (names, codes, market, shares, face value).

KIS: 주식기본조회 [v1_국내주식-067] CTPF1002R, 상품기본조회 [v1_국내주식-029] CTPF1604R;
both real only (the paper server has neither) and without tr_cont paging. Query
``PRDT_TYPE_CD`` (300 stocks, ETFs, ETNs) and ``PDNO`` (the 6-character code; an ETN's
starts with ``Q``). The answer is one ``output`` object; ``pdno`` comes back in KIS's
12-character form (``00000A005930``).

Choices where KIS's behaviour is not established (marked [U] in the code):

* A product KIS does not have, or a product type the simulator does not list (301
  futures/options, 302 bonds, 306 ELS, the overseas 5xx types of search-info), answers
  HTTP 200 with ``rt_cd "7"``, ``KIOK0560 조회할 내용이 없습니다`` and no ``output``:
  python-kis treats ``rt_cd == "7"`` on search-info as "no data" and tries the next
  product type, and KIOK0560 is the text KIS gives for empty inquiries elsewhere. (Unlike
  inquire-price, which answers an unknown code with success and a zero price.)
* A missing parameter is refused like every other API's (OPSQ2001).
* Figures that do not change during a day come from the universe; the closes come from
  the simulated market: ``thdt_clpr`` is the market day's last price (the close so far,
  as inquire-price's ``stck_prpr``) and ``bfdy_clpr`` its base (``stck_sdpr``); before the
  day's first trade both move one day back, to the last complete day.
"""

from __future__ import annotations

from typing import Any

from pykis.market import InstrumentKind, Market
from pykis.sim.errors import SimError, pad_msg
from pykis.sim.market import FIRST_DAY
from pykis.sim.universe import Instrument
from pykis.sim.wire.protocol import Call, Reply, yyyymmdd

__all__ = ["search_info", "search_stock_info"]

OK = "KIOK0530"  # 조회되었습니다, padded like the account inquiries [V portal example]
STOCKS = "300"  # PRDT_TYPE_CD of stocks, ETFs, ETNs and ELWs

# 시장ID코드 and 거래소구분코드 (KIS portal code tables). KOSPI STK/02 [V]; KOSDAQ KSQ [V],
# 03 [U]; KONEX KNX [V], 03 [U] (the exchange table has no KONEX entry).
MARKET_ID = {Market.KOSPI: "STK", Market.KOSDAQ: "KSQ", Market.KONEX: "KNX"}
EXCHANGE = {Market.KOSPI: "02", Market.KOSDAQ: "03", Market.KONEX: "03"}
# 상품분류명 of search-info: "주권" as community fixtures show for stocks [U]; funds [U].
PRODUCT_CLASS = {InstrumentKind.STOCK: "주권", InstrumentKind.ETF: "ETF",
                 InstrumentKind.ETN: "ETN"}
SUBSTITUTE_RATE = 0.76  # 대용가 ÷ base price, the same rate inquire-price uses


def listing(call: Call) -> Instrument:
    """The listing ``PRDT_TYPE_CD`` and ``PDNO`` name, or KIS's no-data answer."""
    kind = call.param("PRDT_TYPE_CD").strip()
    pdno = call.param("PDNO").strip()
    inst = _find(call, pdno) if kind == STOCKS else None
    if inst is None:
        raise SimError("KIOK0560", text=pad_msg("조회할 내용이 없습니다"))  # [U] see above
    return inst


def _find(call: Call, pdno: str) -> Instrument | None:
    universe = call.state.market.universe
    if len(pdno) == 7 and pdno[0] == "Q":  # an ETN: Q + its 6-character code
        inst = universe.get(pdno[1:])
        return inst if inst is not None and inst.kind is InstrumentKind.ETN else None
    inst = universe.get(pdno)
    return inst if inst is not None and inst.kind is not InstrumentKind.ETN else None


# --- 주식기본조회 ------------------------------------------------------------------------
def search_stock_info(call: Call) -> Reply:
    inst = listing(call)
    return Reply({"output": {**_static(inst), **_closes(call, inst)}}, OK, pad=True)


def _static(inst: Instrument) -> dict[str, Any]:
    """What the listing itself says; the values KIS's examples show where they apply."""
    stock = inst.kind is InstrumentKind.STOCK
    fund = inst.kind is InstrumentKind.ETF
    indexed = inst.index_name in ("KOSPI200", "KOSDAQ150")
    return {
        "pdno": inst.pdno, "prdt_type_cd": STOCKS, "mket_id_cd": MARKET_ID[inst.market],
        "scty_grp_id_cd": inst.group_code, "excg_dvsn_cd": EXCHANGE[inst.market],
        "setl_mmdd": "12", "lstg_stqt": inst.shares, "lstg_cptl_amt": 0,
        "cpta": inst.shares * inst.face_value, "papr": inst.face_value,
        "issu_pric": inst.face_value,
        "kospi200_item_yn": "Y" if inst.index_name == "KOSPI200" else "N",
        "scts_mket_lstg_dt": inst.listed if inst.market is Market.KOSPI else "",
        "kosdaq_mket_lstg_dt": inst.listed if inst.market is Market.KOSDAQ else "",
        # Both of KIS's examples repeat the listing date here (프리보드, sic).
        "frbd_mket_lstg_dt": inst.listed,
        "etf_dvsn_cd": "1" if fund else "0",  # [U] the value for ETFs
        "oilf_fund_yn": "N",
        # 주식종류코드: 101 common, 201 preferred, 000 not a share [V codes; U for funds]
        "stck_kind_cd": ("201" if inst.preferred else "101") if stock else "000",
        "etf_cu_qty": 0, "prdt_name": inst.full_name, "prdt_name120": inst.full_name,
        "prdt_abrv_name": inst.name, "std_pdno": inst.std_code,
        "prdt_eng_name": inst.eng_name, "prdt_eng_name120": inst.eng_name,
        "prdt_eng_abrv_name": inst.eng_name, "dpsi_aptm_erlm_yn": "Y",
        "etf_txtn_type_cd": "00", "nwst_odst_dvsn_cd": "1", "tr_stop_yn": "N",
        "admn_item_yn": "N",
        "idx_bztp_mcls_cd_name": inst.sector if stock else "",
        "idx_bztp_scls_cd_name": inst.sector if stock else "",
        "crfd_item_yn": "N", "elec_scty_yn": "Y",
        "issu_istt_cd": inst.code[:5] if stock else "",  # 00593 for 005930, as KIS shows
        "etf_chas_erng_rt_dbnb": _multiple(inst) if fund else 0,  # [U] for funds
        "etf_etn_ivst_heed_item_yn": "N", "stln_int_rt_dvsn_cd": "01",
        "frnr_psnl_lmt_rt": "0.00000000",
        # NXT lists the large caps [U]: the index members here.
        "cptt_trad_tr_psbl_yn": "Y" if stock and indexed else "N", "nxt_tr_stop_yn": "N",
    }


def _multiple(inst: Instrument) -> int:
    """An ETF's tracking multiple, read from its name (레버리지 2, 인버스 -1, 인버스2X -2)."""
    if "인버스2X" in inst.name:
        return -2
    if "인버스" in inst.name:
        return -1
    return 2 if "레버리지" in inst.name else 1


def _closes(call: Call, inst: Instrument) -> dict[str, Any]:
    """Today's and yesterday's close and the substitute price, from the market."""
    market = call.state.market
    quote = market.quote(inst.code, call.now)
    day, close, before = quote.day, quote.price, quote.base
    if quote.last_ts is None:  # no trade yet today: the last complete day
        day = market.calendar.previous_trading_day(quote.day)
        close = quote.base
        before = market.history(inst.code).bar(day).base if day >= FIRST_DAY else close
    substitute = int(quote.base * SUBSTITUTE_RATE)
    set_on = market.calendar.previous_trading_day(quote.day)
    return {
        "sbst_pric": substitute, "thco_sbst_pric": substitute,
        "thco_sbst_pric_chng_dt": yyyymmdd(max(set_on, FIRST_DAY)),
        "thdt_clpr": close, "bfdy_clpr": before, "clpr_chng_dt": yyyymmdd(day),
    }


# --- 상품기본조회 ------------------------------------------------------------------------
def search_info(call: Call) -> Reply:
    inst = listing(call)
    output = {
        "pdno": inst.pdno, "prdt_type_cd": STOCKS, "prdt_name": inst.full_name,
        "prdt_name120": inst.full_name, "prdt_abrv_name": inst.name,
        "prdt_eng_name": inst.eng_name, "prdt_eng_name120": inst.eng_name,
        "prdt_eng_abrv_name": inst.eng_name, "std_pdno": inst.std_code,
        "shtn_pdno": inst.short_code, "prdt_clsf_name": PRODUCT_CLASS[inst.kind],
    }
    return Reply({"output": output}, OK, pad=True)
