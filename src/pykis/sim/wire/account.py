"""Account APIs: balance, daily orders and fills, open orders, buying power, sellable.

KIS: 주식잔고조회 [v1_국내주식-006] TTTC8434R/VTTC8434R, 주식일별주문체결조회
[v1_국내주식-005] TTTC0081R/CTSC9215R (paper V...), 주식정정취소가능주문조회
[v1_국내주식-004] TTTC0084R (real only), 매수가능조회 [v1_국내주식-007] TTTC8908R/VTTC8908R,
매도가능수량조회 [국내주식-165] TTTC8408R (real only).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pykis.models import OrderSide
from pykis.sim.accounts import Account, Fill, Order, OrderKind
from pykis.sim.env import Env
from pykis.sim.errors import SimError
from pykis.sim.exchange import ORDER_TYPES
from pykis.sim.wire.paging import paginate
from pykis.sim.wire.protocol import Call, Reply, dec, hhmmss, is_digits, pct, yyyymmdd

FLAGS = ("Y", "N", "1", "0")  # a Y/N input as clients send it

__all__ = [
    "inquire_balance",
    "inquire_daily_ccld",
    "inquire_psbl_order",
    "inquire_psbl_rvsecncl",
    "inquire_psbl_sell",
]


def _today(call: Call) -> dt.date:
    return call.state.market.market_day(call.now)


def _side_qty(fills: list[Fill], code: str, side: OrderSide) -> int:
    return sum(f.qty for f in fills if f.code == code and f.side is side)


# --- inquire-balance -------------------------------------------------------------------
def inquire_balance(call: Call) -> Reply:
    call.check_account()
    afhr = call.choice("AFHR_FLPR_YN", ("N", "Y", "X"))
    inqr = call.choice("INQR_DVSN", ("01", "02"))
    call.choice("UNPR_DVSN", ("01",))
    call.choice("FUND_STTL_ICLD_YN", ("N", "Y"))
    call.choice("FNCG_AMT_AUTO_RDPT_YN", ("N",))
    call.choice("PRCS_DVSN", ("00", "01"))
    account = call.account
    rows, summary = holdings(call)
    conditions = f"{afhr}^{call.param('OFL_YN', required=False) or 'N'}^{inqr}^01^N^"
    page = paginate(call, rows, call.profile.balance_page, lambda r: r["pdno"], conditions)
    return Reply(
        {"output1": page.rows, "output2": [summary]},
        page.code(call.profile.inquiry_ok, account.env is Env.REAL),
        tr_cont=page.tr_cont, extra=page.extra, pad=True,
    )


def _held_codes(call: Call, account: Account, today: dt.date) -> list[str]:
    """Held symbols, and symbols sold out whose sale has not settled yet (KIS keeps them
    with hldg_qty 0 until D+2)."""
    calendar = call.state.market.calendar
    unsettled = {f.code for day, fills in account.fill_days().items()
                 if calendar.add_trading_days(day, 2) > today for f in fills}
    return sorted(code for code, pos in account.positions.items()
                  if pos.qty > 0 or code in unsettled)


Tallies = tuple[dict[tuple[str, OrderSide], int], dict[tuple[str, OrderSide], int]]


def _tallies(call: Call, account: Account, today: dt.date) -> Tallies:
    """Shares filled by (symbol, side) today and on the trading day before."""
    previous = call.state.market.calendar.previous_trading_day(today)
    return account.day_totals(today).shares, account.day_totals(previous).shares


def holdings(call: Call) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The account's holding rows and the balance summary, as the balance inquiries
    answer them; the day's fill tallies and each symbol's quote are taken once for all."""
    account, today = call.account, _today(call)
    tallies, quotes = _tallies(call, account, today), {}
    rows = [_holding_row(call, code, tallies, quotes)
            for code in _held_codes(call, account, today)]
    return rows, _balance_summary(call, account, today, rows, tallies, quotes)


def _quote(call: Call, code: str, quotes: dict):
    """The quote of ``code`` at the call's moment, taken once per call in ``quotes``."""
    if code not in quotes:
        quotes[code] = call.state.market.quote(code, call.now)
    return quotes[code]


def _holding_row(call: Call, code: str, tallies: Tallies, quotes: dict) -> dict[str, Any]:
    """One holding's row; ``tallies`` and ``quotes`` are shared by the rows of a call."""
    account = call.account
    filled_today, filled_before = tallies
    position = account.positions[code]
    quote = _quote(call, code, quotes)
    cost = int((position.avg_price * position.qty).to_integral_value())
    value = quote.price * position.qty
    return {
        "pdno": code, "prdt_name": quote.inst.name, "trad_dvsn_name": "현금",
        "bfdy_buy_qty": filled_before.get((code, OrderSide.BUY), 0),
        "bfdy_sll_qty": filled_before.get((code, OrderSide.SELL), 0),
        "thdt_buyqty": filled_today.get((code, OrderSide.BUY), 0),
        "thdt_sll_qty": filled_today.get((code, OrderSide.SELL), 0),
        "hldg_qty": position.qty, "ord_psbl_qty": max(0, account.sellable(code)),
        "pchs_avg_pric": f"{position.avg_price:.4f}", "pchs_amt": cost, "prpr": quote.price,
        "evlu_amt": value, "evlu_pfls_amt": value - cost,
        "evlu_pfls_rt": pct(value - cost, cost), "evlu_erng_rt": dec(
            (value - cost) / cost * 100 if cost else 0, 8),
        "loan_dt": "", "loan_amt": 0, "stln_slng_chgs": 0, "expd_dt": "",
        "fltt_rt": dec((quote.price - quote.base) / quote.base * 100, 8),
        "bfdy_cprs_icdc": quote.price - quote.base, "item_mgna_rt_name": "20%",
        "grta_rt_name": "", "sbst_pric": 0, "stck_loan_unpr": "0.0000",
    }


def _balance_summary(call: Call, account: Account, today: dt.date, rows: list[dict],
                     tallies: Tallies, quotes: dict) -> dict[str, Any]:
    calendar, costs = call.state.market.calendar, call.state.costs
    previous = calendar.previous_trading_day(today)
    totals_today, totals_before = account.day_totals(today), account.day_totals(previous)
    settled_all = account.cash()
    held_value = sum(r["evlu_amt"] for r in rows)
    total = settled_all + held_value
    sell_costs = 0
    for row in rows:
        inst = call.state.market.universe[row["pdno"]]
        sell_costs += costs.of(OrderSide.SELL, row["evlu_amt"], today, inst.market, inst.kind).total
    yesterday = _yesterday_assets(call, account, today, tallies[0], quotes)
    return {
        "dnca_tot_amt": account.cash(today),
        "nxdy_excc_amt": account.cash(calendar.next_trading_day(today)),
        "prvs_rcdl_excc_amt": settled_all, "cma_evlu_amt": 0,
        "bfdy_buy_amt": totals_before.value[OrderSide.BUY],
        "thdt_buy_amt": totals_today.value[OrderSide.BUY],
        "nxdy_auto_rdpt_amt": 0,
        "bfdy_sll_amt": totals_before.value[OrderSide.SELL],
        "thdt_sll_amt": totals_today.value[OrderSide.SELL],
        "d2_auto_rdpt_amt": 0, "bfdy_tlex_amt": totals_before.costs,
        "thdt_tlex_amt": totals_today.costs, "tot_loan_amt": 0,
        "scts_evlu_amt": held_value, "tot_evlu_amt": total, "nass_amt": total - sell_costs,
        "fncg_gld_auto_rdpt_yn": "", "pchs_amt_smtl_amt": sum(r["pchs_amt"] for r in rows),
        "evlu_amt_smtl_amt": held_value,
        "evlu_pfls_smtl_amt": sum(r["evlu_pfls_amt"] for r in rows), "tot_stln_slng_chgs": 0,
        "bfdy_tot_asst_evlu_amt": yesterday, "asst_icdc_amt": total - yesterday,
        "asst_icdc_erng_rt": dec((total - yesterday) / yesterday * 100 if yesterday else 0, 8),
    }


def _yesterday_assets(call: Call, account: Account, today: dt.date, filled_today: dict,
                      quotes: dict) -> int:
    """Cash booked before today plus yesterday's holdings at yesterday's close."""
    cash = account.cash_traded_before(today)
    value = 0
    for code, position in account.positions.items():
        qty = (position.qty - filled_today.get((code, OrderSide.BUY), 0)
               + filled_today.get((code, OrderSide.SELL), 0))
        if qty:
            value += qty * _quote(call, code, quotes).base
    return cash + value


# --- inquire-daily-ccld ------------------------------------------------------------------
def inquire_daily_ccld(call: Call) -> Reply:
    call.check_account()
    start, end = _ccld_window(call, call.date("INQR_STRT_DT"), call.date("INQR_END_DT"))
    side = call.choice("SLL_BUY_DVSN_CD", ("00", "01", "02"))
    filled = call.choice("CCLD_DVSN", ("00", "01", "02"))
    newest_first = call.choice("INQR_DVSN", ("00", "01")) == "00"
    call.choice("INQR_DVSN_1", ("", "1", "2"), required=False)
    call.choice("INQR_DVSN_3", ("00", "01", "02", "03", "04", "05", "06", "07"))
    # Paper is KRX only; older callers leave the field out.
    paper = call.account.env is Env.PAPER
    exchanges = ("KRX",) if paper else ("KRX", "NXT", "SOR", "ALL")
    exchange = call.choice("EXCG_ID_DVSN_CD", exchanges, required=False,
                           default="KRX" if paper else "ALL")
    code = call.param("PDNO", required=False).strip()
    odno = call.param("ODNO", required=False).strip()
    if odno and not is_digits(odno):
        raise SimError("OPSQ2001", text="ERROR INVALID ODNO")
    orders = [
        o for o in call.account.orders_between(start, end)
        if side in ("00", _side_code(o)) and (not code or o.code == code)
        and (not odno or o.number == int(odno)) and exchange in ("ALL", o.exchange)
        and _matches_fill_filter(o, filled)
    ]
    orders.sort(key=lambda o: o.number, reverse=newest_first)
    conditions = f"{yyyymmdd(start)}^{yyyymmdd(end)}^{side}^{filled}^"
    # Paged on the orders and only the page's rows built: building every row of the day
    # for each page made a busy day's look-ups quadratic.
    page = paginate(call, orders, call.profile.ccld_page,
                    lambda o: call.profile.odno(o.number), conditions, descending=newest_first)
    fills = [f for o in orders for f in o.fills]
    total_qty = sum(f.qty for f in fills)
    total_value = sum(f.value for f in fills)
    summary = {
        "tot_ord_qty": sum(o.qty for o in orders if o.kind != OrderKind.CANCEL),
        "tot_ccld_qty": total_qty, "tot_ccld_amt": total_value,
        "prsm_tlex_smtl": sum(f.costs for f in fills),
        "pchs_avg_pric": dec(total_value / total_qty if total_qty else 0, 4),
    }
    return Reply(
        {"output1": [_ccld_row(call, o) for o in page.rows], "output2": summary},
        page.code(call.profile.inquiry_ok, call.account.env is Env.REAL),
        tr_cont=page.tr_cont, extra=page.extra, pad=True,
    )


def _ccld_window(call: Call, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """KIS splits the ledger in two TRs: the last three months (TTTC0081R) and before
    (CTSC9215R); each sees only its own part of the requested window."""
    today = _today(call)
    month = today.month - 3
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    cutoff = dt.date(year, month, min(today.day, 28))
    if call.variant == "old":
        return start, min(end, cutoff - dt.timedelta(days=1))
    return max(start, cutoff), end


def _matches_fill_filter(order: Order, filled: str) -> bool:
    """CCLD_DVSN: 00 all, 01 with fills, 02 with an unfilled remainder."""
    if filled == "01":
        return order.filled > 0
    if filled == "02":
        return order.remaining > 0
    return True


def _side_code(order: Order) -> str:
    return "02" if order.side is OrderSide.BUY else "01"


def _ccld_row(call: Call, order: Order) -> dict[str, Any]:
    real = call.account.env is Env.REAL
    profile = call.profile
    kind = ORDER_TYPES.get(order.dvsn)
    side_name = ("현금" if real else "") + ("매수" if order.side is OrderSide.BUY else "매도")
    cancel = order.kind == OrderKind.CANCEL
    original = profile.odno(order.original) if order.original else ""
    return {
        "ord_dt": yyyymmdd(order.day), "ord_gno_brno": profile.branch,
        "odno": profile.odno(order.number),
        "orgn_odno": original or ("" if real else profile.odno(order.number)),
        "ord_dvsn_name": kind.name if kind else "", "sll_buy_dvsn_cd": _side_code(order),
        "sll_buy_dvsn_cd_name": side_name, "pdno": order.code,
        "prdt_name": call.state.market.universe[order.code].name, "ord_qty": order.qty,
        "ord_unpr": order.price, "ord_tmd": hhmmss(order.ts), "tot_ccld_qty": order.filled,
        "avg_prvs": order.average_price, "cncl_yn": "Y" if cancel else ("" if real else "N"),
        "tot_ccld_amt": order.filled_value, "loan_dt": "", "ordr_empno": "",
        "ord_dvsn_cd": order.dvsn, "cncl_cfrm_qty": order.qty if cancel else 0,
        "rmn_qty": order.remaining, "rjct_qty": 0,
        "ccld_cndt_name": _condition(kind) if real else "", "inqr_ip_addr": "",
        "cpbc_ordp_ord_rcit_dvsn_cd": "", "cpbc_ordp_infm_mthd_dvsn_cd": "",
        "infm_tmd": "" if real else hhmmss(order.ts), "ctac_tlno": "",
        "prdt_type_cd": "300" if real else "", "excg_dvsn_cd": "02" if real else "",
        "cpbc_ordp_mtrl_dvsn_cd": "", "ord_orgno": profile.branch if real else "",
        "rsvn_ord_end_dt": "", "excg_id_dvsn_cd": order.exchange, "stpm_cndt_pric": 0,
        "stpm_efct_occr_dtmd": "",
    }


def _condition(kind) -> str:
    if kind and kind.ioc:
        return "IOC"
    if kind and kind.fok:
        return "FOK"
    return "없음"


# --- inquire-psbl-rvsecncl ----------------------------------------------------------------
def inquire_psbl_rvsecncl(call: Call) -> Reply:
    call.check_account()
    by_symbol = call.choice("INQR_DVSN_1", ("0", "1")) == "1"
    side = call.choice("INQR_DVSN_2", ("0", "1", "2"))
    wanted = {"0": None, "1": OrderSide.SELL, "2": OrderSide.BUY}[side]
    orders = [o for o in call.account.open_orders() if wanted in (None, o.side)]
    orders.sort(key=lambda o: (o.code, o.number) if by_symbol else (o.number,))
    rows = [_open_row(call, o) for o in orders]
    key = (lambda r: f"{r['pdno']}:{r['odno']}") if by_symbol else (lambda r: r["odno"])
    page = paginate(call, rows, 50, key, f"{int(by_symbol)}^{side}^")
    return Reply({"output": page.rows}, page.code(call.profile.inquiry_ok, True),
                 tr_cont=page.tr_cont, extra=page.extra, pad=True)


def _open_row(call: Call, order: Order) -> dict[str, Any]:
    profile = call.profile
    kind = ORDER_TYPES.get(order.dvsn)
    return {
        "ord_gno_brno": profile.branch, "odno": profile.odno(order.number),
        "orgn_odno": profile.odno(order.original) if order.original else "",
        "ord_dvsn_name": kind.name if kind else "", "pdno": order.code,
        "prdt_name": call.state.market.universe[order.code].name,
        "rvse_cncl_dvsn_name": "정정" if order.kind == OrderKind.AMEND else "",
        "ord_qty": order.qty, "ord_unpr": order.price, "ord_tmd": hhmmss(order.ts),
        "tot_ccld_qty": order.filled, "tot_ccld_amt": order.filled_value,
        "psbl_qty": order.remaining, "sll_buy_dvsn_cd": _side_code(order),
        "ord_dvsn_cd": order.dvsn, "mgco_aptm_odno": "", "excg_dvsn_cd": "02",
        "excg_id_dvsn_cd": order.exchange, "excg_id_dvsn_name": "한국거래소",
        "stpm_cndt_pric": 0, "stpm_efct_occr_yn": "N",
    }


# --- buying power and sellable quantity -------------------------------------------------------
def inquire_psbl_order(call: Call) -> Reply:
    call.check_account()
    code = call.param("PDNO").strip()
    raw_price = call.param("ORD_UNPR").strip()
    dvsn = call.param("ORD_DVSN")
    # The portal documents Y/N; community clients (mojito2 among them) send "1", and
    # KIS answers them: it does not refuse a flag it does not read. [S]
    call.choice("CMA_EVLU_AMT_ICLD_YN", FLAGS)
    call.choice("OVRS_ICLD_YN", FLAGS)
    if raw_price and not is_digits(raw_price):
        raise SimError("OPSQ2001", text="ERROR INVALID ORD_UNPR")
    priced = ORDER_TYPES.get(dvsn) is not None and ORDER_TYPES[dvsn].priced
    price = int(raw_price) if raw_price and priced else 0
    cash, unit, qty = call.state.exchange.buying_power(call.account, code or None, price, call.now)
    today = _today(call)
    reusable = call.account.unsettled_sales(today)
    output = {
        "ord_psbl_cash": cash, "ord_psbl_sbst": 0, "ruse_psbl_amt": reusable,
        "fund_rpch_chgs": 0, "psbl_qty_calc_unpr": unit, "nrcvb_buy_amt": cash,
        "nrcvb_buy_qty": qty, "max_buy_amt": cash, "max_buy_qty": qty, "cma_evlu_amt": 0,
        "ovrs_re_use_amt_wcrc": 0, "ord_psbl_frcr_amt_wcrc": 0,
    }
    return Reply({"output": output}, "KIOK0530" if call.account.env is Env.REAL
                 else call.profile.inquiry_ok)


def inquire_psbl_sell(call: Call) -> Reply:
    call.check_account()
    code = call.param("PDNO").strip()
    account, today = call.account, _today(call)
    position = account.positions.get(code)
    if code not in call.state.market.universe or position is None:
        return Reply({"output": {"pdno": code}}, "KIOK0420", pad=True)
    quote = call.state.market.quote(code, call.now)
    fills = account.fills(today)
    cost = int((position.avg_price * position.qty).to_integral_value())
    value = quote.price * position.qty
    output = {
        "pdno": code, "prdt_name": quote.inst.name,
        "buy_qty": _side_qty(fills, code, OrderSide.BUY), "sll_qty": _side_qty(fills, code, OrderSide.SELL),
        "cblc_qty": position.qty, "nsvg_qty": position.qty,
        "ord_psbl_qty": max(0, account.sellable(code)),
        "pchs_avg_pric": f"{position.avg_price.quantize(Decimal('0.0001'))}",
        "pchs_amt": cost, "now_pric": quote.price, "evlu_amt": value,
        "evlu_pfls_amt": value - cost, "evlu_pfls_rt": pct(value - cost, cost),
    }
    return Reply({"output": output}, "KIOK0420", pad=True)
