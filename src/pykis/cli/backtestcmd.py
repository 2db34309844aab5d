"""pykis backtest: run a strategy over stored history with the live engine's rules.

    pykis backtest -c bot.toml --from 2024-01-02 --to 2024-06-28 --report report.html
    pykis backtest -c bot.toml --from 2024-01-02 --grid short=3,5,8 --grid long=20,40
    pykis backtest -c bot.toml --from 2024-01-02 --grid short=3,5,8 --cluster tcp://host:8786

The config file is the engine's (``pykis engine init``): the same file runs live and
here. Bars come from the history store (``pykis history download``), ``--data`` or its
default directory.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pykis.cli.output import Json
from pykis.cli.plainhelp import PlainCommand
from pykis.cli.session import reporting

__all__ = ["register"]

PANEL = "Research"


def backtest(
    config: Annotated[Path, typer.Option(
        "--config", "-c", metavar="FILE", show_default=False,
        help="The engine's TOML file (`pykis engine init` writes one): symbols, strategy, "
        "risk rules, budget.")],
    more: Annotated[list[str] | None, typer.Argument(
        metavar="[NAME=V1,V2]...", show_default=False,
        help="More --grid values: `--grid short=3,5,8 long=20,40`.")] = None,
    start: Annotated[str | None, typer.Option(
        "--from", metavar="DATE", show_default=False,
        help="First day (YYYY-MM-DD). Default: the first stored.")] = None,
    end: Annotated[str | None, typer.Option(
        "--to", metavar="DATE", show_default=False,
        help="Last day, included. Default: the last stored.")] = None,
    data: Annotated[Path | None, typer.Option(
        "--data", metavar="DIR", show_default=False,
        help="The history store. Default: `pykis history`'s directory.")] = None,
    timeframe: Annotated[str, typer.Option(
        "--timeframe", metavar="1m|1d", help="Bars to replay.")] = "1m",
    cash: Annotated[int, typer.Option("--cash", metavar="KRW", min=1,
                                      help="Starting cash.")] = 10_000_000,
    report: Annotated[Path | None, typer.Option(
        "--report", metavar="FILE", show_default=False,
        help="Write a self-contained HTML report (one run) or nothing (a sweep).")] = None,
    grid: Annotated[list[str] | None, typer.Option(
        "--grid", metavar="NAME=V1,V2", show_default=False,
        help="Sweep: every combination of these values (repeat it, or several in one "
        "--grid); a strategy parameter, risk.RULE or budget_krw.")] = None,
    metric: Annotated[str, typer.Option(
        "--metric", metavar="NAME", help="Sweep: rank by sharpe, sortino, total_return, "
        "cagr, max_drawdown, profit_factor or win_rate.")] = "sharpe",
    workers: Annotated[int | None, typer.Option(
        "--workers", metavar="N", min=1, show_default=False,
        help="Sweep: processes on this machine. Default: every core.")] = None,
    cluster: Annotated[str | None, typer.Option(
        "--cluster", metavar="tcp://HOST:PORT", show_default=False,
        help="Sweep on this Dask scheduler instead of local processes.")] = None,
    as_json: Json = False,
) -> None:
    """Run the config's strategy over stored bars with the engine's own rules (sizing,
    tick grid, price limits, sessions, costs, risk exits); a sweep with --grid."""
    from pykis.backtest import Backtest, parse_grid
    from pykis.cli.enginecmd import _load

    if more and not grid:
        raise typer.BadParameter(f"unexpected {more[0]!r}; a sweep starts with --grid",
                                 param_hint="'--grid'")
    settings = _load(config)
    with reporting():
        from pykis.history import HistoryStore

        test = Backtest.from_config(settings, HistoryStore(data), start=start, end=end,
                                    timeframe=timeframe, cash=cash)
        if grid:
            _sweep(test, parse_grid([*grid, *(more or [])]), metric, workers, cluster,
                   as_json)
            return
        result = test.run()
        if report is not None:
            result.report(report)
    _show(result, report, as_json)


def _sweep(test: Any, grid: dict[str, list[Any]], metric: str, workers: int | None,
           cluster: str | None, as_json: bool) -> None:
    from pykis.backtest import sweep

    found = sweep(test, grid, metric=metric, workers=workers, cluster=cluster)
    if as_json:
        rows = [{k: _plain(v) for k, v in row.items()} for row in found.table.to_dict("records")]
        typer.echo(json.dumps({"metric": metric, "ranked": rows, "warning": found.warning,
                               "seconds": round(found.seconds, 3),
                               "workers": found.workers}, ensure_ascii=False))
        return
    console = Console(soft_wrap=True)
    table = Table(title=f"{len(found.table)} combinations by {metric} "
                        f"({found.seconds:.1f} s, {found.workers} workers)")
    columns = [*found.parameters, metric, "total_return", "max_drawdown", "trades", "error"]
    for column in dict.fromkeys(columns):
        table.add_column(column.replace("_", " "), justify="left" if column == "error"
                         else "right")
    for row in found.table.to_dict("records"):
        table.add_row(*(_cell(row.get(c), c) for c in dict.fromkeys(columns)))
    console.print(table)
    Console(stderr=True, soft_wrap=True).print(Text("Warning: " + found.warning, style="yellow"))


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is not None and not isinstance(value, (int, float, str, bool)):
        return str(value)
    return value


def _cell(value: Any, name: str) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if name in ("total_return", "max_drawdown", "cagr", "win_rate") and isinstance(value, float):
        return f"{value:.2%}"
    return f"{value:,.3f}" if isinstance(value, float) else str(value)


def _show(result: Any, report: Path | None, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({
            "metrics": {k: _plain(v) for k, v in result.metrics.as_dict().items()},
            "benchmark": {k: _plain(v) for k, v in result.benchmark_metrics.as_dict().items()},
            "config": result.config, "report": str(report) if report else None},
            default=str, ensure_ascii=False))
        return
    console = Console(soft_wrap=True)
    table = Table(title=f"{result.config['strategy']['name']} on "
                        f"{', '.join(result.config['symbols'])}, {result.config['from']} to "
                        f"{result.config['to']}")
    table.add_column("figure")
    table.add_column("strategy", justify="right")
    table.add_column("buy and hold", justify="right")
    theirs = result.benchmark_metrics.as_dict()
    for name, value in result.metrics.as_dict().items():
        table.add_row(name.replace("_", " "), _cell(value, name),
                      _cell(theirs.get(name), name) if name in theirs and name in (
                          "start_equity", "end_equity", "total_return", "cagr", "sharpe",
                          "sortino", "max_drawdown") else "")
    console.print(table)
    if report is not None:
        console.print(Text(f"Report: {report}"))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `pykis` app."""
    app.command("backtest", rich_help_panel=PANEL, cls=PlainCommand)(backtest)
