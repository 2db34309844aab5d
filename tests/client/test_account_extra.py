"""Trading calendar, conditional search, reserved orders and realised P&L through
``KIS`` and ``AsyncKIS`` (the ``kind`` fixture) against the simulator."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clients import build
from pykis import exceptions as ex
from pykis.market import KST
from pykis.sim import Env, Simulator

FRIDAY = dt.date(2026, 11, 20)
EVENING = dt.datetime(2026, 11, 20, 16, 30, tzinfo=KST)


@pytest.fixture
def client(sim: Simulator, kind: str, tmp_path: Path):
    made = build(sim, Env.REAL, kind, tmp_path, hts_id=sim.credentials("real").hts_id)
    yield made
    made.close()


@pytest.fixture
def paper_client(sim: Simulator, kind: str, tmp_path: Path):
    made = build(sim, Env.PAPER, kind, tmp_path, hts_id=sim.credentials("paper").hts_id)
    yield made
    made.close()


# --- calendar -------------------------------------------------------------------------
def test_calendar_follows_krx(client) -> None:
    assert client.is_trading_day(FRIDAY) is True
    assert client.is_trading_day("2026-11-21") is False  # Saturday
    assert client.next_trading_day(FRIDAY) == dt.date(2026, 11, 23)
    assert client.previous_trading_day("20261123") == FRIDAY
    assert client.is_trading_day(dt.date(2026, 12, 31)) is False  # year-end closing
    assert client.next_trading_day(dt.date(2026, 12, 30)) == dt.date(2027, 1, 4)


def test_calendar_is_cached_per_day(client, sim: Simulator) -> None:
    from clients import requests_made

    client.is_trading_day(FRIDAY)
    before = requests_made(sim, client)
    client.is_trading_day(FRIDAY + dt.timedelta(days=3))
    client.next_trading_day(FRIDAY)
    assert requests_made(sim, client) == before


def test_paper_calendar_uses_the_bundled_one(paper_client, sim: Simulator) -> None:
    from clients import requests_made

    assert paper_client.is_trading_day() is True  # the simulator's day: FRIDAY
    assert paper_client.next_trading_day(FRIDAY) == dt.date(2026, 11, 23)
    assert requests_made(sim, paper_client) == 0


def test_calendar_refuses_a_bad_date(client) -> None:
    with pytest.raises(ex.InvalidInputError, match="date"):
        client.is_trading_day("next tuesday")


# --- conditional search -------------------------------------------------------------------
def test_conditions_are_listed_and_run_against_the_quotes(client, sim: Simulator) -> None:
    user = sim.credentials("real").hts_id
    sim.extras.conditions.define(user, [
        {"name": "movers", "expression": "change >= 1 or change <= -1"},
        {"name": "nothing", "expression": "price < 1"}])
    conditions = client.fetch_conditions()
    assert [(c.seq, c.name) for c in conditions] == [("0", "movers"), ("1", "nothing")]
    matches = client.run_condition("movers")
    now = sim.clock.now()
    expected = sorted(code for code in sim.market.universe
                      if abs(_rate(sim.market.quote(code, now))) >= 1)
    assert [m.symbol for m in matches] == expected and expected
    quote = sim.market.quote(matches[0].symbol, now)
    assert matches[0].price == quote.price and matches[0].volume == quote.volume
    assert client.run_condition("1") == []
    assert conditions.to_pandas().shape[0] == 2


def _rate(quote) -> float:
    return round((quote.price - quote.base) / quote.base * 100, 2)


def test_conditions_need_an_hts_id(sim: Simulator, kind: str, tmp_path: Path) -> None:
    made = build(sim, Env.REAL, kind, tmp_path)
    try:
        with pytest.raises(ex.InvalidInputError, match="hts_id"):
            made.fetch_conditions()
    finally:
        made.close()


def test_no_saved_condition_is_an_empty_list(client) -> None:
    assert client.fetch_conditions() == []
    with pytest.raises(ex.NotFoundError, match="momentum"):
        client.run_condition("momentum")


def test_paper_has_no_conditional_search(paper_client) -> None:
    with pytest.raises(ex.UnsupportedError):
        paper_client.fetch_conditions()


# --- reserved orders -----------------------------------------------------------------
def test_reserved_order_enters_at_the_next_open(sim: Simulator, kind: str,
                                                tmp_path: Path) -> None:
    sim.clock.set(EVENING)
    made = build(sim, Env.REAL, kind, tmp_path)
    try:
        created = made.create_reserved_order("005930", "buy", 3)
        assert created.status == "waiting" and created.amount == 3
        listed = made.fetch_reserved_orders()
        assert [r.id for r in listed] == [created.id] and listed[0].status == "waiting"
        assert made.fetch_open_orders() == []
        monday_open = dt.datetime(2026, 11, 23, 9, 0, tzinfo=KST)
        sim.clock.set(monday_open + dt.timedelta(minutes=5))
        sent = made.fetch_reserved_orders()[0]
        assert sent.status == "sent" and sent.order_id
        order = made.fetch_order(sent.order_id)
        assert order.amount == 3 and order.datetime == monday_open
        assert sent.filled == order.filled
    finally:
        made.close()


def test_reserved_order_is_amended_and_cancelled(sim: Simulator, kind: str,
                                                 tmp_path: Path) -> None:
    sim.clock.set(EVENING)
    made = build(sim, Env.REAL, kind, tmp_path)
    try:
        price = sim.market.quote("005930", EVENING).price
        created = made.create_reserved_order("005930", "buy", 2, price)
        edited = made.edit_reserved_order(created.id, amount=5, price=price)
        assert edited.amount == 5
        assert made.fetch_reserved_orders()[0].amount == 5
        canceled = made.cancel_reserved_order(created.id)
        assert canceled.status == "canceled"
        assert made.fetch_reserved_orders()[0].status == "canceled"
        sim.clock.set(dt.datetime(2026, 11, 23, 10, 0, tzinfo=KST))
        assert made.fetch_orders() == [] or all(o.symbol != "005930" for o in
                                                made.fetch_orders())
    finally:
        made.close()


def test_reserved_order_arguments_are_checked_before_sending(client, sim: Simulator) -> None:
    from clients import requests_made

    before = requests_made(sim, client)
    with pytest.raises(ex.InvalidInputError, match="side"):
        client.create_reserved_order("005930", "hold", 1)
    with pytest.raises(ex.InvalidInputError, match="amount"):
        client.create_reserved_order("005930", "buy", 0)
    with pytest.raises(ex.InvalidInputError, match="end_date"):
        client.create_reserved_order("005930", "buy", 1, end_date="2020-01-01")
    with pytest.raises(ex.InvalidInputError, match="price"):
        client.edit_reserved_order("88001", price=-5)
    assert requests_made(sim, client) == before


def test_reserved_order_is_never_sent_twice(sim: Simulator, kind: str, tmp_path: Path) -> None:
    from pykis.sim.faults import FaultKind, FaultRule

    sim.clock.set(EVENING)
    made = build(sim, Env.REAL, kind, tmp_path)
    try:
        sim.faults.replace([FaultRule(FaultKind.ERROR_AFTER, count=1, tr_ids=("CTSC0008U",))])
        with pytest.raises(ex.OrderOutcomeUnknownError):
            made.create_reserved_order("005930", "buy", 1)
        assert len(made.fetch_reserved_orders()) == 1  # KIS took it once; no retry
    finally:
        made.close()


def test_paper_refuses_reserved_orders(paper_client) -> None:
    with pytest.raises(ex.UnsupportedError):
        paper_client.create_reserved_order("005930", "buy", 1)


# --- realised P&L --------------------------------------------------------------------------
def test_realized_pnl_equals_the_ledger(sim: Simulator, client) -> None:
    client.create_market_order("005930", "buy", 10)
    sim.clock.advance(600)
    client.create_market_order("005930", "sell", 4)
    account = sim.account_by_number(sim.credentials("real").account_no)
    sells = [f for f in account.fills() if f.side.value == "sell"]
    expected = sum(sim.extras.realized(f) for f in sells)
    pnl = client.fetch_realized_pnl(FRIDAY)
    assert pnl.realized == expected == sum(d.realized for d in pnl.days)
    assert [d.date for d in pnl.days] == [FRIDAY] and pnl.days[0].sold == 4
    trades = client.fetch_realized_trades("2026-11-01", FRIDAY, symbol="005930")
    assert len(trades) == 1 and trades[0].realized == expected and trades[0].bought == 10
    average = account.positions["005930"].avg_price
    cost = round(average * 4)
    assert expected == sum(f.value for f in sells) - cost - sum(f.costs for f in sells)
    assert pnl.to_pandas().shape[0] == 1


def test_realized_pnl_checks_the_period(client) -> None:
    with pytest.raises(ex.InvalidInputError, match="since"):
        client.fetch_realized_pnl("2026-11-20", "2026-11-01")


def test_paper_has_no_realized_pnl(paper_client) -> None:
    with pytest.raises(ex.UnsupportedError):
        paper_client.fetch_realized_pnl(FRIDAY)
