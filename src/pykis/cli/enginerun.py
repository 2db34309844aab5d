"""The body of ``pykis engine run``: where it trades, its ledger, the loop with its board,
stop requests and the kill switch.

``--sim`` trades on the ``pykis sim`` that runs, if one does (found as every ``--sim``
command finds it), else on a simulator embedded in the run. Its ledger is
``engine-sim.sqlite3`` in the data directory: kept while the trades in it are the
running simulator's, begun afresh on a new simulator (whose books are empty: a ledger of
trades it never saw would not match them), and kept afterwards for ``engine trades
--sim``. A run on an embedded simulator publishes its status for ``engine status --sim``,
since no other process can reach that simulator.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from pykis import KIS
from pykis.cli.board import RunView, kst_clock
from pykis.cli.enginestate import (
    Registration,
    forget_sim_status,
    registered,
    running_engines,
)
from pykis.cli.session import RunningSim, embedded, find_running_sim
from pykis.cli.tables import status_table
from pykis.engine import KISTradingEngine, Monitor, MonitorReport
from pykis.engine.config import EngineConfig
from pykis.engine.store.states import WORKING_STATES

__all__ = ["Target", "masked", "run_engine", "sim_ledger", "sim_ledger_owner", "simulator_id",
           "target"]

log = logging.getLogger("pykis.engine")
PUBLISH_EVERY = 5.0  # seconds between the statuses a simulator run publishes


def sim_ledger() -> Path:
    """The ledger of engines on a simulator, beside the default one."""
    from pykis.engine.store.store import default_database_path

    return default_database_path().with_name("engine-sim.sqlite3")


def sim_ledger_owner() -> dict[str, Any]:
    """Which simulator the simulator ledger's trades were made on (``engine-sim.json``):
    ``{"simulator": "PID@STARTED" of a `pykis sim`, or "embedded", "paper": bool}``."""
    try:
        return json.loads(sim_ledger().with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def simulator_id(running: RunningSim) -> str:
    return f"{running.pid}@{running.started}"


def masked(url: str) -> str:
    """A ledger's URL without its password, for files and screens."""
    from sqlalchemy.engine import make_url

    from pykis.engine.store.store import database_url

    return make_url(database_url(url)).render_as_string(hide_password=True)


@dataclass(frozen=True)
class Target:
    kis: KIS
    ledger: str
    where: str  # for people: "the simulator (seed 42)", "KIS (paper)"
    kind: str  # for the state file: "sim", "paper", "real"
    embedded: bool = False  # a simulator no other process can reach


@contextmanager
def target(config: EngineConfig, *, sim: bool, database: str | None,
           paper: bool | None = None, base_url: str | None = None) -> Iterator[Target]:
    """The client and the ledger the run trades with; the client closed afterwards. A
    simulator is the `pykis sim` that runs, if one does (its books outlive this run, and
    so does the ledger of its trades), else one embedded in this process."""
    url = database or config.database
    if not sim:
        with _kis_target(config, url, paper, base_url) as found:
            yield found
        return
    paper_env = bool(config.kis.paper)
    running = find_running_sim()
    if running is not None:
        ledger = url or str(_sim_ledger_for(simulator_id(running), paper_env))
        with running.client(paper_env) as kis:
            yield Target(kis, ledger, f"`pykis sim` at {running.url} (pid {running.pid})",
                         "sim")
        return
    ledger = url or str(_sim_ledger_for("embedded", paper_env))
    with embedded(seed=config.sim.seed, paper=paper_env) as (kis, _):
        yield Target(kis, ledger, f"an embedded simulator (seed {config.sim.seed}, always "
                     "open)", "sim", embedded=True)


@contextmanager
def _kis_target(config: EngineConfig, url: str | None, paper: bool | None,
                base_url: str | None) -> Iterator[Target]:
    from pykis.engine.store.store import default_database_path

    overrides = {"is_paper": paper if paper is not None else config.kis.paper,
                 "base_url": base_url or config.kis.base_url}
    with KIS.from_env(config.kis.env_file, **{k: v for k, v in overrides.items()
                                              if v is not None}) as kis:
        kind = "paper" if kis.is_paper else "real"
        server = overrides["base_url"] or "KIS"
        yield Target(kis, url or str(default_database_path()), f"{server} ({kind})", kind)


def _sim_ledger_for(simulator: str, paper: bool) -> Path:
    """The simulator ledger, kept if its trades were made on ``simulator`` (the same
    running `pykis sim`), else begun afresh: a new simulator's books are empty, and a
    ledger of trades it never saw would not match them."""
    path = sim_ledger()
    owner = {"simulator": simulator, "paper": paper}
    if simulator != "embedded" and sim_ledger_owner() == owner and path.exists():
        return path
    ledger = masked(str(path))
    users = [e for e in running_engines() if e.ledger == ledger]
    if users:
        raise typer.BadParameter(
            f"engine {users[0].pid} trades on the simulator ledger {path}: stop it first "
            "(`pykis engine stop`), or give this one its own ledger with --database",
            param_hint="'--sim'")
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm",
                                                                       "-journal"))):
        leftover.unlink(missing_ok=True)
    path.with_suffix(".json").write_text(json.dumps(owner), encoding="utf-8")
    forget_sim_status()
    return path


def run_engine(config: EngineConfig, config_path: Path, where: Target,
               seconds: float | None, console: Console) -> MonitorReport:
    """Reconcile, then trade until the time is up, a signal or a stop request."""
    if where.embedded:
        log.info("on an embedded simulator: it ends with this run (`pykis sim` in another "
                 "terminal keeps one between runs, for `pykis orders --sim` and the like)")
        if "sessions" not in config.model_fields_set:  # it never closes: act at any time
            config = config.model_copy(update={"sessions": "always"})
    with ExitStack() as stack:
        registration = stack.enter_context(registered(
            str(config_path.resolve()), masked(where.ledger), where.kind,
            dry_run=config.dry_run, embedded=where.embedded, paper=where.kis.is_paper))
        engine = _reconciled(config, where, console)
        stack.callback(engine.store.close)
        strategy = config.strategy.build()
        view = RunView(engine, config.symbols, where=where.where, strategy=strategy.name,
                       dry_run=config.dry_run, console=console, live=console.is_terminal)
        loop = _Loop(engine, registration, view, publish=where.embedded)
        monitor = Monitor(engine, config.symbols, strategy, config.monitor_settings(),
                          on_decision=view.decided)
        with view.showing():
            report = monitor.run(seconds=seconds, stop=loop.stop, until=loop.after_step)
        if loop.kill:
            _kill_switch(engine, console)
        _summary(console, report, config.dry_run)
        status = engine.status()
        console.print(status_table(status))
        if where.kind == "sim":  # for `engine status --sim` once its simulator is gone
            registration.publish(status.model_dump(mode="json"), stopped=report.stopped)
        return report


def _reconciled(config: EngineConfig, where: Target, console: Console) -> KISTradingEngine:
    """The engine, its ledger brought in line with KIS before it trades."""
    engine = KISTradingEngine(where.kis, where.ledger, limits=config.risk.limits(),
                              settings=config.engine_settings())
    log.info("ledger: %s", masked(where.ledger))
    try:
        reconciled = engine.reconcile()
    except BaseException:
        engine.store.close()
        raise
    if not reconciled.clean:
        console.print(Text.assemble(("Reconciliation: ", "yellow"),
                                    "; ".join(reconciled.mismatches)
                                    or f"{len(reconciled.still_unknown)} orders still unknown"))
    return engine


class _Loop:
    """What runs after each step of the monitor's loop: the board, stop requests and, on
    a simulator, the status published for ``engine status --sim``."""

    def __init__(self, engine: KISTradingEngine, registration: Registration, view: RunView,
                 *, publish: bool) -> None:
        self.engine, self.registration, self.view = engine, registration, view
        self.stop = threading.Event()
        self.kill = False
        self.publish = publish
        self._published = 0.0

    def after_step(self, monitor: Monitor) -> bool:
        self.view.step(monitor)
        request = self.registration.requested()
        if request is not None and not self.stop.is_set():
            self.kill = request == "kill"
            monitor.report.stopped = "kill switch" if self.kill else "stop requested"
            self.view.stopping = ("Kill switch: stopping, then cancelling open orders"
                                  if self.kill else "Stop requested: stopping")
            log.warning("%s by `pykis engine stop`", monitor.report.stopped)
            self.stop.set()
        if self.publish and time.monotonic() - self._published >= PUBLISH_EVERY:
            self._published = time.monotonic()
            try:
                self.registration.publish(self.engine.status().model_dump(mode="json"))
            except Exception as error:  # noqa: BLE001 - a status is never worth a stop
                log.debug("status not published: %s", error)
        return False


def _kill_switch(engine: KISTradingEngine, console: Console) -> None:
    """Cancel every working order of the engine (no buy follows: the loop has stopped)."""
    rows = engine.store.active_orders()
    working = [row for row in rows if row.state in WORKING_STATES]
    cancelled = 0
    for row in working:
        result = engine.cancel_order(row.id)
        cancelled += result.success
        log.warning("kill switch: order %s (%s %s x%d) %s", row.id, row.side, row.ticker,
                    row.quantity, "cancelled" if result.success else
                    f"not cancelled: {result.message}")
    line = f"Kill switch: {cancelled} open order(s) cancelled; no new orders."
    if cancelled < len(working):
        line += f" {len(working) - cancelled} could not be: check `pykis orders`."
    if len(rows) > len(working):
        line += (f" {len(rows) - len(working)} order(s) of unknown outcome could not be "
                 "cancelled: check `pykis orders`.")
    console.print(Text(line, style="bold yellow"), soft_wrap=True)


def _summary(console: Console, report: MonitorReport, dry_run: bool) -> None:
    accepted = sum(r.success for r in report.orders)
    line = (f"Stopped ({report.stopped}) at {kst_clock(dt.datetime.now(dt.UTC))} KST: "
            f"{sum(report.ticks.values()):,} ticks, {report.decisions:,} decisions, "
            f"{len(report.orders)} orders ({accepted} accepted)")
    if dry_run:
        line += " [dry run: no order was sent]"
    console.print(Text(line), soft_wrap=True)
