"""The engine's configuration file and ``pykis engine run | status | trades``."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engines import make_engine
from pykis.cli.main import app
from pykis.engine.config import load_config
from pykis.engine.store import Store
from pykis.engine.strategy import MovingAverageCross
from pykis.exceptions import InvalidInputError
from pykis.market import KST
from pykis.sim import Env, SimConfig, SimServer, Simulator

RUN = [sys.executable, "-c", "from pykis.cli.main import run; run()"]
GOOD = """
database = "sqlite:///bot.sqlite3"
symbols = ["005930", "000660"]
sessions = "always"
budget_krw = 250000

[risk]
stop_loss = 0.03
take_profit = 0.05
max_open_positions = 3

[strategy]
name = "moving_average_cross"
short = 3
long = 8

[sim]
enabled = true
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_config_file_builds_the_engine_settings(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    limits = config.risk.limits()
    assert (limits.stop_loss, limits.take_profit) == (Decimal("0.03"), Decimal("0.05"))
    assert limits.max_open_positions == 3 and limits.trailing_stop is None
    assert config.strategy.build() == MovingAverageCross(short=3, long=8)
    assert config.monitor_settings().budget_krw == 250_000
    # the loop's own wait for fills, and the engine's, come from the one setting
    assert config.monitor_settings().fill_timeout == 2.0
    timed = load_config(write(tmp_path, GOOD.replace("budget_krw = 250000",
                                                     "budget_krw = 250000\nfill_timeout = 0.5")))
    assert timed.monitor_settings().fill_timeout == 0.5
    assert timed.engine_settings().execution.fill_timeout == 0.5
    assert config.sim.enabled and not config.engine_settings().dry_run
    assert load_config(write(tmp_path, GOOD), dry_run=True).engine_settings().dry_run


@pytest.mark.parametrize(("change", "named"), [
    (("stop_loss = 0.03", "stop_los = 0.03"), "risk.stop_los"),  # a typo never turns a rule off
    (("stop_loss = 0.03", "stop_loss = 1.5"), "risk.stop_loss"),
    (('short = 3', 'short = 9'), "strategy.short"),
    (('short = 3', 'shrt = 3'), "strategy.shrt"),
    (('name = "moving_average_cross"', 'name = "martingale"'), "strategy.name"),
    (('symbols = ["005930", "000660"]', 'symbols = ["5930"]'), "symbols"),
    (('symbols = ["005930", "000660"]', "symbols = []"), "symbols"),
    (('sessions = "always"', 'sessions = "sometimes"'), "sessions"),
    (("budget_krw = 250000", "budget_krw = -1"), "budget_krw"),
])
def test_a_bad_setting_is_named(tmp_path, change, named):
    with pytest.raises(InvalidInputError) as error:
        load_config(write(tmp_path, GOOD.replace(*change)))
    assert error.value.argument == named
    # one sentence: the file, the full key, the value as written, what is allowed
    assert str(error.value).startswith(f"{tmp_path / 'bot.toml'}: {named}")
    assert "Input should" not in str(error.value) and "expected no such" not in str(error.value)


def test_a_strategy_parameter_typo_is_named_with_the_parameters_there_are():
    from pykis.engine.strategy import strategy_named

    with pytest.raises(InvalidInputError) as error:
        strategy_named("moving_average_cross", shrt=3)
    assert error.value.argument == "shrt"
    assert "one of short, long, amount_krw (did you mean short?)" in str(error.value)
    assert "__init__" not in str(error.value)


def test_more_symbols_than_one_real_time_session_carries_are_refused(tmp_path):
    symbols = ", ".join(f'"{900000 + n}"' for n in range(41))
    text = GOOD.replace('symbols = ["005930", "000660"]', f"symbols = [{symbols}]")
    with pytest.raises(InvalidInputError, match="symbols"):
        load_config(write(tmp_path, text))


def test_an_unreadable_or_invalid_file_is_named(tmp_path):
    with pytest.raises(InvalidInputError, match="missing.toml: not a readable file .*engine init"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(InvalidInputError, match=r"bot.toml: not valid TOML \(Invalid value"):
        load_config(write(tmp_path, "symbols = ["))


def test_engine_run_trades_on_an_embedded_simulator(tmp_path):
    ledger = tmp_path / "ledger.sqlite3"
    before = dt.datetime.now(KST).replace(microsecond=0)
    done = subprocess.run([*RUN, "engine", "run", "-c", str(write(tmp_path, GOOD)),
                           "--seconds", "3", "--database", str(ledger), "--dry-run"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "COLUMNS": "200", "TZ": "America/New_York",
                               "PYKIS_RUNTIME_DIR": str(tmp_path / "run")})
    after = dt.datetime.now(KST)
    assert done.returncode == 0, done.stdout + done.stderr
    # The market trades several times a second: the strategy may have decided already.
    assert "Stopped (time)" in done.stdout
    assert "[dry run: no order was sent]" in done.stdout  # not swallowed as markup
    assert re.search(r"Engine: equity \d{1,2},\d{3},\d{3} KRW", done.stdout), done.stdout
    assert "reconciled" in done.stderr  # the ledger is reconciled before trading
    assert ledger.exists()
    # Log lines on the KST clock, on a machine in New York.
    stamps = re.findall(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) KST ", done.stderr, re.M)
    assert stamps, done.stderr
    for stamp in stamps:
        assert before <= dt.datetime.fromisoformat(stamp).replace(tzinfo=KST) <= after


def test_engine_run_reports_a_bad_config_in_one_line(tmp_path):
    done = CliRunner().invoke(app, ["engine", "run", "-c",
                                    str(write(tmp_path, GOOD.replace("long = 8", "long = 2")))],
                              env={"COLUMNS": "300"})
    assert done.exit_code == 2
    assert done.stderr.strip() == (f"{tmp_path / 'bot.toml'}: strategy.short = 3: expected "
                                   "fewer prices than long (2)")


def test_engine_status_and_trades_read_the_ledger_and_kis(tmp_path):
    # The wall clock: the command's client has no other, and tokens expire by it.
    sim = Simulator(SimConfig(always_open=True, rate_limits={Env.REAL: 0, Env.PAPER: 0}))
    ledger = tmp_path / "ledger.sqlite3"
    with SimServer(sim) as server:
        with make_engine(sim, tmp_path, database=ledger, base_url=server.base_url) as engine:
            engine.execute_buy_order("005930", 3)
            engine.execute_sell_order("005930", 1, reason="trim")
        creds = sim.credentials(Env.REAL)
        env = {**os.environ, "KIS_APP_KEY": creds.app_key, "KIS_APP_SECRET": creds.app_secret,
               "KIS_ACCOUNT_NO": creds.account_no, "KIS_BASE_URL": server.base_url,
               "PYKIS_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "200",
               # the engine's token: KIS issues one a minute, a second would be waited for
               "KIS_TOKEN_PATH": str(tmp_path / "tokens.json")}
        env["TZ"] = "America/New_York"  # times are KST whatever the machine's zone
        status = subprocess.run([*RUN, "engine", "status", "--database", str(ledger)],
                                capture_output=True, text=True, timeout=120, env=env,
                                cwd=tmp_path)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "005930" in status.stdout and "open orders 0" in status.stdout
    trades = subprocess.run([*RUN, "engine", "trades", "--database", str(ledger)],
                            capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert trades.returncode == 0, trades.stderr
    [row] = [line for line in trades.stdout.splitlines() if "005930" in line]
    assert "OPEN" in row and "trim" in row
    assert "Opened (KST)" in trades.stdout
    with Store(ledger) as store:
        [trade] = store.trades()
    assert f"{trade.opened_at.astimezone(KST):%Y-%m-%d %H:%M}" in row
    secret = creds.app_secret
    assert secret not in status.stdout + status.stderr + trades.stdout + trades.stderr
