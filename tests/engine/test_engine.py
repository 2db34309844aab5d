"""The engine's seed surface against the simulator: token, price, buy, sell, the full
cycle, P&L checked by hand, refusals, risk rules and dry runs. Every test ends with the
store equal to the simulator's books."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from math import floor

import httpx
import pytest

from engines import FAST, assert_ledger_matches, booked_orders, make_engine
from pykis.engine import EngineSettings, RiskLimits
from pykis.engine.store import OrderState
from pykis.market import KST
from pykis.sim import Env
from support import MORNING, make_sim

STOCK_RATE = Decimal("0.000140527")  # KIS's online commission, stocks (market-rules.md)
KOSPI_TAX, RURAL_TAX = Decimal("0.0005"), Decimal("0.0015")  # sales settling in 2026


def commission(value: int) -> int:
    return floor(value * STOCK_RATE)


def sale_tax(value: int) -> int:
    return floor(value * KOSPI_TAX) + floor(value * RURAL_TAX)


@pytest.fixture
def sim():
    return make_sim()


@pytest.fixture
def engine(sim, tmp_path):
    with make_engine(sim, tmp_path) as opened:
        yield opened


def test_the_access_token_is_issued_once_and_reused(engine, sim):
    first = engine.get_access_token()
    assert first and first == engine.get_access_token()
    assert sim.auth.stats[engine.api.kis._ctx.app_key].tokens_issued == 1


def test_the_current_price_is_the_simulators(engine, sim):
    price = engine.get_current_price("005930")
    assert isinstance(price, float)
    assert price == sim.market.quote("005930", sim.clock.now()).price


def test_a_buy_by_quantity_fills_and_opens_a_trade(engine, sim):
    result = engine.execute_buy_order("005930", 3)
    assert result.success and result.status == "filled" and result.quantity == 3
    value = int(result.price * 3)
    assert result.fees == commission(value) and result.tax == 0 and result.pnl is None
    [trade] = engine.store.open_trades()
    assert (trade.ticker, trade.open_quantity, trade.open_cost) == ("005930", 3, value)
    assert sim.account_by_number(engine.api.kis.account_no).positions["005930"].qty == 3
    assert_ledger_matches(engine, sim)


def test_a_buy_by_amount_takes_the_most_shares_the_amount_pays_for(engine, sim):
    ask = engine.api.get_order_book("000660").best_ask[0]
    amount = 3 * ask + commission(3 * ask) + 5  # three shares and their commission fit
    result = engine.execute_buy_order("000660", amount_krw=amount)
    assert result.success and result.quantity == 3
    [booked] = booked_orders(sim, engine.api.kis.account_no.replace("-", "")).values()
    assert (booked.dvsn, booked.price) == ("00", ask)  # a limit at the best ask
    assert 3 * ask + commission(3 * ask) <= amount < 4 * ask + commission(4 * ask)


def test_an_amount_too_small_for_one_share_sends_nothing(engine, sim):
    result = engine.execute_buy_order("000660", amount_krw=1_000)
    assert not result.success and "does not buy one share" in result.message
    assert booked_orders(sim, engine.api.kis.account_no.replace("-", "")) == {}
    assert engine.store.orders() == []


def test_the_full_cycle_buy_then_sell_with_pnl_by_hand(engine, sim):
    bought = engine.execute_buy_order("005930", 3)
    first = engine.execute_sell_order("005930", 1, reason="part")
    rest = engine.execute_sell_order("005930", reason="the rest")
    buy_value = int(bought.price * 3)
    sale_1, sale_2 = int(first.price), int(rest.price * 2)
    # Average cost: the first sale takes a third of the cost and buy commission (the
    # cost kept with the shares held is rounded down), the last sale what is left.
    cost_1 = buy_value - buy_value * 2 // 3
    fees_1 = commission(buy_value) - commission(buy_value) * 2 // 3
    pnl_1 = sale_1 - cost_1 - fees_1 - commission(sale_1) - sale_tax(sale_1)
    pnl_2 = (sale_2 - (buy_value - cost_1) - (commission(buy_value) - fees_1)
             - commission(sale_2) - sale_tax(sale_2))
    assert (first.pnl, rest.pnl) == (pnl_1, pnl_2)
    assert (first.fees, first.tax) == (commission(sale_1), sale_tax(sale_1))
    [trade] = engine.trades()
    assert trade.trade_status == "CLOSED" and trade.open_quantity == 0
    assert trade.pnl == pnl_1 + pnl_2
    assert trade.fees == commission(buy_value) + commission(sale_1) + commission(sale_2)
    basis = buy_value + commission(buy_value)
    assert trade.pnl_percent == float((Decimal(pnl_1 + pnl_2) * 100 / basis).quantize(
        Decimal("0.0001")))
    assert trade.reason == "the rest" and engine.get_current_positions() == []
    assert engine.api.kis.get_position("005930") is None
    cash = sim.account_by_number(engine.api.kis.account_no).cash()
    assert cash == 10_000_000 + pnl_1 + pnl_2  # the broker's cash agrees to the won
    assert_ledger_matches(engine, sim)


def test_several_buys_average_the_entry_price(engine, sim):
    engine.execute_buy_order("005930", 2)
    sim.market.move_price("005930", sim.clock.now(), 80_000)
    engine.execute_buy_order("005930", 1)
    [trade] = engine.store.open_trades()
    assert trade.quantity == trade.open_quantity == 3
    assert trade.entry_price == (Decimal(trade.buy_value) / 3).quantize(Decimal("0.0001"))
    [position] = engine.get_current_positions()
    assert position.quantity == 3 and position.price == 80_000
    value = 3 * 80_000
    exit_costs = commission(value) + sale_tax(value)
    assert position.unrealized_pnl == value - exit_costs - position.cost
    assert_ledger_matches(engine, sim)


def test_a_limit_price_moves_onto_the_grid_in_the_safe_direction(engine, sim):
    buy = engine.execute_buy_order("005930", 1, price=70_049)  # rests below the market
    assert buy.success and buy.status == "accepted"
    sell_limit = engine.execute_sell_order("005930", 1, price=90_001)
    assert not sell_limit.success  # nothing is held until the buy fills
    [order] = booked_orders(sim, engine.api.kis.account_no.replace("-", "")).values()
    assert order.price == 70_000  # a buy rounds down: never pays more than asked


@pytest.mark.parametrize(("arguments", "named"), [
    ({"ticker": "5930", "quantity": 1}, "ticker"),
    ({"ticker": "005930", "quantity": 0}, "quantity"),
    ({"ticker": "005930", "quantity": 1, "amount_krw": 100_000}, "amount_krw"),
    ({"ticker": "005930"}, "amount_krw"),
    ({"ticker": "005930", "quantity": 1, "price": 10**7}, "price"),  # above the upper limit
    ({"ticker": "005930", "quantity": 1, "price": -5}, "price"),
])
def test_bad_input_is_refused_by_name_and_nothing_is_sent(engine, sim, arguments, named):
    result = engine.execute_buy_order(**arguments)
    assert not result.success and f"invalid {named}=" in result.message
    assert booked_orders(sim, engine.api.kis.account_no.replace("-", "")) == {}
    assert engine.store.orders() == []


def test_selling_what_the_engine_does_not_hold_sends_nothing(engine, sim):
    assert "holds no 005930" in engine.execute_sell_order("005930").message
    engine.execute_buy_order("005930", 2)
    too_many = engine.execute_sell_order("005930", 3)
    assert not too_many.success and "cannot sell 3 shares" in too_many.message
    assert len(booked_orders(sim, engine.api.kis.account_no.replace("-", ""))) == 1


def test_the_engine_never_sells_more_than_kis_holds(engine, sim, tmp_path):
    engine.execute_buy_order("005930", 3)
    engine.api.kis.create_market_order("005930", "sell", 2)  # sold by hand, outside it
    report = engine.reconcile()
    assert report.mismatches and "KIS shows 1" in report.mismatches[0]
    refused = engine.execute_sell_order("005930", 2)
    assert not refused.success and "1 sellable at KIS" in refused.message
    assert engine.execute_sell_order("005930").quantity == 1  # what KIS holds


def test_kis_refusals_are_recorded_and_reported(engine, sim):
    result = engine.execute_buy_order("005930", 10**6)  # far beyond the cash
    assert not result.success and result.status == "rejected"
    assert "InsufficientBalanceError" in result.message
    [order] = engine.store.orders()
    assert order.state == OrderState.REJECTED and order.error == result.message
    assert booked_orders(sim, engine.api.kis.account_no.replace("-", "")) == {}


def test_orders_outside_market_hours_are_refused(sim, tmp_path):
    sim.clock.set(dt.datetime(2026, 11, 20, 20, 0, tzinfo=KST))
    with make_engine(sim, tmp_path) as engine:
        result = engine.execute_buy_order("005930", 1)
    assert not result.success and "MarketClosedError" in result.message


def test_a_dry_run_records_decisions_and_sends_nothing(sim, tmp_path):
    with make_engine(sim, tmp_path, settings=EngineSettings(dry_run=True, execution=FAST)) \
            as engine:
        result = engine.execute_buy_order("005930", amount_krw=200_000, reason="test")
        assert result.success and result.status == "dropped"
        assert result.message.startswith("dry run: would buy 2 005930 at ")
        [order] = engine.store.orders()
        assert order.state == OrderState.DROPPED and order.reason == "test"
    assert booked_orders(sim, sim.credentials(Env.REAL).account_no) == {}


def test_max_open_positions_refuses_a_new_ticker_but_not_more_of_one(sim, tmp_path):
    with make_engine(sim, tmp_path, limits=RiskLimits(max_open_positions=1)) as engine:
        assert engine.execute_buy_order("005930", 1).success
        refused = engine.execute_buy_order("000660", 1)
        assert not refused.success and refused.message.startswith("risk: open positions")
        assert engine.execute_buy_order("005930", 1).success


def test_the_position_size_rule_caps_a_buy_by_amount(sim, tmp_path):
    limits = RiskLimits(max_position_fraction=Decimal("0.02"))  # 200,000 of 10,000,000
    with make_engine(sim, tmp_path, limits=limits) as engine:
        result = engine.execute_buy_order("005930", amount_krw=1_000_000)
        assert result.success and result.quantity * result.price <= 200_000
        too_big = engine.execute_buy_order("005930", 10)
        assert not too_big.success and too_big.message.startswith("risk:")


def test_the_daily_loss_limit_halts_buys_and_survives_a_restart(sim, tmp_path):
    limits = RiskLimits(daily_loss_limit=50_000)
    with make_engine(sim, tmp_path, limits=limits) as engine:
        # The day opened richer than the account is now: 60,000 KRW lost today.
        engine.store.opening_equity(MORNING.date(), 10_060_000)
        refused = engine.execute_buy_order("005930", 1)
        assert not refused.success and "daily loss limit" in refused.message
    with make_engine(sim, tmp_path, limits=limits) as again:
        assert not again.execute_buy_order("005930", 1).success


def test_one_buy_per_ticker_at_a_time(engine, sim):
    assert engine.execute_buy_order("005930", 1, price=70_000).status == "accepted"
    second = engine.execute_buy_order("005930", 1)
    assert not second.success and "still open or unresolved" in second.message


def test_a_resting_order_fills_later_and_reconcile_records_it(engine, sim):
    rest = engine.execute_buy_order("005930", 2, price=78_000)
    assert rest.status == "accepted" and rest.quantity == 0
    sim.market.move_price("005930", sim.clock.now(), 77_900)
    sim.clock.advance(1)
    report = engine.reconcile()
    assert report.fills == 1
    [trade] = engine.store.open_trades()
    assert trade.open_quantity == 2 and trade.entry_price == 78_000
    assert_ledger_matches(engine, sim)


def test_the_store_and_the_client_share_the_simulators_clock(engine, sim):
    assert engine.store.now() == sim.clock.now()


@pytest.mark.parametrize("env", [Env.REAL, Env.PAPER])
def test_the_cycle_on_both_databases_and_environments(sim, tmp_path, database_url, env):
    with make_engine(sim, tmp_path, database=database_url, env=env) as engine:
        assert engine.execute_buy_order("005930", amount_krw=300_000).success
        sold = engine.execute_sell_order("005930", reason="done")
        assert sold.success and sold.pnl is not None and sold.tax > 0
        [trade] = engine.trades()
        assert trade.trade_status == "CLOSED" and trade.pnl == sold.pnl
        assert engine.reconcile().clean
        assert_ledger_matches(engine, sim)


@pytest.mark.parametrize("what", ["expire", "revoke"])
def test_a_dead_token_is_renewed_and_the_order_goes_through(engine, sim, what):
    first = engine.get_access_token()
    sim.clock.advance(61)  # KIS issues one token a minute: the renewal need not wait
    control = httpx.Client(transport=sim.transport(), base_url="http://sim")
    assert control.post(f"/_sim/tokens/{what}", json={}).status_code == 200
    result = engine.execute_buy_order("005930", 1)
    assert result.success, result.message
    assert engine.get_access_token() != first
    assert sim.auth.stats[engine.api.kis._ctx.app_key].tokens_issued == 2


def test_wrong_credentials_are_reported_as_such(sim, tmp_path, caplog):
    with make_engine(sim, tmp_path, app_secret="not-the-secret") as engine:
        result = engine.execute_buy_order("005930", 1)
    assert not result.success and "AuthenticationError" in result.message
    assert "not-the-secret" not in result.message + caplog.text
    [record] = [r for r in caplog.records if r.name == "pykis.engine" and r.levelname == "WARNING"]
    assert (record.ticker, record.side, record.quantity) == ("005930", "buy", 1)


def test_the_status_values_the_positions_and_the_account(engine, sim):
    engine.reconcile()  # at start-up: the day's opening equity is recorded
    engine.execute_buy_order("005930", 10)
    status = engine.status()
    [position] = status.positions
    assert status.market_value == position.market_value == 10 * position.price
    balance = engine.api.get_balance()
    assert status.equity == balance.total and status.cash == balance.free
    assert status.exposure == float((Decimal(status.market_value) / status.equity).quantize(
        Decimal("0.000001")))
    assert status.unrealized_pnl == position.unrealized_pnl < 0  # the costs of getting out
    assert status.open_orders == 0 and status.day_start_equity == 10_000_000


def test_a_working_order_can_be_canceled(engine, sim):
    rest = engine.execute_buy_order("005930", 2, price=70_000)
    [order] = engine.store.orders()
    canceled = engine.cancel_order(order.id)
    assert canceled.success and canceled.status == "canceled" and canceled.quantity == 0
    assert "cancelled the rest" in canceled.message
    again = engine.cancel_order(order.id)
    assert not again.success and "nothing to cancel" in again.message
    assert engine.execute_buy_order("005930", 1).success  # the ticker is free again
    assert rest.order_id in {str(o.number) for o in
                             sim.account_by_number(engine.api.kis.account_no).orders.values()}
    assert_ledger_matches(engine, sim)
