"""Account inquiries: shapes, figures and cursor paging to the last page at KIS's page
sizes (balance 50 real / 20 paper, daily orders 100 / 15, open orders 50)."""

from __future__ import annotations

import datetime as dt

import pytest

from pykis.market import tick_size
from pykis.sim import AccountSpec, Env
from pykis.sim.wire.fields import FIELDS
from support import Kis, caller, make_sim, ok


def keys(endpoint: str, section: str) -> list[str]:
    return [name for name, _ in FIELDS[endpoint][section]]


def all_pages(call) -> tuple[list[dict], list]:
    """Follow tr_cont M pages to the last; returns the rows and each answer."""
    answers, rows, cursor = [], [], {}
    while True:
        answer = call(**cursor)
        data = ok(answer)
        answers.append(answer)
        section = "output1" if "output1" in data else "output"
        rows += data[section]
        if answer.headers["tr_cont"] != "M":
            assert answer.headers["tr_cont"] == "D"
            return rows, answers
        assert len(data["ctx_area_nk100"]) == 100 and data["ctx_area_nk100"].strip()
        cursor = {"fk": data["ctx_area_fk100"], "nk": data["ctx_area_nk100"]}


def rich_holder(env: Env, symbols: int) -> Kis:
    """An account holding one share of each of the first ``symbols`` listings."""
    sim = make_sim(accounts=[AccountSpec(env, cash=10**12)])
    codes = list(sim.market.universe)[:symbols]
    spec = AccountSpec(env, cash=10**12, positions={code: (1, 1000) for code in codes})
    sim.config.accounts = [spec]
    sim.reset()
    return caller(sim, env)


@pytest.mark.parametrize(("env", "page", "symbols"), [
    (Env.REAL, 50, 60), (Env.PAPER, 20, 45)])
def test_balance_pages_to_the_last(env: Env, page: int, symbols: int) -> None:
    kis = rich_holder(env, symbols)
    rows, answers = all_pages(kis.balance)
    assert len(answers) == -(-symbols // page)
    assert [len(ok(a)["output1"]) for a in answers[:-1]] == [page] * (len(answers) - 1)
    codes = [r["pdno"] for r in rows]
    assert codes == sorted(codes) and len(set(codes)) == symbols
    if env is Env.REAL:
        assert [ok(a)["msg_cd"] for a in answers] == ["KIOK0500"] * (len(answers) - 1) + [
            "KIOK0460"]
    else:
        assert {ok(a)["msg_cd"] for a in answers} == {"20310000"}


def test_balance_shape_and_figures(kis: Kis) -> None:
    ok(kis.order("buy", "005930", 10))
    answer = kis.balance()
    data = ok(answer)
    assert list(data) == ["ctx_area_fk100", "ctx_area_nk100", "output1", "output2", "rt_cd",
                          "msg_cd", "msg1"]
    assert answer.headers["tr_cont"] == "D"
    assert len(data["msg1"].encode("euc-kr")) == 80  # padded like KIS's inquiry answers
    row, summary = data["output1"][0], data["output2"]
    assert isinstance(summary, list) and len(summary) == 1  # KIS: a one-element array
    summary = summary[0]
    assert list(row) == keys("inquire_balance", "output1")
    assert list(summary) == keys("inquire_balance", "output2")
    fill = kis.ledger()["fills"]
    paid = sum(f["qty"] * f["price"] for f in fill)
    assert (row["pdno"], row["hldg_qty"], row["ord_psbl_qty"], row["thdt_buyqty"]) == (
        "005930", "10", "10", "10")
    assert int(row["pchs_amt"]) == paid
    assert float(row["pchs_avg_pric"]) == paid / 10 and row["pchs_avg_pric"].count(".") == 1
    assert int(row["evlu_amt"]) == 10 * int(row["prpr"])
    assert int(row["evlu_pfls_amt"]) == int(row["evlu_amt"]) - paid
    assert int(summary["thdt_buy_amt"]) == paid
    assert int(summary["thdt_tlex_amt"]) == sum(f["commission"] for f in fill)
    assert int(summary["scts_evlu_amt"]) == int(row["evlu_amt"])
    assert int(summary["tot_evlu_amt"]) == (int(summary["prvs_rcdl_excc_amt"])
                                            + int(summary["scts_evlu_amt"]))
    assert int(summary["nass_amt"]) < int(summary["tot_evlu_amt"])  # less the costs to sell


def test_sold_out_positions_stay_with_zero_until_they_settle(real: Kis) -> None:
    ok(real.order("buy", "005930", 2))
    ok(real.order("sell", "005930", 2))
    row = ok(real.balance())["output1"][0]
    assert (row["pdno"], row["hldg_qty"], row["thdt_sll_qty"]) == ("005930", "0", "2")


def orders(kis: Kis, count: int) -> list[str]:
    price = int(ok(kis.price())["output"]["stck_prpr"])
    low = price - 30 * tick_size(price)
    return [ok(kis.order("buy", "005930", 1, low))["output"]["ODNO"] for _ in range(count)]


@pytest.mark.parametrize(("env", "page", "count"), [(Env.REAL, 100, 130), (Env.PAPER, 15, 40)])
def test_daily_orders_page_to_the_last(env: Env, page: int, count: int) -> None:
    kis = caller(make_sim(accounts=[AccountSpec(env, cash=10**12)]), env)
    placed = orders(kis, count)
    rows, answers = all_pages(kis.daily_ccld)
    assert len(answers) == -(-count // page)
    assert [int(r["odno"]) for r in rows] == sorted((int(n) for n in placed), reverse=True)
    oldest_first, _ = all_pages(lambda **c: kis.daily_ccld(newest_first=False, **c))
    assert [int(r["odno"]) for r in oldest_first] == sorted(int(n) for n in placed)
    summary = ok(answers[-1])["output2"]
    assert isinstance(summary, dict) and summary["tot_ord_qty"] == str(count)


def test_daily_orders_row_shape_per_environment(kis: Kis) -> None:
    ok(kis.order("buy", "005930", 1))
    data = ok(kis.daily_ccld())
    row = data["output1"][0]
    assert list(row) == keys("inquire_daily_ccld", "output1")
    assert list(data["output2"]) == keys("inquire_daily_ccld", "output2")
    assert len(row["odno"]) == 10 and row["ord_dt"] == "20261120"
    if kis.paper:
        assert (row["sll_buy_dvsn_cd_name"], row["cncl_yn"], row["orgn_odno"]) == (
            "매수", "N", row["odno"])
    else:
        assert (row["sll_buy_dvsn_cd_name"], row["cncl_yn"], row["orgn_odno"]) == (
            "현금매수", "", "")
        assert (row["prdt_type_cd"], row["excg_dvsn_cd"]) == ("300", "02")
    assert (row["ord_dvsn_name"], row["tot_ccld_qty"], row["rmn_qty"]) == ("시장가", "1", "0")


def test_daily_orders_filters(kis: Kis) -> None:
    filled = ok(kis.order("buy", "005930", 1))["output"]["ODNO"]
    resting = orders(kis, 1)[0]
    only_filled = ok(kis.daily_ccld(filled="01"))["output1"]
    only_open = ok(kis.daily_ccld(filled="02"))["output1"]
    assert [int(r["odno"]) for r in only_filled] == [int(filled)]
    assert [int(r["odno"]) for r in only_open] == [int(resting)]
    other_day = ok(kis.daily_ccld(day=dt.date(2026, 11, 19)))["output1"]
    assert other_day == []


def test_open_orders_page_by_fifty() -> None:
    kis = caller(make_sim(accounts=[AccountSpec(Env.REAL, cash=10**12)]))
    placed = orders(kis, 60)
    rows, answers = all_pages(kis.open_orders)
    assert len(answers) == 2 and len(ok(answers[0])["output"]) == 50
    assert [int(r["odno"]) for r in rows] == [int(n) for n in placed]
    assert list(rows[0]) == keys("inquire_psbl_rvsecncl", "output")
    assert {r["psbl_qty"] for r in rows} == {"1"}
    ok(kis.revise(placed[0], cancel=True))
    assert len(all_pages(kis.open_orders)[0]) == 59


def test_buying_power_shape(kis: Kis) -> None:
    data = ok(kis.buying_power())
    assert list(data["output"]) == keys("inquire_psbl_order", "output")
    assert data["msg_cd"] == ("20310000" if kis.paper else "KIOK0530")
    blank = ok(kis.get("/uapi/domestic-stock/v1/trading/inquire-psbl-order",
                       kis.tr("TTTC8908R"), {**kis.account, "PDNO": "", "ORD_UNPR": "",
                                             "ORD_DVSN": "01", "CMA_EVLU_AMT_ICLD_YN": "N",
                                             "OVRS_ICLD_YN": "N"}))["output"]
    assert blank["max_buy_qty"] == "0" and int(blank["ord_psbl_cash"]) > 0


def test_sellable_quantity(real: Kis) -> None:
    ok(real.order("buy", "005930", 5))
    price = int(ok(real.price())["output"]["stck_prpr"])
    ok(real.order("sell", "005930", 2, price + 10 * tick_size(price)))
    data = ok(real.get("/uapi/domestic-stock/v1/trading/inquire-psbl-sell", "TTTC8408R",
                       {**real.account, "PDNO": "005930"}))
    out = data["output"]
    assert list(out) == keys("inquire_psbl_sell", "output")
    assert (out["cblc_qty"], out["ord_psbl_qty"], out["buy_qty"]) == ("5", "3", "5")
    assert data["msg_cd"] == "KIOK0420"


def test_paging_continues_after_the_cursor_row_disappears() -> None:
    kis = caller(make_sim(accounts=[AccountSpec(Env.REAL, cash=10**12)]))
    placed = orders(kis, 60)
    first = ok(kis.open_orders())
    assert first["output"][-1]["odno"] == f"{int(placed[49]):010d}"
    ok(kis.revise(placed[49], cancel=True))  # the row the cursor names is gone
    second = ok(kis.open_orders(fk=first["ctx_area_fk100"], nk=first["ctx_area_nk100"]))
    assert [int(r["odno"]) for r in second["output"]] == [int(n) for n in placed[50:]]


def test_paper_daily_orders_without_an_exchange_code(paper: Kis) -> None:
    ok(paper.order("buy", "005930", 1))
    params = {**paper.account, "INQR_STRT_DT": "20261120", "INQR_END_DT": "20261120",
              "SLL_BUY_DVSN_CD": "00", "INQR_DVSN": "00", "PDNO": "", "CCLD_DVSN": "00",
              "ORD_GNO_BRNO": "", "ODNO": "", "INQR_DVSN_3": "00", "INQR_DVSN_1": "",
              "CTX_AREA_FK100": "", "CTX_AREA_NK100": ""}  # older callers omit the exchange
    rows = ok(paper.get("/uapi/domestic-stock/v1/trading/inquire-daily-ccld", "VTTC0081R",
                        params))["output1"]
    assert len(rows) == 1


def test_the_two_daily_order_trs_split_the_ledger_at_three_months() -> None:
    sim = make_sim(dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))))
    kis = caller(sim)
    old = ok(kis.order("buy", "005930", 1))["output"]["ODNO"]
    sim.clock.set(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9))))
    kis.use_token(None)
    recent = ok(kis.order("buy", "005930", 1))["output"]["ODNO"]
    params = {**kis.account, "INQR_STRT_DT": "20260101", "INQR_END_DT": "20261120",
              "SLL_BUY_DVSN_CD": "00", "INQR_DVSN": "00", "PDNO": "", "CCLD_DVSN": "00",
              "ORD_GNO_BRNO": "", "ODNO": "", "INQR_DVSN_3": "00", "INQR_DVSN_1": "",
              "EXCG_ID_DVSN_CD": "KRX", "CTX_AREA_FK100": "", "CTX_AREA_NK100": ""}
    path = "/uapi/domestic-stock/v1/trading/inquire-daily-ccld"
    within = ok(kis.get(path, "TTTC0081R", params))["output1"]
    before = ok(kis.get(path, "CTSC9215R", params))["output1"]
    assert [r["odno"] for r in within] == [recent]
    assert [r["odno"] for r in before] == [old]
