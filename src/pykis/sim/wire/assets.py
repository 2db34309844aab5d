"""Account views beyond the balance: assets by class, margin, credit, rights, and the
pension (퇴직연금) family, all read from the same ledger as inquire-balance.

KIS (real only): 투자계좌자산현황조회 CTRP6548R (inquire-account-balance), 신용매수가능조회
TTTC8909R (inquire-credit-psamount), 주식통합증거금 현황 TTTC0869R (intgr-margin),
기간별계좌권리현황조회 CTRGA011R (period-rights), 주식주문(신용) TTTC0052U buy /
TTTC0051U sell (order-credit), 퇴직연금 잔고 TTTC2208R, 미체결내역 TTTC2201R,
예수금 TTTC0506R, 체결기준잔고 TTTC2202R, 매수가능 TTTC0503R (trading/pension/*).

What the simulator is [U where KIS's answer for such an account is not known]:

* Its accounts are cash accounts without a credit agreement: order-credit is refused
  (SIM00502), inquire-credit-psamount answers the cash with no credit quantity.
* It has no corporate actions: period-rights lists nothing.
* It has no separate pension accounts: the pension APIs show the account they are
  called with (its holdings, orders and cash).
* inquire-account-balance lists ``ASSET_CLASSES`` rows, stocks first, deposits last.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pykis.models import OrderSide
from pykis.sim.accounts import Order, OrderKind
from pykis.sim.errors import CODES, KisCode, SimError
from pykis.sim.exchange import ORDER_TYPES
from pykis.sim.wire.account import (
    FLAGS,
    holdings,
    inquire_psbl_order,
)
from pykis.sim.wire.paging import paginate
from pykis.sim.wire.protocol import Call, Reply, dec, hhmmss, pct

__all__ = [
    "inquire_account_balance", "inquire_credit_psamount", "intgr_margin", "order_credit",
    "pension_inquire_balance", "pension_inquire_daily_ccld", "pension_inquire_deposit",
    "pension_inquire_present_balance", "pension_inquire_psbl_order", "period_rights",
]

NO_CREDIT = "SIM00502"
CODES.setdefault(NO_CREDIT, KisCode(NO_CREDIT, "시뮬레이터 계좌는 신용거래 약정이 없습니다."))
ASSET_CLASSES = 16  # rows of inquire-account-balance output1 [U]
CREDIT_TYPES = ("21", "22", "23", "24", "25", "26", "27", "28")


def _today(call: Call) -> dt.date:
    return call.state.market.market_day(call.now)


# --- assets, margin, credit, rights ---------------------------------------------------------
def inquire_account_balance(call: Call) -> Reply:
    call.check_account()
    call.choice("INQR_DVSN_1", ("", "0", "1"), required=False)
    call.choice("BSPR_BF_DT_APLY_YN", ("", "N", "Y"), required=False)
    rows, summary = holdings(call)
    stocks, cost = summary["evlu_amt_smtl_amt"], summary["pchs_amt_smtl_amt"]
    cash = summary["dnca_tot_amt"]
    total = stocks + cash
    classes = [{} for _ in range(ASSET_CLASSES)]
    classes[0] = {"pchs_amt": cost, "evlu_amt": stocks, "evlu_pfls_amt": stocks - cost,
                  "real_nass_amt": stocks, "whol_weit_rt": dec(stocks / total * 100
                                                               if total else 0)}
    classes[-1] = {"pchs_amt": cash, "evlu_amt": cash, "real_nass_amt": cash,
                   "whol_weit_rt": dec(cash / total * 100 if total else 0)}
    output2 = {"pchs_amt_smtl": cost + cash, "nass_tot_amt": total,
               "evlu_pfls_amt_smtl": stocks - cost, "evlu_amt_smtl": total,
               "tot_asst_amt": total, "tot_dncl_amt": cash, "dncl_amt": cash}
    return Reply({"output1": classes, "output2": output2}, call.profile.inquiry_ok,
                 pad=True)


def inquire_credit_psamount(call: Call) -> Reply:
    call.check_account()
    call.param("PDNO")
    call.param("ORD_DVSN")
    call.choice("CRDT_TYPE", CREDIT_TYPES)
    call.choice("CMA_EVLU_AMT_ICLD_YN", FLAGS)
    call.choice("OVRS_ICLD_YN", FLAGS)
    cash = call.state.exchange.orderable_cash(call.account)
    return Reply({"output": {"ord_psbl_cash": cash, "max_buy_amt": 0, "max_buy_qty": 0,
                             "nrcvb_buy_amt": 0, "nrcvb_buy_qty": 0}},
                 call.profile.inquiry_ok, pad=True)


def intgr_margin(call: Call) -> Reply:
    call.check_account()
    call.choice("CMA_EVLU_AMT_ICLD_YN", FLAGS)
    call.choice("WCRC_FRCR_DVSN_CD", ("01", "02"))
    call.choice("FWEX_CTRT_FRCR_DVSN_CD", ("01", "02"))
    cash = call.account.cash()
    orderable = call.state.exchange.orderable_cash(call.account)
    output = {"acmga_rt": dec(100), "stck_cash_objt_amt": cash,
              "stck_cash_use_amt": cash - orderable, "stck_cash_ord_psbl_amt": orderable,
              "stck_cash100_max_ord_psbl_amt": orderable,
              "stck_itgr_cash100_ord_psbl_amt": orderable,
              "stck_rsip100_max_ord_psbl_amt": orderable}
    return Reply({"output": output}, call.profile.inquiry_ok, pad=True)


def period_rights(call: Call) -> Reply:
    call.check_account()
    call.param("INQR_DVSN")
    call.date("INQR_STRT_DT")
    call.date("INQR_END_DT")
    page = paginate(call, [], 100, str, "")
    return Reply({"output": page.rows}, call.profile.inquiry_ok, tr_cont=page.tr_cont,
                 extra=page.extra, pad=True)


def order_credit(call: Call) -> Reply:
    call.check_account(call.body)
    for name in ("PDNO", "CRDT_TYPE", "ORD_DVSN", "LOAN_DT"):
        call.field(name)
    call.number("ORD_QTY", allow_zero=False)
    call.number("ORD_UNPR")
    raise SimError(NO_CREDIT)


# --- pension ------------------------------------------------------------------------------
def pension_inquire_balance(call: Call) -> Reply:
    call.check_account()
    call.param("ACCA_DVSN_CD")
    call.param("INQR_DVSN")
    rows, summary = holdings(call)
    items = [{"cblc_dvsn_name": "현금", "prdt_name": r["prdt_name"], "pdno": r["pdno"],
              "item_dvsn_name": "주식", **{k: r[k] for k in (
                  "thdt_buyqty", "thdt_sll_qty", "hldg_qty", "ord_psbl_qty", "pchs_avg_pric",
                  "pchs_amt", "prpr", "evlu_amt", "evlu_pfls_amt")},
              "evlu_erng_rt": r["evlu_pfls_rt"]} for r in rows]
    page = paginate(call, items, call.profile.balance_page, lambda r: r["pdno"], "00^00^")
    totals = {k: summary[k] for k in ("dnca_tot_amt", "nxdy_excc_amt", "prvs_rcdl_excc_amt",
                                      "thdt_buy_amt", "thdt_sll_amt", "thdt_tlex_amt",
                                      "scts_evlu_amt", "tot_evlu_amt")}
    return Reply({"output1": page.rows, "output2": totals}, page.code(
        call.profile.inquiry_ok, True), tr_cont=page.tr_cont, extra=page.extra, pad=True)


def pension_inquire_present_balance(call: Call) -> Reply:
    call.check_account()
    call.param("USER_DVSN_CD")
    rows, summary = holdings(call)
    value = summary["evlu_amt_smtl_amt"]
    items = [{"cblc_dvsn": "00", "cblc_dvsn_name": "현금", "pdno": r["pdno"],
              "prdt_name": r["prdt_name"], "hldg_qty": r["hldg_qty"],
              "slpsb_qty": r["ord_psbl_qty"], "pchs_avg_pric": r["pchs_avg_pric"],
              "evlu_pfls_amt": r["evlu_pfls_amt"], "evlu_pfls_rt": r["evlu_pfls_rt"],
              "prpr": r["prpr"], "evlu_amt": r["evlu_amt"], "pchs_amt": r["pchs_amt"],
              "cblc_weit": dec(r["evlu_amt"] / value * 100 if value else 0)} for r in rows]
    cost, gain = summary["pchs_amt_smtl_amt"], summary["evlu_pfls_smtl_amt"]
    totals = {"pchs_amt_smtl_amt": cost, "evlu_amt_smtl_amt": value,
              "evlu_pfls_smtl_amt": gain, "pftrt": pct(gain, cost)}
    return Reply({"output1": items, "output2": [totals]}, call.profile.inquiry_ok, pad=True)


def pension_inquire_deposit(call: Call) -> Reply:
    call.check_account()
    call.param("ACCA_DVSN_CD")
    calendar, today, account = call.state.market.calendar, _today(call), call.account
    next_day = calendar.next_trading_day(today)
    second = calendar.next_trading_day(next_day)
    output = {"dnca_tota": account.cash(today), "nxdy_excc_amt": account.cash(next_day),
              "nxdy_sttl_amt": account.cash(next_day) - account.cash(today),
              "nx2_day_sttl_amt": account.cash(second) - account.cash(next_day)}
    return Reply({"output": output}, call.profile.inquiry_ok, pad=True)


def pension_inquire_psbl_order(call: Call) -> Reply:
    call.param("ACCA_DVSN_CD")
    call.query.setdefault("OVRS_ICLD_YN", "N")
    answer = inquire_psbl_order(call)
    power = answer.sections["output"]
    keep = ("ord_psbl_cash", "ruse_psbl_amt", "psbl_qty_calc_unpr", "max_buy_amt",
            "max_buy_qty")
    return Reply({"output": {k: power[k] for k in keep}}, call.profile.inquiry_ok, pad=True)


def pension_inquire_daily_ccld(call: Call) -> Reply:
    call.check_account()
    call.param("USER_DVSN_CD")
    side = call.choice("SLL_BUY_DVSN_CD", ("00", "01", "02"))
    state = call.choice("CCLD_NCCS_DVSN", ("%%", "01", "02"))
    call.param("INQR_DVSN_3")
    today = _today(call)
    orders = [o for o in call.account.orders.values() if o.day == today
              and o.kind is not OrderKind.CANCEL and side in ("00", _side(o))
              and (state == "%%" or (state == "01") == (o.filled > 0))]
    orders.sort(key=lambda o: o.number)
    rows = [_pension_order(call, o) for o in orders]
    page = paginate(call, rows, 100, lambda r: r["odno"], f"{side}^{state}^")
    return Reply({"output": page.rows}, page.code(call.profile.inquiry_ok, True),
                 tr_cont=page.tr_cont, extra=page.extra, pad=True)


def _side(order: Order) -> str:
    return "01" if order.side is OrderSide.SELL else "02"


def _pension_order(call: Call, order: Order) -> dict[str, Any]:
    kind = ORDER_TYPES.get(order.dvsn)
    profile = call.profile
    return {
        "ord_gno_brno": profile.branch, "sll_buy_dvsn_cd": _side(order),
        "trad_dvsn_name": "현금매도" if order.side is OrderSide.SELL else "현금매수",
        "odno": profile.odno(order.number),
        "orgn_odno": profile.odno(order.original) if order.original else "",
        "pdno": order.code, "prdt_name": call.state.market.universe[order.code].name,
        "ord_unpr": order.price, "ord_qty": order.qty, "tot_ccld_qty": order.filled,
        "nccs_qty": order.remaining, "ord_dvsn_cd": order.dvsn,
        "ord_dvsn_name": kind.name if kind else "", "ord_tmd": hhmmss(order.ts),
        "objt_cust_dvsn_name": "본인", "pchs_avg_pric": dec(order.average_price, 4),
    }
