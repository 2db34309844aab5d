"""Faults on demand: refusals before any work, and orders executed while their answer is
delayed, dropped or turned into an error. Rules are scoped, counted and seeded."""

from __future__ import annotations

import time

import httpx
import pytest

from pykis.sim import Env
from support import Kis, caller, make_sim, ok, refused


def set_faults(kis: Kis, *rules: dict) -> dict:
    answer = kis.http.post("/_sim/faults", json={"rules": list(rules)})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_error_5xx_refuses_before_doing_anything(kis: Kis) -> None:
    set_faults(kis, {"kind": "error_5xx", "count": 1, "scope": "orders"})
    answer = kis.order("buy", "005930", 1)
    assert answer.status_code == 500
    assert answer.json() == {"rt_cd": "1", "msg_cd": "", "msg1": ""}  # what KIS really sends
    assert kis.ledger()["orders"] == []
    ok(kis.order("buy", "005930", 1))  # the rule is spent


def test_rate_limit_fault(kis: Kis) -> None:
    set_faults(kis, {"kind": "rate_limit", "count": 2})
    refused(kis.price(), "EGW00201", 500)
    refused(kis.price(), "EGW00201", 500)
    ok(kis.price())


def test_scope_limits_a_rule_to_orders_or_reads(kis: Kis) -> None:
    set_faults(kis, {"kind": "error_5xx", "scope": "reads"})
    assert kis.price().status_code == 500
    ok(kis.order("buy", "005930", 1))
    set_faults(kis, {"kind": "error_5xx", "scope": "orders"})
    ok(kis.price())
    assert kis.order("buy", "005930", 1).status_code == 500


def test_rule_by_tr_id(kis: Kis) -> None:
    set_faults(kis, {"kind": "error_5xx", "tr_ids": [kis.tr("TTTC0011U")]})
    ok(kis.order("buy", "005930", 2))
    assert kis.order("sell", "005930", 1).status_code == 500


def test_dropped_answer_after_the_order_was_executed(kis: Kis) -> None:
    set_faults(kis, {"kind": "drop", "count": 1, "scope": "orders"})
    with pytest.raises(httpx.RemoteProtocolError):
        kis.order("buy", "005930", 1)
    orders = kis.ledger()["orders"]
    assert len(orders) == 1 and orders[0]["filled"] == 1  # executed all the same
    rows = ok(kis.daily_ccld())["output1"]
    assert int(rows[0]["odno"]) == orders[0]["odno"]  # and it can be found by a lookup


def test_delay_past_the_client_timeout_still_executes(kis: Kis) -> None:
    set_faults(kis, {"kind": "delay", "seconds": 5.0, "count": 1, "scope": "orders"})
    with pytest.raises(httpx.ReadTimeout):
        kis.http.post("/uapi/domestic-stock/v1/trading/order-cash", timeout=0.05,
                      headers=kis.headers(kis.tr("TTTC0012U")),
                      json={**kis.account, "PDNO": "005930", "ORD_DVSN": "01",
                            "ORD_QTY": "1", "ORD_UNPR": "0"})
    assert len(kis.ledger()["orders"]) == 1


def test_short_delay_answers_late(kis: Kis) -> None:
    set_faults(kis, {"kind": "delay", "seconds": 0.05, "count": 1})
    started = time.monotonic()
    ok(kis.price())
    assert time.monotonic() - started >= 0.05


def test_error_after_work(kis: Kis) -> None:
    set_faults(kis, {"kind": "error_after", "count": 1, "scope": "orders"})
    answer = kis.order("buy", "005930", 1)
    assert answer.status_code == 500 and answer.json()["rt_cd"] == "1"
    assert kis.ledger()["orders"][0]["filled"] == 1


def test_rates_are_seeded_and_counted() -> None:
    def run() -> list[int]:
        kis = caller(make_sim(), Env.REAL)
        kis.token
        set_faults(kis, {"kind": "error_5xx", "rate": 0.3})
        statuses = [kis.price().status_code for _ in range(200)]
        applied = kis.http.get("/_sim/faults").json()["applied"]
        assert applied["error_5xx"] == statuses.count(500)
        return statuses

    first, second = run(), run()
    assert first == second  # the same seed refuses the same calls
    assert 35 <= first.count(500) <= 85


def test_clearing_and_listing_faults(kis: Kis) -> None:
    listed = set_faults(kis, {"kind": "delay", "seconds": 1.5, "count": 3, "scope": "orders"})
    assert listed["rules"] == [{"kind": "delay", "rate": 1.0, "count": 3, "seconds": 1.5,
                                "scope": "orders", "tr_ids": []}]
    assert kis.http.delete("/_sim/faults").json()["rules"] == []
    ok(kis.order("buy", "005930", 1))


@pytest.mark.parametrize("rule", [
    {"kind": "explode"}, {"kind": "delay", "rate": 2}, {"kind": "delay", "seconds": -1},
    {"kind": "delay", "scope": "everything"}, {"kind": "drop", "colour": "red"},
])
def test_bad_fault_rules_are_refused(kis: Kis, rule: dict) -> None:
    answer = kis.http.post("/_sim/faults", json={"rules": [rule]})
    assert answer.status_code == 400 and "error" in answer.json()
