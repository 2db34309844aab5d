"""`pykis backtest`: the engine's own config file over the history store, a report, JSON
for scripts, and a sweep with its warning."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pykis.cli.main import app

BOT = """
symbols = ["005930", "000660"]
budget_krw = 500000

[risk]
stop_loss = 0.02

[strategy]
name = "moving_average_cross"
short = 5
long = 20
"""


def invoke(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def config(tmp_path: Path) -> str:
    path = tmp_path / "bot.toml"
    path.write_text(BOT, encoding="utf-8")
    return str(path)


def test_a_run_prints_its_figures_as_json_and_writes_the_report(history, tmp_path):
    report = tmp_path / "report.html"
    done = invoke("backtest", "-c", config(tmp_path), "--from", "2024-06-10", "--to",
                  "2024-06-14", "--data", str(history.root), "--report", str(report), "--json")
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert out["config"]["symbols"] == ["005930", "000660"]
    assert out["config"]["budget_krw"] == 500_000 and out["config"]["risk"] == {
        "stop_loss": "0.02"}
    assert out["config"]["strategy"] == {"name": "moving_average_cross", "short": 5,
                                         "long": 20, "amount_krw": None}
    assert out["metrics"]["trades"] > 0 and set(out["benchmark"]) >= {"sharpe", "cagr"}
    assert report.stat().st_size > 1_000_000  # plotly inlined


def test_a_table_for_people(history, tmp_path):
    done = invoke("backtest", "-c", config(tmp_path), "--from", "2024-06-13", "--data",
                  str(history.root))
    assert done.exit_code == 0, done.output
    assert "total return" in done.stdout and "buy and hold" in done.stdout


def test_a_sweep_ranks_and_warns(history, tmp_path):
    done = invoke("backtest", "-c", config(tmp_path), "--from", "2024-06-13", "--data",
                  str(history.root), "--grid", "short=3,5", "long=20,40", "--workers", "1",
                  "--json")
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert len(out["ranked"]) == 4 and "optimistic" in out["warning"]
    sharpe = [r["sharpe"] for r in out["ranked"] if r["sharpe"] is not None]
    assert sharpe == sorted(sharpe, reverse=True)


def test_bad_input_exits_2_naming_it(history, tmp_path):
    done = invoke("backtest", "-c", config(tmp_path), "--from", "someday", "--data",
                  str(history.root))
    assert done.exit_code == 2 and "start" in done.output
    done = invoke("backtest", "-c", config(tmp_path), "--data", str(history.root),
                  "--grid", "sharp=1")
    assert done.exit_code == 2 and "grid" in done.output
    done = invoke("backtest", "-c", config(tmp_path), "--from", "2030-01-02", "--data",
                  str(history.root))
    assert done.exit_code == 2 and "data" in done.output
