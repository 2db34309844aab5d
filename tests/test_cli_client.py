"""The client commands through typer's runner: each with ``--sim`` (a fresh embedded
simulator per command), and in sequence against a simulator server the test runs, with
the credentials in the environment as for real KIS (``KIS.from_env``)."""

from __future__ import annotations

import datetime as dt
import io
import os
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from clients import build
from pykis.cli import marketcmd, tradecmd
from pykis.cli.main import app
from pykis.explain import explain
from pykis.market import tick_size
from pykis.sim import Env, SimConfig, SimServer, Simulator

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No developer's .env or KIS_* variables; nothing written to ~/.cache (tokens and
    rate state of ``from_env`` clients go to tmp); wide plain output, so rows stay whole."""
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("KIS_")] + ["FORCE_COLOR"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PYKIS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("COLUMNS", "200")


def sim_run(*args: str, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, [*args, "--sim"], env=env)


@pytest.fixture
def server() -> Iterator[SimServer]:
    sim = Simulator(SimConfig(always_open=True, rate_limits={Env.REAL: 0, Env.PAPER: 0}))
    with SimServer(sim) as running:
        yield running


def against(server: SimServer, tmp_path: Path, *args: str, env: Env = Env.REAL,
            input: str | None = None) -> Result:
    """A command pointed at ``server`` as at KIS: credentials from the environment."""
    creds = server.sim.credentials(env)
    variables = {"KIS_APP_KEY": creds.app_key, "KIS_APP_SECRET": creds.app_secret,
                 "KIS_ACCOUNT_NO": creds.account_no,
                 "KIS_TOKEN_PATH": str(tmp_path / "tokens.json")}
    paper = ["--paper"] if env is Env.PAPER else []
    return runner.invoke(app, [*args, *paper, "--base-url", server.base_url], env=variables,
                         input=input)


def ledger(server: SimServer, env: Env = Env.REAL):
    return server.sim.account_by_number(server.sim.credentials(env).account_no)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def failed(result: Result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit)  # reported, not a crash
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    return result.output


def cells(output: str, first: str) -> list[str]:
    """The cells of every table row that starts with ``first``."""
    return [line.split() for line in output.splitlines() if line.split()[:1] == [first]]


def below_market(quote: Result, ticks: int = 10) -> int:
    """A limit buy price for 005930 that rests: ``ticks`` under the last price quoted.
    (Quoted by the command itself: a second client of one simulator would have to
    wait a minute for its own token, as at KIS.)"""
    last = int(cells(ok(quote), "005930")[0][2].replace(",", ""))
    return last - ticks * tick_size(last)


def won(value: float) -> str:
    return f"{value:,.0f}"


def order_rows(output: str) -> dict[str, list[str]]:
    """Rows of an orders table by order number (time, number, symbol, side, ...)."""
    rows = (line.split() for line in output.splitlines())
    return {row[1]: row for row in rows if len(row) > 1 and row[0][2:3] == ":"
            and row[1].isdigit()}


# --- market data with --sim ----------------------------------------------------------
def test_quote_one_symbol(tmp_path: Path) -> None:
    out = ok(sim_run("quote", "005930"))
    same_market = Simulator(SimConfig(always_open=True))  # --sim's seed: the same market
    with build(same_market, Env.REAL, "sync", tmp_path) as kis:
        ticker = kis.fetch_ticker("005930")
    [row] = cells(out, "005930")
    assert "Quotes at" in out and "KST" in out
    assert row[-3:] == [won(ticker.lower_limit), "~", won(ticker.upper_limit)]
    assert int(row[2].replace(",", "")) > 0
    assert "삼성" in out and "—" not in row[1]  # the name, from KIS's master files


def test_quote_several_symbols_are_batched() -> None:
    symbols = ("005930", "000660", "035720")
    out = ok(sim_run("quote", *symbols))
    rows = [row for symbol in symbols for row in cells(out, symbol)]
    assert [row[1] for row in rows] == ["삼성전자", "SK하이닉스", "카카오"]  # batch: names
    assert all(row[4].endswith("%") for row in rows)


def test_book_shows_ten_levels_a_side() -> None:
    out = ok(sim_run("book", "005930"))
    levels = [cells(out, str(n))[0] for n in range(1, 11)]
    asks = [int(row[1].replace(",", "")) for row in levels]
    bids = [int(row[3].replace(",", "")) for row in levels]
    assert asks == sorted(asks) and bids == sorted(bids, reverse=True)
    assert asks[0] > bids[0] and f"spread {won(asks[0] - bids[0])}" in out


@pytest.mark.parametrize(("timeframe", "step"), [("5m", dt.timedelta(minutes=5)),
                                                 ("1w", dt.timedelta(weeks=1))])
def test_ohlcv(timeframe: str, step: dt.timedelta) -> None:
    out = ok(sim_run("ohlcv", "005930", "--timeframe", timeframe, "--limit", "4"))
    assert f"005930 {timeframe} candles" in out
    rows = [line.split() for line in out.splitlines() if line.strip()[:2] == "20"]
    shape = "%Y-%m-%d %H:%M" if timeframe == "5m" else "%Y-%m-%d"
    starts = [dt.datetime.strptime(" ".join(row[:len(shape.split())]), shape) for row in rows]
    # A day's candles are a step apart; right after midnight (KST) the live day of the
    # always-open simulator has fewer than four, and the earlier ones are the last
    # session's.
    assert len(starts) == 4 and starts == sorted(set(starts))
    assert all(b - a == step for a, b in zip(starts, starts[1:])
               if step.days or a.date() == b.date())


# --- the account and orders with --sim -------------------------------------------------
def test_balance_of_a_fresh_account() -> None:
    out = ok(sim_run("balance"))
    assert cells(out, "Deposit")[0] == ["Deposit", "10,000,000"] and "No positions." in out
    paper = ok(sim_run("balance", "--paper"))  # the simulator's paper account gets 5억
    assert cells(paper, "Deposit")[0] == ["Deposit", "500,000,000"]
    from_env = ok(sim_run("balance", env={"KIS_PAPER": "true"}))
    assert cells(from_env, "Deposit")[0] == ["Deposit", "500,000,000"]


def test_orders_of_a_fresh_account() -> None:
    assert "Today's orders: none." in ok(sim_run("orders"))
    assert "Open orders: none." in ok(sim_run("orders", "--open", "--symbol", "005930"))


def test_buy_limit_and_market() -> None:
    price = below_market(sim_run("quote", "005930"))
    limit = ok(sim_run("buy", "005930", "2", "--price", str(price)))  # --sim: no question
    [(number, row)] = order_rows(limit).items()
    assert f"Buy order {number} accepted" in limit
    assert row[2:] == ["005930", "buy", "limit", won(price), "2", "0", "2", "—", "open"]
    market = ok(sim_run("buy", "005930", "3", "--type", "market"))
    [row] = order_rows(market).values()
    assert row[2:7] == ["005930", "buy", "market", "—", "3"]


def test_sell_and_cancel_refused_on_a_fresh_account() -> None:
    assert "InsufficientBalanceError" in failed(sim_run("sell", "005930", "1"), 1)
    assert "NotFoundError: no order 1001" in failed(sim_run("cancel", "1001"), 1)


# --- in sequence, against a server, with credentials from the environment ----------------
def test_balance_after_a_buy(server: SimServer, tmp_path: Path) -> None:
    ok(against(server, tmp_path, "buy", "005930", "3", "--yes"))
    out = ok(against(server, tmp_path, "balance"))
    [row] = cells(out, "005930")
    position = ledger(server).positions["005930"]
    assert row[1:4] == ["삼성전자", "3", "3"] and position.qty == 3
    assert row[4] == f"{position.avg_price:,.0f}"
    assert cells(out, "Deposit")[0] == ["Deposit", "10,000,000"]  # nothing settled yet
    settled = ledger(server).cash()  # the purchase and its commission, at D+2
    assert settled < 10_000_000 and ["Deposit", "D+2", won(settled)] in cells(out, "Deposit")


def test_orders_sell_and_cancel(server: SimServer, tmp_path: Path) -> None:
    price = below_market(against(server, tmp_path, "quote", "005930"))
    ok(against(server, tmp_path, "buy", "005930", "5", "--price", str(price), "--yes"))
    ok(against(server, tmp_path, "buy", "005930", "4", "--yes"))
    ok(against(server, tmp_path, "sell", "005930", "1", "--yes"))
    resting, bought, sold = ledger(server).orders
    listed = order_rows(ok(against(server, tmp_path, "orders")))
    assert set(listed) == {str(resting), str(bought), str(sold)}
    assert listed[str(bought)][-1] == "closed" and listed[str(resting)][-1] == "open"
    assert listed[str(sold)][3] == "sell"
    assert set(order_rows(ok(against(server, tmp_path, "orders", "--open")))) == {str(resting)}
    assert "none" in ok(against(server, tmp_path, "orders", "--open", "--symbol", "000660"))

    part = ok(against(server, tmp_path, "cancel", str(resting), "--qty", "2"))
    assert f"of order {resting} accepted" in part
    assert ledger(server).orders[resting].remaining == 3
    ok(against(server, tmp_path, "cancel", str(resting)))
    assert ledger(server).orders[resting].remaining == 0
    assert "Open orders: none." in ok(against(server, tmp_path, "orders", "--open"))
    assert ledger(server).positions["005930"].qty == 3


def test_real_account_orders_are_confirmed(server: SimServer, tmp_path: Path) -> None:
    refused = against(server, tmp_path, "buy", "005930", "1", "--price",
                      str(below_market(against(server, tmp_path, "quote", "005930"))),
                      input="n\n")
    assert refused.exit_code == 1 and "No order placed." in refused.output
    assert ledger(server).orders == {}
    # A real account, but of a simulator: the question names the server, not real money.
    assert "REAL money" not in refused.output
    assert f"at {server.base_url} (not KIS's real server)?" in refused.output
    accepted = ok(against(server, tmp_path, "buy", "005930", "1", input="y\n"))
    assert "BUY 1 x 005930 at market on KRX" in accepted and len(ledger(server).orders) == 1
    assert "account" not in ok(against(server, tmp_path, "buy", "005930", "1", "--yes"))


def test_real_money_is_said_only_at_kis_real_server() -> None:
    # The question only: nothing is sent, KIS's server is never reached.
    asked = runner.invoke(app, ["buy", "005930", "1", "--base-url",
                                "https://openapi.koreainvestment.com:9443"],
                          env={"KIS_APP_KEY": "PSkey", "KIS_APP_SECRET": "secret",
                               "KIS_ACCOUNT_NO": "12345678-01"}, input="n\n")
    assert asked.exit_code == 1 and "No order placed." in asked.output
    assert "with REAL money (account 12345678-01)?" in asked.output


def test_paper_orders_are_not_confirmed(server: SimServer, tmp_path: Path) -> None:
    out = ok(against(server, tmp_path, "buy", "005930", "1", env=Env.PAPER))
    assert "REAL money" not in out and len(ledger(server, Env.PAPER).orders) == 1


# --- errors --------------------------------------------------------------------------
def test_invalid_input_exits_2_naming_the_argument(server: SimServer, tmp_path: Path) -> None:
    assert "InvalidInputError: invalid symbol='5930'" in failed(sim_run("quote", "5930"), 2)
    assert "invalid timeframe='2h'" in failed(sim_run("ohlcv", "005930", "-t", "2h"), 2)
    # Checked before the question: nobody confirms an order that cannot be sent.
    out = failed(against(server, tmp_path, "buy", "5930", "1"), 2)
    assert "invalid symbol" in out and "REAL money" not in out
    assert ledger(server).orders == {}


def test_kis_refusal_exits_1_with_its_message() -> None:
    out = failed(sim_run("buy", "005930", "1000000"), 1)
    assert out.startswith("InsufficientBalanceError: ") and "주문가능금액을 초과" in out


@pytest.mark.parametrize(("command", "code", "korean"), [
    (["buy", "005930", "1000000"], "APBK0952", "주문가능금액을 초과"),
    (["sell", "005930", "1"], "APBK0400", "주문가능수량을 초과"),
    (["sell", "005930", "1", "--paper"], "40240000", "잔고내역이 없습니다")],
    ids=["cash", "shares", "paper"])
def test_a_refusal_is_explained_in_english(command: list[str], code: str, korean: str) -> None:
    """KIS's words and code stay (KIS support asks for them); the English follows."""
    out = failed(sim_run(*command), 1)
    assert korean in out and f"[{code}]" in out
    assert explain(code, korean) in out


def test_usage_errors() -> None:
    assert "KIS_APP_KEY" in failed(runner.invoke(app, ["balance"]), 2)  # no credentials
    both = runner.invoke(app, ["quote", "005930", "--sim", "--base-url", "http://x"])
    assert both.exit_code == 2 and "--base-url" in both.output


def test_watch_shows_a_live_board(server: SimServer, tmp_path: Path) -> None:
    result = against(server, tmp_path, "watch", "005930", "000660", "--updates", "3")
    output = ok(result)
    assert "Live: 3 updates" in output
    for symbol, name in (("005930", "삼성전자"), ("000660", "SK하이닉스")):
        row = cells(output, symbol)[-1]  # the board as it stood at the end
        assert row[1] == name  # from the first quote: trades on the stream carry none
        last, change = int(row[2].replace(",", "")), int(row[3].replace(",", ""))
        quote = server.sim.market.quote(symbol, server.sim.clock.now())
        assert last - change == quote.base  # the change is from the previous close
        assert quote.limits.lower <= last <= quote.limits.upper
    assert ok(sim_run("watch", "005930", "--seconds", "0.5"))


def test_watch_refuses_bad_symbols_before_connecting(server: SimServer, tmp_path: Path) -> None:
    assert "symbol" in failed(against(server, tmp_path, "watch", "5930", "--seconds", "1"), 2)


# --- names, in every quote -------------------------------------------------------------
@pytest.mark.parametrize("paper", [[], ["--paper"]], ids=["real", "paper"])
def test_every_quote_shows_its_name(paper: list[str]) -> None:
    [row] = cells(ok(sim_run("quote", "005930", *paper)), "005930")
    assert row[1] == "삼성전자"
    out = ok(sim_run("quote", "000660", "035720", *paper))
    assert [cells(out, s)[0][1] for s in ("000660", "035720")] == ["SK하이닉스", "카카오"]


@pytest.fixture
def marked() -> Iterator[SimServer]:
    """A simulator whose 005930 is named like rich markup, as a KIS name could be."""
    sim = Simulator(SimConfig(always_open=True, rate_limits={Env.REAL: 0, Env.PAPER: 0}))
    sim.market.universe["005930"] = replace(sim.market.universe["005930"], name=MARKUP)
    with SimServer(sim) as running:
        yield running


MARKUP = "[bold]x[/bold]"


def test_names_are_printed_as_they_are_not_as_markup(marked: SimServer, tmp_path: Path) -> None:
    assert MARKUP in ok(against(marked, tmp_path, "quote", "005930"))
    assert MARKUP in ok(against(marked, tmp_path, "quote", "005930", "000660"))
    ok(against(marked, tmp_path, "buy", "005930", "1", "--yes"))
    assert cells(ok(against(marked, tmp_path, "balance")), "005930")[0][1] == MARKUP
    assert cells(ok(against(marked, tmp_path, "search", "[bold]")), "005930")[0][1] == MARKUP
    board = ok(against(marked, tmp_path, "watch", "005930", "--updates", "1"))
    assert cells(board, "005930")[-1][1] == MARKUP
    nothing = failed(against(marked, tmp_path, "search", "[red]none[/red]"), 1)
    assert "'[red]none[/red]'" in nothing


# --- an unknown symbol: one line on stderr, exit 1, whichever command ---------------------
@pytest.mark.parametrize("command", [
    ["quote", "999999"], ["quote", "005930", "999999"], ["book", "999999"],
    ["ohlcv", "999999"], ["ohlcv", "999999", "-t", "5m"], ["ohlcv", "999999", "--json"],
    ["watch", "999999", "--seconds", "1"]], ids=" ".join)
def test_an_unknown_symbol_fails_in_one_line(command: list[str]) -> None:
    result = sim_run(*command)
    out = failed(result, 1)
    assert out.startswith("NotFoundError: KIS has no symbol '999999'") and "pykis search" in out
    assert result.stdout == ""


# --- search and edit ---------------------------------------------------------------------
def test_search_by_korean_or_english_name() -> None:
    korean = ok(sim_run("search", "삼성전자"))
    assert [row[0] for row in cells(korean, "005930") + cells(korean, "005935")] == \
        ["005930", "005935"]
    assert korean.index("005930") < korean.index("005935")  # the exact match first
    english = ok(sim_run("search", "sk hynix"))  # real: English names from KIS, once
    assert cells(english, "000660")[0][1:3] == ["SK하이닉스", "SK"]
    paper = failed(sim_run("search", "sk hynix", "--paper"), 1)
    assert "no listing matches 'sk hynix'" in paper and "real account" in paper
    two = ok(sim_run("search", "삼성", "-n", "2"))
    assert len([line for line in two.splitlines() if line.split()[:1] and
                line.split()[0].isdigit()]) == 2


def test_edit_moves_an_open_order(server: SimServer, tmp_path: Path) -> None:
    price = below_market(against(server, tmp_path, "quote", "005930"))
    ok(against(server, tmp_path, "buy", "005930", "5", "--price", str(price), "--yes"))
    [first] = ledger(server).orders
    lower = price - 2 * tick_size(price)
    out = ok(against(server, tmp_path, "edit", str(first), "--price", str(lower), "--qty", "2",
                     "--yes"))
    [(number, row)] = order_rows(out).items()
    assert f"Amendment {number} of order {first} accepted" in out
    assert row[2:7] == ["005930", "buy", "limit", won(lower), "2"]
    assert ledger(server).orders[first].remaining == 3
    asked = against(server, tmp_path, "edit", str(first), "--price", str(lower), input="n\n")
    assert asked.exit_code == 1 and "No order placed." in asked.output
    assert f"Move its 3 remaining shares of order {first} (BUY 005930 at {won(price)}) " \
        f"to {won(lower)} KRW" in asked.output
    assert ledger(server).orders[first].remaining == 3
    usage = against(server, tmp_path, "edit", str(first))  # a usage error: nothing sent
    assert usage.exit_code == 2 and "the new price is needed" in usage.output


def test_edit_of_an_unknown_order() -> None:
    assert "NotFoundError: no order 1001" in failed(sim_run("edit", "1001", "--price", "70000"), 1)


# --- help ------------------------------------------------------------------------------
MINE = ("quote", "book", "ohlcv", "search", "watch", "balance", "orders", "buy", "sell",
        "edit", "cancel")


@pytest.mark.parametrize("command", MINE)
def test_help_names_values_plainly(command: str) -> None:
    out = ok(runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"}))
    for placeholder in ("<bool>", "<str>", "<int", "<float", "list[", "{", "}"):
        assert placeholder not in out, f"{placeholder} in the help of {command}"
    usage = next(line for line in out.splitlines() if "Usage:" in line)
    assert usage.split()[-1] in ("[OPTIONS]", "SYMBOL", "SYMBOLS...", "NAME", "ORDER_ID", "QTY")
    # The summary is one line, however the docstring breaks it.
    function = getattr(marketcmd, command, None) or getattr(tradecmd, command)
    assert " ".join(function.__doc__.split("\n\n")[0].split()) in out


# --- watch in a real terminal ------------------------------------------------------------
def terminal(tmp_path: Path, *args: str):
    """``pykis ARGS`` in a pseudo-terminal of 30 x 120, apart from the user's KIS setup;
    everything it draws is kept in ``child.logfile_read``."""
    pexpect = pytest.importorskip("pexpect", reason="terminal tests need the test extra's "
                                  "pexpect")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIS_")}
    env |= {"PYKIS_CACHE_DIR": str(tmp_path / "cache"), "TERM": "xterm-256color",
            "COLUMNS": "120", "LINES": "30"}
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(sys.executable, ["-c", "from pykis.cli.main import run; run()",
                                           *args], env=env, cwd=str(tmp_path),
                          dimensions=(30, 120), encoding="utf-8", timeout=60)
    child.logfile_read = io.StringIO()
    return child


def test_watch_draws_a_board_and_ends_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    child = terminal(tmp_path, "watch", "005930", "000660", "--sim")
    from pexpect import EOF  # installed: terminal() skips otherwise
    child.expect("삼성전자")  # the board, with the names of the first quotes
    child.expect(r"Live: [1-9][\d,]* updates")  # redrawn as trades come
    child.sendintr()
    child.expect(EOF)
    child.close()
    drawn = child.logfile_read.getvalue()
    assert child.exitstatus in (0, 130), drawn
    assert "Traceback" not in drawn and "KeyboardInterrupt" not in drawn
    assert "SK하이닉스" in drawn and "\x1b[" in drawn  # drawn in place, with colours
