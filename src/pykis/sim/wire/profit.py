"""Realised profit and loss on the KIS wire, from the simulator's own ledger.

KIS (real only): 주식잔고조회_실현손익 [v1_국내주식-041] TTTC8494R (inquire-balance-rlz-pl),
기간별매매손익현황조회 [v1_국내주식-060] TTTC8715R (inquire-period-trade-profit, by day
and symbol), 기간별손익일별합산조회 [v1_국내주식-052] TTTC8708R (inquire-period-profit,
by day). All page with ``CTX_AREA_FK100``/``NK100``.

One definition everywhere: a sale realises its proceeds less what its shares cost at the
average purchase price of the position at that moment (the ledger's ``pchs_avg_pric``,
recorded when the sale was booked: ``AccountExtras.basis``), less the sale's commission
and taxes. ``fee`` and ``tl_tax`` of a row are its sales'; purchases' commissions appear
in the totals (``buy_fee_smtl``). [U: whether KIS also charges purchase commissions to
the realised figure.]
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pykis.models import OrderSide
from pykis.sim.accounts import Fill
from pykis.sim.wire.account import holdings
from pykis.sim.wire.extra_fields import LAYOUTS
from pykis.sim.wire.paging import paginate
from pykis.sim.wire.protocol import Call, Reply, dec, pct, yyyymmdd

__all__ = ["inquire_balance_rlz_pl", "inquire_period_profit", "inquire_period_trade_profit"]

PAGE = 50  # rows a page of the period inquiries [U]
_ROW_FIELDS = {name for name, _ in LAYOUTS["inquire_balance_rlz_pl"]["output1"]}


@dataclass
class Tally:
    """What one day's (or one day and symbol's) fills add up to."""

    buy_qty: int = 0
    buy_amt: int = 0
    buy_fee: int = 0
    sll_qty: int = 0
    sll_amt: int = 0
    sll_fee: int = 0
    sll_tax: int = 0
    cost: int = 0  # of the shares sold, at the average purchase price
    realized: int = 0

    def add(self, call: Call, fill: Fill) -> None:
        if fill.side is OrderSide.BUY:
            self.buy_qty += fill.qty
            self.buy_amt += fill.value
            self.buy_fee += fill.commission
            return
        extras = call.state.extras
        self.sll_qty += fill.qty
        self.sll_amt += fill.value
        self.sll_fee += fill.commission
        self.sll_tax += fill.transaction_tax + fill.rural_tax
        self.cost += extras.cost_of(fill)
        self.realized += extras.realized(fill)


def _tallies(call: Call, start: dt.date, end: dt.date, code: str, by_symbol: bool
             ) -> dict[tuple[dt.date, str], Tally]:
    tallies: dict[tuple[dt.date, str], Tally] = defaultdict(Tally)
    for fill in call.account.fills():
        if start <= fill.day <= end and (not code or fill.code == code):
            tallies[(fill.day, fill.code if by_symbol else "")].add(call, fill)
    return tallies


def _window(call: Call) -> tuple[dt.date, dt.date, str, bool]:
    call.check_account()
    start, end = call.date("INQR_STRT_DT"), call.date("INQR_END_DT")
    newest_first = call.choice("SORT_DVSN", ("00", "01", "02")) != "01"
    call.choice("CBLC_DVSN", ("00",))
    code = call.param("PDNO", required=False).strip()
    return start, end, code, newest_first


def _totals(tallies: list[Tally], buy_qty_name: str) -> dict[str, Any]:
    total = Tally()
    for t in tallies:
        for name in vars(total):
            setattr(total, name, getattr(total, name) + getattr(t, name))
    return {
        "sll_qty_smtl": total.sll_qty, "sll_tr_amt_smtl": total.sll_amt,
        "sll_fee_smtl": total.sll_fee, "sll_tltx_smtl": total.sll_tax,
        "sll_excc_amt_smtl": total.sll_amt - total.sll_fee - total.sll_tax,
        buy_qty_name: total.buy_qty, "buy_tr_amt_smtl": total.buy_amt,
        "buy_fee_smtl": total.buy_fee, "buy_tax_smtl": 0,
        "buy_excc_amt_smtl": total.buy_amt + total.buy_fee,
        "tot_qty": total.buy_qty + total.sll_qty, "tot_tr_amt": total.buy_amt + total.sll_amt,
        "tot_fee": total.buy_fee + total.sll_fee, "tot_tltx": total.sll_tax,
        "tot_excc_amt": (total.sll_amt - total.sll_fee - total.sll_tax)
        - (total.buy_amt + total.buy_fee),
        "tot_rlzt_pfls": total.realized, "loan_int": 0,
        "tot_pftrt": dec(total.realized / total.cost * 100 if total.cost else 0),
    }


# --- by day and symbol -------------------------------------------------------------------
def inquire_period_trade_profit(call: Call) -> Reply:
    start, end, code, newest_first = _window(call)
    tallies = _tallies(call, start, end, code, by_symbol=True)
    keys = sorted(tallies, reverse=newest_first)
    rows = [_trade_row(call, day, symbol, tallies[(day, symbol)]) for day, symbol in keys]
    page = paginate(call, rows, PAGE, lambda r: r["trad_dt"] + r["pdno"],
                    f"{yyyymmdd(start)}^{yyyymmdd(end)}^", descending=newest_first)
    totals = _totals(list(tallies.values()), "buyqty_smtl")
    return Reply({"output1": page.rows, "output2": totals},
                 page.code(call.profile.inquiry_ok, True), tr_cont=page.tr_cont,
                 extra=page.extra, pad=True)


def _trade_row(call: Call, day: dt.date, code: str, t: Tally) -> dict[str, Any]:
    return {
        "trad_dt": yyyymmdd(day), "pdno": code,
        "prdt_name": call.state.market.universe[code].name, "trad_dvsn_name": "현금",
        "hldg_qty": _held_after(call, code, day),
        "pchs_unpr": dec(t.cost / t.sll_qty if t.sll_qty else 0, 4), "buy_qty": t.buy_qty,
        "buy_amt": t.buy_amt, "sll_pric": dec(t.sll_amt / t.sll_qty if t.sll_qty else 0, 4),
        "sll_qty": t.sll_qty, "sll_amt": t.sll_amt, "rlzt_pfls": t.realized,
        "pfls_rt": pct(t.realized, t.cost), "fee": t.sll_fee, "tl_tax": t.sll_tax,
        "loan_int": 0,
    }


def _held_after(call: Call, code: str, day: dt.date) -> int:
    """Shares of ``code`` held at the end of ``day``: today's position, less what was
    bought after it, plus what was sold after it."""
    position = call.account.positions.get(code)
    held = position.qty if position else 0
    for fill in call.account.fills():
        if fill.code == code and fill.day > day:
            held += -fill.qty if fill.side is OrderSide.BUY else fill.qty
    return held


# --- by day ----------------------------------------------------------------------------
def inquire_period_profit(call: Call) -> Reply:
    start, end, code, newest_first = _window(call)
    call.choice("INQR_DVSN", ("00",))
    tallies = _tallies(call, start, end, code, by_symbol=False)
    days = sorted((day for day, _ in tallies), reverse=newest_first)
    rows = [_day_row(day, tallies[(day, "")]) for day in days]
    page = paginate(call, rows, PAGE, lambda r: r["trad_dt"],
                    f"{yyyymmdd(start)}^{yyyymmdd(end)}^", descending=newest_first)
    totals = _totals(list(tallies.values()), "buy_qty_smtl")
    totals.pop("tot_pftrt")
    return Reply({"output1": page.rows, "output2": totals},
                 page.code(call.profile.inquiry_ok, True), tr_cont=page.tr_cont,
                 extra=page.extra, pad=True)


def _day_row(day: dt.date, t: Tally) -> dict[str, Any]:
    return {"trad_dt": yyyymmdd(day), "buy_amt": t.buy_amt, "sll_amt": t.sll_amt,
            "rlzt_pfls": t.realized, "fee": t.sll_fee, "loan_int": 0, "tl_tax": t.sll_tax,
            "pfls_rt": pct(t.realized, t.cost), "sll_qty1": t.sll_qty, "buy_qty1": t.buy_qty}


# --- balance with today's realised P&L -------------------------------------------------------
def inquire_balance_rlz_pl(call: Call) -> Reply:
    call.check_account()
    call.choice("AFHR_FLPR_YN", ("N", "Y", "X"))
    call.choice("INQR_DVSN", ("00", "01", "02"))
    call.choice("UNPR_DVSN", ("01",))
    call.choice("FUND_STTL_ICLD_YN", ("N", "Y"))
    call.choice("FNCG_AMT_AUTO_RDPT_YN", ("N",))
    call.choice("PRCS_DVSN", ("00", "01"))
    call.choice("COST_ICLD_YN", ("", "N", "Y"), required=False)
    today = call.state.market.market_day(call.now)
    rows, summary = holdings(call)
    shown = [{k: v for k, v in r.items() if k in _ROW_FIELDS} for r in rows]
    page = paginate(call, shown, call.profile.balance_page, lambda r: r["pdno"], "N^^01^N^")
    summary.update(_realized_today(call, today, summary))
    return Reply({"output1": page.rows, "output2": [summary]},
                 page.code(call.profile.inquiry_ok, True), tr_cont=page.tr_cont,
                 extra=page.extra, pad=True)


def _realized_today(call: Call, today: dt.date, summary: dict[str, Any]) -> dict[str, Any]:
    """Today's realised P&L, and the holdings' unrealised one (실평가손익, [U] before
    selling costs, as 평가손익)."""
    tally = Tally()
    for fill in call.account.fills(today):
        tally.add(call, fill)
    unrealized, cost = summary["evlu_pfls_smtl_amt"], summary["pchs_amt_smtl_amt"]
    return {"rlzt_pfls": tally.realized,
            "rlzt_erng_rt": dec(tally.realized / tally.cost * 100 if tally.cost else 0),
            "real_evlu_pfls": unrealized,
            "real_evlu_pfls_erng_rt": dec(unrealized / cost * 100 if cost else 0)}
