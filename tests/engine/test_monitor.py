"""The monitor loop against the simulator: exits on the real-time stream, polling when
there is no stream, the session gate, strategies, dry runs, notices, and a graceful
stop on SIGTERM."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import time
from decimal import Decimal

import pytest

from engines import FAST, assert_ledger_matches, make_engine
from pykis.engine import Buy, EngineSettings, Monitor, MonitorSettings, RiskLimits
from pykis.engine.store import OrderState
from pykis.market import KST
from pykis.sim import Env, SimConfig, SimServer, Simulator
from pykis.utils.clock import ManualClock
from support import make_sim

POLL = MonitorSettings(sessions="always", stream=False, poll_interval=0.05, sync_interval=0.2)


# Just after the open: the simulator makes each symbol's day of prices up to its clock's
# now, so a running market started here has minutes to make, not the whole day.
OPENING = dt.datetime(2026, 11, 20, 9, 1, tzinfo=KST)


def running_sim() -> Simulator:
    """A market running on the wall clock from ``OPENING``, that never closes: trades
    keep coming on the stream."""
    return Simulator(SimConfig(start=OPENING, frozen=False, always_open=True,
                               rate_limits={Env.REAL: 0, Env.PAPER: 0}))


def move(sim: Simulator, price: int) -> None:
    sim.market.move_price("005930", sim.clock.now(), price)


def test_take_profit_on_the_real_time_stream(tmp_path):
    sim = running_sim()
    limits = RiskLimits(take_profit=Decimal("0.01"), stop_loss=Decimal("0.05"))
    with SimServer(sim) as server, make_engine(sim, tmp_path, limits=limits,
                                               base_url=server.base_url) as engine:
        bought = engine.execute_buy_order("005930", 2)
        goal = int(Decimal(str(bought.price)) * Decimal("1.02")) // 100 * 100
        decisions = []
        monitor = Monitor(engine, ["005930"], settings=MonitorSettings(sessions="always"),
                          on_decision=decisions.append)
        monitor.start()  # subscribed: the rally's trades reach it
        move(sim, goal)
        report = monitor.run(seconds=30, until=lambda m: not engine.store.open_trades())
    assert report.stopped == "done" and report.ticks["stream"] > 0
    [sale] = report.orders
    assert sale.success and sale.quantity == 2 and sale.pnl > 0
    [sell] = [d for d in decisions if d.action == "sell"]  # (a tick may be decided after)
    assert sell.tick.source == "stream" and sell.result is sale
    assert engine.trades()[0].reason.startswith("take-profit")
    assert_ledger_matches(engine, sim)


@pytest.mark.parametrize(("moves", "rule"), [
    ([75_000], "stop-loss"),
    ([82_000, 84_000, 81_000], "trailing stop"),
])
def test_stops_sell_when_polled_prices_cross_them(tmp_path, moves, rule):
    sim = make_sim()
    limits = RiskLimits(stop_loss=Decimal("0.03"), trailing_stop=Decimal("0.03"))
    with make_engine(sim, tmp_path, limits=limits) as engine:
        engine.execute_buy_order("005930", 1)
        prices, seen, target = iter(moves), [], [None]

        def next_price(monitor: Monitor) -> bool:
            if not engine.store.open_trades():
                return True
            if target[0] is None or target[0] in seen:  # the loop saw the last move
                target[0] = next(prices, target[0])
                move(sim, target[0])
            return False

        report = Monitor(engine, ["005930"], settings=POLL,
                         on_decision=lambda d: seen.append(d.tick.price)).run(
            seconds=20, until=next_price)
        assert report.ticks["poll"] > 0 and report.ticks["stream"] == 0
        [trade] = engine.trades()
        assert trade.trade_status == "CLOSED" and trade.reason.startswith(rule)
        if rule == "trailing stop":
            assert trade.high_price == 84_000 and "under the high 84,000" in trade.reason
        assert_ledger_matches(engine, sim)


def test_the_trailing_high_survives_a_restart(tmp_path):
    sim = make_sim()
    limits = RiskLimits(trailing_stop=Decimal("0.03"))
    with make_engine(sim, tmp_path, limits=limits) as engine:
        engine.execute_buy_order("005930", 1)
        move(sim, 84_000)
        Monitor(engine, ["005930"], settings=POLL).run(seconds=0.5)
    move(sim, 81_400)  # 3.1 % under the high seen before the restart
    with make_engine(sim, tmp_path, limits=limits) as again:
        Monitor(again, ["005930"], settings=POLL).run(
            seconds=10, until=lambda m: not again.store.open_trades())
        assert again.trades()[0].reason.startswith("trailing stop")


def test_without_a_stream_it_polls_and_keeps_trading(tmp_path):
    sim = running_sim()
    sim.clock.follow(ManualClock())  # the market, the engine and the monitor: simulated
    limits = RiskLimits(stop_loss=Decimal("0.02"))
    # The stream's wait is real time (its own thread): short, as a refusal is at once.
    settings = MonitorSettings(sessions="always", stale_after=0.2, poll_interval=0.1,
                               stream_timeout=0.2)
    # REST in-process; the stream's address refuses connections, as a dead host's would.
    with make_engine(sim, tmp_path, limits=limits,
                     ws_url="ws://127.0.0.1:9/tryitout") as engine:
        bought = engine.execute_buy_order("005930", 1)
        move(sim, int(Decimal(str(bought.price)) * Decimal("0.95")) // 100 * 100)
        report = Monitor(engine, ["005930"], settings=settings).run(
            seconds=20, until=lambda m: not engine.store.open_trades())
    assert report.stopped == "done" and report.ticks["stream"] == 0 and report.ticks["poll"]
    assert engine.trades()[0].reason.startswith("stop-loss")


def test_outside_the_regular_session_nothing_is_done(tmp_path):
    sim = make_sim()
    limits = RiskLimits(stop_loss=Decimal("0.01"))
    with make_engine(sim, tmp_path, limits=limits) as engine:
        engine.execute_buy_order("005930", 1)
        move(sim, 70_000)
        sim.clock.set(dt.datetime(2026, 11, 20, 15, 45, tzinfo=KST))  # after the close
        decisions = []
        settings = MonitorSettings(stream=False, poll_interval=0.05)
        Monitor(engine, ["005930"], settings=settings, on_decision=decisions.append).run(
            seconds=0.5)
    assert decisions and {d.action for d in decisions} == {"closed"}
    assert engine.store.open_trades()  # the stop-loss waits for the session


class BuyEveryTick:
    name = "eager"

    def on_tick(self, tick, holding):
        return [Buy(tick.ticker, reason="eager")] if holding is None else []


def test_a_strategy_buys_with_the_budget(tmp_path):
    sim = make_sim()
    settings = MonitorSettings(sessions="always", stream=False, poll_interval=0.05,
                               budget_krw=300_000)
    with make_engine(sim, tmp_path) as engine:
        report = Monitor(engine, ["005930", "000660"], BuyEveryTick(), settings).run(
            seconds=10, until=lambda m: len(engine.store.open_trades()) == 2)
        assert report.stopped == "done"
        for trade in engine.store.open_trades():
            assert trade.strategy == "eager" and trade.entry_reason == "eager"
            assert trade.buy_value + trade.fees <= 300_000
        assert_ledger_matches(engine, sim)


def test_a_dry_run_records_every_decision_and_sends_nothing(tmp_path):
    sim = make_sim()
    settings = EngineSettings(dry_run=True, execution=FAST)
    with make_engine(sim, tmp_path, settings=settings) as engine:
        report = Monitor(engine, ["005930"], BuyEveryTick(), POLL).run(seconds=0.5)
        orders = engine.store.orders()
    assert report.orders and all(r.success and r.status == "dropped" for r in report.orders)
    assert len(orders) == len(report.orders)
    assert {o.state for o in orders} == {OrderState.DROPPED}
    assert sim.account_by_number(sim.credentials(Env.REAL).account_no).orders == {}


@pytest.mark.parametrize("watched", [1, 40])
def test_a_fill_arrives_as_an_execution_notice(tmp_path, caplog, watched):
    """With 40 symbols the notices and the trades are 41 registrations, one more than
    the client's default cap: the notices come first, and the trades fall back to
    polling, saying so."""
    sim = running_sim()
    settings = MonitorSettings(sessions="always", sync_interval=60,  # REST would be late
                               stream_timeout=5)
    symbols = ["005930", *[c for c in sim.market.universe if c != "005930"][:watched - 1]]
    with SimServer(sim) as server, make_engine(sim, tmp_path, base_url=server.base_url,
                                               hts_id=sim.credentials(Env.REAL).hts_id) \
            as engine:
        price = int(engine.get_current_price("005930"))
        rest = engine.execute_buy_order("005930", 1, price=price - 1_000, fill_timeout=0)
        assert rest.status == "accepted"
        monitor = Monitor(engine, symbols, settings=settings)
        monitor.start()  # the notices are subscribed before the order can fill
        monitor.step()  # its first read-back: still working (the next is 60 s away)
        move(sim, price - 1_500)
        monitor.run(seconds=20, until=lambda m: bool(engine.store.open_trades()))
        [order] = engine.store.orders()
        [fill] = engine.store.fills_of(order.id)
    assert order.state == OrderState.FILLED and fill.source == "notice"
    assert ("no real-time trades" in caplog.text) == (watched == 40)
    assert "no execution notices" not in caplog.text


def test_sigterm_stops_the_loop_after_the_current_step(tmp_path):
    sim = make_sim()
    with make_engine(sim, tmp_path) as engine:
        timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
        timer.start()
        started = time.monotonic()
        report = Monitor(engine, ["005930"], settings=POLL).run(seconds=30)
        timer.join()
    assert report.stopped == "SIGTERM" and time.monotonic() - started < 10
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is restored
