"""``pykis rank``, ``index`` and ``flows`` against a throwaway simulator (``--sim``)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pykis.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer's KIS_* variables, no running `pykis sim` found, wide plain output."""
    for name in [n for n in os.environ if n.startswith("KIS_")] + ["FORCE_COLOR"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYKIS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PYKIS_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("COLUMNS", "200")


def sim_run(*args: str) -> Result:
    return runner.invoke(app, [*args, "--sim"])


def test_rank_volume_table() -> None:
    result = sim_run("rank", "volume", "--limit", "5")
    assert result.exit_code == 0, result.output
    assert "Top 5 by volume" in result.output
    assert sum(line.strip()[:1].isdigit() for line in result.output.splitlines()) >= 5


def test_rank_market_cap_json_is_sorted() -> None:
    result = sim_run("rank", "market-cap", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 30 and rows[0]["symbol"] == "005930"
    caps = [row["market_cap"] for row in rows]
    assert caps == sorted(caps, reverse=True)


def test_rank_refuses_an_unknown_kind() -> None:
    result = sim_run("rank", "hottest")
    assert result.exit_code != 0 and "hottest" in result.output


def test_index_shows_the_three_indices() -> None:
    result = sim_run("index")
    assert result.exit_code == 0, result.output
    for name in ("KOSPI", "KOSDAQ", "KOSPI200"):
        assert name in result.output


def test_index_refuses_an_unknown_index() -> None:
    result = sim_run("index", "NIKKEI")
    assert result.exit_code != 0 and "code" in result.output


def test_flows_json() -> None:
    data = json.loads(sim_run("flows", "005930", "--days", "3", "--json").stdout)
    assert len(data) == 3 and {"individual_net", "foreign_net",
                               "institution_net"} <= set(data[0])
