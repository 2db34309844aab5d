"""Engine test support: a ``KISTradingEngine`` on the simulator, and the comparison of
its ledger with the simulator's books that every engine test ends with."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from clients import FAST_RETRY, NO_LIMIT
from pykis import KIS
from pykis.engine import EngineSettings, ExecutionSettings, KISTradingEngine, RiskLimits
from pykis.engine.store.states import UNRESOLVED_STATES
from pykis.sim import Env, Simulator
from pykis.sim.accounts import OrderKind
from pykis.utils.clock import SYSTEM, Clock, ManualClock
from pykis.utils.ratelimit import MemoryStore

FAST = ExecutionSettings(fill_timeout=2.0, poll_interval=0.02, settle_seconds=0.3)


def engine_clock(sim: Simulator) -> Clock:
    """The clock an engine on ``sim`` waits on: the simulated one the simulator follows,
    if it does; a simulated one of its own while the simulator's clock stands still (its
    waits for a fill or a settling order then pass in no time, as nothing moves
    meanwhile); else the wall clock, the simulator's."""
    if isinstance(sim.clock.source, ManualClock):
        return sim.clock.source
    return ManualClock() if sim.clock.frozen else SYSTEM


def make_engine(sim: Simulator, tmp_path: Path, *, database: str | Path | None = None,
                limits: RiskLimits | None = None, settings: EngineSettings | None = None,
                env: Env = Env.REAL, base_url: str = "http://sim", clock: Clock | None = None,
                **client: Any
                ) -> KISTradingEngine:
    """An engine of the first ``env`` account, in-process unless ``base_url`` names a
    server; its store on ``database`` (default: a SQLite file in ``tmp_path``)."""
    creds = sim.credentials(env)
    options = {"transport": sim.transport()} if base_url == "http://sim" else {}
    secret = client.pop("app_secret", creds.app_secret)
    kis = KIS(creds.app_key, secret, creds.account_no, is_paper=env is Env.PAPER,
              base_url=base_url, token_path=tmp_path / "tokens.json", rate=NO_LIMIT,
              rate_store=MemoryStore(), clock=sim.clock.timestamp, retry=FAST_RETRY,
              **{**options, **client})
    return KISTradingEngine(kis, database or tmp_path / "engine.sqlite3", limits=limits,
                            settings=settings or EngineSettings(execution=FAST),
                            clock=clock or engine_clock(sim))


def booked_orders(sim: Simulator, account_no: str) -> dict[tuple[str, str], Any]:
    """The simulator's new orders of the account by (day, number)."""
    account = sim.account_by_number(account_no)
    return {(o.day.isoformat(), str(o.number)): o for o in account.orders.values()
            if o.kind is OrderKind.NEW}


def assert_ledger_matches(engine: KISTradingEngine, sim: Simulator) -> None:
    """The store says exactly what the simulator's books say: one stored order per booked
    order and none more, the same fills, nothing unresolved, the same holdings."""
    account_no = engine.api.kis.account_no.replace("-", "")
    booked = booked_orders(sim, account_no)
    stored = {(o.broker_order_date.isoformat(), o.broker_order_id): o
              for o in engine.store.orders() if o.broker_order_id is not None}
    assert sorted(stored) == sorted(booked)
    for key, order in booked.items():
        row = stored[key]
        assert (row.ticker, row.side, row.quantity) == (order.code, str(order.side), order.qty)
        assert (row.filled_quantity, row.filled_value) == (order.filled, order.filled_value)
    states = Counter(o.state for o in engine.store.orders())
    assert not UNRESOLVED_STATES & set(states), states
    held = Counter()
    for trade in engine.store.open_trades():
        held[trade.ticker] += trade.open_quantity
    positions = sim.account_by_number(account_no).positions
    assert dict(held) == {code: p.qty for code, p in positions.items() if p.qty}
