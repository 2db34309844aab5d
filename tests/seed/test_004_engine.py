"""Seed 004, the trading engine's API client: ``KISAPIClient()`` from the environment,
its four calls day by day, the full buy -> sell cycle, the SQLite trades table read with
the seed's own SQL, and the error handling the seed draws (every failure a
``TradeResult(success=False, message=...)``, never an exception)."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest

from pykis.engine import KISAPIClient, KISTradingEngine, TradeResult
from pykis.engine.store import default_database_path
from pykis.exceptions import AuthenticationError
from pykis.market import tick_size
from pykis.sim import Credentials, FaultRule, Simulator
from support import use_account


@pytest.fixture
def client(sim: Simulator, real: Credentials, monkeypatch, tmp_path):
    """The seed's ``KISAPIClient()``: credentials from the environment (.env), its
    ledger in the user's data folder (here a temporary one)."""
    use_account(monkeypatch, real)
    monkeypatch.setenv("PYKIS_DATA_DIR", str(tmp_path / "data"))
    api = KISAPIClient()
    yield api
    api.close()


def price_of(sim: Simulator, symbol: str = "005930") -> int:
    return sim.market.quote(symbol, sim.clock.now()).price


def open_rows(ticker: str) -> list[tuple]:
    with sqlite3.connect(default_database_path()) as db:
        return db.execute("SELECT ticker, entry_price, quantity, exit_price, trade_status "
                          "FROM trades WHERE ticker = ? AND trade_status = 'OPEN'",
                          (ticker,)).fetchall()


def test_day_1_the_access_token_is_issued_once_and_cached(client, sim, real) -> None:
    token = client.get_access_token()
    assert token.startswith("eyJ0eXAi")  # a JWT, as KIS issues
    assert KISAPIClient().get_access_token() == token  # a second client: from the cache
    assert sim.auth.stats[real.app_key].tokens_issued == 1


def test_day_2a_the_current_price_is_a_float(client, sim) -> None:
    price = client.get_current_price("005930")
    assert isinstance(price, float) and price == price_of(sim)
    with pytest.raises(ValueError):  # validated before anything is sent: 6 characters
        client.get_current_price("59300")


def test_day_2b_a_buy_by_quantity_and_price(client, sim) -> None:
    ask = client.kis.fetch_order_book("005930").asks[0][0]
    asked = ask + tick_size(ask) // 2 + 0.4  # off the grid: moved down, never paying more
    result = client.execute_buy_order("005930", 10, asked)
    assert isinstance(result, TradeResult) and result.success, result.message
    assert result.order_id and result.quantity == 10
    assert result.price <= asked
    [(ticker, entry, quantity, exit_price, status)] = open_rows("005930")
    assert (ticker, quantity, exit_price, status) == ("005930", 10, None, "OPEN")
    assert Decimal(str(entry)) == result.price


def test_day_2b_a_buy_by_amount_fits_the_amount(client, sim) -> None:
    result = client.execute_buy_order(ticker="005930", amount_krw=100_000)
    assert result.success, result.message
    assert result.quantity == 100_000 // int(result.price)  # commission fits in the rest
    assert result.quantity * result.price + result.fees <= 100_000


def test_day_3a_a_sale_closes_the_trade_with_its_pnl(client, sim) -> None:
    bought = client.execute_buy_order("005930", 2)
    sold = client.execute_sell_order("005930", 2, reason="take_profit")
    assert sold.success and sold.side == "sell" and sold.quantity == 2, sold.message
    # no price move: the round trip costs the commissions and the sale's tax
    assert sold.pnl == 2 * int(sold.price) - 2 * int(bought.price) - bought.fees - sold.fees \
        - sold.tax
    assert open_rows("005930") == []
    with sqlite3.connect(default_database_path()) as db:
        [(status, exit_price, reason)] = db.execute(
            "SELECT trade_status, exit_price, reason FROM trades").fetchall()
    assert (status, reason) == ("CLOSED", "take_profit")
    assert Decimal(str(exit_price)) == sold.price


def test_day_3b_the_full_cycle_as_the_seed_draws_it(client, sim) -> None:
    price = client.get_current_price("005930")
    buy_result = client.execute_buy_order(ticker="005930", amount_krw=100000)
    assert buy_result.success and buy_result.quantity >= 1, buy_result.message
    positions = client.get_current_positions()
    assert [(p.ticker, p.quantity) for p in positions] == [("005930", buy_result.quantity)]
    sim.market.move_price("005930", sim.clock.now(), int(price) + 10 * tick_size(int(price)))
    price_now = client.get_current_price("005930")
    assert price_now > price
    sell_result = client.execute_sell_order(ticker="005930", quantity=buy_result.quantity,
                                            reason="take_profit")
    assert sell_result.success and sell_result.pnl > 0, sell_result.message
    assert sell_result.pnl_percent > 0
    assert client.get_current_positions() == []


def test_the_client_and_its_engine_are_one(client) -> None:
    engine = client.engine
    assert isinstance(engine, KISTradingEngine) and engine.api is client
    assert client.engine is engine  # made once
    owned = KISTradingEngine(KISAPIClient(client.kis))
    assert owned.api.engine is owned


def test_invalid_credentials_are_a_value_error_and_a_failed_trade(sim, real, monkeypatch,
                                                                  tmp_path) -> None:
    use_account(monkeypatch, real)
    monkeypatch.setenv("KIS_APP_SECRET", "x" * 180)
    monkeypatch.setenv("PYKIS_DATA_DIR", str(tmp_path))
    with KISAPIClient() as client:
        with pytest.raises(ValueError) as caught:
            client.get_access_token()
        assert isinstance(caught.value, AuthenticationError)
        result = client.execute_buy_order("005930", 1)
    assert not result.success and "AuthenticationError" in result.message
    assert "x" * 180 not in result.message


def test_throttling_and_5xx_on_reads_are_retried(client, sim) -> None:
    sim.faults.replace([FaultRule("rate_limit", count=2), FaultRule("error_5xx", count=1,
                                                                    scope="reads")])
    assert client.get_current_price("005930") == price_of(sim)
    result = client.execute_buy_order("005930", 1)
    assert result.success, result.message


def test_an_order_whose_answer_is_lost_is_found_not_resent(client, sim, real) -> None:
    sim.faults.replace([FaultRule("drop", count=1, scope="orders")])
    result = client.execute_buy_order("005930", 3)
    assert result.success and result.quantity == 3, result.message
    booked = list(sim.account_by_number(real.account_no).orders.values())
    assert len(booked) == 1  # sent once, then looked up


def test_a_server_that_cannot_be_reached_is_a_failed_trade(sim, real, monkeypatch,
                                                           tmp_path) -> None:
    use_account(monkeypatch, real)
    monkeypatch.setenv("KIS_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("PYKIS_DATA_DIR", str(tmp_path))
    with KISAPIClient() as client:
        result = client.execute_buy_order("005930", 1)
    assert not result.success and "NetworkError" in result.message


def test_an_order_filled_after_the_wait_is_seen_by_the_next_call(client, sim, real) -> None:
    """The seed's calls are all a user has: no reconcile(). An order that was still
    working when execute_buy_order stopped waiting, and filled later, shows in the next
    call's positions and does not block the next buy; one cancelled at KIS meanwhile
    does not block the sale either."""
    book = client.kis.fetch_order_book("005930")
    below = book.bids[1][0]
    resting = client.execute_buy_order("005930", 2, below, fill_timeout=0)
    assert resting.success and resting.quantity == 0 and resting.status == "accepted"
    sim.market.move_price("005930", sim.clock.now(), below - tick_size(below))  # fills it
    [position] = client.get_current_positions()
    assert (position.ticker, position.quantity) == ("005930", 2)
    more = client.execute_buy_order("005930", 1)
    assert more.success and more.quantity == 1, more.message
    high = int(client.get_current_price("005930")) + 20 * tick_size(below)
    ask = client.execute_sell_order("005930", 3, high, fill_timeout=0)
    assert ask.success and ask.quantity == 0
    client.kis.cancel_order(ask.order_id, "005930")  # by hand, outside the engine
    sold = client.execute_sell_order("005930", 3, reason="done")
    assert sold.success and sold.quantity == 3, sold.message
