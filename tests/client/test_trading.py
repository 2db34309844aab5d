"""Orders, the account and buying power through both clients, real and paper."""

from __future__ import annotations

import datetime as dt

import pytest

from clients import build, requests_made
from pykis import (
    Balance,
    InsufficientBalanceError,
    InvalidInputError,
    MarketClosedError,
    NotFoundError,
    Order,
    OrderError,
    UnsupportedError,
)
from pykis.market import KST, tick_size
from pykis.sim import AccountSpec, Env
from support import make_sim


def below(kis, ticks: int = 10, symbol: str = "005930") -> int:
    last = kis.fetch_ticker(symbol).last
    return last - ticks * tick_size(last)


def test_market_order_fills(kis, sim) -> None:
    order = kis.create_market_order("005930", "buy", 3)
    assert isinstance(order, Order)
    assert (order.symbol, order.side, order.type, order.amount, order.price) == (
        "005930", "buy", "market", 3, None)
    assert order.org_no == ("00950" if kis.is_paper else "06010")
    booked = kis.fetch_order(order.id)
    assert (booked.status, booked.filled, booked.remaining) == ("closed", 3, 0)
    ledger = sim.account_by_number(kis.account_no).orders[int(order.id)]
    assert (booked.average, booked.cost) == (ledger.average_price, ledger.filled_value)


def test_limit_order_rests_then_shows_as_open(kis) -> None:
    price = below(kis)
    order = kis.create_limit_order("005930", "buy", 5, price)
    assert (order.type, order.price, order.status) == ("limit", price, "open")
    opened = kis.fetch_open_orders()
    assert [(o.id, o.remaining, o.price) for o in opened] == [(order.id, 5, price)]
    assert kis.fetch_open_orders("000660") == []


def test_edit_moves_the_remainder(kis) -> None:
    order = kis.create_limit_order("005930", "buy", 5, below(kis, 10))
    new_price = below(kis, 8)
    edited = kis.edit_order(order, price=new_price)
    assert (edited.original_id, edited.price, edited.amount) == (order.id, new_price, 5)
    assert kis.fetch_order(order.id).status == "canceled"
    assert [o.id for o in kis.fetch_open_orders()] == [edited.id]
    partial = kis.edit_order(edited.id, amount=2, price=below(kis, 7))  # by id: looked up
    assert partial.amount == 2
    remaining = {o.id: o.remaining for o in kis.fetch_open_orders()}
    assert remaining == {edited.id: 3, partial.id: 2}


def test_cancel_all_or_part(kis) -> None:
    order = kis.create_limit_order("005930", "buy", 5, below(kis))
    part = kis.cancel_order(order, amount=2)
    assert (part.id, part.status, part.amount, part.remaining) == (order.id, "open", 5, 3)
    assert part.info["output"]["ODNO"]  # the cancellation's own number at KIS
    assert kis.fetch_order(order.id).remaining == 3
    rest = kis.cancel_order(order.id)
    assert (rest.id, rest.status, rest.remaining) == (order.id, "canceled", 0)
    assert kis.fetch_open_orders() == []
    assert kis.fetch_order(order.id).status == "canceled"
    with pytest.raises(OrderError):
        kis.cancel_order(order.id)  # nothing left to cancel


def test_ioc_fok_and_best_price_types(kis) -> None:
    far = below(kis, 20)
    ioc = kis.create_order("005930", "limit", "buy", 5, far, time_in_force="IOC")
    assert ioc.type == "limit" and kis.fetch_order(ioc.id).status == "canceled"
    fok = kis.create_order("005930", "market", "buy", 1, time_in_force="FOK")
    assert kis.fetch_order(fok.id).status == "closed"
    best = kis.create_order("005930", "best", "buy", 1)
    assert kis.fetch_order(best.id).filled == 1
    priority = kis.create_order("005930", "priority", "buy", 1)
    assert kis.fetch_order(priority.id).status == "open"


@pytest.mark.parametrize(("call", "argument"), [
    (lambda k: k.create_order("005930", "stop", "buy", 1), "type"),
    (lambda k: k.create_order("005930", "limit", "hold", 1, 60_000), "side"),
    (lambda k: k.create_order("005930", "limit", "buy", 0, 60_000), "amount"),
    (lambda k: k.create_order("005930", "limit", "buy", 1.5, 60_000), "amount"),
    (lambda k: k.create_order("005930", "limit", "buy", True, 60_000), "amount"),
    (lambda k: k.create_order("005930", "limit", "buy", 1), "price"),
    (lambda k: k.create_order("005930", "limit", "buy", 1, 60_003), "price"),
    (lambda k: k.create_order("005930", "limit", "buy", 1, -100), "price"),
    (lambda k: k.create_order("005930", "market", "buy", 1, 60_000), "price"),
    (lambda k: k.create_order("005930", "limit", "buy", 1, 60_000, time_in_force="GTC"),
     "time_in_force"),
    (lambda k: k.create_order("05930", "market", "buy", 1), "symbol"),
    (lambda k: k.cancel_order("12ab"), "order_id"),
    (lambda k: k.cancel_order("1001", amount=0), "amount"),
])
def test_bad_orders_are_refused_before_sending(kis, sim, call, argument) -> None:
    before = requests_made(sim, kis)
    with pytest.raises(InvalidInputError) as caught:
        call(kis)
    assert caught.value.argument == argument
    assert requests_made(sim, kis) == before and sim.accounts[0].orders == {}


def test_exchange_routing(kis) -> None:
    if kis.is_paper:
        with pytest.raises(InvalidInputError) as caught:
            kis.create_market_order("005930", "buy", 1, exchange="NXT")
        assert caught.value.argument == "exchange"
    else:
        order = kis.create_market_order("005930", "buy", 1, exchange="SOR")
        assert order.exchange == "SOR" and kis.fetch_order(order.id).exchange == "SOR"


def test_refusals_are_typed(kis) -> None:
    with pytest.raises(InsufficientBalanceError) as caught:
        kis.create_market_order("005930", "buy", 10_000_000)
    assert caught.value.msg_cd == ("40250000" if kis.is_paper else "APBK0952")
    assert caught.value.tr_id.endswith("TTC0012U")
    with pytest.raises(InsufficientBalanceError):
        kis.create_market_order("000660", "sell", 1)
    with pytest.raises(NotFoundError):
        kis.create_market_order("999999", "buy", 1)


def test_an_off_grid_price_the_client_cannot_tell_is_refused_by_kis(sim, env, kind,
                                                                    tmp_path) -> None:
    # Without the master files the client cannot tell a stock from an ETF: 60,005 is an
    # ETF's price, so it goes, and KIS's refusal is typed.
    kis = build(sim, env, kind, tmp_path, master_url="http://sim/no-master-files")
    with pytest.raises(OrderError) as off:
        kis.create_limit_order("005930", "buy", 1, 60_005)  # ETF grid: stocks use 100 here
    assert off.value.msg_cd == ("40030000" if kis.is_paper else "APBK0506")
    kis.close()


@pytest.mark.parametrize("env", [Env.REAL, Env.PAPER])
def test_market_closed(kind, tmp_path, env) -> None:
    sim = make_sim(dt.datetime(2026, 11, 20, 16, 40, tzinfo=KST))
    kis = build(sim, env, kind, tmp_path)
    with pytest.raises(MarketClosedError) as caught:
        kis.create_market_order("005930", "buy", 1)
    assert caught.value.msg_cd == ("40580000" if env is Env.PAPER else "APBK0918")
    kis.close()


def test_orders_of_a_range_and_my_trades(kind, tmp_path) -> None:
    sim = make_sim(dt.datetime(2026, 7, 1, 10, 0, tzinfo=KST))
    kis = build(sim, Env.REAL, kind, tmp_path)
    early = kis.create_market_order("005930", "buy", 2)
    sim.clock.set(dt.datetime(2026, 11, 20, 10, 0, tzinfo=KST))
    late = kis.create_market_order("005930", "sell", 1)
    resting = kis.create_limit_order("005930", "buy", 1, below(kis))
    since = int(dt.datetime(2026, 6, 1, tzinfo=KST).timestamp() * 1000)
    orders = kis.fetch_orders(since=since)  # spans both ledger TRs
    assert [o.id for o in orders] == [early.id, late.id, resting.id]
    assert [o.id for o in kis.fetch_orders()] == [late.id, resting.id]  # today
    trades = kis.fetch_my_trades(since=since)
    assert [(t.order_id, t.side, t.amount) for t in trades] == [(early.id, "buy", 2),
                                                               (late.id, "sell", 1)]
    assert all(t.cost == t.price * t.amount for t in trades)
    with pytest.raises(InvalidInputError):
        kis.fetch_orders(since=since, until=since - 1)
    kis.close()


def test_fetch_order_unknown(kis) -> None:
    with pytest.raises(NotFoundError):
        kis.fetch_order("999999")


def test_balance_over_every_page(kind, tmp_path, env) -> None:
    sim = make_sim(accounts=[AccountSpec(env, cash=10**10)])
    codes = list(sim.market.universe)[:55]
    sim.config.accounts = [AccountSpec(env, cash=10**10,
                                       positions={c: (i + 1, 1_000) for i, c in enumerate(codes)})]
    sim.reset()
    kis = build(sim, env, kind, tmp_path)
    balance = kis.fetch_balance()
    assert isinstance(balance, Balance)
    assert [p.symbol for p in balance.positions] == sorted(codes)  # 2 pages real, 3 paper
    assert balance.deposit == 10**10 and balance.stock_value == sum(p.value for p in
                                                                   balance.positions)
    position = kis.get_position(codes[4])
    assert position.amount == 5 and position.average_price == 1_000
    assert kis.get_position("000000") is None
    kis.close()


def test_balance_after_trading(kis) -> None:
    kis.create_market_order("005930", "buy", 10)
    kis.create_market_order("005930", "sell", 4)
    balance = kis.fetch_balance()
    position = balance.get_position("005930")
    assert (position.amount, position.sellable) == (6, 6)
    assert balance.free < balance.deposit  # purchases settle T+2
    assert balance.total == balance.deposit_d2 + balance.stock_value
    assert balance.free == kis.fetch_buying_power("000660").cash <= balance.deposit_d2


def test_buying_power(kis) -> None:
    last = kis.fetch_ticker("005930").last
    market = kis.fetch_buying_power("005930")
    assert market.price == kis.fetch_ticker("005930").upper_limit
    at_price = kis.fetch_buying_power("005930", last)
    assert at_price.price == last and at_price.max_quantity > market.max_quantity
    kis.create_limit_order("005930", "buy", at_price.max_quantity, last)
    assert kis.fetch_buying_power("005930", last).max_quantity == 0


def test_paper_has_no_sellable_api_but_open_orders_still_work(paper) -> None:
    order = paper.create_limit_order("005930", "buy", 1, below(paper))
    assert [o.id for o in paper.fetch_open_orders()] == [order.id]


def test_unsupported_on_paper_is_refused_without_a_call(paper, sim) -> None:
    from pykis.api import endpoints
    from pykis.api.base import call

    before = requests_made(sim, paper)
    client = paper.client if hasattr(paper, "client") else paper
    flow = call(client._ctx, endpoints.SELLABLE, params={})
    with pytest.raises(UnsupportedError):
        next(flow)
    assert requests_made(sim, paper) == before
