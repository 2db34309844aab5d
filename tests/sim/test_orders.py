"""Orders: matching (full, partial, resting, auctions), amend and cancel of the remainder,
refusals with each environment's codes, costs and T+2 cash, legacy TR IDs."""

from __future__ import annotations

import datetime as dt

import pytest

from pykis.market import KST, tick_size
from pykis.sim import AccountSpec, Env
from support import Kis, caller, make_sim, ok, refused


def quote(kis: Kis, code: str = "005930") -> dict:
    return ok(kis.price(code))["output"]


def odno(answer) -> str:
    return ok(answer)["output"]["ODNO"]


def ledger_order(kis: Kis, number: str) -> dict:
    return next(o for o in kis.ledger()["orders"] if o["odno"] == int(number))


def move(kis: Kis, price: int, code: str = "005930") -> None:
    answer = kis.http.post(f"/_sim/market/{code}/price", json={"price": price})
    assert answer.status_code == 200, answer.text


def rows(kis: Kis, **kwargs) -> list[dict]:
    return ok(kis.daily_ccld(**kwargs))["output1"]


# --- answers ------------------------------------------------------------------------------
def test_order_answer_shape(kis: Kis) -> None:
    data = ok(kis.order("buy", "005930", 1))
    assert list(data) == ["rt_cd", "msg_cd", "msg1", "output"]
    assert list(data["output"]) == ["KRX_FWDG_ORD_ORGNO", "ODNO", "ORD_TMD"]
    assert data["output"]["ORD_TMD"] == "103000"
    if kis.paper:
        assert (data["msg_cd"], data["msg1"]) == ("40600000", "모의투자 매수주문이 완료 되었습니다.")
        assert data["output"]["KRX_FWDG_ORD_ORGNO"] == "00950"
        assert not data["output"]["ODNO"].startswith("0")  # paper answers short numbers
    else:
        assert (data["msg_cd"], data["msg1"]) == ("APBK0013", "주문 전송 완료 되었습니다.")
        assert len(data["output"]["ODNO"]) == 10


def test_sell_answer_code(kis: Kis) -> None:
    ok(kis.order("buy", "005930", 2))
    data = ok(kis.order("sell", "005930", 1))
    assert data["msg_cd"] == ("40590000" if kis.paper else "APBK0013")


@pytest.mark.parametrize(("real_tr", "side"), [("TTTC0802U", "buy"), ("TTTC0801U", "sell")])
def test_legacy_tr_ids_still_work(kis: Kis, real_tr: str, side: str) -> None:
    if side == "sell":
        ok(kis.order("buy", "005930", 1))
    number = odno(kis.order(side, "005930", 1, tr_id=kis.tr(real_tr)))
    assert ledger_order(kis, number)["side"] == side


# --- matching ------------------------------------------------------------------------------
def test_market_buy_fills_against_the_book_and_books_costs(kis: Kis) -> None:
    book = ok(kis.get("/uapi/domestic-stock/v1/quotations/inquire-asking-price-exp-ccn",
                      "FHKST01010200", {"FID_COND_MRKT_DIV_CODE": "J",
                                        "FID_INPUT_ISCD": "005930"}))["output1"]
    number = odno(kis.order("buy", "005930", 3))
    order = ledger_order(kis, number)
    assert (order["filled"], order["remaining"]) == (3, 0)
    fill = kis.ledger()["fills"][0]
    assert fill["price"] == int(book["askp1"])  # three shares fit in the best ask
    value = 3 * fill["price"]
    assert fill["commission"] == value * 140_527 // 10**9
    assert (fill["transaction_tax"], fill["rural_tax"]) == (0, 0)
    cash = kis.http.get("/_sim/accounts").json()
    account = next(a for a in cash if a["account_no"] == kis.creds.account_no)
    start = 500_000_000 if kis.paper else 10_000_000
    assert account["cash"] == start - value - fill["commission"]
    assert account["positions"]["005930"]["qty"] == 3


@pytest.mark.parametrize("env", [Env.REAL, Env.PAPER])
def test_market_order_walks_the_book(env: Env) -> None:
    kis = caller(make_sim(accounts=[AccountSpec(env, cash=10**12)]), env)
    number = odno(kis.order("buy", "005930", 200_000))
    fills = [f for f in kis.ledger()["fills"] if f["odno"] == int(number)]
    prices = [f["price"] for f in fills]
    assert prices == sorted(prices) and len(set(prices)) > 1
    assert sum(f["qty"] for f in fills) == ledger_order(kis, number)["filled"]


def test_limit_buy_rests_then_fills_at_its_price_when_the_market_trades_through(
    kis: Kis,
) -> None:
    price = int(quote(kis)["stck_prpr"])
    limit = price - 5 * tick_size(price)
    number = odno(kis.order("buy", "005930", 10, limit))
    assert ledger_order(kis, number)["filled"] == 0
    row = rows(kis)[0]
    assert (row["ord_qty"], row["tot_ccld_qty"], row["rmn_qty"]) == ("10", "0", "10")
    move(kis, limit - 2 * tick_size(limit))
    order = ledger_order(kis, number)
    assert order["filled"] == 10
    assert {f["price"] for f in kis.ledger()["fills"]} == {limit}


@pytest.mark.parametrize("env", [Env.REAL, Env.PAPER])
def test_a_large_resting_order_fills_partially_as_trades_come(env: Env) -> None:
    kis = caller(make_sim(accounts=[AccountSpec(env, cash=10**12)]), env)
    price = int(quote(kis)["stck_prpr"])
    tick = tick_size(price)
    number = odno(kis.order("buy", "005930", 1_000_000, price - 5 * tick))
    assert ledger_order(kis, number)["filled"] == 0
    move(kis, price - 8 * tick)  # the market trades through the order: it starts filling
    first = ledger_order(kis, number)["filled"]
    kis.sim.clock.advance(60)
    kis.price()  # any request matches resting orders up to now
    later = ledger_order(kis, number)["filled"]
    assert 0 < first < later < 1_000_000
    row = next(r for r in rows(kis) if int(r["odno"]) == int(number))
    assert (int(row["tot_ccld_qty"]), int(row["rmn_qty"])) == (later, 1_000_000 - later)
    assert {f["price"] for f in kis.ledger()["fills"]} == {price - 5 * tick}


def test_day_orders_expire_at_the_close(kis: Kis) -> None:
    low = int(quote(kis)["stck_llam"])
    number = odno(kis.order("buy", "005930", 1, low))
    kis.sim.clock.set(dt.datetime(2026, 11, 20, 15, 31, tzinfo=KST))
    kis.price()
    order = ledger_order(kis, number)
    assert order["expired"] and order["remaining"] == 1
    assert next(r for r in rows(kis) if int(r["odno"]) == int(number))["rmn_qty"] == "1"
    if not kis.paper:
        assert ok(kis.open_orders())["output"] == []
    refused(kis.revise(number, cancel=True), "40580000" if kis.paper else "APBK0918")


def test_ioc_cancels_what_does_not_trade_at_once(kis: Kis) -> None:
    price = int(quote(kis)["stck_prpr"])
    far = price - 20 * tick_size(price)
    ioc = ledger_order(kis, odno(kis.order("buy", "005930", 5, far, dvsn="11")))
    assert (ioc["filled"], ioc["canceled"], ioc["remaining"]) == (0, 5, 0)
    market_ioc = ledger_order(kis, odno(kis.order("buy", "005930", 1, dvsn="13")))
    assert (market_ioc["filled"], market_ioc["canceled"]) == (1, 0)


@pytest.mark.parametrize("env", [Env.REAL, Env.PAPER])
def test_fok_fills_all_at_once_or_nothing(env: Env) -> None:
    rich = [AccountSpec(Env.REAL, cash=10**12), AccountSpec(Env.PAPER, cash=10**12)]
    kis = caller(make_sim(accounts=rich), env)
    book = ok(kis.get("/uapi/domestic-stock/v1/quotations/inquire-asking-price-exp-ccn",
                      "FHKST01010200", {"FID_COND_MRKT_DIV_CODE": "J",
                                        "FID_INPUT_ISCD": "005930"}))["output1"]
    depth = int(book["total_askp_rsqn"])
    too_many = ledger_order(kis, odno(kis.order("buy", "005930", depth + 1, dvsn="14")))
    assert (too_many["filled"], too_many["canceled"]) == (0, depth + 1)
    assert kis.ledger()["fills"] == []
    exact = ledger_order(kis, odno(kis.order("buy", "005930", depth, dvsn="14")))
    assert (exact["filled"], exact["canceled"]) == (depth, 0)


def test_best_price_types_take_the_book_price(kis: Kis) -> None:
    book = ok(kis.get("/uapi/domestic-stock/v1/quotations/inquire-asking-price-exp-ccn",
                      "FHKST01010200", {"FID_COND_MRKT_DIV_CODE": "J",
                                        "FID_INPUT_ISCD": "005930"}))["output1"]
    best = ledger_order(kis, odno(kis.order("buy", "005930", 1, dvsn="03")))
    assert (best["price"], best["filled"]) == (int(book["askp1"]), 1)
    same = ledger_order(kis, odno(kis.order("buy", "005930", 1, dvsn="04")))
    assert (same["price"], same["filled"]) == (int(book["bidp1"]), 0)


def test_unsimulated_and_invalid_order_types(kis: Kis) -> None:
    answer = kis.order("buy", "005930", 1, 60000, dvsn="07")
    assert answer.json()["msg_cd"] == "SIM00501"
    refused(kis.order("buy", "005930", 1, 60000, dvsn="99"), "OPSQ2001")


# --- amend and cancel ----------------------------------------------------------------------
def test_cancel_the_remainder(kis: Kis) -> None:
    price = int(quote(kis)["stck_prpr"])
    number = odno(kis.order("buy", "005930", 4, price - 10 * tick_size(price)))
    answer = ok(kis.revise(number, cancel=True))
    assert answer["msg_cd"] == ("40630000" if kis.paper else "APBK0013")
    cancel_no = answer["output"]["ODNO"]
    original = ledger_order(kis, number)
    assert (original["canceled"], original["remaining"]) == (4, 0)
    record = ledger_order(kis, cancel_no)
    assert (record["kind"], record["original"], record["qty"]) == ("cancel", int(number), 4)
    cancel_row = next(r for r in rows(kis) if r["cncl_yn"] == "Y")
    assert int(cancel_row["orgn_odno"]) == int(number)
    assert cancel_row["cncl_cfrm_qty"] == "4"
    refused(kis.revise(number, cancel=True), "40330000" if kis.paper else "APBK0344")


def test_cancel_part_of_the_remainder(kis: Kis) -> None:
    price = int(quote(kis)["stck_prpr"])
    number = odno(kis.order("buy", "005930", 4, price - 10 * tick_size(price)))
    ok(kis.revise(number, cancel=True, qty=3, all_qty=False))
    assert ledger_order(kis, number)["remaining"] == 1
    refused(kis.revise(number, cancel=True, qty=2, all_qty=False),
            "40330000" if kis.paper else "APBK0344")


def test_amend_the_price_moves_the_remainder_to_a_new_order(kis: Kis) -> None:
    price = int(quote(kis)["stck_prpr"])
    tick = tick_size(price)
    number = odno(kis.order("buy", "005930", 5, price - 10 * tick))
    answer = ok(kis.revise(number, cancel=False, price=price - 3 * tick))
    assert answer["msg_cd"] == ("40620000" if kis.paper else "APBK0013")
    new = ledger_order(kis, answer["output"]["ODNO"])
    assert (new["kind"], new["original"], new["qty"], new["price"]) == (
        "amend", int(number), 5, price - 3 * tick)
    assert ledger_order(kis, number)["remaining"] == 0
    move(kis, price - 4 * tick)
    assert ledger_order(kis, answer["output"]["ODNO"])["filled"] == 5


def test_amend_refusals(kis: Kis) -> None:
    price = int(quote(kis)["stck_prpr"])
    number = odno(kis.order("buy", "005930", 5, price - 10 * tick_size(price)))
    refused(kis.revise(number, cancel=False, price=price + 1),
            "40030000" if kis.paper else "APBK0506")
    refused(kis.revise("999999", cancel=True), "40340000" if kis.paper else "APBK1680")
    filled = odno(kis.order("buy", "005930", 1))
    refused(kis.revise(filled, cancel=True), "40330000" if kis.paper else "APBK0344")


def test_legacy_revise_tr_id(kis: Kis) -> None:
    price = int(quote(kis)["stck_prpr"])
    number = odno(kis.order("buy", "005930", 1, price - 10 * tick_size(price)))
    body = {**kis.account, "KRX_FWDG_ORD_ORGNO": "00950" if kis.paper else "06010",
            "ORGN_ODNO": number, "ORD_DVSN": "00", "RVSE_CNCL_DVSN_CD": "02",
            "ORD_QTY": "0", "ORD_UNPR": "0", "QTY_ALL_ORD_YN": "Y"}
    ok(kis.post("/uapi/domestic-stock/v1/trading/order-rvsecncl", kis.tr("TTTC0803U"), body))
    assert ledger_order(kis, number)["canceled"] == 1


# --- refusals -------------------------------------------------------------------------------
def codes(kis: Kis, real: str, paper: str) -> str:
    return paper if kis.paper else real


def test_refusals_by_reason(kis: Kis) -> None:
    out = quote(kis)
    price, upper, lower = int(out["stck_prpr"]), int(out["stck_mxpr"]), int(out["stck_llam"])
    tick = tick_size(price)
    cases = [
        (kis.order("buy", "005930", 10_000_000, price), codes(kis, "APBK0952", "40250000")),
        (kis.order("buy", "005930", 1, price + tick // 2), codes(kis, "APBK0506", "40030000")),
        (kis.order("buy", "005930", 1, upper + tick_size(upper)),
         codes(kis, "APBK0406", "40050000")),
        (kis.order("buy", "005930", 1, lower - tick_size(lower)),
         codes(kis, "APBK0407", "40050000")),
        (kis.order("buy", "999999", 1), codes(kis, "APBK0656", "40070000")),
        (kis.order("sell", "000660", 1), codes(kis, "APBK0400", "40240000")),
    ]
    for answer, code in cases:
        data = refused(answer, code)
        assert data["rt_cd"] == ("7" if code == "APBK0952" else "1")
    assert kis.ledger()["orders"] == []


def test_an_absurd_quantity_is_refused_like_any_other(kis: Kis) -> None:
    """Any client may send any digits: 10**30 shares is more than the cash buys or the
    account holds, not an internal error (costs are worked out exactly at any size)."""
    refused(kis.order("buy", "005930", 10**30, 70_000), codes(kis, "APBK0952", "40250000"))
    refused(kis.order("buy", "005930", 10**30), codes(kis, "APBK0952", "40250000"))
    refused(kis.order("sell", "005930", 10**30), codes(kis, "APBK0400", "40240000"))
    assert kis.ledger()["orders"] == []


def test_insufficient_cash_message_text(paper: Kis) -> None:
    data = refused(paper.order("buy", "005930", 10_000_000), "40250000")
    assert data["msg1"] == "모의투자 주문가능금액이 부족합니다."


def test_cannot_sell_more_than_held_or_already_offered(kis: Kis) -> None:
    ok(kis.order("buy", "005930", 3))
    price = int(quote(kis)["stck_prpr"])
    refused(kis.order("sell", "005930", 4), codes(kis, "APBK0400", "40240000"))
    ok(kis.order("sell", "005930", 2, price + 10 * tick_size(price)))  # rests
    refused(kis.order("sell", "005930", 2), codes(kis, "APBK0400", "40240000"))
    ok(kis.order("sell", "005930", 1))


def test_market_buys_are_margined_at_the_upper_limit() -> None:
    kis = caller(make_sim(accounts=[AccountSpec(Env.REAL, cash=1_000_000)]))
    out = quote(kis)
    price, upper = int(out["stck_prpr"]), int(out["stck_mxpr"])
    qty = 1_000_000 // upper + 1  # affordable at the price, not at the upper limit
    assert qty * price * 1.001 < 1_000_000
    refused(kis.order("buy", "005930", qty), "APBK0952")
    power = ok(kis.buying_power())["output"]
    assert int(power["psbl_qty_calc_unpr"]) == upper
    assert int(power["max_buy_qty"]) == qty - 1
    ok(kis.order("buy", "005930", qty - 1))


@pytest.mark.parametrize(("moment", "real_code", "paper_code"), [
    (dt.datetime(2026, 11, 20, 16, 30), "APBK0918", "40580000"),  # after the close
    (dt.datetime(2026, 11, 20, 7, 0), "APBK0918", "40570000"),  # before the pre-market
    (dt.datetime(2026, 11, 20, 8, 45), None, "40570000"),  # pre-market: real takes it
    (dt.datetime(2026, 11, 21, 10, 0), "APBK0919", "40100000"),  # Saturday
    (dt.datetime(2026, 12, 31, 10, 0), "APBK0919", "40100000"),  # year-end closing
])
def test_orders_outside_the_session(moment: dt.datetime, real_code, paper_code) -> None:
    sim = make_sim(moment.replace(tzinfo=KST))
    for env, code in ((Env.REAL, real_code), (Env.PAPER, paper_code)):
        kis = caller(sim, env)
        answer = kis.order("buy", "005930", 1)
        if code is None:
            ok(answer)
        else:
            refused(answer, code)


def test_pre_market_orders_fill_at_the_opening_auction() -> None:
    sim = make_sim(dt.datetime(2026, 11, 20, 8, 45, tzinfo=KST))
    kis = caller(sim)
    number = odno(kis.order("buy", "005930", 2))
    assert ledger_order(kis, number)["filled"] == 0
    sim.clock.set(dt.datetime(2026, 11, 20, 9, 0, 1, tzinfo=KST))
    opening = quote(kis)["stck_oprc"]
    fills = kis.ledger()["fills"]
    assert [(f["qty"], f["price"]) for f in fills] == [(2, int(opening))]


# --- costs and settlement ----------------------------------------------------------------------
def test_sell_pays_commission_and_the_2026_tax(kis: Kis) -> None:
    ok(kis.order("buy", "005930", 10))
    ok(kis.order("sell", "005930", 10))
    sell = [f for f in kis.ledger()["fills"] if f["side"] == "sell"]
    for fill in sell:  # by hand: 0.0140527 % commission, 0.05 % + 0.15 % tax, won floors
        value = fill["qty"] * fill["price"]
        assert fill["commission"] == value * 140_527 // 10**9
        assert fill["transaction_tax"] == value * 5 // 10_000
        assert fill["rural_tax"] == value * 15 // 10_000


def test_etf_sales_are_tax_free(kis: Kis) -> None:
    ok(kis.order("buy", "069500", 5))
    ok(kis.order("sell", "069500", 5))
    sell = [f for f in kis.ledger()["fills"] if f["side"] == "sell"]
    assert all(f["transaction_tax"] == f["rural_tax"] == 0 for f in sell)
    assert all(f["commission"] == f["qty"] * f["price"] * 146_527 // 10**9 for f in sell)


def test_cash_settles_two_trading_days_later(real: Kis) -> None:
    ok(real.order("buy", "005930", 10))
    spent = 10_000_000 - real.http.get("/_sim/accounts").json()[0]["cash"]
    summary = ok(real.balance())["output2"][0]
    assert int(summary["dnca_tot_amt"]) == 10_000_000  # the deposit has not moved yet
    assert int(summary["nxdy_excc_amt"]) == 10_000_000
    assert int(summary["prvs_rcdl_excc_amt"]) == 10_000_000 - spent
    real.sim.clock.set(dt.datetime(2026, 11, 23, 10, 0, tzinfo=KST))  # Monday: D+1
    real.use_token(None)  # three days on, the token has expired
    summary = ok(real.balance())["output2"][0]
    assert int(summary["dnca_tot_amt"]) == 10_000_000
    assert int(summary["nxdy_excc_amt"]) == 10_000_000 - spent
    real.sim.clock.set(dt.datetime(2026, 11, 24, 10, 0, tzinfo=KST))  # D+2
    real.use_token(None)
    assert int(ok(real.balance())["output2"][0]["dnca_tot_amt"]) == 10_000_000 - spent


def test_buying_power_matches_what_can_be_bought(kis: Kis) -> None:
    price = int(quote(kis)["stck_prpr"])
    power = ok(kis.buying_power(price=price, dvsn="00"))["output"]
    assert int(power["psbl_qty_calc_unpr"]) == price
    qty = int(power["nrcvb_buy_qty"])
    refused(kis.order("buy", "005930", qty + 1, price), codes(kis, "APBK0952", "40250000"))
    ok(kis.order("buy", "005930", qty, price))
    left = ok(kis.buying_power(price=price, dvsn="00"))["output"]
    assert int(left["nrcvb_buy_qty"]) == 0 and int(left["ord_psbl_cash"]) >= 0


def test_closing_auction_orders_trade_at_the_single_price() -> None:
    sim = make_sim(dt.datetime(2026, 11, 20, 15, 25, tzinfo=KST))
    kis = caller(sim)
    upper = int(quote(kis)["stck_mxpr"])
    number = odno(kis.order("buy", "005930", 3, upper))  # any price up to the limit
    assert ledger_order(kis, number)["filled"] == 0  # no continuous trading now
    sim.clock.set(dt.datetime(2026, 11, 20, 15, 30, tzinfo=KST))
    close = int(quote(kis)["stck_prpr"])
    assert [(f["qty"], f["price"]) for f in kis.ledger()["fills"]] == [(3, close)]


def book_of(kis: Kis, code: str = "005930") -> dict:
    return ok(kis.get("/uapi/domestic-stock/v1/quotations/inquire-asking-price-exp-ccn",
                      "FHKST01010200", {"FID_COND_MRKT_DIV_CODE": "J",
                                        "FID_INPUT_ISCD": code}))["output1"]


def test_sweeping_the_book_takes_its_depth_until_the_next_trade() -> None:
    kis = caller(make_sim(accounts=[AccountSpec(Env.REAL, cash=10**12)]))
    book = book_of(kis)
    level1, depth1 = int(book["askp1"]), int(book["askp_rsqn1"])
    first = odno(kis.order("buy", "005930", depth1))
    assert {f["price"] for f in kis.ledger()["fills"]} == {level1}
    after = book_of(kis)
    assert int(after["askp1"]) == int(book["askp2"])  # the first level is gone
    second = odno(kis.order("buy", "005930", 1))
    fill = [f for f in kis.ledger()["fills"] if f["odno"] == int(second)]
    assert fill[0]["price"] == int(book["askp2"]) and first != second
    kis.sim.clock.advance(30)  # the market trades: a fresh book
    assert int(book_of(kis)["askp_rsqn1"]) > 0


def test_resting_orders_share_a_trade_by_price_then_time() -> None:
    sim = make_sim(accounts=[AccountSpec(Env.REAL, cash=10**12),
                             AccountSpec(Env.REAL, cash=10**12)])
    first = caller(sim, Env.REAL)
    second = Kis(sim, first.http, sim.credentials(Env.REAL, 1))  # another account
    price = int(quote(first)["stck_prpr"])
    tick = tick_size(price)
    early = odno(first.order("buy", "005930", 10**6, price - 5 * tick))
    late = odno(second.order("buy", "005930", 10**6, price - 5 * tick))
    better = odno(second.order("buy", "005930", 100, price - 4 * tick))
    move(first, price - 8 * tick)  # one market trade, of a few thousand shares
    fills = {f["odno"]: f["qty"] for f in first.http.get("/_sim/ledger").json()["fills"]}
    # The better price fills first, then the earlier of two orders at the same price;
    # the print's volume is shared, not handed to each order in full.
    assert fills[int(better)] == 100 and 0 < fills[int(early)] < 10**6
    assert int(late) not in fills


def test_auctions_take_only_limit_and_market_orders() -> None:
    sim = make_sim(dt.datetime(2026, 11, 20, 8, 45, tzinfo=KST))
    kis = caller(sim)
    refused(kis.order("buy", "005930", 1, dvsn="13"), "APBK3013")
    ok(kis.order("buy", "005930", 1))
    sim.clock.set(dt.datetime(2026, 11, 20, 15, 25, tzinfo=KST))
    kis.use_token(None)
    refused(kis.order("buy", "005930", 1, dvsn="03"), "APBK3013")


def test_trading_in_2020_books_that_years_tax() -> None:
    sim = make_sim(dt.datetime(2020, 6, 15, 10, 0, tzinfo=KST),
                   accounts=[AccountSpec(Env.REAL, cash=10**9, positions={"005930": (10, 50_000)})])
    kis = caller(sim)
    ok(kis.order("sell", "005930", 10))
    sale = kis.ledger()["fills"][0]
    value = sale["qty"] * sale["price"]
    assert (sale["transaction_tax"], sale["rural_tax"]) == (value * 10 // 10_000,
                                                             value * 15 // 10_000)
    ok(kis.balance())
