"""Failures on the way: reads recover, orders are never sent twice and their fate is
found by a lookup."""

from __future__ import annotations

import httpx
import pytest

from clients import build
from pykis import (
    NetworkError,
    OrderOutcomeUnknownError,
    RateLimitError,
    ServerError,
)
from pykis.api.base import RetryPolicy


def faults(sim, *rules: dict) -> None:
    from pykis.sim import FaultRule

    sim.faults.replace([FaultRule(**rule) for rule in rules])


def orders_booked(sim, kis) -> list:
    return list(sim.account_by_number(kis.account_no).orders.values())


def test_reads_recover_from_5xx_and_rate_limits(kis, sim) -> None:
    faults(sim, {"kind": "error_5xx", "count": 2, "scope": "reads"},
           {"kind": "rate_limit", "count": 2, "scope": "reads"})
    assert kis.fetch_ticker("005930").symbol == "005930"
    assert sim.faults.applied == {"error_5xx": 2, "rate_limit": 2}


def test_reads_give_up_after_their_attempts(kis, sim) -> None:
    faults(sim, {"kind": "error_5xx", "scope": "reads"})
    with pytest.raises(ServerError) as caught:
        kis.fetch_ticker("005930")
    assert caught.value.status_code == 500
    assert sim.faults.applied["error_5xx"] == RetryPolicy().attempts


def test_persistent_rate_limit_is_reported(kis, sim) -> None:
    faults(sim, {"kind": "rate_limit"})
    with pytest.raises(RateLimitError) as caught:
        kis.fetch_ticker("005930")
    assert caught.value.msg_cd == "EGW00201"


def test_a_read_times_out_then_recovers(sim, env, kind, tmp_path) -> None:
    kis = build(sim, env, kind, tmp_path, timeout=0.1)
    faults(sim, {"kind": "delay", "seconds": 5.0, "count": 1, "scope": "reads"})
    assert kis.fetch_ticker("005930").symbol == "005930"
    kis.close()


@pytest.mark.parametrize("kind_of_loss", ["drop", "error_after"])
def test_an_order_whose_answer_is_lost_is_never_sent_again(kis, sim, kind_of_loss) -> None:
    faults(sim, {"kind": kind_of_loss, "count": 1, "scope": "orders"})
    with pytest.raises(OrderOutcomeUnknownError) as caught:
        kis.create_market_order("005930", "buy", 3)
    assert len(orders_booked(sim, kis)) == 1  # executed once, not resent
    assert caught.value.request["body"]["ORD_QTY"] == "3"
    found = kis.find_order(caught.value)
    assert found is not None and found.amount == 3 and found.status == "closed"
    assert found.id == str(orders_booked(sim, kis)[0].number)


def test_an_order_refused_before_any_work_is_found_missing(kis, sim) -> None:
    faults(sim, {"kind": "error_5xx", "count": 1, "scope": "orders"})
    with pytest.raises(OrderOutcomeUnknownError) as caught:
        kis.create_market_order("005930", "buy", 3)
    assert orders_booked(sim, kis) == []
    assert kis.find_order(caught.value) is None  # now it is safe to send it again
    kis.create_market_order("005930", "buy", 3)
    assert len(orders_booked(sim, kis)) == 1


def test_an_order_timing_out_is_not_resent(sim, env, kind, tmp_path) -> None:
    kis = build(sim, env, kind, tmp_path, timeout=0.1)
    faults(sim, {"kind": "delay", "seconds": 5.0, "count": 1, "scope": "orders"})
    with pytest.raises(OrderOutcomeUnknownError) as caught:
        kis.create_limit_order("005930", "buy", 1, 60_000)
    assert len(orders_booked(sim, kis)) == 1
    assert kis.find_order(caught.value).price == 60_000
    kis.close()


def test_rate_limited_orders_are_retried(kis, sim) -> None:
    faults(sim, {"kind": "rate_limit", "count": 2, "scope": "orders"})
    order = kis.create_market_order("005930", "buy", 1)
    assert [o.number for o in orders_booked(sim, kis)] == [int(order.id)]


def test_a_lost_cancel_is_found_by_its_record(kis, sim) -> None:
    order = kis.create_limit_order("005930", "buy", 2, 60_000)
    faults(sim, {"kind": "drop", "count": 1, "scope": "orders"})
    with pytest.raises(OrderOutcomeUnknownError) as caught:
        kis.cancel_order(order)
    found = kis.find_order(caught.value)
    assert found is not None and found.original_id == order.id and found.status == "canceled"


class Unreachable(httpx.BaseTransport):
    """The network between the client and the simulator: the first ``failures`` order
    requests cannot connect (nothing was sent), everything else goes through."""

    def __init__(self, sim, failures: int) -> None:
        self.inner, self.failures = sim.transport(), failures

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("order-cash") and self.failures:
            self.failures -= 1
            raise httpx.ConnectError("connection refused", request=request)
        return self.inner.handle_request(request)


@pytest.mark.parametrize(("failures", "placed"), [(2, True), (10, False)])
def test_an_order_that_never_left_is_retried(sim, env, tmp_path, failures, placed) -> None:
    kis = build(sim, env, "sync", tmp_path, transport=Unreachable(sim, failures))
    if placed:
        order = kis.create_market_order("005930", "buy", 1)
        assert [o.number for o in orders_booked(sim, kis)] == [int(order.id)]
    else:
        with pytest.raises(NetworkError):
            kis.create_market_order("005930", "buy", 1)
        assert orders_booked(sim, kis) == []
    kis.close()
