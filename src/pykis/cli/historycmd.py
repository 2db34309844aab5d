"""``pykis history download | list | show | import-csv``: bars kept on this machine.

``download`` fetches through KIS (or ``--sim``) only what the store lacks, with a
progress bar; run it again after an interruption and it fetches the rest. The store is
``--dir``, else PYKIS_HISTORY_DIR, else the cache (``pykis.history.HistoryStore``);
``pykis sim --replay DIR`` replays it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from pykis.cli.output import Csv, Json, emit, iso, mode, say, warn
from pykis.cli.plainhelp import PlainCommand
from pykis.cli.session import BaseUrl, Paper, Sim, client, reporting

if TYPE_CHECKING:
    import pandas as pd

    from pykis.history import HistoryStore

__all__ = ["app", "register"]

app = typer.Typer(help="History kept on this machine: download bars through KIS, list "
                  "them, show them, import them from CSV.", no_args_is_help=True)

Dir = Annotated[Path | None, typer.Option(
    "--dir", metavar="DIR", show_default=False,
    help="The history store. Default: PYKIS_HISTORY_DIR, else the cache's history folder.")]
Timeframe = Annotated[str, typer.Option(
    "--timeframe", "-t", metavar="1d|1m", help="Daily bars (1d) or one-minute bars (1m).")]
Raw = Annotated[bool, typer.Option(
    "--raw", help="Daily bars as traded (원주가) instead of adjusted for splits (수정주가).")]


def _store(folder: Path | None) -> HistoryStore:
    try:
        from pykis.history import HistoryStore
    except ImportError as error:  # pragma: no cover - only without the extra
        warn(str(error))
        raise typer.Exit(1) from None
    return HistoryStore(folder)


def _timeframe(value: str) -> str:
    if value not in ("1d", "1m"):
        raise typer.BadParameter(f"{value!r}: 1d or 1m", param_hint="'--timeframe'")
    return value


@app.command(cls=PlainCommand)
def download(
    symbols: Annotated[list[str], typer.Argument(help="KRX short codes, e.g. 005930.",
                                                 show_default=False)],
    timeframe: Timeframe = "1d",
    since: Annotated[str, typer.Option("--since", metavar="DATE", show_default=False,
                                       help="First day, YYYY-MM-DD.")] = "",
    until: Annotated[str, typer.Option("--until", metavar="DATE", show_default=False,
                                       help="Last day, YYYY-MM-DD. Default: today.")] = "",
    folder: Dir = None, raw: Raw = False,
    paper: Paper = None, base_url: BaseUrl = None, sim: Sim = False,
) -> None:
    """Download bars of SYMBOLS into the store: only the days it does not hold yet, within
    the client's rate limit. One-minute bars of past days need a real account (KIS keeps
    a year of them); on paper, today's only."""
    from pykis.history import download as fetch

    timeframe = _timeframe(timeframe)
    store = _store(folder)
    with client(paper, base_url, sim) as kis:
        report = fetch(kis, symbols, timeframe, since or None, until or None, store=store,
                       adjusted=not raw, progress=True)
    say(f"{report.rows:,} new {timeframe} bars in {store.root} "
        f"({report.since} to {report.until}, {report.days} days fetched)")
    for symbol, count in report.added.items():
        say(f"  {symbol}: {count:,}")
    for note in report.unavailable:
        warn(note)


@app.command("list", cls=PlainCommand)
def list_(folder: Dir = None, as_json: Json = False, as_csv: Csv = False) -> None:
    """What the store holds: each symbol's timeframes, first and last bar, and rows."""
    form = mode(as_json, as_csv)
    with reporting():
        store = _store(folder)
        frame = store.list()
    records = _records(frame)
    if form:
        emit(form, records, list(frame.columns))
        return
    if not records:
        say(f"No bars in {store.root} yet: `pykis history download SYMBOL --since DATE`.")
        return
    table = Table(title=f"History in {store.root}")
    for name in ("symbol", "timeframe", "adjusted", "first", "last", "rows"):
        table.add_column(name, justify="right" if name == "rows" else "left")
    for row in records:
        adjusted = "-" if row["timeframe"] == "1m" else ("yes" if row["adjusted"] else "raw")
        table.add_row(row["symbol"], row["timeframe"], adjusted, row["first"], row["last"],
                      f"{row['rows']:,}")
    say(table)


@app.command(cls=PlainCommand)
def show(
    symbol: Annotated[str, typer.Argument(help="KRX short code.", show_default=False)],
    timeframe: Timeframe = "1d",
    tail: Annotated[int, typer.Option("--tail", "-n", min=1, help="Newest bars to show.")] = 20,
    since: Annotated[str, typer.Option("--since", metavar="DATE", show_default=False,
                                       help="From this day (YYYY-MM-DD).")] = "",
    until: Annotated[str, typer.Option("--until", metavar="DATE", show_default=False,
                                       help="Up to this day (YYYY-MM-DD).")] = "",
    folder: Dir = None, raw: Raw = False, as_json: Json = False, as_csv: Csv = False,
) -> None:
    """The stored bars of SYMBOL, oldest first (the newest --tail of them)."""
    form = mode(as_json, as_csv)
    timeframe = _timeframe(timeframe)
    with reporting():
        store = _store(folder)
        frame = store.bars(symbol, timeframe, since or None, until or None, adjusted=not raw)
    records = _records(frame.tail(tail))
    if form:
        emit(form, records, list(frame.columns))
        return
    if not records:
        say(f"{symbol} {timeframe}: no bars in {store.root}.")
        return
    table = Table(title=f"{symbol} {timeframe} ({len(frame):,} stored)")
    for name in frame.columns:
        table.add_column(name, justify="left" if name == "time" else "right")
    for row in records:
        table.add_row(row["time"], *(f"{row[name]:,}" for name in list(frame.columns)[1:]))
    say(table)


@app.command("import-csv", cls=PlainCommand)
def import_csv(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A CSV file of bars.",
                                         show_default=False)],
    symbol: Annotated[str, typer.Argument(help="The symbol the bars are of.",
                                          show_default=False)],
    timeframe: Timeframe = "1d", folder: Dir = None, raw: Raw = False,
) -> None:
    """Merge bars from a CSV file (time or date, open, high, low, close, volume, and
    optionally value) into the store; KIS's own column names work too."""
    from pykis.history import import_csv as read

    timeframe = _timeframe(timeframe)
    with reporting():
        store = _store(folder)
        added = read(file, symbol, timeframe, store=store, adjusted=not raw)
    say(f"{added:,} new {timeframe} bars of {symbol} in {store.root}")


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain values: times in ISO 8601 (KST), numbers as int."""
    out = []
    for row in frame.to_dict("records"):
        out.append({k: iso(v.to_pydatetime()) if hasattr(v, "to_pydatetime") else
                    (bool(v) if k == "adjusted" else int(v) if k != "symbol" and
                     k != "timeframe" else v) for k, v in row.items()})
    return out


def register(main: typer.Typer) -> None:
    """Add ``pykis history`` to the `pykis` app."""
    main.add_typer(app, name="history", rich_help_panel="Research")
