"""``pykis engine run | status | trades``: the trading engine from the terminal.

``run`` reconciles the ledger with KIS and then trades the configured strategy until
Ctrl-C (or ``--seconds``); ``status`` shows the engine's positions valued at live prices,
its P&L and the account's equity; ``trades`` lists the ledger's trades (no KIS needed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from pykis import KIS
from pykis.cli.session import BaseUrl, Paper, embedded, ledger, reporting
from pykis.cli.tables import status_table, trades_table

if TYPE_CHECKING:
    from pykis.engine import KISTradingEngine
    from pykis.engine.config import EngineConfig

__all__ = ["app"]

app = typer.Typer(help="The trading engine: run a strategy, see its positions, P&L and "
                  "trades.", no_args_is_help=True)

ConfigFile = Annotated[Path | None, typer.Option(
    "--config", "-c", help="The engine's TOML file (see pykis.engine.config).",
    show_default=False)]
Database = Annotated[str | None, typer.Option(
    "--database", help="Ledger: a database URL or SQLite file. Default: the config's, "
    "else the default file in the data directory.", show_default=False)]


def _config(path: Path | None, **overrides: object) -> EngineConfig | None:
    from pykis.engine.config import load_config

    return load_config(path, **overrides) if path is not None else None


@contextmanager
def _engine(config: EngineConfig, *, sim: bool, database: str | None,
            paper: bool | None = None, base_url: str | None = None
            ) -> Iterator[KISTradingEngine]:
    """The engine the configuration describes; its store is closed afterwards (the
    client is closed by whoever opened it)."""
    url = database or config.database
    if sim or config.sim.enabled:
        # A fresh simulator: a ledger kept from another run would not match its books.
        with embedded(seed=config.sim.seed, paper=bool(config.kis.paper)) as (kis, _), \
                ledger(url) as path, _built(kis, path, config) as engine:
            yield engine
        return
    overrides = {"is_paper": paper if paper is not None else config.kis.paper,
                 "base_url": base_url or config.kis.base_url}
    with KIS.from_env(config.kis.env_file, **{k: v for k, v in overrides.items()
                                              if v is not None}) as kis, \
            _built(kis, url, config) as engine:
        yield engine


@contextmanager
def _built(kis: KIS, url: str | None, config: EngineConfig) -> Iterator[KISTradingEngine]:
    from pykis.engine import KISTradingEngine

    engine = KISTradingEngine(kis, url, limits=config.risk.limits(),
                              settings=config.engine_settings())
    try:
        yield engine
    finally:
        engine.store.close()


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for noisy in ("httpx", "httpcore", "alembic", "websockets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.command()
def run(
    config: Annotated[Path, typer.Option("--config", "-c", help="The engine's TOML file.",
                                         show_default=False)],
    sim: Annotated[bool, typer.Option("--sim", help="Trade on an embedded simulator.")]
    = False,
    seconds: Annotated[float | None, typer.Option(
        min=0, help="Stop after this long. Default: until Ctrl-C or SIGTERM.")] = None,
    dry_run: Annotated[bool | None, typer.Option(
        "--dry-run/--live", help="Record decisions without sending orders. Default: the "
        "config's dry_run.", show_default=False)] = None,
    database: Database = None,
) -> None:
    """Reconcile the ledger with KIS, then trade the configured strategy."""
    from pykis.engine import Monitor

    with reporting():
        settings = _config(config, dry_run=dry_run)
        assert settings is not None
        _logging()
        with _engine(settings, sim=sim, database=database) as engine:
            reconciled = engine.reconcile()
            console = Console()
            if not reconciled.clean:
                console.print(f"[yellow]Reconciliation:[/] {reconciled.mismatches} "
                              f"{reconciled.still_unknown or ''}")
            monitor = Monitor(engine, settings.symbols, settings.strategy.build(),
                              settings.monitor_settings())
            report = monitor.run(seconds=seconds)
            console.print(f"Stopped ({report.stopped}): {sum(report.ticks.values()):,} "
                          f"ticks, {report.decisions:,} decisions, {len(report.orders)} "
                          f"orders ({sum(r.success for r in report.orders)} accepted)"
                          + (" [dry run]" if settings.dry_run else ""))
            console.print(status_table(engine.status()))


@app.command()
def status(config: ConfigFile = None, database: Database = None, paper: Paper = None,
           base_url: BaseUrl = None) -> None:
    """The engine's positions at live prices, its P&L and the account's equity (KIS
    credentials from the environment or .env, as for the other commands)."""
    from pykis.engine.config import EngineConfig

    with reporting():
        settings = _config(config) or EngineConfig(symbols=["005930"])
        if settings.sim.enabled:
            raise typer.BadParameter("an embedded simulator keeps no state between runs: "
                                     "point --base-url at a running `pykis sim`",
                                     param_hint="'--config'")
        with _engine(settings, sim=False, database=database, paper=paper,
                     base_url=base_url) as engine:
            Console().print(status_table(engine.status()))


class Status(str, Enum):
    open = "open"
    closed = "closed"
    all = "all"


@app.command()
def trades(config: ConfigFile = None, database: Database = None,
           which: Annotated[Status, typer.Option("--status", help="Which trades.")]
           = Status.all) -> None:
    """The ledger's trades, oldest first (reads the database only)."""
    from pykis.engine.reports import trade_record
    from pykis.engine.store import Store, TradeStatus

    with reporting():
        settings = _config(config)
        url = database or (settings.database if settings else None)
        with Store(url) as store:
            wanted = None if which is Status.all else TradeStatus(which.value.upper())
            records = [trade_record(t) for t in store.trades(status=wanted)]
    Console().print(trades_table(records) if records else "No trades.")
