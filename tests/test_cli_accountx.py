"""``pykis calendar``, ``search-condition``, ``reserve`` and ``pnl`` through typer's
runner: with ``--sim`` (an embedded simulator), and against a simulator server on a
frozen clock with the credentials in the environment, as for real KIS."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pykis.cli.main import app
from pykis.market import KST
from pykis.sim import Env, SimConfig, SimServer, Simulator

runner = CliRunner()
EVENING = dt.datetime(2026, 11, 20, 16, 30, tzinfo=KST)  # Friday, after the close


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("KIS_")] + ["FORCE_COLOR"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYKIS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def server() -> Iterator[SimServer]:
    sim = Simulator(SimConfig(start=EVENING, frozen=True,
                              rate_limits={Env.REAL: 0, Env.PAPER: 0}))
    with SimServer(sim) as running:
        yield running


def against(server: SimServer, tmp_path: Path, *args: str, env: Env = Env.REAL) -> Result:
    creds = server.sim.credentials(env)
    variables = {"KIS_APP_KEY": creds.app_key, "KIS_APP_SECRET": creds.app_secret,
                 "KIS_ACCOUNT_NO": creds.account_no, "KIS_HTS_ID": creds.hts_id,
                 "KIS_TOKEN_PATH": str(tmp_path / f"tokens-{env}.json")}
    paper = ["--paper"] if env is Env.PAPER else []
    return runner.invoke(app, [*args, *paper, "--base-url", server.base_url], env=variables)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_calendar(server: SimServer, tmp_path: Path) -> None:
    facts = json.loads(ok(against(server, tmp_path, "calendar", "2026-11-21", "--json")))
    assert facts == {"date": "2026-11-21", "trading_day": False,
                     "previous": "2026-11-20", "next": "2026-11-23"}
    table = ok(against(server, tmp_path, "calendar", "2026-11-20"))
    assert "yes" in table and "2026-11-23" in table
    paper = json.loads(ok(against(server, tmp_path, "calendar", "2026-12-31", "--json",
                                  env=Env.PAPER)))
    assert paper["trading_day"] is False and paper["next"] == "2027-01-04"


def test_calendar_refuses_a_bad_date(server: SimServer, tmp_path: Path) -> None:
    result = against(server, tmp_path, "calendar", "tomorrow")
    assert result.exit_code == 2 and "is not a date" in result.output


def test_search_condition(server: SimServer, tmp_path: Path) -> None:
    assert "No saved condition." in ok(against(server, tmp_path, "search-condition"))
    user = server.sim.credentials("real").hts_id
    server.sim.extras.conditions.define(user, [
        {"name": "up", "expression": "change > 0"}, {"name": "never", "expression": "price < 0"}])
    listed = ok(against(server, tmp_path, "search-condition"))
    assert "up" in listed and "never" in listed
    rows = json.loads(ok(against(server, tmp_path, "search-condition", "up", "--json")))
    now = server.sim.clock.now()
    risers = sorted(c for c in server.sim.market.universe
                    if (q := server.sim.market.quote(c, now)).price > q.base)
    assert [r["symbol"] for r in rows] == risers
    assert "no listing meets it" in ok(against(server, tmp_path, "search-condition", "never"))
    csv = ok(against(server, tmp_path, "search-condition", "up", "--csv"))
    assert csv.splitlines()[0].startswith("symbol,name,price")


def test_reserve_list_and_cancel(server: SimServer, tmp_path: Path) -> None:
    made = ok(against(server, tmp_path, "reserve", "buy", "005930", "2", "--yes"))
    assert "taken" in made and "waiting" in made
    listed = json.loads(ok(against(server, tmp_path, "reserve", "list", "--json")))
    assert [(r["symbol"], r["amount"], r["side"]) for r in listed] == [("005930", 2, "buy")]
    reservation = listed[0]["id"]
    assert "cancelled" in ok(against(server, tmp_path, "reserve", "cancel", reservation))
    listed = json.loads(ok(against(server, tmp_path, "reserve", "list", "--json")))
    assert listed[0]["result"] == "취소"


def test_reserve_asks_first_on_a_real_account(server: SimServer, tmp_path: Path) -> None:
    creds = server.sim.credentials("real")
    result = runner.invoke(app, ["reserve", "buy", "005930", "1", "--base-url",
                                 server.base_url], input="n\n", env={
        "KIS_APP_KEY": creds.app_key, "KIS_APP_SECRET": creds.app_secret,
        "KIS_ACCOUNT_NO": creds.account_no, "KIS_TOKEN_PATH": str(tmp_path / "t.json")})
    assert result.exit_code == 1 and "No order placed." in result.output
    assert server.sim.extras.reserved.of(
        server.sim.account_by_number(creds.account_no)) == []


def test_reserve_on_paper_is_refused(server: SimServer, tmp_path: Path) -> None:
    result = against(server, tmp_path, "reserve", "buy", "005930", "1", env=Env.PAPER)
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_pnl(server: SimServer, tmp_path: Path) -> None:
    sim = server.sim
    sim.clock.set(dt.datetime(2026, 11, 20, 10, 0, tzinfo=KST))
    ok(against(server, tmp_path, "buy", "005930", "5", "--yes"))
    sim.clock.advance(600)
    ok(against(server, tmp_path, "sell", "005930", "5", "--yes"))
    days = json.loads(ok(against(server, tmp_path, "pnl", "--since", "2026-11-01", "--json")))
    account = sim.account_by_number(sim.credentials("real").account_no)
    realized = sum(sim.extras.realized(f) for f in account.fills())
    assert days["realized"] == realized and days["days"][0]["date"] == "2026-11-20"
    table = ok(against(server, tmp_path, "pnl", "--since", "2026-11-01", "--by-symbol"))
    assert "005930" in table and "total" in table
    assert "No realised" in ok(against(server, tmp_path, "pnl", "--since", "2026-11-21"))


def test_commands_with_an_embedded_simulator() -> None:
    result = runner.invoke(app, ["calendar", "2026-11-21", "--json", "--sim"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["reserve", "list", "--sim"])
    assert result.exit_code == 0 and "No reservation." in result.output
