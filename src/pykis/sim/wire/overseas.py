"""Overseas stock account APIs, answered for the simulator's domestic-only accounts: valid,
empty answers in KIS's shapes, so a multi-market client's every balance or order list works.

Multi-market clients call these alongside the domestic ones on ordinary calls (python-kis
2.1.6: ``account.balance()`` calls inquire-present-balance, and on paper also
inquire-balance; ``daily_orders()`` calls inquire-ccnl; ``pending_orders()`` calls
inquire-nccs, on paper only that). A simulated account holds no foreign stock or currency:
lists are empty, summaries are zero. Each API is declared once here: path, TR IDs, field
lists (``FIELDS``) and handler; ``pykis.sim.wire.routes`` adds them to the route table.

KIS facts ([V] KIS's own: the portal workbook 한국투자증권_오픈API_전체문서 of 2026-05-08 as
converted to tables in public repositories, or koreainvestment/open-trading-api; [S] a
community client; [U] not observed, a choice made here):

* 해외주식 체결기준현재잔고 [v1_해외주식-008], GET .../trading/inquire-present-balance,
  CTRP6504R real / VTRP6504R paper [V]. Query: CANO, ACNT_PRDT_CD, WCRC_FRCR_DVSN_CD
  (01 원화, 02 외화), NATN_CD (000 all, 840 US, 344 HK, 156 CN, 392 JP, 704 VN),
  TR_MKET_CD (per nation: 000→00; 840→00-05; 156→00-04; 392→01; 704→01-02; 344→01-03),
  INQR_DVSN_CD (00 all, 01 ordinary, 02 mini-stock), all required [V]. No cursors.
  output1 array (holdings; "empty when none"), output2 array (one row per currency),
  output3 object (KRW totals) [V]. On paper only output3 carries data [V]. Here "00" is
  accepted for every nation (python-kis sends NATN_CD 344 with TR_MKET_CD 00) [U];
  answer KIOK0510 real [S: KIS's usual inquiry answer], tr_cont D [U].
* 해외주식 미체결내역 [v1_해외주식-005], GET .../trading/inquire-nccs, TTTS3018R real [V].
  Paper: the 2026 portal says 모의투자 미지원 (use inquire-ccnl's nccs_qty) [V], but KIS's
  legacy samples name VTTS3018R (Sample01/Sample02, the paper Postman collection v1.6) [V]
  and python-kis 2.1.6 sends it on every paper pending-orders call [S]: accepted here [U].
  Query: CANO, ACNT_PRDT_CD, OVRS_EXCG_CD (NASD = all US, NYSE, AMEX, SEHK, SHAA, SZAA,
  TKSE, HASE, VNSE; blank works but cannot page [V], python-kis sends it blank [S]),
  SORT_SQN (DS 정순, anything else 역순; "" for TTTS3018R [V]), CTX_AREA_FK200/NK200 [V].
  Answer: ctx_area_fk200 (e.g. "CANO^01^NYSE^DS^", 200 wide), ctx_area_nk200, output
  array [V]; 40 rows a call on real [V].
* 해외주식 주문체결내역 [v1_해외주식-007], GET .../trading/inquire-ccnl, TTTS3035R real /
  VTTS3035R paper [V]. Query: CANO, ACNT_PRDT_CD, PDNO ("%" all), ORD_STRT_DT, ORD_END_DT
  (YYYYMMDD, local time), SLL_BUY_DVSN (00/01/02), CCLD_NCCS_DVSN (00/01/02),
  OVRS_EXCG_CD ("%" all, NASD = all US, ...), SORT_SQN (DS/AS), ORD_DT, ORD_GNO_BRNO,
  ODNO (all three sent blank), CTX_AREA_NK200/FK200 [V]. Paper takes only "" for PDNO and
  OVRS_EXCG_CD and "00" for the two DVSN [V]; what it answers otherwise is unknown, so
  every documented value is accepted in both environments [U]. 20 rows a call real, 15
  paper [V]. Answer: ctx_area_nk200, ctx_area_fk200 (in that order), output array [V].
  An empty result answers rt_cd "0", KIOK0560 "조회할 내용이 없습니다" [V portal example,
  whose ``output`` is one blank object; an empty array here, as the field table says
  array [U]].
* 해외주식 잔고 [v1_해외주식-006], GET .../trading/inquire-balance, TTTS3012R real /
  VTTS3012R paper [V]. Query: CANO, ACNT_PRDT_CD, OVRS_EXCG_CD (paper NASD/NYSE/AMEX,
  real NASD = all US, NAS, NYSE, AMEX; both SEHK, SHAA, SZAA, TKSE, HASE, VNSE), TR_CRCY_CD
  (USD, HKD, CNY, JPY, VND), required; CTX_AREA_FK200/NK200 optional [V]. python-kis sends
  OVRS_EXCG_CD and TR_CRCY_CD blank on paper [S]: blank accepted [U]. Answer:
  ctx_area_fk200, ctx_area_nk200, output1 array, output2 object, KIOK0510 [V]; 100 rows a
  call on real [V]. Zero formats per field from the portal example's blank row [V].
* Not served: inquire-psamount (TTTS3007R/VTTS3007R, 해외주식 매수가능금액조회) is called
  only for an order on a foreign market, never on a domestic account's ordinary calls.
* Messages [U unless marked]: real answers KIOK0510 "조회가 완료되었습니다" for the two
  balances [V example, inquire-balance] and KIOK0560 (rt_cd "0") for the two empty order
  lists; paper answers 20310000 as its domestic inquiries do. msg1 is padded to 80 bytes
  [V examples]. Missing parameters are refused like the domestic ones (OPSQ2001
  "INPUT_FIELD_NAME X", rt_cd "2"; a bad value "ERROR INVALID X") [U for these APIs].
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from pykis.sim.env import Env
from pykis.sim.errors import EMPTY_INQUIRY
from pykis.sim.wire.paging import Page, paginate
from pykis.sim.wire.protocol import Call, Reply

__all__ = ["APIS", "FIELDS", "Api"]

TRADING = "/uapi/overseas-stock/v1/trading/"

EXCHANGES = ("NASD", "NYSE", "AMEX", "SEHK", "SHAA", "SZAA", "TKSE", "HASE", "VNSE")
BALANCE_EXCHANGES = {Env.REAL: ("NASD", "NAS", *EXCHANGES[1:]), Env.PAPER: EXCHANGES}
CURRENCIES = ("USD", "HKD", "CNY", "JPY", "VND")
MARKETS = {  # TR_MKET_CD by NATN_CD ("00" everywhere: see the note above)
    "000": ("00",), "840": ("00", "01", "02", "03", "04", "05"),
    "156": ("00", "01", "02", "03", "04"), "392": ("00", "01"), "704": ("00", "01", "02"),
    "344": ("00", "01", "02", "03"),
}
PAGE_SIZES = {  # rows a call: real as documented; paper's undocumented ones [U]
    "nccs": {Env.REAL: 40, Env.PAPER: 40},
    "ccnl": {Env.REAL: 20, Env.PAPER: 15},
    "balance": {Env.REAL: 100, Env.PAPER: 100},
}


# --- handlers ------------------------------------------------------------------------
def _balance_ok(call: Call) -> str:
    return "KIOK0510" if call.account.env is Env.REAL else call.profile.inquiry_ok


def _list_ok(call: Call, page: Page) -> str:
    if call.account.env is Env.PAPER:
        return call.profile.inquiry_ok
    if page.rows or page.continued:
        return page.code(call.profile.inquiry_ok, True)
    return EMPTY_INQUIRY


def _nothing(call: Call) -> list[dict]:
    """The account's overseas orders or holdings: a simulated account trades at home."""
    return []


def inquire_present_balance(call: Call) -> Reply:
    call.check_account()
    call.choice("WCRC_FRCR_DVSN_CD", ("01", "02"))
    nation = call.choice("NATN_CD", tuple(MARKETS))
    call.choice("TR_MKET_CD", MARKETS[nation])
    call.choice("INQR_DVSN_CD", ("00", "01", "02"))
    return Reply({"output1": [], "output2": [], "output3": {}}, _balance_ok(call),
                 tr_cont="D", pad=True)


def inquire_nccs(call: Call) -> Reply:
    call.check_account()
    exchange = call.choice("OVRS_EXCG_CD", ("", *EXCHANGES))
    order = call.param("SORT_SQN")  # DS 정순, anything else 역순
    page = paginate(call, _nothing(call), PAGE_SIZES["nccs"][call.account.env],
                    lambda row: row["odno"], f"{exchange}^{order}^", suffix="200",
                    descending=order != "DS")
    return Reply({"output": page.rows}, _list_ok(call, page), tr_cont=page.tr_cont,
                 extra=page.extra, pad=True)


def inquire_ccnl(call: Call) -> Reply:
    call.check_account()
    code = call.param("PDNO").strip()
    start, end = call.date("ORD_STRT_DT"), call.date("ORD_END_DT")
    side = call.choice("SLL_BUY_DVSN", ("00", "01", "02"))
    filled = call.choice("CCLD_NCCS_DVSN", ("00", "01", "02"))
    exchange = call.choice("OVRS_EXCG_CD", ("", "%", *EXCHANGES))
    order = call.choice("SORT_SQN", ("DS", "AS", ""))
    conditions = (f"{code}^{start:%Y%m%d}^{end:%Y%m%d}^{side}^{filled}^{exchange}^"
                  f"{call.param('ORD_DT', required=False)}^")
    page = paginate(call, _nothing(call), PAGE_SIZES["ccnl"][call.account.env],
                    lambda row: row["odno"], conditions, suffix="200",
                    descending=order == "AS")
    cursors = {"ctx_area_nk200": page.extra["ctx_area_nk200"],
               "ctx_area_fk200": page.extra["ctx_area_fk200"]}  # nk first, as KIS writes them
    return Reply({"output": page.rows}, _list_ok(call, page), tr_cont=page.tr_cont,
                 extra=cursors, pad=True)


def inquire_balance(call: Call) -> Reply:
    call.check_account()
    exchange = call.choice("OVRS_EXCG_CD", ("", *BALANCE_EXCHANGES[call.account.env]))
    currency = call.choice("TR_CRCY_CD", ("", *CURRENCIES))
    page = paginate(call, _nothing(call), PAGE_SIZES["balance"][call.account.env],
                    lambda row: row["ovrs_pdno"], f"{exchange}^{currency}^", suffix="200")
    return Reply({"output1": page.rows, "output2": {}}, _balance_ok(call),
                 tr_cont=page.tr_cont, extra=page.extra, pad=True)


# --- the APIs, declared once -------------------------------------------------------------
class Api(NamedTuple):
    endpoint: str  # key of its field lists in FIELDS
    path: str
    tr_ids: dict[Env, tuple[str, ...]]
    handler: Callable[[Call], Reply]


APIS: tuple[Api, ...] = (
    Api("overseas_inquire_present_balance", TRADING + "inquire-present-balance",
        {Env.REAL: ("CTRP6504R",), Env.PAPER: ("VTRP6504R",)}, inquire_present_balance),
    Api("overseas_inquire_nccs", TRADING + "inquire-nccs",
        {Env.REAL: ("TTTS3018R",), Env.PAPER: ("VTTS3018R",)}, inquire_nccs),
    Api("overseas_inquire_ccnl", TRADING + "inquire-ccnl",
        {Env.REAL: ("TTTS3035R",), Env.PAPER: ("VTTS3035R",)}, inquire_ccnl),
    Api("overseas_inquire_balance", TRADING + "inquire-balance",
        {Env.REAL: ("TTTS3012R",), Env.PAPER: ("VTTS3012R",)}, inquire_balance),
)

# Field lists in the portal's order. Kinds as in ``pykis.sim.wire.fields``; "decN" is a
# decimal written with N places, the scale KIS writes the field with (from the portal's
# examples where they show one [V], otherwise a guess [U]).
FIELDS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "overseas_inquire_present_balance": {
        "output1": (
            ("prdt_name", "text"), ("cblc_qty13", "dec8"), ("thdt_buy_ccld_qty1", "dec8"),
            ("thdt_sll_ccld_qty1", "dec8"), ("ccld_qty_smtl1", "dec8"),
            ("ord_psbl_qty1", "dec8"), ("frcr_pchs_amt", "dec5"), ("frcr_evlu_amt2", "dec6"),
            ("evlu_pfls_amt2", "dec5"), ("evlu_pfls_rt1", "dec8"), ("pdno", "id"),
            ("bass_exrt", "dec8"), ("buy_crcy_cd", "code"), ("ovrs_now_pric1", "dec5"),
            ("avg_unpr3", "dec4"), ("tr_mket_name", "text"), ("natn_kor_name", "text"),
            ("pchs_rmnd_wcrc_amt", "int"), ("thdt_buy_ccld_frcr_amt", "dec6"),
            ("thdt_sll_ccld_frcr_amt", "dec6"), ("unit_amt", "int"), ("std_pdno", "id"),
            ("prdt_type_cd", "code"), ("scts_dvsn_name", "text"), ("loan_rmnd", "int"),
            ("loan_dt", "date"), ("loan_expd_dt", "date"), ("ovrs_excg_cd", "code"),
            ("item_lnkg_excg_cd", "code"),
        ),
        "output2": (
            ("crcy_cd", "code"), ("crcy_cd_name", "text"), ("frcr_buy_amt_smtl", "dec6"),
            ("frcr_sll_amt_smtl", "dec6"), ("frcr_dncl_amt_2", "dec2"),
            ("frst_bltn_exrt", "dec8"), ("frcr_buy_mgn_amt", "dec6"),
            ("frcr_etc_mgna", "dec6"), ("frcr_drwg_psbl_amt_1", "dec2"),
            ("frcr_evlu_amt2", "dec6"), ("acpl_cstd_crcy_yn", "flag"),
            ("nxdy_frcr_drwg_psbl_amt", "dec2"),
        ),
        "output3": (
            ("pchs_amt_smtl", "int"), ("evlu_amt_smtl", "int"), ("evlu_pfls_amt_smtl", "int"),
            ("dncl_amt", "int"), ("cma_evlu_amt", "int"), ("tot_dncl_amt", "int"),
            ("etc_mgna", "int"), ("wdrw_psbl_tot_amt", "int"), ("frcr_evlu_tota", "int"),
            ("evlu_erng_rt1", "dec8"), ("pchs_amt_smtl_amt", "int"),
            ("evlu_amt_smtl_amt", "int"), ("tot_evlu_pfls_amt", "dec8"),
            ("tot_asst_amt", "int"), ("buy_mgn_amt", "int"), ("mgna_tota", "int"),
            ("frcr_use_psbl_amt", "dec2"), ("ustl_sll_amt_smtl", "int"),
            ("ustl_buy_amt_smtl", "int"), ("tot_frcr_cblc_smtl", "dec6"),
            ("tot_loan_amt", "int"),
        ),
    },
    "overseas_inquire_nccs": {
        "output": (
            ("ord_dt", "date"), ("ord_gno_brno", "id"), ("odno", "id"), ("orgn_odno", "id"),
            ("pdno", "id"), ("prdt_name", "text"), ("sll_buy_dvsn_cd", "code"),
            ("sll_buy_dvsn_cd_name", "text"), ("rvse_cncl_dvsn_cd", "code"),
            ("rvse_cncl_dvsn_cd_name", "text"), ("rjct_rson", "text"),
            ("rjct_rson_name", "text"), ("ord_tmd", "time"), ("tr_mket_name", "text"),
            ("tr_crcy_cd", "code"), ("natn_cd", "code"), ("natn_kor_name", "text"),
            ("ft_ord_qty", "int"), ("ft_ccld_qty", "int"), ("nccs_qty", "int"),
            ("ft_ord_unpr3", "dec8"), ("ft_ccld_unpr3", "dec8"), ("ft_ccld_amt3", "dec5"),
            ("ovrs_excg_cd", "code"), ("prcs_stat_name", "text"),
            ("loan_type_cd", "code"), ("loan_dt", "date"), ("usa_amk_exts_rqst_yn", "flag"),
            ("splt_buy_attr_name", "text"),
        ),
    },
    "overseas_inquire_ccnl": {
        "output": (
            ("ord_dt", "date"), ("ord_gno_brno", "id"), ("odno", "id"), ("orgn_odno", "id"),
            ("sll_buy_dvsn_cd", "code"), ("sll_buy_dvsn_cd_name", "text"),
            ("rvse_cncl_dvsn", "code"), ("rvse_cncl_dvsn_name", "text"), ("pdno", "id"),
            ("prdt_name", "text"), ("ft_ord_qty", "int"), ("ft_ord_unpr3", "dec8"),
            ("ft_ccld_qty", "int"), ("ft_ccld_unpr3", "dec8"), ("ft_ccld_amt3", "dec5"),
            ("nccs_qty", "int"), ("prcs_stat_name", "text"), ("rjct_rson", "text"),
            ("rjct_rson_name", "text"), ("ord_tmd", "time"), ("tr_mket_name", "text"),
            ("tr_natn", "code"), ("tr_natn_name", "text"), ("ovrs_excg_cd", "code"),
            ("tr_crcy_cd", "code"), ("dmst_ord_dt", "date"), ("thco_ord_tmd", "time"),
            ("loan_type_cd", "code"), ("loan_dt", "date"), ("mdia_dvsn_name", "text"),
            ("usa_amk_exts_rqst_yn", "flag"), ("splt_buy_attr_name", "text"),
        ),
    },
    "overseas_inquire_balance": {
        "output1": (
            ("cano", "id"), ("acnt_prdt_cd", "code"), ("prdt_type_cd", "code"),
            ("ovrs_pdno", "id"), ("ovrs_item_name", "text"), ("frcr_evlu_pfls_amt", "dec6"),
            ("evlu_pfls_rt", "dec2"), ("pchs_avg_pric", "dec4"), ("ovrs_cblc_qty", "int"),
            ("ord_psbl_qty", "int"), ("frcr_pchs_amt1", "dec5"),
            ("ovrs_stck_evlu_amt", "dec8"), ("now_pric2", "dec6"), ("tr_crcy_cd", "code"),
            ("ovrs_excg_cd", "code"), ("loan_type_cd", "code"), ("loan_dt", "date"),
            ("expd_dt", "date"),
        ),
        "output2": (
            ("frcr_pchs_amt1", "dec5"), ("ovrs_rlzt_pfls_amt", "dec5"),
            ("ovrs_tot_pfls", "dec5"), ("rlzt_erng_rt", "dec8"),
            ("tot_evlu_pfls_amt", "dec8"), ("tot_pftrt", "dec8"),
            ("frcr_buy_amt_smtl1", "dec6"), ("ovrs_rlzt_pfls_amt2", "dec5"),
            ("frcr_buy_amt_smtl2", "dec6"),
        ),
    },
}
