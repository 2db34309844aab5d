"""An answer that cannot be read is never taken for a refusal: for an order it is an
unknown outcome (KIS may have booked it; the order is found, never resent), for a read
an ``APIError``. The simulator does the work, then garbles its answer the ways a proxy,
a half-closed connection or a broken server would (``garble`` faults)."""

from __future__ import annotations

import pytest

from pykis import APIError, KISError, OrderError, OrderOutcomeUnknownError
from pykis.sim import FaultRule
from pykis.sim.faults import GARBLES

ORDER_GARBLES = [g for g in GARBLES if g != "null_output"] + ["null_output"]


def garble(sim, variant: str, scope: str, count: int | None = 1) -> None:
    sim.faults.replace([FaultRule("garble", count=count, scope=scope, variant=variant)])


def booked(sim, kis) -> list:
    return list(sim.account_by_number(kis.account_no).orders.values())


@pytest.mark.parametrize("variant", ORDER_GARBLES)
def test_an_order_answered_unreadably_is_an_unknown_outcome_and_is_found(kis, sim, variant):
    garble(sim, variant, "orders")
    with pytest.raises(OrderOutcomeUnknownError) as caught:
        kis.create_limit_order("005930", "buy", 2, 70_000)
    error = caught.value
    assert not isinstance(error, OrderError)  # never "refused; not executed"
    assert error.may_have_executed and not error.retryable
    assert len(booked(sim, kis)) == 1  # KIS booked it, once
    found = kis.find_order(error)
    assert found is not None and found.id == str(booked(sim, kis)[0].number)


@pytest.mark.parametrize("variant", GARBLES)
def test_a_read_answered_unreadably_is_an_api_error(kis, sim, variant):
    garble(sim, variant, "reads", count=None)  # every answer, retried or not
    with pytest.raises(APIError) as caught:
        kis.fetch_ticker("005930")
    assert not caught.value.may_have_executed
    sim.faults.clear()
    assert kis.fetch_ticker("005930").symbol == "005930"


def test_every_error_says_what_the_caller_may_do():
    from pykis import exceptions as ex

    for name in ex.__all__:
        error = getattr(ex, name)
        assert isinstance(error.kind, str) and error.kind
        assert error.may_have_executed is (error is ex.OrderOutcomeUnknownError)
    assert {e for e in map(lambda n: getattr(ex, n), ex.__all__) if e.retryable} == {
        ex.NetworkError, ex.RateLimitError, ex.ServerError, ex.TokenExpiredError}
    assert len({getattr(ex, n).kind for n in ex.__all__}) == len(ex.__all__)
    assert issubclass(ex.OrderOutcomeUnknownError, KISError)
