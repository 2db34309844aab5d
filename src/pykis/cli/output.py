"""How the read commands print: rich tables for people; ``--json`` and ``--csv`` for
scripts (the models' field names, no formatting, times in ISO 8601 KST); plain messages
that rich never reads as markup; and progress on stderr while a long read pages.

JSON is one document: an object for one result (a balance, an order book), an array for
a list. CSV is one header line and a row a record; a value that is itself a list (an
order book's levels) is written as JSON inside its cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console, RenderableType
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from pykis.models.base import KST

__all__ = ["Csv", "Json", "emit", "fields", "iso", "mode", "plain", "progress", "say", "warn"]

Json = Annotated[bool, typer.Option(
    "--json", help="Print JSON for scripts: the models' field names, times in ISO 8601 (KST).")]
Csv = Annotated[bool, typer.Option(
    "--csv", help="Print CSV for scripts: a header line, then a row a record.")]


def mode(as_json: bool, as_csv: bool) -> str | None:
    """"json", "csv" or None (tables); both at once is a usage error."""
    if as_json and as_csv:
        raise typer.BadParameter("choose one of --json and --csv", param_hint="'--csv'")
    return "json" if as_json else "csv" if as_csv else None


def iso(moment: dt.datetime) -> str:
    """ISO 8601 in KST (+09:00), whatever zone the machine or the value is in. A naive
    value is taken as KST: every time KIS sends is."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=KST)
    return moment.astimezone(KST).isoformat()


def plain(value: Any) -> Any:
    """``value`` as JSON types: a model as its fields without ``info`` (KIS's raw payload,
    whose names are KIS's, not PyKIS's), enums as their values, datetimes by ``iso``, dates as YYYY-MM-DD."""
    if isinstance(value, BaseModel):
        return {name: plain(getattr(value, name)) for name in type(value).model_fields
                if name != "info"}
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def fields(model: type[BaseModel]) -> list[str]:
    """The CSV header of ``model``: its fields but ``info``, in their order."""
    return [name for name in model.model_fields if name != "info"]


def emit(form: str, data: Any, header: Sequence[str] = ()) -> None:
    """Print ``data`` (a model, or a list of models or dicts) as JSON, or as CSV with
    ``header`` (the columns, also when there are no rows)."""
    if form == "json":
        sys.stdout.write(json.dumps(plain(data), ensure_ascii=False, indent=2) + "\n")
        return
    rows = data if isinstance(data, list) else [data]
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        record = plain(row)
        writer.writerow([_cell(record.get(name)) for name in header])


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def say(*renderables: RenderableType | str) -> None:
    """Print to stdout; a ``str`` is printed as it is (never read as rich markup: a
    name or a message may contain brackets)."""
    Console().print(*renderables, markup=False, highlight=False)


def warn(message: str) -> None:
    """One line on stderr, as it is."""
    Console(stderr=True, soft_wrap=True).print(message, markup=False, highlight=False)


@contextmanager
def progress(description: str) -> Iterator[None]:
    """A spinner on stderr with the calls made to KIS so far and the time taken, while a
    read that may page many times runs; erased when it ends. Only on a terminal: a
    script reading the output sees nothing of it."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield
        return
    bar = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False),
                   TextColumn("KIS calls: {task.completed}"), TimeElapsedColumn(),
                   console=console, transient=True)
    task = bar.add_task(description, total=None)
    with bar, _counting_requests(lambda: bar.advance(task)):
        yield


@contextmanager
def _counting_requests(step) -> Iterator[None]:
    """Calls ``step`` on every HTTP request the client completes: httpx logs each one at
    INFO on its logger. The log records themselves go nowhere while this runs."""
    logger = logging.getLogger("httpx")
    handler = _Counter(step)
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


class _Counter(logging.Handler):
    def __init__(self, step) -> None:
        super().__init__(logging.INFO)
        self.step = step
        self.guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("HTTP Request:"):
            with self.guard:
                self.step()
