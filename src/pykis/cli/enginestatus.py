"""``pykis engine status --sim``, ``trades`` and ``stop``: what is known of engines from
their ledgers and their runtime files (see :mod:`pykis.cli.enginestate`)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.text import Text

from pykis.cli.enginestate import EngineRecord, Request, latest_sim_status, running_engines
from pykis.cli.output import emit
from pykis.cli.session import reporting

if TYPE_CHECKING:
    from pykis.cli.session import RunningSim
    from pykis.engine.results import EngineStatus, TradeRecord

__all__ = ["ledger_trades", "show_status", "sim_status", "stop_engine"]


def _fail(message: str, code: int = 1) -> typer.Exit:
    Console(stderr=True, soft_wrap=True).print(Text(message, style="red"))
    return typer.Exit(code)


def _when(moment: str | None) -> str:
    import datetime as dt

    from pykis.cli.board import kst_clock

    if not moment:
        return "an unknown time"
    return kst_clock(dt.datetime.fromisoformat(moment), "%Y-%m-%d %H:%M:%S") + " KST"


def show_status(status: EngineStatus, as_json: bool, note: str = "") -> None:
    if as_json:
        emit("json", status)
        return
    from pykis.cli.tables import status_table

    console = Console()
    if note:
        console.print(Text(note), soft_wrap=True)
    console.print(status_table(status))


def sim_status(config: Path | None, database: str | None, as_json: bool) -> None:
    """The status of the engines that run on a simulator: asked of the `pykis sim` they
    trade on, or as published by those on an embedded one (no other process can reach
    it). With none running: the simulator ledger on the `pykis sim` it belongs to, else
    the final status of the last engine on a simulator."""
    from pykis.cli.session import find_running_sim

    simulator = find_running_sim()
    running = [e for e in running_engines() if e.sim and _matches(e, config, database)]
    for engine in running:
        if not engine.embedded and simulator is not None:
            _live_status(simulator, engine.ledger, engine.paper, as_json,
                         f"Engine {engine.pid} on `pykis sim` at {simulator.url} "
                         f"({_source(engine)}), running; valued now:")
        elif engine.status is not None:
            _show_published(engine, as_json, f"Engine {engine.pid} on an embedded simulator "
                            f"({_source(engine)}), running: its status at "
                            f"{_when(engine.status_at)}")
        else:
            Console(stderr=True).print(Text(f"Engine {engine.pid} on a simulator has not "
                                            "published its status yet."))
    if running:
        return
    if simulator is not None and _ledger_is_of(simulator, database):
        ledger = database or str(_sim_ledger())
        _live_status(simulator, ledger, bool(_owner().get("paper")), as_json,
                     f"No engine runs now; its ledger on `pykis sim` at {simulator.url}, "
                     "valued now:")
        return
    last = latest_sim_status()
    if last is None or last.status is None or not _matches(last, config, database):
        raise _fail("No engine runs on a simulator, and none has: start one with "
                    "`pykis engine run -c FILE --sim`.")
    _show_published(last, as_json, f"No engine runs on a simulator now, nor does the "
                    f"simulator the last one ran on. That engine ({_source(last)}) stopped "
                    f"({last.stopped}) at {_when(last.status_at)}; its final status:")


def _ledger_is_of(simulator: RunningSim, database: str | None) -> bool:
    from pykis.cli.enginerun import simulator_id

    if database is not None:
        return True  # the caller names the ledger kept on that simulator
    return _owner().get("simulator") == simulator_id(simulator) and _sim_ledger().exists()


def _live_status(simulator: RunningSim, ledger: str, paper: bool, as_json: bool,
                 note: str) -> None:
    from pykis.engine import KISTradingEngine

    with reporting(), simulator.client(paper) as kis, KISTradingEngine(kis, ledger) as engine:
        status = engine.status()
    show_status(status, as_json, note)


def _show_published(engine: EngineRecord, as_json: bool, note: str) -> None:
    from pykis.engine.results import EngineStatus

    show_status(EngineStatus.model_validate(engine.status), as_json, note)


def _sim_ledger() -> Path:
    from pykis.cli.enginerun import sim_ledger

    return sim_ledger()


def _owner() -> dict:
    from pykis.cli.enginerun import sim_ledger_owner

    return sim_ledger_owner()


def _matches(engine: EngineRecord, config: Path | None, database: str | None) -> bool:
    from pykis.cli.enginerun import masked

    if config is not None and engine.config != str(config.resolve()):
        return False
    return database is None or engine.ledger == masked(database)


def _source(engine: EngineRecord) -> str:
    return f"config {engine.config}" if engine.config else f"ledger {engine.ledger}"


def ledger_trades(database: str | None, sim: bool, status: str | None
                  ) -> tuple[list[TradeRecord], str]:
    """The ledger's trades (a simulator's: the ledger its last engine kept), and what to
    say when there are none."""
    from pykis.cli.enginerun import masked, sim_ledger
    from pykis.engine.reports import trade_record
    from pykis.engine.store import Store, TradeStatus

    if database is None and sim:
        if not sim_ledger().exists():
            raise _fail("No engine has run on a simulator yet: `pykis engine run -c FILE "
                        "--sim` starts one.")
        database = str(sim_ledger())
    with Store(database) as store:
        wanted = None if status is None else TradeStatus(status.upper())
        records = [trade_record(t) for t in store.trades(status=wanted)]
        none = f"No {status + ' ' if status else ''}trades in {masked(store.url)}."
    if not sim and database is None and sim_ledger().exists():
        none += " (Those of the engine on a simulator: `pykis engine trades --sim`.)"
    return records, none


def stop_engine(kind: Request, config: Path | None, pid: int | None, timeout: float) -> None:
    """Ask one running engine to stop (``kill``: cancel its open orders first), and wait
    for it to be gone."""
    engines = [e for e in running_engines()
               if (pid is None or e.pid == pid) and _matches(e, config, None)]
    if not engines:
        raise _fail("No engine is running" + (" that matches" if pid or config else "")
                    + ": nothing to stop.")
    if len(engines) > 1:
        listed = "; ".join(f"pid {e.pid} ({e.target}, {_source(e)}, since "
                           f"{_when(e.started)})" for e in engines)
        raise _fail(f"{len(engines)} engines are running: {listed}. Name one with --pid "
                    "or -c.", 2)
    engine = engines[0]
    engine.request(kind)
    what = "cancel its open orders and stop" if kind == "kill" else "stop"
    console = Console(soft_wrap=True)
    console.print(Text(f"Asked engine {engine.pid} ({engine.target}) to {what}."))
    deadline = time.monotonic() + timeout
    try:
        while engine.alive():
            if time.monotonic() >= deadline:
                raise _fail(f"Engine {engine.pid} is still running after {timeout:g} s: it "
                            "may be waiting on KIS. It stops after its current step; "
                            f"`kill {engine.pid}` (SIGTERM) asks it again.")
            time.sleep(0.1)  # waiting on another process: nothing to be told by
    except KeyboardInterrupt:
        raise _fail(f"Not waiting any longer; engine {engine.pid} has been asked to {what}.",
                    130) from None
    console.print(Text(f"Engine {engine.pid} stopped."))
