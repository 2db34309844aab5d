"""The account and information APIs beyond the trading core, on the KIS wire: calendar,
conditional search, reserved orders, realised P&L, assets, margin, credit and pension.

Each request is written with the parameter names KIS's official samples send
(koreainvestment/open-trading-api, examples_user/domestic_stock), and each answer is
checked where those samples read it: the sections and their shapes (a list where the
sample builds a table from it without an index), the cursors they copy back, and
``tr_cont``. Every one is real only: paper refuses the real TR (EGW02006) and the V TR a
paper client derives (OPSQ0002).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from pykis.market import KST, round_to_tick
from pykis.sim import Env, Simulator
from pykis.sim.conditions import ConditionError, parse
from support import QUOTES, TRADING, Kis, caller, make_sim, ok, refused

EVENING = dt.datetime(2026, 11, 20, 16, 30, tzinfo=KST)  # a Friday, after the close
MONDAY_OPEN = dt.datetime(2026, 11, 23, 9, 0, tzinfo=KST)
PENSION = TRADING + "pension/"


@pytest.fixture
def sim() -> Simulator:
    return make_sim()


@pytest.fixture
def kis(sim: Simulator) -> Kis:
    return caller(sim)


def _account(kis: Kis) -> dict[str, str]:
    return kis.account


def _jump(sim: Simulator, kis: Kis, moment: dt.datetime) -> None:
    """Move the clock; a day later the token has expired, as at KIS: take a new one."""
    sim.clock.set(moment)
    kis.use_token(None)


def _reads(answer: httpx.Response, sections: dict[str, type], *cursors: str
           ) -> dict[str, Any]:
    """The answer as the official sample reads it: rt_cd "0", each section in its
    shape, the cursor keys present, ``tr_cont`` in the headers."""
    data = ok(answer)
    for name, shape in sections.items():
        assert isinstance(data.get(name), shape), (name, data.get(name))
    for key in cursors:
        assert key in data, key
    assert "tr_cont" in answer.headers
    return data


# (name, method, path, real TR, request, sections as read, cursor keys)
def _calls(kis: Kis, today: str) -> list[tuple]:
    a = _account(kis)
    hts = kis.creds.hts_id
    return [
        ("chk_holiday", "GET", QUOTES + "chk-holiday", "CTCA0903R",
         {"BASS_DT": today, "CTX_AREA_FK": "", "CTX_AREA_NK": ""}, {"output": list},
         ("ctx_area_fk", "ctx_area_nk")),
        ("market_time", "GET", QUOTES + "market-time", "HHMCM000002C0", {},
         {"output1": dict}, ()),
        ("psearch_title", "GET", QUOTES + "psearch-title", "HHKST03900300",
         {"user_id": hts}, {"output2": list}, ()),
        ("psearch_result", "GET", QUOTES + "psearch-result", "HHKST03900400",
         {"user_id": hts, "seq": "0"}, {"output2": list}, ()),
        ("order_resv", "POST", TRADING + "order-resv", "CTSC0008U",
         {**a, "PDNO": "005930", "ORD_QTY": "1", "ORD_UNPR": "0", "SLL_BUY_DVSN_CD": "02",
          "ORD_DVSN_CD": "01", "ORD_OBJT_CBLC_DVSN_CD": "10"}, {"output": dict}, ()),
        ("order_resv_ccnl", "GET", TRADING + "order-resv-ccnl", "CTSC0004R",
         {"RSVN_ORD_ORD_DT": "20260101", "RSVN_ORD_END_DT": "20261231",
          "TMNL_MDIA_KIND_CD": "00", **a, "PRCS_DVSN_CD": "0", "CNCL_YN": "Y",
          "RSVN_ORD_SEQ": "", "PDNO": "", "SLL_BUY_DVSN_CD": "", "CTX_AREA_FK200": "",
          "CTX_AREA_NK200": ""}, {"output": list}, ("ctx_area_fk200", "ctx_area_nk200")),
        ("inquire_balance_rlz_pl", "GET", TRADING + "inquire-balance-rlz-pl", "TTTC8494R",
         {**a, "AFHR_FLPR_YN": "N", "OFL_YN": "", "INQR_DVSN": "02", "UNPR_DVSN": "01",
          "FUND_STTL_ICLD_YN": "N", "FNCG_AMT_AUTO_RDPT_YN": "N", "PRCS_DVSN": "01",
          "COST_ICLD_YN": "", "CTX_AREA_FK100": "", "CTX_AREA_NK100": ""},
         {"output1": list, "output2": list}, ("ctx_area_fk100", "ctx_area_nk100")),
        ("inquire_period_trade_profit", "GET", TRADING + "inquire-period-trade-profit",
         "TTTC8715R", {**a, "SORT_DVSN": "02", "INQR_STRT_DT": "20230216",
                       "INQR_END_DT": today, "CBLC_DVSN": "00", "PDNO": "",
                       "CTX_AREA_FK100": "", "CTX_AREA_NK100": ""},
         {"output1": list, "output2": dict}, ("ctx_area_fk100", "ctx_area_nk100")),
        ("inquire_period_profit", "GET", TRADING + "inquire-period-profit", "TTTC8708R",
         {**a, "INQR_STRT_DT": "20230101", "INQR_END_DT": today, "SORT_DVSN": "00",
          "INQR_DVSN": "00", "CBLC_DVSN": "00", "PDNO": "", "CTX_AREA_FK100": "",
          "CTX_AREA_NK100": ""}, {"output1": list, "output2": dict},
         ("ctx_area_fk100", "ctx_area_nk100")),
        ("inquire_account_balance", "GET", TRADING + "inquire-account-balance", "CTRP6548R",
         {**a, "INQR_DVSN_1": "", "BSPR_BF_DT_APLY_YN": ""},
         {"output1": list, "output2": dict}, ()),
        ("inquire_credit_psamount", "GET", TRADING + "inquire-credit-psamount", "TTTC8909R",
         {**a, "PDNO": "005930", "ORD_DVSN": "00", "CRDT_TYPE": "21",
          "CMA_EVLU_AMT_ICLD_YN": "N", "OVRS_ICLD_YN": "N", "ORD_UNPR": ""},
         {"output": dict}, ()),
        ("intgr_margin", "GET", TRADING + "intgr-margin", "TTTC0869R",
         {**a, "CMA_EVLU_AMT_ICLD_YN": "N", "WCRC_FRCR_DVSN_CD": "01",
          "FWEX_CTRT_FRCR_DVSN_CD": "01"}, {"output": dict}, ()),
        ("period_rights", "GET", TRADING + "period-rights", "CTRGA011R",
         {"INQR_DVSN": "03", **a, "INQR_STRT_DT": "20250101", "INQR_END_DT": "20250103",
          "CUST_RNCNO25": "", "HMID": "", "RGHT_TYPE_CD": "", "PDNO": "", "PRDT_TYPE_CD": "",
          "CTX_AREA_NK100": "", "CTX_AREA_FK100": ""}, {"output": list},
         ("ctx_area_fk100", "ctx_area_nk100")),
        ("pension_inquire_balance", "GET", PENSION + "inquire-balance", "TTTC2208R",
         {**a, "ACCA_DVSN_CD": "00", "INQR_DVSN": "00", "CTX_AREA_FK100": "",
          "CTX_AREA_NK100": ""}, {"output1": list, "output2": dict},
         ("ctx_area_fk100", "ctx_area_nk100")),
        ("pension_inquire_daily_ccld", "GET", PENSION + "inquire-daily-ccld", "TTTC2201R",
         {**a, "USER_DVSN_CD": "%%", "SLL_BUY_DVSN_CD": "00", "CCLD_NCCS_DVSN": "%%",
          "INQR_DVSN_3": "00", "CTX_AREA_FK100": "", "CTX_AREA_NK100": ""},
         {"output": list}, ("ctx_area_fk100", "ctx_area_nk100")),
        ("pension_inquire_deposit", "GET", PENSION + "inquire-deposit", "TTTC0506R",
         {**a, "ACCA_DVSN_CD": "00"}, {"output": dict}, ()),
        ("pension_inquire_present_balance", "GET", PENSION + "inquire-present-balance",
         "TTTC2202R", {**a, "USER_DVSN_CD": "00", "CTX_AREA_FK100": "",
                       "CTX_AREA_NK100": ""}, {"output1": list, "output2": list}, ()),
        ("pension_inquire_psbl_order", "GET", PENSION + "inquire-psbl-order", "TTTC0503R",
         {**a, "PDNO": "069500", "ACCA_DVSN_CD": "00", "CMA_EVLU_AMT_ICLD_YN": "Y",
          "ORD_UNPR": "30800", "ORD_DVSN": "00"}, {"output": dict}, ()),
    ]


NAMES = [c[0] for c in _calls(Kis(None, None, type("C", (), {
    "account_no": "1234567801", "hts_id": "x", "env": Env.REAL})()), "20261120")]


def _send(kis: Kis, method: str, path: str, tr_id: str, request: dict) -> httpx.Response:
    if method == "POST":
        return kis.post(path, tr_id, request)
    return kis.get(path, tr_id, request)


@pytest.mark.parametrize("name", NAMES)
def test_served_in_the_shape_the_sample_reads(sim: Simulator, kis: Kis, name: str) -> None:
    sim.clock.set(EVENING)
    sim.extras.conditions.define(kis.creds.hts_id, [{"name": "all", "expression": "price > 0"}])
    kis.order("buy", "005930", 1)  # refused after the close: no effect, no harm
    call = next(c for c in _calls(kis, "20261120") if c[0] == name)
    _, method, path, tr_id, request, sections, cursors = call
    _reads(_send(kis, method, path, tr_id, request), sections, *cursors)


@pytest.mark.parametrize("name", NAMES)
def test_paper_refuses_it_as_kis_does(sim: Simulator, name: str) -> None:
    paper = caller(sim, Env.PAPER)
    _, method, path, tr_id, request, _, _ = next(
        c for c in _calls(paper, "20261120") if c[0] == name)
    derived = paper.tr(tr_id)
    if derived != tr_id:  # what the official helper sends on paper: T/J/C -> V
        refused(_send(paper, method, path, derived, request), "OPSQ0002", 500)
    refused(_send(paper, method, path, tr_id, request), "EGW02006", 500)


def test_order_credit_is_refused_for_a_cash_account(kis: Kis) -> None:
    body = {**kis.account, "PDNO": "005930", "CRDT_TYPE": "21", "LOAN_DT": "20220810",
            "ORD_DVSN": "00", "ORD_QTY": "1", "ORD_UNPR": "55000"}
    refused(kis.post(TRADING + "order-credit", "TTTC0052U", body), "SIM00502")
    refused(kis.post(TRADING + "order-credit", "TTTC0052U", {**kis.account}), "IGW00007",
            500)


# --- calendar -------------------------------------------------------------------------
def test_holidays_page_through_the_calendar(sim: Simulator, kis: Kis) -> None:
    days, fk, nk, cont = [], "", "", ""
    for _ in range(5):
        answer = kis.get(QUOTES + "chk-holiday", "CTCA0903R",
                         {"BASS_DT": "20261220", "CTX_AREA_FK": fk, "CTX_AREA_NK": nk},
                         tr_cont=cont)
        data = ok(answer)
        days += data["output"]
        if answer.headers["tr_cont"] != "M":
            break
        fk, nk, cont = data["ctx_area_fk"], data["ctx_area_nk"], "N"
    dates = [d["bass_dt"] for d in days]
    assert len(dates) == len(set(dates)) == 60 and dates[0] == "20261220"
    calendar = sim.market.calendar
    for row in days:
        day = dt.datetime.strptime(row["bass_dt"], "%Y%m%d").date()
        assert (row["opnd_yn"] == "Y") == calendar.is_trading_day(day)
    last_day = next(d for d in days if d["bass_dt"] == "20261231")
    assert (last_day["opnd_yn"], last_day["bzdy_yn"]) == ("N", "Y")
    assert next(d for d in days if d["bass_dt"] == "20261220")["wday_dvsn_cd"] == "01"


def test_market_time_lists_the_coming_trading_days(kis: Kis) -> None:
    output = ok(kis.get(QUOTES + "market-time", "HHMCM000002C0", {}))["output1"]
    assert [output[f"date{i}"] for i in range(1, 6)] == [
        "20261120", "20261123", "20261124", "20261125", "20261126"]
    assert (output["s_time"], output["e_time"]) == ("090000", "153000")


# --- conditional search ---------------------------------------------------------------
def test_conditions_come_from_the_control_plane(sim: Simulator, kis: Kis) -> None:
    http = kis.http
    user = kis.creds.hts_id
    refused(kis.get(QUOTES + "psearch-title", "HHKST03900300", {"user_id": user}), "KIOK0500")
    defined = http.post(f"/_sim/conditions/{user}", json={"conditions": [
        {"name": "momentum", "expression": "change >= 1 and volume > 1000"},
        {"name": "none", "expression": "price < 0"}]})
    assert defined.status_code == 200 and len(defined.json()["conditions"]) == 2
    titles = ok(kis.get(QUOTES + "psearch-title", "HHKST03900300", {"user_id": user}))
    assert [(r["seq"], r["condition_nm"]) for r in titles["output2"]] == [
        ("0", "momentum"), ("1", "none")]
    rows = ok(kis.get(QUOTES + "psearch-result", "HHKST03900400",
                      {"user_id": user, "seq": "0"}))["output2"]
    for row in rows:  # the same quote inquire-price shows
        price = ok(kis.price(row["code"]))["output"]
        assert int(float(row["price"])) == int(price["stck_prpr"])
        assert float(row["chgrate"]) == float(price["prdy_ctrt"]) >= 1
        assert int(float(row["acml_vol"])) == int(price["acml_vol"]) > 1000
    assert len(rows) == sum(1 for code in sim.market.universe if
                            float(ok(kis.price(code))["output"]["prdy_ctrt"]) >= 1
                            and int(ok(kis.price(code))["output"]["acml_vol"]) > 1000)
    refused(kis.get(QUOTES + "psearch-result", "HHKST03900400",
                    {"user_id": user, "seq": "1"}), "MCA05918")
    bad = http.post(f"/_sim/conditions/{user}", json={"conditions": [
        {"name": "x", "expression": "__import__('os').system('true')"}]})
    assert bad.status_code == 400
    assert http.delete(f"/_sim/conditions/{user}").json()["conditions"] == []


@pytest.mark.parametrize("text", [
    "", "price", "price >", "price > abc", "volume >= 1 and", "(price > 1", "open > 1",
    "price > 1 price < 2", "__class__ > 1", "price > 1; import os", "1 > price"])
def test_bad_expressions_are_refused(text: str) -> None:
    with pytest.raises(ConditionError):
        parse(text)


def test_expressions_combine_like_logic() -> None:
    test = parse("(price < 100 or change >= 5) and volume > 10")
    assert test({"price": 50, "change": 0, "volume": 11, "value": 0})
    assert test({"price": 500, "change": 5, "volume": 11, "value": 0})
    assert not test({"price": 500, "change": 4.99, "volume": 11, "value": 0})
    assert not test({"price": 50, "change": 9, "volume": 10, "value": 0})
    assert parse("price < 1 or price > 2 and volume = 0")({"price": 0, "volume": 5})


# --- reserved orders ------------------------------------------------------------------------
def _reserve(kis: Kis, qty: int = 2, price: int = 0, **extra: str) -> str:
    body = {**kis.account, "PDNO": "005930", "ORD_QTY": str(qty), "ORD_UNPR": str(price),
            "SLL_BUY_DVSN_CD": "02", "ORD_DVSN_CD": "00" if price else "01",
            "ORD_OBJT_CBLC_DVSN_CD": "10", **extra}
    answer = ok(kis.post(TRADING + "order-resv", "CTSC0008U", body))
    assert answer["msg_cd"] == "APBK2938" and list(answer)[:3] == ["rt_cd", "msg_cd", "msg1"]
    return answer["output"]["RSVN_ORD_SEQ"]


def _reservations(kis: Kis, **cursor: str) -> httpx.Response:
    return kis.get(TRADING + "order-resv-ccnl", "CTSC0004R", {
        "RSVN_ORD_ORD_DT": "20261101", "RSVN_ORD_END_DT": "20261130",
        "TMNL_MDIA_KIND_CD": "00", **kis.account, "PRCS_DVSN_CD": "0", "CNCL_YN": "Y",
        "CTX_AREA_FK200": cursor.get("fk", ""), "CTX_AREA_NK200": cursor.get("nk", "")},
        **({"tr_cont": "N"} if cursor else {}))


def test_reservation_enters_the_book_at_the_next_open(sim: Simulator, kis: Kis) -> None:
    sim.clock.set(EVENING)
    seq = _reserve(kis, 3)
    row = ok(_reservations(kis))["output"][0]
    assert (row["rsvn_ord_seq"], row["prcs_rslt"], row["odno"]) == (seq, "미처리", "")
    _jump(sim, kis, MONDAY_OPEN - dt.timedelta(seconds=1))
    assert ok(_reservations(kis))["output"][0]["prcs_rslt"] == "미처리"
    _jump(sim, kis, MONDAY_OPEN + dt.timedelta(minutes=30))
    row = ok(_reservations(kis))["output"][0]
    assert row["prcs_rslt"] == "처리" and row["odno"]
    account = sim.account_by_number(kis.creds.account_no)
    placed = account.orders[int(row["odno"])]
    assert placed.ts == MONDAY_OPEN.timestamp() and placed.qty == 3
    assert int(row["tot_ccld_qty"]) == placed.filled


def test_period_reservation_resends_what_is_left(sim: Simulator, kis: Kis) -> None:
    sim.clock.set(EVENING)
    # 15% under the close: within the coming days' limits, too low to fill
    low = round_to_tick(sim.market.quote("005930", EVENING).price * 0.85, "down")
    _reserve(kis, 4, low, RSVN_ORD_END_DT="20261124")
    _jump(sim, kis, dt.datetime(2026, 11, 25, 10, 0, tzinfo=KST))
    ok(_reservations(kis))
    account = sim.account_by_number(kis.creds.account_no)
    days = sorted(o.day for o in account.orders.values() if o.tr_id == "CTSC0008U")
    assert days == [dt.date(2026, 11, 23), dt.date(2026, 11, 24)]


def test_reservation_amended_then_cancelled(sim: Simulator, kis: Kis) -> None:
    sim.clock.set(EVENING)
    seq = _reserve(kis, 2)
    key = {**kis.account, "RSVN_ORD_SEQ": seq, "RSVN_ORD_ORGNO": "",
           "RSVN_ORD_ORD_DT": "20261120"}
    amend = {**key, "PDNO": "005930", "ORD_QTY": "7", "ORD_UNPR": "0",
             "SLL_BUY_DVSN_CD": "02", "ORD_DVSN_CD": "01", "ORD_OBJT_CBLC_DVSN_CD": "10"}
    changed = ok(kis.post(TRADING + "order-resv-rvsecncl", "CTSC0013U", amend))
    assert changed["output"] == {"nrml_prcs_yn": "Y"} and changed["msg_cd"] == "KIOK0430"
    assert ok(_reservations(kis))["output"][0]["ord_rsvn_qty"] == "7"
    ok(kis.post(TRADING + "order-resv-rvsecncl", "CTSC0009U", key))
    refused(kis.post(TRADING + "order-resv-rvsecncl", "CTSC0009U", key), "APBK0344")
    refused(kis.post(TRADING + "order-resv-rvsecncl", "CTSC0009U",
                     {**key, "RSVN_ORD_ORD_DT": "20261119"}), "APBK1680")
    _jump(sim, kis, MONDAY_OPEN + dt.timedelta(hours=1))
    row = ok(_reservations(kis))["output"][0]
    assert (row["prcs_rslt"], row["cncl_ord_dt"], row["odno"]) == ("취소", "20261120", "")
    without = ok(kis.get(TRADING + "order-resv-ccnl", "CTSC0004R", {
        "RSVN_ORD_ORD_DT": "20261101", "RSVN_ORD_END_DT": "20261130",
        "TMNL_MDIA_KIND_CD": "00", **kis.account, "PRCS_DVSN_CD": "0", "CNCL_YN": "N"}))
    assert without["output"] == []


def test_reservation_refused_at_the_open_says_why(sim: Simulator, kis: Kis) -> None:
    sim.clock.set(EVENING)
    body = {**kis.account, "PDNO": "005930", "ORD_QTY": "5", "ORD_UNPR": "0",
            "SLL_BUY_DVSN_CD": "01", "ORD_DVSN_CD": "01", "ORD_OBJT_CBLC_DVSN_CD": "10"}
    ok(kis.post(TRADING + "order-resv", "CTSC0008U", body))  # nothing to sell
    _jump(sim, kis, MONDAY_OPEN + dt.timedelta(minutes=1))
    row = ok(_reservations(kis))["output"][0]
    assert row["prcs_rslt"] == "거부" and row["rjct_rson2"]


def test_reservations_page_twenty_at_a_time(sim: Simulator, kis: Kis) -> None:
    sim.clock.set(EVENING)
    made = {_reserve(kis, 1) for _ in range(25)}
    first = _reservations(kis)
    page = ok(first)
    assert first.headers["tr_cont"] == "M" and len(page["output"]) == 20
    assert len(page["ctx_area_nk200"]) == 200
    second = _reservations(kis, fk=page["ctx_area_fk200"], nk=page["ctx_area_nk200"])
    assert second.headers["tr_cont"] == "D"
    seqs = [r["rsvn_ord_seq"] for r in page["output"] + ok(second)["output"]]
    assert set(seqs) == made and seqs == sorted(seqs, reverse=True)


@pytest.mark.parametrize(("field", "value", "code"), [
    ("ORD_DVSN_CD", "05", "SIM00501"), ("ORD_DVSN_CD", "99", "OPSQ2001"),
    ("ORD_OBJT_CBLC_DVSN_CD", "21", "SIM00501"), ("SLL_BUY_DVSN_CD", "03", "OPSQ2001"),
    ("PDNO", "999999", "APBK0656"), ("RSVN_ORD_END_DT", "20270101", "OPSQ2001"),
])
def test_bad_reservations_are_refused(sim: Simulator, kis: Kis, field: str, value: str,
                                      code: str) -> None:
    sim.clock.set(EVENING)
    body = {**kis.account, "PDNO": "005930", "ORD_QTY": "1", "ORD_UNPR": "0",
            "SLL_BUY_DVSN_CD": "02", "ORD_DVSN_CD": "01", "ORD_OBJT_CBLC_DVSN_CD": "10",
            field: value}
    refused(kis.post(TRADING + "order-resv", "CTSC0008U", body), code)


# --- realised P&L ----------------------------------------------------------------------------
def test_realised_pnl_matches_the_ledger(sim: Simulator, kis: Kis) -> None:
    ok(kis.order("buy", "005930", 10))
    sim.clock.advance(900)
    ok(kis.order("sell", "005930", 6))
    account = sim.account_by_number(kis.creds.account_no)
    sells = [f for f in account.fills() if f.side.value == "sell"]
    realized = sum(sim.extras.realized(f) for f in sells)
    average = account.positions["005930"].avg_price
    assert realized == (sum(f.value for f in sells) - round(average * 6)
                        - sum(f.costs for f in sells))
    base = {**kis.account, "INQR_STRT_DT": "20261120", "INQR_END_DT": "20261120",
            "SORT_DVSN": "00", "CBLC_DVSN": "00", "PDNO": "", "CTX_AREA_FK100": "",
            "CTX_AREA_NK100": ""}
    daily = ok(kis.get(TRADING + "inquire-period-profit", "TTTC8708R",
                       {**base, "INQR_DVSN": "00"}))
    assert int(daily["output1"][0]["rlzt_pfls"]) == realized
    assert int(daily["output2"]["tot_rlzt_pfls"]) == realized
    trades = ok(kis.get(TRADING + "inquire-period-trade-profit", "TTTC8715R", base))
    row = trades["output1"][0]
    assert (row["pdno"], row["buy_qty"], row["sll_qty"], row["hldg_qty"]) == (
        "005930", "10", "6", "4")
    assert int(row["rlzt_pfls"]) == realized == (
        int(row["sll_amt"]) - round(float(row["pchs_unpr"]) * 6) - int(row["fee"])
        - int(row["tl_tax"]))
    balance = ok(kis.get(TRADING + "inquire-balance-rlz-pl", "TTTC8494R", {
        **kis.account, "AFHR_FLPR_YN": "N", "OFL_YN": "", "INQR_DVSN": "02",
        "UNPR_DVSN": "01", "FUND_STTL_ICLD_YN": "N", "FNCG_AMT_AUTO_RDPT_YN": "N",
        "PRCS_DVSN": "00", "COST_ICLD_YN": "", "CTX_AREA_FK100": "", "CTX_AREA_NK100": ""}))
    assert int(balance["output2"][0]["rlzt_pfls"]) == realized
    assert balance["output1"][0]["hldg_qty"] == "4"
    # The round trip's cash: what was realised, less the purchase's commission, plus
    # what the four shares left cost.
    buys = [f for f in account.fills() if f.side.value == "buy"]
    spent = account.initial_cash - account.cash()
    assert -spent == realized - sum(f.commission for f in buys) - round(average * 4)


def test_reservation_hours_can_be_enforced(sim: Simulator, kis: Kis) -> None:
    from pykis.sim.reserved import ReservedRules

    sim.extras.reserved.rules = ReservedRules(enforce_hours=True)
    body = {**kis.account, "PDNO": "005930", "ORD_QTY": "1", "ORD_UNPR": "0",
            "SLL_BUY_DVSN_CD": "02", "ORD_DVSN_CD": "01", "ORD_OBJT_CBLC_DVSN_CD": "10"}
    refused(kis.post(TRADING + "order-resv", "CTSC0008U", body), "APBK0918")  # 10:30
    _jump(sim, kis, EVENING)
    ok(kis.post(TRADING + "order-resv", "CTSC0008U", body))
