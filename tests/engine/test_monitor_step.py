"""The monitor driven by ``Monitor.step()`` on a simulated clock (``ManualClock``), with
no thread of its own and no wall time: the poll and sync schedules, the rate-limit pause,
every tick decided in order, and orders that never hold up the decisions of later ticks
nor go out twice."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from decimal import Decimal

from engines import assert_ledger_matches, make_engine
from pykis.engine import Buy, Decision, Monitor, MonitorSettings, RiskLimits
from pykis.engine.strategy import Tick
from pykis.market import KST
from pykis.sim import Env, SimConfig, Simulator
from pykis.utils.clock import ManualClock
from support import MORNING, make_sim

STEPPED = MonitorSettings(sessions="always", stream=False, poll_interval=2.0,
                          sync_interval=5.0, fill_timeout=0)


def tick(ticker: str, price: int, n: int = 0) -> Tick:
    return Tick(ticker, price, dt.datetime(2026, 11, 20, 10, 0, n % 60, tzinfo=KST), 1)


class BuyEveryTick:
    name = "eager"

    def on_tick(self, tick, holding):
        return [Buy(tick.ticker, quantity=1, reason="eager")] if holding is None else []


class Remember:
    """Holds, and remembers every tick it was shown, in order."""

    name = "remember"

    def __init__(self) -> None:
        self.seen: list[Tick] = []

    def on_tick(self, tick, holding):
        self.seen.append(tick)
        return []


def test_polls_on_the_schedule_of_the_simulated_clock(tmp_path):
    clock, decisions = ManualClock(), []
    with make_engine(make_sim(), tmp_path) as engine, \
            Monitor(engine, ["005930", "000660"], settings=STEPPED, clock=clock,
                    on_decision=decisions.append) as monitor:
        polls = []
        for _ in range(11):  # 0, 0.5, ..., 5.0 simulated seconds
            monitor.step()
            polls.append(monitor.report.ticks["poll"])
            clock.advance(0.5)
    # A poll (two quotes) at 0, 2 and 4 s; nothing between.
    assert polls == [2, 2, 2, 2, 4, 4, 4, 4, 6, 6, 6]
    assert len(decisions) == 6 and {d.action for d in decisions} == {"hold"}
    assert [d.tick.source for d in decisions] == ["poll"] * 6


def test_highs_are_stored_by_the_sync_not_by_the_decision(tmp_path):
    clock = ManualClock()
    limits = RiskLimits(stop_loss=Decimal("0.5"), take_profit=Decimal("5"),
                        trailing_stop=Decimal("0.5"))  # never fire here
    with make_engine(make_sim(), tmp_path, limits=limits) as engine:
        engine.execute_buy_order("005930", 1)
        [trade] = engine.store.open_trades()
        with Monitor(engine, ["005930"], settings=STEPPED, clock=clock) as monitor:
            monitor.step()  # t=0: the first sync (and poll)
            high = int(trade.entry_price) + 5_000
            clock.advance(2.5)
            monitor.on_tick(tick("005930", high))  # the stream's path: decided now
            assert monitor.report.decisions >= 2
            assert engine.store.open_trades()[0].high_price != high  # in memory only
            clock.advance(2.0)  # t=4.5: a poll is due, a sync is not
            monitor.step()
            assert engine.store.open_trades()[0].high_price != high
            clock.advance(0.5)  # t=5: the sync stores it
            monitor.step()
            assert engine.store.open_trades()[0].high_price == high


def test_every_tick_is_decided_in_order(tmp_path):
    clock, strategy, decisions = ManualClock(), Remember(), []
    symbols = ["005930", "000660", "035420"]
    ticks = [tick(symbols[n % 3], 70_000 + n * 100, n) for n in range(60)]
    with make_engine(make_sim(), tmp_path) as engine, \
            Monitor(engine, symbols, strategy, STEPPED, clock=clock,
                    on_decision=decisions.append) as monitor:
        monitor.step()  # the first poll's ticks
        first = len(strategy.seen)
        for t in ticks[:30]:
            monitor.feed(t)  # queued: a burst of ten ticks a symbol
        monitor.step()
        for t in ticks[30:]:
            monitor.on_tick(t)  # decided as each arrives
    assert strategy.seen[first:] == ticks  # none dropped, none merged, in order
    assert [d.tick for d in decisions[first:]] == ticks
    assert monitor.report.decisions == first + 60


def test_one_order_for_a_symbol_while_it_is_pending(tmp_path):
    clock, decisions, sim = ManualClock(), [], make_sim()
    with make_engine(sim, tmp_path) as engine, \
            Monitor(engine, ["005930"], BuyEveryTick(), STEPPED, clock=clock,
                    on_decision=decisions.append) as monitor:
        monitor.start()
        for n in range(5):
            monitor.on_tick(tick("005930", 70_000, n))
        # Decided at once; the one order waits for the loop, the rest wait for it.
        assert [d.action for d in decisions] == ["wait"] * 4
        assert engine.store.orders() == []
        monitor.step()  # the buy, then the first poll: held now
        assert [d.action for d in decisions] == ["wait"] * 4 + ["buy", "hold"]
        assert decisions[4].result.success and decisions[4].tick.time.second == 0
        assert decisions[5].tick.source == "poll"
        [order] = engine.store.orders()
        assert order.quantity == 1
        monitor.on_tick(tick("005930", 70_000, 9))  # held now: nothing to do
        assert decisions[-1].action == "hold"
        assert_ledger_matches(engine, sim)


def test_an_order_in_flight_never_holds_up_later_decisions(tmp_path):
    """While the loop thread sends an order (here stuck: the database is locked by
    another writer), ticks are still decided as they arrive."""
    clock, decisions = ManualClock(), []
    with make_engine(make_sim(), tmp_path) as engine:
        monitor = Monitor(engine, ["005930", "000660"], BuyEveryTick(), STEPPED, clock=clock,
                          on_decision=decisions.append)
        monitor.start()
        blocker = sqlite3.connect(tmp_path / "engine.sqlite3", isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # the order's intent cannot be recorded
        try:
            monitor.on_tick(tick("005930", 70_000))  # a buy, queued
            sender = threading.Thread(target=monitor.step)  # sends it: blocks
            sender.start()
            for n in range(1, 21):
                monitor.on_tick(tick("005930", 70_000, n))
                monitor.on_tick(tick("000660", 120_000, n))
            assert sender.is_alive()  # the order is still on its way
            actions = [d.action for d in decisions]
            # Each symbol's first tick is a buy (recorded when done), its others wait for it.
            assert actions == ["wait"] * 39
            assert {d.tick.ticker for d in decisions} == {"005930", "000660"}
            assert monitor.report.decisions == 41
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        sender.join(timeout=60)
        monitor.step()  # 000660's buy, decided meanwhile
        monitor.close()
    buys = [d for d in decisions if d.action == "buy"]
    assert [d.tick.ticker for d in buys] == ["005930", "000660"]
    assert all(d.result.success for d in buys)


def test_a_rate_limit_pauses_orders_for_simulated_seconds(tmp_path):
    sim = Simulator(SimConfig(start=MORNING, frozen=True,
                              rate_limits={Env.REAL: 1, Env.PAPER: 1}))
    clock = ManualClock()
    clock_moves = lambda seconds: (clock.advance(seconds),  # noqa: E731
                                   sim.clock.advance(seconds))
    settings = MonitorSettings(sessions="always", stream=False, poll_interval=3600,
                               sync_interval=3600, rate_limit_pause=1.0, fill_timeout=0)
    decisions: list[Decision] = []
    with make_engine(sim, tmp_path) as engine, \
            Monitor(engine, ["005930"], BuyEveryTick(), settings, clock=clock,
                    on_decision=decisions.append) as monitor:
        clock_moves(1.0)  # a fresh second for the sim's window
        monitor.on_tick(tick("005930", 70_000))
        monitor.step()  # quote, then the order: the second call of the second is refused
        [refused] = decisions
        assert refused.action == "buy" and refused.result.error == "rate_limit"
        clock_moves(0.5)
        monitor.on_tick(tick("005930", 70_000, 1))
        assert decisions[-1].action == "wait" and "rate limit" in decisions[-1].reason
        clock_moves(0.5)  # the pause is over: a buy again (recorded once sent)
        monitor.on_tick(tick("005930", 70_000, 2))
        assert len(decisions) == 2 and monitor.report.decisions == 3
        monitor.step()
        assert decisions[-1].action == "buy" and decisions[-1].tick.time.second == 2
