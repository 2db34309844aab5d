"""What the read commands print besides tables: ``--json`` and ``--csv`` for scripts,
times in KST whatever the machine's zone, strings from KIS or a user never read as rich
markup, and progress on stderr (on a terminal only) while a long read pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from pykis.cli.main import app
from pykis.cli.output import fields, iso
from pykis.cli.tables import (
    kst_time,
    listings_table,
    orders_table,
    positions_table,
    quotes_table,
    trades_table,
    watch_table,
)
from pykis.engine.results import TradeRecord
from pykis.market import InstrumentKind, Market
from pykis.models import OHLCV, Balance, Listing, Order, Position, Ticker
from pykis.sim import Env, SimConfig, SimServer, Simulator

runner = CliRunner()
UTC_MOMENT = dt.datetime(2025, 1, 2, 0, 30, 5, tzinfo=dt.UTC)  # 09:30:05 in Seoul
RUN = [sys.executable, "-c", "from pykis.cli.main import run; run()"]


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("KIS_")] + ["FORCE_COLOR"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYKIS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "200")


def sim_run(*args: str) -> Result:
    result = runner.invoke(app, [*args, "--sim"])
    assert result.exit_code == 0, result.output
    return result


def as_json(*args: str):
    return json.loads(sim_run(*args, "--json").stdout)


def as_csv(*args: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(sim_run(*args, "--csv").stdout)))


def kst(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    assert moment.utcoffset() == dt.timedelta(hours=9), text
    return moment


# --- JSON and CSV ------------------------------------------------------------------------
def test_quote_as_json_and_csv() -> None:
    [one] = as_json("quote", "005930")
    assert list(one) == fields(Ticker) and "info" not in one
    assert one["symbol"] == "005930" and one["name"] == "삼성전자" and one["last"] > 0
    kst(one["datetime"])
    several = as_json("quote", "005930", "000660")
    assert [t["name"] for t in several] == ["삼성전자", "SK하이닉스"]
    [row] = as_csv("quote", "005930")
    assert list(row) == fields(Ticker) and row["name"] == "삼성전자"
    assert float(row["upper_limit"]) > float(row["last"]) > float(row["lower_limit"])


def test_book_as_json_and_csv() -> None:
    book = as_json("book", "005930")
    assert book["symbol"] == "005930" and len(book["asks"]) == len(book["bids"]) == 10
    assert book["asks"][0][0] > book["bids"][0][0]  # [price, amount], best first
    kst(book["datetime"])
    rows = as_csv("book", "005930")
    assert [(r["side"], r["level"]) for r in rows[:2]] == [("ask", "1"), ("ask", "2")]
    assert [r["side"] for r in rows].count("bid") == 10
    assert int(rows[0]["price"]) > int(rows[10]["price"])  # best ask over best bid


def test_ohlcv_as_json_and_csv() -> None:
    candles = as_json("ohlcv", "005930", "-t", "5m", "-n", "4")
    assert len(candles) == 4 and list(candles[0]) == fields(OHLCV)
    starts = [kst(c["datetime"]) for c in candles]
    # Five minutes apart within a day (right after midnight, KST, the always-open
    # simulator's live day has fewer than four candles: the others are the last session's).
    assert starts == sorted(set(starts)) and all(s.minute % 5 == 0 for s in starts)
    assert all(b - a == dt.timedelta(minutes=5) for a, b in zip(starts, starts[1:])
               if a.date() == b.date())
    assert [c["timestamp"] for c in candles] == [int(s.timestamp() * 1000) for s in starts]
    rows = as_csv("ohlcv", "005930", "-n", "3")
    assert len(rows) == 3 and all(int(r["high"]) >= int(r["low"]) for r in rows)


def test_search_as_json() -> None:
    found = as_json("search", "삼성전자")
    assert found[0] == {"symbol": "005930", "isin": "KR7005930003", "name": "삼성전자",
                        "market": "KOSPI", "kind": "STOCK", "english_name": None}


@pytest.fixture
def server() -> Iterator[SimServer]:
    sim = Simulator(SimConfig(always_open=True, rate_limits={Env.REAL: 0, Env.PAPER: 0}))
    with SimServer(sim) as running:
        yield running


def test_balance_and_orders_as_json_and_csv(server: SimServer, tmp_path: Path) -> None:
    creds = server.sim.credentials(Env.REAL)
    env = {"KIS_APP_KEY": creds.app_key, "KIS_APP_SECRET": creds.app_secret,
           "KIS_ACCOUNT_NO": creds.account_no, "KIS_BASE_URL": server.base_url,
           "KIS_TOKEN_PATH": str(tmp_path / "tokens.json")}

    def run(*args: str) -> str:
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.stdout

    run("buy", "005930", "3", "--yes")
    balance = json.loads(run("balance", "--json"))
    assert list(balance) == fields(Balance)
    [position] = balance["positions"]
    assert list(position) == fields(Position)
    assert (position["symbol"], position["name"], position["amount"]) == ("005930", "삼성전자", 3)
    [row] = csv.DictReader(io.StringIO(run("balance", "--csv")))
    assert row["symbol"] == "005930" and row["amount"] == "3"
    [order] = json.loads(run("orders", "--json"))
    assert list(order) == fields(Order)
    assert (order["symbol"], order["side"], order["type"], order["status"], order["filled"]) \
        == ("005930", "buy", "market", "closed", 3)
    kst(order["datetime"])
    [row] = csv.DictReader(io.StringIO(run("orders", "--csv")))
    assert row["id"] == order["id"] and row["side"] == "buy"
    assert json.loads(run("orders", "--open", "--json")) == []
    header = run("orders", "--open", "--csv").splitlines()
    assert header == [",".join(fields(Order))]  # the columns, even with no rows


def test_json_and_csv_together_is_a_usage_error() -> None:
    result = runner.invoke(app, ["quote", "005930", "--json", "--csv", "--sim"])
    assert result.exit_code == 2 and "--json" in result.output


# --- times in KST ------------------------------------------------------------------------
def test_times_are_shown_in_kst_whatever_zone_they_come_in() -> None:
    assert kst_time(UTC_MOMENT) == "09:30:05"
    assert kst_time(UTC_MOMENT, "%Y-%m-%d %H:%M") == "2025-01-02 09:30"
    assert iso(UTC_MOMENT) == "2025-01-02T09:30:05+09:00"
    order = Order(id="1001", symbol="005930", side="buy", type="limit", status="open",
                  amount=1, price=70_000, filled=0, remaining=1,
                  timestamp=int(UTC_MOMENT.timestamp() * 1000), datetime=UTC_MOMENT)
    assert "09:30:05" in render(orders_table([order], "Orders"))
    trade = TradeRecord(id=1, ticker="005930", trade_status="OPEN", quantity=1,
                        open_quantity=1, entry_price=70_000, exit_price=None, fees=10, tax=0,
                        pnl=0, pnl_percent=None, reason=None, strategy="", high_price=None,
                        opened_at=UTC_MOMENT, closed_at=None)
    shown = render(trades_table([trade]))
    assert "Opened (KST)" in shown and "2025-01-02 09:30" in shown


def test_json_times_are_kst_on_a_machine_in_new_york() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIS_")}
    env |= {"TZ": "America/New_York", "PYKIS_CACHE_DIR": os.environ["PYKIS_CACHE_DIR"]}
    done = subprocess.run([*RUN, "ohlcv", "005930", "-t", "1m", "-n", "3", "--sim", "--json"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    candles = json.loads(done.stdout)
    assert len(candles) == 3
    for candle in candles:  # +09:00, and the same moment as the timestamp
        assert kst(candle["datetime"]).timestamp() * 1000 == candle["timestamp"]


# --- markup -------------------------------------------------------------------------------
MARKUP = "[bold]x[/bold]"


def render(table) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(table)
    return console.export_text()


def test_strings_from_kis_or_a_strategy_are_printed_as_they_are() -> None:
    ticker = Ticker(symbol="005930", name=MARKUP, timestamp=0, datetime=UTC_MOMENT, open=1,
                    high=1, low=1, close=1, last=1, volume=1, change=0, change_percent=0)
    assert MARKUP in render(quotes_table([ticker]))
    assert MARKUP in render(watch_table([ticker.model_copy(update={"name": None})], 1,
                                        {"005930": MARKUP}))
    position = Position(symbol="005930", name=MARKUP, amount=1, average_price=1,
                        current_price=1, unrealized_pnl=0, unrealized_pnl_percent=0)
    balance = Balance(total=1, free=1, deposit=1, total_pnl=0, positions=[position])
    assert MARKUP in render(positions_table(balance))
    listing = Listing(symbol="005930", isin="KR7005930003", name=MARKUP, market=Market.KOSPI,
                      kind=InstrumentKind.STOCK, english_name="[red]y[/red]")
    shown = render(listings_table([listing], f"Listings matching {MARKUP!r}"))
    assert shown.count(MARKUP) == 2 and "[red]y[/red]" in shown
    trade = TradeRecord(id=1, ticker="005930", trade_status="CLOSED", quantity=1,
                        open_quantity=0, entry_price=1, exit_price=2, fees=0, tax=0, pnl=1,
                        pnl_percent=100, reason="[dim]take profit[/dim]", strategy="",
                        high_price=None, opened_at=UTC_MOMENT, closed_at=UTC_MOMENT)
    assert "[dim]take profit[/dim]" in render(trades_table([trade]))


# --- progress -----------------------------------------------------------------------------
def test_no_progress_when_stderr_is_not_a_terminal() -> None:
    result = runner.invoke(app, ["ohlcv", "005930", "-t", "1m", "-n", "200", "--sim"])
    assert result.exit_code == 0 and "KIS calls" not in result.output


@pytest.mark.parametrize("command", [["ohlcv", "005930", "-t", "1m", "-n", "300"],
                                     ["orders"]], ids=["minute candles", "orders"])
def test_progress_on_a_terminal_while_a_read_pages(tmp_path: Path, command: list[str]) -> None:
    pexpect = pytest.importorskip("pexpect", reason="terminal tests need the test extra's "
                                  "pexpect")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIS_")}
    env |= {"PYKIS_CACHE_DIR": str(tmp_path / "cache"), "TERM": "xterm-256color"}
    child = pexpect.spawn(sys.executable, [*RUN[1:], *command, "--sim"], env=env,
                          cwd=str(tmp_path), dimensions=(30, 120), encoding="utf-8",
                          timeout=60)
    child.expect(r"KIS calls: \d+")  # the spinner's line, on stderr
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
