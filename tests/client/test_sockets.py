"""Every public method of both clients over a real socket (the threaded simulator server),
in both environments: the same answers as through the in-process transport."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clients import build
from pykis import Balance, OrderOutcomeUnknownError
from pykis.market import tick_size
from pykis.sim import SimServer, Simulator
from support import make_sim


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Simulator, str]]:
    sim = make_sim()
    with SimServer(sim) as server:
        yield sim, server.base_url


@pytest.fixture
def remote(served, env, kind, tmp_path) -> Iterator:
    sim, base_url = served
    sim.reset()
    client = build(sim, env, kind, tmp_path, base_url=base_url)
    yield client
    client.close()


def test_every_public_method_over_http(remote, served) -> None:
    sim, _ = served
    ticker = remote.fetch_ticker("005930")
    assert ticker.last == sim.market.quote("005930", sim.clock.now()).price
    assert [t.symbol for t in remote.fetch_tickers(["005930", "000660"])] == ["005930", "000660"]
    assert len(remote.fetch_order_book("005930").asks) == 10
    assert len(remote.fetch_trades("005930", limit=3)) == 3
    assert len(remote.fetch_ohlcv("005930", "1d", limit=5)) == 5
    assert remote.fetch_ohlcv("005930", "5m")[-1].close == ticker.last
    below = ticker.last - 10 * tick_size(ticker.last)
    resting = remote.create_limit_order("005930", "buy", 2, below)
    filled = remote.create_market_order("005930", "buy", 1)
    assert [o.id for o in remote.fetch_open_orders()] == [resting.id]
    edited = remote.edit_order(resting, price=below + tick_size(below))
    canceled = remote.cancel_order(edited.id)
    assert (canceled.id, canceled.status) == (edited.id, "canceled")
    assert remote.fetch_order(filled.id).status == "closed"
    assert {o.id for o in remote.fetch_orders()} == {resting.id, filled.id, edited.id}
    assert [t.order_id for t in remote.fetch_my_trades()] == [filled.id]
    balance = remote.fetch_balance()
    assert isinstance(balance, Balance) and remote.get_position("005930").amount == 1
    assert remote.fetch_buying_power("005930", below).max_quantity > 0
    remote.revoke_token()
    sim.clock.advance(61)
    assert remote.fetch_ticker("000660").symbol == "000660"


def test_a_dropped_order_over_http_is_found(remote, served) -> None:
    sim, _ = served
    from pykis.sim import FaultRule

    sim.faults.replace([FaultRule("drop", count=1, scope="orders")])
    with pytest.raises(OrderOutcomeUnknownError) as caught:
        remote.create_market_order("005930", "buy", 2)
    booked = list(sim.account_by_number(remote.account_no).orders.values())
    assert [(o.qty, o.filled) for o in booked] == [(2, 2)]  # executed once, not resent
    found = remote.find_order(caught.value)
    assert found is not None and found.id == str(booked[0].number) and found.filled == 2
