"""What stopped an order, as the engine's caller can act on it, and the books kept
straight when KIS's answer misleads: an unreadable answer to an order is an unknown
outcome that is looked up (never "refused"), an order recorded as refused that KIS
booked is adopted, holdings are compared both ways, and the monitor stops on refused
credentials and waits out a rate limit."""

from __future__ import annotations

import pytest

from engines import assert_ledger_matches, make_engine
from pykis.engine import Buy, Monitor, MonitorSettings, RiskLimits
from pykis.engine.store import OrderIntent, OrderState
from pykis.sim import Env, FaultRule
from pykis.sim.faults import GARBLES
from support import make_sim

POLL = MonitorSettings(sessions="always", stream=False, poll_interval=0.02, sync_interval=0.5)


class BuyEveryTick:
    name = "buy_every_tick"

    def on_tick(self, tick, holding):
        return [Buy(tick.ticker, quantity=1)]


@pytest.mark.parametrize("variant", GARBLES)
def test_a_booked_order_whose_answer_cannot_be_read_is_found_not_refused(variant, tmp_path):
    sim = make_sim()
    with make_engine(sim, tmp_path) as engine:
        sim.faults.replace([FaultRule("garble", count=1, scope="orders", variant=variant)])
        result = engine.execute_buy_order("005930", 2)
        assert result.success and result.status == OrderState.FILLED, result
        assert result.error is None
        again = engine.reconcile()
        assert again.clean and not again.adopted
        assert_ledger_matches(engine, sim)


def test_an_order_recorded_as_refused_that_kis_booked_is_adopted(tmp_path):
    sim = make_sim()
    with make_engine(sim, tmp_path, limits=RiskLimits(max_open_positions=1)) as engine:
        engine.reconcile()
        # What an older PyKIS left: KIS booked (and filled) the order, the ledger says
        # it was refused.
        engine.api.kis.create_market_order("005930", "buy", 3)
        row = engine.store.record_intent(OrderIntent("005930", "buy", 3, order_type="market"))
        engine.store.mark_sent(row.id)
        engine.store.mark_rejected(row.id, "APIError: an answer that could not be read")
        report = engine.reconcile()
        assert report.adopted == (row.id,) and report.clean, report
        adopted = engine.store.get_order(row.id)
        assert adopted.state == OrderState.FILLED and adopted.filled_quantity == 3
        assert "booked by KIS as" in adopted.error
        assert_ledger_matches(engine, sim)
        # The position counts: the next ticker is refused by the risk rule.
        refused = engine.execute_buy_order("000660", 1)
        assert not refused.success and refused.error == "risk"


def test_a_refusal_kis_never_booked_is_not_adopted(tmp_path):
    sim = make_sim()
    with make_engine(sim, tmp_path) as engine:
        refused = engine.execute_buy_order("005930", 10**6)  # far more than the cash
        assert not refused.success and refused.error == "insufficient_balance"
        assert refused.error_code  # KIS's msg_cd
        report = engine.reconcile()
        assert not report.adopted and report.clean
        assert engine.store.orders()[0].state == OrderState.REJECTED


def test_holdings_are_compared_both_ways(tmp_path):
    sim = make_sim()
    with make_engine(sim, tmp_path) as engine:
        assert engine.execute_buy_order("005930", 2).success
        kis = engine.api.kis
        kis.create_market_order("005930", "buy", 5)  # beside the engine, on its ticker
        kis.create_market_order("000660", "buy", 1)  # a ticker the engine never traded
        report = engine.reconcile()
        [mismatch] = report.mismatches
        assert mismatch.startswith("005930: KIS holds 7 shares, the engine's open trades 2")
        assert report.outside == ("000660: 1 shares",)
        assert not report.clean


def test_every_failure_carries_its_kind(tmp_path):
    sim = make_sim()
    with make_engine(sim, tmp_path) as engine:
        assert engine.execute_buy_order("005930", 1.5).error == "invalid_input"
        assert engine.execute_sell_order("005930").error == "refused"  # holds none
        sim.faults.replace([FaultRule("rate_limit", scope="orders")])
        limited = engine.execute_buy_order("005930", 1)
        assert not limited.success and limited.error == "rate_limit"
        assert limited.error_code == "EGW00201"
        assert limited.status == OrderState.REJECTED
    with make_engine(sim, tmp_path, app_secret="not-the-secret") as wrong:
        refused = wrong.execute_buy_order("005930", 1)
        assert not refused.success and refused.error == "authentication"


def test_the_monitor_stops_when_kis_refuses_the_credentials(tmp_path):
    sim = make_sim()
    with make_engine(sim, tmp_path, app_secret="not-the-secret") as engine:
        report = Monitor(engine, ["005930"], BuyEveryTick(), POLL).run(seconds=30)
    assert report.stopped == "authentication"
    assert not sim.account_by_number(sim.credentials(Env.REAL).account_no).orders


def test_the_monitor_pauses_orders_after_a_rate_limit(tmp_path):
    sim = make_sim()
    settings = MonitorSettings(sessions="always", stream=False, poll_interval=0.01,
                               sync_interval=60, rate_limit_pause=60)
    decisions = []
    with make_engine(sim, tmp_path) as engine:
        engine.reconcile()
        sim.faults.replace([FaultRule("rate_limit", scope="orders")])
        report = Monitor(engine, ["005930"], BuyEveryTick(), settings,
                         on_decision=decisions.append).run(
            seconds=30, until=lambda m: m.report.decisions >= 6)
    assert report.stopped == "done"
    [order] = report.orders  # one try, then orders wait out the pause
    assert order.error == "rate_limit"
    assert [d.action for d in decisions[1:]] == ["wait"] * (len(decisions) - 1)
