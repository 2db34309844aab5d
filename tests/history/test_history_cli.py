"""``pykis history download | list | show | import-csv`` through typer's runner, and
``pykis sim --replay DIR --from DATE --speed N`` as a user starts it."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pandas as pd
import pytest
from typer.testing import CliRunner

from pykis.cli.main import app
from pykis.history import HistoryStore
from pykis.market import KST, TradingCalendar

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer's KIS_* settings, .env or running `pykis sim`; wide plain output."""
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("KIS_")] + ["PYKIS_HISTORY_DIR"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYKIS_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("COLUMNS", "200")


def test_download_list_and_show_on_a_simulator(tmp_path: Path) -> None:
    folder = tmp_path / "bars"
    today = dt.datetime.now(KST).date()  # the simulator's day is KRX's, not this machine's
    since = today - dt.timedelta(days=20)
    result = runner.invoke(app, ["history", "download", "005930", "000660", "--since",
                                 since.isoformat(), "--dir", str(folder), "--sim"])
    assert result.exit_code == 0, result.output
    days = len([d for d in TradingCalendar().trading_days(since, today)])
    assert f"new 1d bars in {folder}" in result.stdout
    assert f"005930: {days}" in result.stdout or f"005930: {days - 1}" in result.stdout

    listed = runner.invoke(app, ["history", "list", "--dir", str(folder), "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [(r["symbol"], r["timeframe"], r["adjusted"]) for r in rows] == [
        ("000660", "1d", True), ("005930", "1d", True)]
    assert rows[0]["first"].startswith(since.isoformat()[:4]) and rows[0]["rows"] >= days - 1

    shown = runner.invoke(app, ["history", "show", "005930", "--dir", str(folder), "--tail",
                                "3", "--csv"])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.strip().splitlines()
    assert lines[0] == "time,open,high,low,close,volume,value" and len(lines) == 4
    stored = HistoryStore(folder).bars("005930")
    assert lines[-1].split(",")[4] == str(stored["close"].iloc[-1])

    table = runner.invoke(app, ["history", "show", "005930", "--dir", str(folder)])
    assert table.exit_code == 0 and "005930 1d" in table.stdout
    table = runner.invoke(app, ["history", "list", "--dir", str(folder)])
    assert table.exit_code == 0 and "000660" in table.stdout


def test_import_csv_and_its_refusals(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "open", "high", "low", "close", "volume"])
        writer.writerow(["2024-01-02", 100, 110, 90, 105, 7])
    folder = tmp_path / "bars"
    result = runner.invoke(app, ["history", "import-csv", str(path), "005930", "--dir",
                                 str(folder)])
    assert result.exit_code == 0, result.output
    assert "1 new 1d bars of 005930" in result.stdout
    assert HistoryStore(folder).bars("005930")["time"].tolist() == [
        pd.Timestamp("2024-01-02 09:00", tz="Asia/Seoul")]
    missing = runner.invoke(app, ["history", "import-csv", str(tmp_path / "no.csv"), "005930",
                                  "--dir", str(folder)])
    assert missing.exit_code == 2 and "invalid path=" in missing.output
    bad = runner.invoke(app, ["history", "show", "005930", "--timeframe", "5m"])
    assert bad.exit_code == 2 and "1d or 1m" in bad.output
    empty = runner.invoke(app, ["history", "list", "--dir", str(tmp_path / "none")])
    assert empty.exit_code == 0 and "No bars" in empty.stdout


def test_sim_refuses_a_replay_it_cannot_have_in_one_line(tmp_path: Path) -> None:
    alone = runner.invoke(app, ["sim", "--port", "0", "--from", "2026-11-18"])
    assert alone.exit_code == 2 and "--replay" in alone.output
    nowhere = runner.invoke(app, ["sim", "--port", "0", "--replay", str(tmp_path / "none")])
    assert nowhere.exit_code == 2
    assert nowhere.stderr.strip() == f"pykis sim: replay: no history store at {tmp_path / 'none'}"


def test_pykis_sim_replays_a_store_from_a_day_at_a_speed(tmp_path: Path) -> None:
    folder = tmp_path / "bars"
    frame = pd.DataFrame({"time": ["2026-11-18"], "open": [100], "high": [120], "low": [90],
                          "close": [110], "volume": [1_000]})
    HistoryStore(folder).write("005930", "1d", frame)
    process = subprocess.Popen(
        [sys.executable, "-c", "from pykis.cli.main import run; run()", "sim", "--port", "0",
         "--replay", str(folder), "--from", "2026-11-18", "--speed", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in process.stdout:  # the banner, up to the line that says it is ready
            lines.append(line)
            if "Ctrl-C stops the server." in line:
                break
        text = "".join(lines)
        assert f"replaying 1 symbols from {folder}: 005930" in text, text
        assert "clock from 2026-11-18 08:59:00 KST" in text and "60x speed" in text
        url = text.split("KIS simulator on ")[1].split()[0]
        now = dt.datetime.fromisoformat(httpx.get(f"{url}/_sim/clock").json()["now"])
        start = dt.datetime(2026, 11, 18, 8, 59, tzinfo=KST)
        assert start < now < start + dt.timedelta(hours=2)  # a minute a second at most
    finally:
        process.kill()
        process.communicate(timeout=30)
