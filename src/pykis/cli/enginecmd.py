"""``pykis engine init | run | status | trades | stop | kill``: the trading engine from the
terminal.

``init`` writes a commented starter config; ``run`` reconciles the ledger with KIS and
trades the configured strategy until Ctrl-C, ``--seconds`` or ``engine stop`` (a live
board on a terminal, log lines elsewhere); ``status`` shows the engine's positions valued
at live prices, its P&L and the account's equity; ``trades`` lists the ledger's trades;
``stop`` asks a running engine to stop, and ``kill`` (``stop --kill-switch``) to cancel
its open orders first. ``--sim`` runs on an embedded simulator: no account needed.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from pykis.cli.output import Csv, Json, emit, fields, mode
from pykis.cli.plainhelp import PlainCommand
from pykis.cli.session import BaseUrl, Paper, reporting

if TYPE_CHECKING:
    from pykis.engine.config import EngineConfig

__all__ = ["app"]

app = typer.Typer(help="The trading engine: run a strategy, see its positions, P&L and "
                  "trades, stop it.", no_args_is_help=True)


ConfigFile = Annotated[Path | None, typer.Option(
    "--config", "-c", metavar="FILE", show_default=False,
    help="The engine's TOML file (`pykis engine init` writes one).")]
Database = Annotated[str | None, typer.Option(
    "--database", metavar="URL", show_default=False,
    help="Ledger: a database URL or SQLite file. Default: the config's, else "
    "engine.sqlite3 in the data directory (engine-sim.sqlite3 with --sim).")]
SimFlag = Annotated[bool, typer.Option(
    "--sim", help="The engine that runs on an embedded simulator (`engine run --sim`).")]


def _load(path: Path, **overrides: object) -> EngineConfig:
    """The config file, or one plain line and exit 2 (a usage error: nothing ran)."""
    from pykis.engine.config import ConfigError, load_config

    try:
        return load_config(path, **overrides)
    except ConfigError as error:
        Console(stderr=True, soft_wrap=True).print(Text(error.message, style="red"))
        raise typer.Exit(2) from None


@app.command(cls=PlainCommand)
def init(
    path: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write it.",
                                         show_default=False)] = Path("bot.toml"),
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")]
    = False,
) -> None:
    """Write a starter config: every setting with its default, commented (default file:
    bot.toml)."""
    from pykis.engine.config import starter_config

    if path.exists() and not force:
        Console(stderr=True, soft_wrap=True).print(Text(
            f"{path} exists: not replaced (--force replaces it)", style="red"))
        raise typer.Exit(1)
    try:
        path.write_text(starter_config(), encoding="utf-8")
    except OSError as error:
        Console(stderr=True, soft_wrap=True).print(Text(
            f"{path}: cannot write it ({error.strerror})", style="red"))
        raise typer.Exit(1) from None
    Console(soft_wrap=True).print(Text(
        f"Wrote {path}. Try it on a simulator: pykis engine run -c {path} --sim"))


@app.command(cls=PlainCommand)
def run(
    config: Annotated[Path, typer.Option(
        "--config", "-c", metavar="FILE", show_default=False,
        help="The engine's TOML file (`pykis engine init` writes one).")],
    sim: Annotated[bool, typer.Option(
        "--sim", help="Trade on a simulator, no KIS account needed: the `pykis sim` running "
        "in another terminal, else one embedded in this run.")] = False,
    seconds: Annotated[float | None, typer.Option(
        metavar="SECONDS", min=0, show_default=False,
        help="Stop after this long. Default: until Ctrl-C, SIGTERM or `engine stop`.")]
    = None,
    dry_run: Annotated[bool | None, typer.Option(
        "--dry-run/--live", show_default=False,
        help="Record decisions without sending orders. Default: the config's dry_run.")]
    = None,
    database: Database = None,
) -> None:
    """Reconcile the ledger with KIS, then trade the configured strategy, with a live
    board on a terminal (log lines elsewhere)."""
    from pykis.cli.board import logging_to
    from pykis.cli.enginerun import run_engine, target

    settings = _load(config, dry_run=dry_run)
    console = Console()
    # Ctrl-C while trading stops the loop cleanly; before or after it, it ends the command
    with reporting(), logging_to(console if console.is_terminal else None), \
            target(settings, sim=sim or settings.sim.enabled, database=database) as where:
        report = run_engine(settings, config, where, seconds, console)
    if report.stopped == "authentication":
        raise typer.Exit(1)


@app.command(cls=PlainCommand)
def status(config: ConfigFile = None, database: Database = None, paper: Paper = None,
           base_url: BaseUrl = None, sim: SimFlag = False, as_json: Json = False) -> None:
    """The engine's positions at live prices, its P&L and the account's equity. With
    --sim: those of the engine running on a simulator, else of the last one that ran."""
    from pykis.engine.config import EngineConfig

    settings = _load(config) if config is not None else None
    if sim or (settings is not None and settings.sim.enabled):
        from pykis.cli.enginestatus import sim_status

        sim_status(config, database, as_json)
        return
    from pykis.cli.enginerun import target

    with reporting(), target(settings or EngineConfig(symbols=["005930"]), sim=False,
                             database=database, paper=paper, base_url=base_url) as where:
        from pykis.engine import KISTradingEngine

        with KISTradingEngine(where.kis, where.ledger) as engine:
            found = engine.status()
    from pykis.cli.enginestatus import show_status

    show_status(found, as_json)


class Status(str, Enum):
    open = "open"
    closed = "closed"
    all = "all"


@app.command(cls=PlainCommand)
def trades(config: ConfigFile = None, database: Database = None, sim: SimFlag = False,
           which: Annotated[Status, typer.Option("--status", help="Which trades.")]
           = Status.all, as_json: Json = False, as_csv: Csv = False) -> None:
    """The ledger's trades, oldest first, times in KST (reads the ledger only)."""
    from pykis.cli.enginestatus import ledger_trades

    form = mode(as_json, as_csv)
    settings = _load(config) if config is not None else None
    on_sim = sim or (settings is not None and settings.sim.enabled)
    with reporting():
        records, none = ledger_trades(database or (settings.database if settings else None),
                                      on_sim, None if which is Status.all else which.value)
    if form is not None:
        from pykis.engine.results import TradeRecord

        emit(form, records, fields(TradeRecord))
        return
    from pykis.cli.tables import trades_table

    if records:
        Console().print(trades_table(records))
    else:
        Console(soft_wrap=True).print(Text(none))


@app.command(cls=PlainCommand)
def stop(
    kill_switch: Annotated[bool, typer.Option(
        "--kill-switch", help="Cancel the engine's open orders, then stop: no new orders.")]
    = False,
    config: ConfigFile = None,
    pid: Annotated[int | None, typer.Option(
        metavar="PID", show_default=False,
        help="Which engine, when several run (`pykis engine stop` lists them).")] = None,
    timeout: Annotated[float, typer.Option(
        metavar="SECONDS", min=0, help="How long to wait for it to stop.")] = 30.0,
) -> None:
    """Ask a running `pykis engine run` to stop after its current step."""
    from pykis.cli.enginestatus import stop_engine

    stop_engine("kill" if kill_switch else "stop", config, pid, timeout)


@app.command(cls=PlainCommand)
def kill(config: ConfigFile = None,
         pid: Annotated[int | None, typer.Option(
             metavar="PID", show_default=False, help="Which engine, when several run.")]
         = None,
         timeout: Annotated[float, typer.Option(
             metavar="SECONDS", min=0, help="How long to wait for it to stop.")] = 30.0,
         ) -> None:
    """The kill switch: a running engine cancels its open orders and stops (the same as
    `engine stop --kill-switch`)."""
    from pykis.cli.enginestatus import stop_engine

    stop_engine("kill", config, pid, timeout)
