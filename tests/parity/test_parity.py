"""Parity: the same strategy on the same recorded days makes the same orders and the same
fills whether the backtester runs it (``pykis.backtest.Backtest``) or the live engine and
monitor do, against the simulator replaying those days (``SimConfig(replay=...)``).

The recorded days are made as a user makes them: one-minute bars of two symbols for a
week (and the Friday before, whose close sets Monday's price limits), downloaded from a
simulator through the client into a ``HistoryStore``. Both sides read that store.

The live side runs the real thing in one thread, on simulated time: a replaying
simulator on a frozen clock, a ``KISTradingEngine`` on it through the client (in-process
transport), and a ``Monitor`` driven by ``step()`` on a ``ManualClock``. The ticks are the
simulator's own trades of the replayed symbols (what H0STCNT0 streams), in time order;
for each, the simulator's clock moves to the trade, the monitor steps once (its sync
reads back what that trade filled, as the execution notices would tell it), and then
the tick is fed and decided, and the orders it decides are sent at that moment. The
simulator matches them by its own rules.

What must be identical: the ticks themselves, every order (time, symbol, side, type,
quantity, limit), every refusal (time, symbol, side), every fill (time, symbol, side,
quantity, price), and the cash at the end.
"""

from __future__ import annotations

import datetime as dt
import difflib
from decimal import Decimal
from pathlib import Path

import pytest

from clients import build
from engines import assert_ledger_matches, make_engine
from pykis.backtest import Backtest
from pykis.engine import EngineSettings, Monitor, MonitorSettings, RiskLimits
from pykis.engine.execution import ExecutionSettings
from pykis.engine.strategy import DonchianBreakout, MovingAverageCross, Tick
from pykis.history import HistoryStore, download
from pykis.market import KST
from pykis.sim import Env, SimConfig, Simulator
from pykis.sim.config import AccountSpec
from pykis.utils.clock import ManualClock
from support import make_sim

SYMBOLS = ["005930", "000660"]
DAYS = (dt.date(2024, 6, 10), dt.date(2024, 6, 14))  # Monday to Friday: five sessions
BEFORE = dt.date(2024, 6, 7)  # its close is Monday's reference price
CASH = 10_000_000
BUDGET = 1_000_000  # per position
NO_LIMITS = {Env.REAL: 0, Env.PAPER: 0}
SYNC = 60.0  # the monitor's sync interval, on its own (simulated) clock

CASES = {
    "moving_average_cross": (lambda: MovingAverageCross(10, 40), RiskLimits()),
    "donchian_breakout+trailing_stop": (
        lambda: DonchianBreakout(40, 20),
        RiskLimits(stop_loss=Decimal("0.01"), trailing_stop=Decimal("0.005"))),
}


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> HistoryStore:
    root = tmp_path_factory.mktemp("parity")
    source = make_sim(dt.datetime(2024, 6, 14, 16, 0, tzinfo=KST))
    kis = build(source, Env.REAL, "sync", root / "client")
    store = HistoryStore(root / "history")
    try:
        download(kis, SYMBOLS, "1m", since=BEFORE, until=DAYS[1], store=store, progress=False)
    finally:
        kis.close()
    return store


# --- (a) the backtester -------------------------------------------------------------------
def backtest(history: HistoryStore, case: str) -> dict[str, list]:
    make, limits = CASES[case]
    run = Backtest(make(), history, SYMBOLS, start=DAYS[0], end=DAYS[1], cash=CASH,
                   limits=limits, budget_krw=BUDGET)
    _, tape = run.prepare()
    result = run.run()
    ticks = [(int(t) // 10**9, tape.symbols[s], int(p), int(v)) for t, s, p, v in zip(
        tape.time.tolist(), tape.symbol.tolist(), tape.price.tolist(), tape.volume.tolist(),
        strict=True)]
    orders, refusals, reasons = [], [], []
    for row in result.orders.itertuples(index=False):
        reasons.append(row.reason)
        if row.state == "refused":
            refusals.append((_at(row.time), row.ticker, row.side))
        else:
            limit = None if row.type == "market" else int(row.limit_price)
            orders.append((_at(row.time), row.ticker, row.side, row.type, int(row.quantity),
                           limit))
    fills = [(_at(f.time), f.ticker, f.side, int(f.quantity), int(f.price))
             for f in result.fills.itertuples(index=False)]
    cash = int(result.fills["cash"].iloc[-1]) if len(result.fills) else CASH
    return {"ticks": ticks, "orders": orders, "refusals": refusals, "fills": sorted(fills),
            "cash": [cash], "exits": [r for r in reasons if r.startswith(("trailing", "stop"))]}


# --- (b) the live engine and monitor against the replaying simulator ----------------------
def trades_of(sim: Simulator) -> list[tuple[float, int, str, int, int]]:
    """The simulator's trades of the replayed symbols on the replayed days, in time order
    (a tie: the symbol listed first): what its H0STCNT0 stream sends."""
    trades = []
    for day in sim.market.calendar.trading_days(*DAYS):
        close = sim.market.schedule(day).regular_close.timestamp()
        for rank, code in enumerate(SYMBOLS):
            for _, trade in sim.market.trades(code, day, -1, close):
                trades.append((trade.ts, rank, code, trade.price, trade.volume))
    return sorted(trades)


def live(history: HistoryStore, case: str, tmp_path: Path) -> dict[str, list]:
    make, limits = CASES[case]
    sim = Simulator(SimConfig(replay=history.root, replay_from=DAYS[0], frozen=True,
                              rate_limits=NO_LIMITS, accounts=[AccountSpec(Env.REAL, CASH)]))
    clock = ManualClock()  # the engine's and the monitor's: waits pass in no time
    engine = make_engine(sim, tmp_path, limits=limits, clock=clock, settings=EngineSettings(
        execution=ExecutionSettings(fill_timeout=0, poll_interval=0.01, settle_seconds=0)))
    # No stream (the ticks are fed), one poll at the start, a sync only when the driver
    # makes one due (below), no wait for fills (they come with the next trades).
    settings = MonitorSettings(budget_krw=BUDGET, stream=False, poll_interval=1e9,
                               sync_interval=SYNC, fill_timeout=0)
    refusals = []

    def decided(decision) -> None:
        if decision.result is not None and not decision.result.success:
            refusals.append((decision.tick.time, decision.tick.ticker, decision.action))

    account = sim.account_by_number(engine.api.kis.account_no)
    notices: list[str] = []  # what the exchange notifies (H0STCNI0's events)
    sim.exchange.listeners.append(lambda event, order, fill: notices.append(event))
    with engine, Monitor(engine, SYMBOLS, make(), settings, clock=clock,
                         on_decision=decided) as monitor:
        monitor.step()  # before the open: the first sync, and the one poll ("closed")
        trades, day = trades_of(sim), None
        for ts, _, code, price, volume in trades:
            moment = dt.datetime.fromtimestamp(ts, KST)
            sim.clock.set(moment)
            # The market moves to this trade: the simulator matches the orders up to it,
            # as it does for every stream it serves (``RealtimeHub.pump``).
            notices.clear()
            sim.exchange.sync(sim.accounts, moment)
            if "filled" in notices or moment.date() != day:
                # What this trade filled (or the last close expired) is known before the
                # trade is decided, as an execution notice would tell it: the monitor's
                # sync is made due, and runs.
                clock.advance(SYNC)
                monitor.step()
            day = moment.date()
            monitor.feed(Tick(code, price, moment, volume, "stream", clock.monotonic()))
            monitor.step()  # decided, and its orders sent, at the trade's time
        sim.clock.set(moment + dt.timedelta(hours=1))  # past the close: the rest expires
        clock.advance(SYNC)
        monitor.step()
        assert_ledger_matches(engine, sim)  # the engine's ledger is the simulator's books
    booked = sorted((o for o in account.orders.values() if o.kind.name == "NEW"),
                    key=lambda o: o.number)
    orders = [(dt.datetime.fromtimestamp(o.ts, KST), o.code, str(o.side),
               "limit" if o.price else "market", o.qty, o.price or None) for o in booked]
    fills = sorted((dt.datetime.fromtimestamp(f.ts, KST), f.code, str(f.side), f.qty, f.price)
                   for o in booked for f in o.fills)
    ticks = [(int(ts), code, price, volume) for ts, _, code, price, volume in trades]
    exits = [o.reason for o in engine.store.orders() if o.reason.startswith(("trailing", "stop"))]
    return {"ticks": ticks, "orders": orders, "refusals": refusals, "fills": fills,
            "cash": [account.cash()], "exits": exits}


def _at(moment) -> dt.datetime:
    return moment.to_pydatetime().astimezone(KST) if hasattr(moment, "to_pydatetime") \
        else moment.astimezone(KST)


def differences(backtested: dict[str, list], lived: dict[str, list]) -> str:
    """A readable diff of every list that differs ('-' backtest, '+' live)."""
    out = []
    for name in backtested:
        a = [_line(x) for x in backtested[name]]
        b = [_line(x) for x in lived[name]]
        if a != b:
            out.append(f"--- {name}: {len(a)} in the backtest, {len(b)} live")
            out.extend(list(difflib.unified_diff(a, b, "backtest", "live", n=2,
                                                 lineterm=""))[2:60])
    return "\n".join(out)


def _line(item) -> str:
    return " ".join(x.strftime("%m-%d %H:%M:%S") if isinstance(x, dt.datetime) else str(x)
                    for x in (item if isinstance(item, tuple) else (item,)))


@pytest.mark.parametrize("case", list(CASES))
def test_the_backtest_and_the_live_engine_on_the_replay_agree(history, case, tmp_path):
    backtested = backtest(history, case)
    lived = live(history, case, tmp_path)
    diff = differences(backtested, lived)
    assert not diff, f"the backtest and the live run differ:\n{diff}"
    # Not a vacuous agreement: both sides traded, every day, and filled both ways.
    days = {o[0].date() for o in backtested["orders"]}
    assert len(days) == 5 and len(backtested["orders"]) >= 20, backtested["orders"]
    assert {f[2] for f in backtested["fills"]} == {"buy", "sell"}
    assert {o[1] for o in backtested["orders"]} == set(SYMBOLS)
    assert len(backtested["exits"]) >= 3 if CASES[case][1].trailing_stop else not \
        backtested["exits"]  # the risk rules' exits, where set, sold too
