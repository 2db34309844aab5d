"""Sweeps: one backtest per combination of parameters, in parallel, ranked.

    from pykis.backtest import Backtest, sweep
    found = sweep(Backtest(MovingAverageCross(), "history/", ["005930"], start="2024-01-02"),
                  {"short": [3, 5, 8], "long": [20, 40]}, metric="sharpe")
    found.table, found.best, found.warning

A grid key is a parameter of the strategy (``short``), a risk rule (``risk.stop_loss`` or
``stop_loss``) or ``budget_krw``. Every combination runs; those the strategy or the rules
refuse (``short >= long``) are listed with why, not run.

**On this machine** (``workers``, default: every core) the combinations run in a
``ProcessPoolExecutor``. The bars are read once by the parent and written to one Parquet
file; each worker process reads that file and makes the tick tape once, in its
initializer, and then only the combination's parameters travel to it and only the figures
travel back: no frame is pickled per task. Workers start from a forkserver that has
imported this module already, so a start costs a fork, not an interpreter and pandas.

**On a cluster** (``cluster="tcp://host:8786"``) the same tasks run on Dask
distributed. Dask rather than Ray because it is pure Python and pip-installable in a small
package (Ray ships a large native runtime and its own object store), it moves pandas
frames natively, it is already the tool of the PyData stack this module uses, and a
``LocalCluster`` in one process tree is a real scheduler with real worker processes for
tests. The bars are scattered to every worker once (``broadcast=True``), so workers need
no shared disk; each keeps the tape it made for the next task of the same sweep.
"""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing as mp
import os
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from pykis.backtest.core import Backtest
from pykis.backtest.data import Bars, make_tape
from pykis.engine.risk import RiskLimits
from pykis.exceptions import InvalidInputError

__all__ = ["METRICS", "SweepResult", "combinations", "parse_grid", "sweep"]

METRICS = ("sharpe", "sortino", "total_return", "cagr", "max_drawdown", "profit_factor",
           "win_rate")
RISK = tuple(f.name for f in dataclasses.fields(RiskLimits))
WARNING = ("The best of {n} combinations is an optimistic estimate: choosing the best of many "
           "backtests on the same data picks luck as well as skill (selection bias, "
           "overfitting), and the more combinations, the more it flatters. Before trading "
           "the chosen parameters, test them out of sample: on dates the sweep did not see "
           "(another --from/--to), and prefer a region of good neighbours to a lone peak.")


def parse_grid(items: Sequence[str]) -> dict[str, list[Any]]:
    """``["short=3,5,8", "long=20,40"]`` as ``{"short": [3, 5, 8], "long": [20, 40]}``
    (whole numbers, decimals, true/false or words)."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        name, sep, values = str(item).partition("=")
        name = name.strip()
        if not sep or not name or not values.strip():
            raise InvalidInputError("grid", item, 'NAME=V1,V2,... e.g. "short=3,5,8"')
        if name in grid:
            raise InvalidInputError("grid", item, f"{name} given once")
        grid[name] = [_value(v.strip()) for v in values.split(",") if v.strip()]
    if not grid:
        raise InvalidInputError("grid", items, 'at least one NAME=V1,V2 e.g. "short=3,5,8"')
    return grid


def _value(text: str) -> Any:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


@dataclass
class SweepResult:
    """``table``: one row per combination, best first by ``metric`` (refused ones last,
    with ``error``); ``warning``: what to tell whoever reads the best row."""

    table: pd.DataFrame
    metric: str
    parameters: tuple[str, ...]
    seconds: float
    workers: int | str

    @property
    def best(self) -> dict[str, Any]:
        ran = self.table[self.table["error"].isna()]
        if not len(ran):
            return {}
        row = ran.iloc[0]
        return {p: row[p].item() if hasattr(row[p], "item") else row[p]
                for p in self.parameters}

    @property
    def warning(self) -> str:
        return WARNING.format(n=len(self.table))


# --- one combination ---------------------------------------------------------------------------
def _variant(base: Backtest, combination: Mapping[str, Any]) -> Backtest:
    """``base`` with the combination's values (sharing its bars and ticks)."""
    strategy_values, risk, options = {}, {}, {}
    for name, value in combination.items():
        bare = name.removeprefix("risk.")
        if bare in RISK and (name.startswith("risk.") or not _takes(base.strategy, name)):
            risk[bare] = Decimal(str(value)) if isinstance(value, (float, Decimal)) else value
        elif name == "budget_krw":
            options[name] = value
        elif _takes(base.strategy, name):
            strategy_values[name] = value
        else:
            raise InvalidInputError("grid", name, f"a parameter of {base.strategy.name!r}, a "
                                    f"risk rule (risk.{', risk.'.join(RISK)}) or budget_krw")
    variant = Backtest.__new__(Backtest)
    variant.__dict__.update(base.__dict__)
    variant.strategy = dataclasses.replace(base.strategy, **strategy_values) \
        if strategy_values else base.strategy
    if risk:
        variant.limits = dataclasses.replace(base.limits, **risk)
    variant.budget_krw = options.get("budget_krw", base.budget_krw)
    return variant


def _takes(strategy: Any, name: str) -> bool:
    return dataclasses.is_dataclass(strategy) and any(
        f.name == name and f.init and not name.startswith("_") for f in
        dataclasses.fields(strategy))


def _figures(base: Backtest, combination: dict[str, Any]) -> dict[str, Any]:
    started = time.process_time()
    try:
        result = _variant(base, combination).run()
    except InvalidInputError as error:
        return {**combination, "error": str(error)}
    return {**combination, **result.metrics.as_dict(), "error": None,
            "cpu_seconds": round(time.process_time() - started, 3)}


# --- workers -------------------------------------------------------------------------------------
_PREPARED: dict[str, Backtest] = {}  # a worker's backtest per sweep, with its tape made


@dataclass
class _Job:
    """What a worker needs to rebuild the sweep's backtest: the settings, and the bars
    (``frames``) or where they are (``path``, a Parquet file)."""

    token: str
    base: Backtest
    previous: dict[str, int]
    path: str | None = None
    frames: dict[str, pd.DataFrame] | None = None


def _settings_only(base: Backtest) -> Backtest:
    light = Backtest.__new__(Backtest)
    light.__dict__.update({**base.__dict__, "data": None, "_prepared": None})
    return light


def _prepare(job: _Job) -> Backtest:
    found = _PREPARED.get(job.token)
    if found is None:
        frames = job.frames
        if frames is None:
            table = pd.read_parquet(job.path)
            frames = {s: part.drop(columns="symbol").reset_index(drop=True)
                      for s, part in table.groupby("symbol", sort=False)}
        bars = [Bars(s, frames.get(s, frames[next(iter(frames))].iloc[:0]), job.previous[s])
                for s in job.previous]
        found = _settings_only(job.base)
        found._prepared = (bars, make_tape(bars, found.timeframe, found.calendar))
        _PREPARED.clear()  # one sweep at a time per worker
        _PREPARED[job.token] = found
    return found


def _initialize(job: _Job) -> None:
    _prepare(job)


def _local_task(token: str, combination: dict[str, Any]) -> dict[str, Any]:
    return _figures(_PREPARED[token], combination)


def _dask_task(job: _Job, combination: dict[str, Any]) -> dict[str, Any]:
    return _figures(_prepare(job), combination)


def _written(bars: list[Bars], directory: str) -> str:
    path = os.path.join(directory, "bars.parquet")
    frames = [b.frame.assign(symbol=b.symbol) for b in bars if len(b.frame)]
    pd.concat(frames, ignore_index=True).to_parquet(path, index=False)
    return path


def _context() -> mp.context.BaseContext:
    if "forkserver" in mp.get_all_start_methods():
        context = mp.get_context("forkserver")
        context.set_forkserver_preload(["pykis.backtest.sweep"])
        return context
    return mp.get_context("spawn")


# --- the sweep -----------------------------------------------------------------------------------
def combinations(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    if not isinstance(grid, Mapping) or not grid or any(
            isinstance(v, (str, bytes)) or not isinstance(v, Sequence) or not v
            for v in grid.values()):
        raise InvalidInputError("grid", grid, "{name: [values, ...]} with at least one value each")
    names = list(grid)
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*grid.values())]


def sweep(base: Backtest, grid: Mapping[str, Sequence[Any]], *, metric: str = "sharpe",
          workers: int | None = None, cluster: Any = None) -> SweepResult:
    """Every combination of ``grid`` over ``base``'s data, ranked by ``metric`` (best
    first; for ``max_drawdown`` the shallowest). ``workers``: processes on this machine
    (default: every core; 1 runs in this process); ``cluster``: a Dask scheduler address
    (``tcp://host:port``) or a ``distributed.Client``, instead of local processes."""
    if metric not in METRICS:
        raise InvalidInputError("metric", metric, f"one of {', '.join(METRICS)}")
    if not isinstance(base, Backtest):
        raise InvalidInputError("base", base, "a Backtest")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise InvalidInputError("workers", workers, "None or a whole number >= 1")
    todo = combinations(grid)
    for name in grid:  # a key nothing takes is a mistake: said before anything runs
        if not (name == "budget_krw" or name.removeprefix("risk.") in RISK
                or _takes(base.strategy, name)):
            _variant(base, {name: grid[name][0]})
    started = time.perf_counter()
    bars, _ = base.prepare()
    if cluster is not None:
        rows, used = _on_dask(base, bars, todo, cluster)
    else:
        count = min(workers or os.cpu_count() or 1, len(todo))
        rows, used = (([_figures(base, c) for c in todo], 1) if count == 1
                      else (_on_processes(base, bars, todo, count), count))
    return SweepResult(_ranked(rows, metric), metric, tuple(grid),
                       time.perf_counter() - started, used)


def _on_processes(base: Backtest, bars: list[Bars], todo: list[dict[str, Any]],
                  count: int) -> list[dict[str, Any]]:
    token = uuid.uuid4().hex
    with tempfile.TemporaryDirectory(prefix="pykis-sweep-") as directory:
        job = _Job(token, _settings_only(base), {b.symbol: b.previous_close for b in bars},
                   path=_written(bars, directory))
        with ProcessPoolExecutor(count, mp_context=_context(), initializer=_initialize,
                                 initargs=(job,)) as pool:
            return list(pool.map(_local_task, [token] * len(todo), todo))


def _on_dask(base: Backtest, bars: list[Bars], todo: list[dict[str, Any]], cluster: Any
             ) -> tuple[list[dict[str, Any]], str]:
    from distributed import Client

    own = not isinstance(cluster, Client)
    client = Client(cluster) if own else cluster
    try:
        job = _Job(uuid.uuid4().hex, _settings_only(base),
                   {b.symbol: b.previous_close for b in bars},
                   frames={b.symbol: b.frame for b in bars})
        shared = client.scatter(job, broadcast=True)
        futures = [client.submit(_dask_task, shared, c, pure=False) for c in todo]
        rows = client.gather(futures)
        return rows, f"dask {client.scheduler.address}"
    finally:
        if own:
            client.close()


def _ranked(rows: list[dict[str, Any]], metric: str) -> pd.DataFrame:
    table = pd.DataFrame(rows)
    if "error" not in table:
        table["error"] = None
    if metric not in table:
        table[metric] = None
    key = pd.to_numeric(table[metric], errors="coerce")
    order = key.sort_values(ascending=False, na_position="last", kind="stable").index
    return table.loc[order].reset_index(drop=True)

