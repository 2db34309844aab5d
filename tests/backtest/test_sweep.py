"""Sweeps: every combination, ranked, the same on one process, on two, and on a Dask
cluster; with the warning about the best of many."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from pykis.backtest import Backtest, parse_grid, sweep
from pykis.engine.risk import RiskLimits
from pykis.engine.strategy import MovingAverageCross
from pykis.exceptions import InvalidInputError

GRID = {"short": [3, 8], "long": [20, 40]}


@pytest.fixture(scope="module")
def base(minutes):
    return Backtest(MovingAverageCross(), minutes, ["005930"], start="2024-06-13",
                    end="2024-06-14")


def test_parse_grid():
    assert parse_grid(["short=3,5,8", "long=20,40", "risk.stop_loss=0.02"]) == {
        "short": [3, 5, 8], "long": [20, 40], "risk.stop_loss": [Decimal("0.02")]}
    for bad in (["short"], ["short="], ["short=1", "short=2"]):
        with pytest.raises(InvalidInputError) as error:
            parse_grid(bad)
        assert error.value.argument == "grid"


def test_each_combination_is_ranked_and_matches_a_single_run(base):
    found = sweep(base, GRID | {"risk.stop_loss": [0.01]}, metric="total_return", workers=1)
    table = found.table
    assert len(table) == 4 and table["error"].isna().all()
    assert list(table["total_return"]) == sorted(table["total_return"], reverse=True)
    best = found.best
    alone = Backtest(MovingAverageCross(best["short"], best["long"]), base.data, ["005930"],
                     start="2024-06-13", end="2024-06-14",
                     limits=RiskLimits(stop_loss=Decimal("0.01"))).run()
    assert alone.metrics.total_return == table["total_return"].iloc[0]
    assert "optimistic" in found.warning and "out of sample" in found.warning


def test_processes_give_the_same_table(base):
    one = sweep(base, GRID, workers=1).table
    two = sweep(base, GRID, workers=2)
    assert two.workers == 2
    same = [c for c in one.columns if c != "cpu_seconds"]  # measured, not computed
    pd.testing.assert_frame_equal(one[same], two.table[same])


def test_a_combination_the_strategy_refuses_is_listed_not_run(base):
    found = sweep(base, {"short": [5, 30], "long": [20]}, workers=1)
    refused = found.table[found.table["error"].notna()]
    assert list(refused["short"]) == [30] and "short" in refused["error"].iloc[0]


def test_an_unknown_key_is_refused_before_running(base):
    with pytest.raises(InvalidInputError) as error:
        sweep(base, {"shrot": [3]})
    assert error.value.argument == "grid"
    with pytest.raises(InvalidInputError) as error:
        sweep(base, GRID, metric="luck")
    assert error.value.argument == "metric"


def test_the_same_sweep_on_a_dask_cluster(base):
    distributed = pytest.importorskip("distributed", reason="the cluster extra")
    # A real scheduler and two workers, reached by their TCP address as a user's cluster
    # is; the workers are threads of this process rather than processes of their own,
    # since each such process would spend seconds importing pandas and pykis again (the
    # tasks and their results still cross the wire, pickled).
    with distributed.LocalCluster(n_workers=2, processes=False, threads_per_worker=1,
                                  protocol="tcp://", dashboard_address=None) as cluster:
        found = sweep(base, GRID, cluster=cluster.scheduler_address)
    assert str(found.workers).startswith("dask tcp://")
    alone = sweep(base, GRID, workers=1).table
    same = [c for c in alone.columns if c != "cpu_seconds"]
    pd.testing.assert_frame_equal(found.table[same], alone[same])
