"""``pykis engine init | run | status | trades | stop | kill`` as a user meets them: the
README's sequence as written, the live board in a real terminal, a stop and the kill
switch sent from a second command to a running engine, and help that reads as prose."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engines import make_engine
from pykis.cli.main import app
from pykis.engine.config import EngineConfig, load_config
from pykis.engine.store import Store
from pykis.market import KST
from pykis.sim import Env, SimConfig, SimServer, Simulator
from pykis.sim.accounts import OrderKind

RUN = [sys.executable, "-c", "from pykis.cli.main import run; run()"]
README = Path(__file__).resolve().parents[2] / "README.md"
HOLD = """
symbols = ["005930"]
sessions = "always"

[risk]
stop_loss = 0.03

[strategy]
name = "hold"
"""


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The test's own data (ledgers) and runtime (running engines, `pykis sim`) folders,
    for this process and the engines it starts."""
    env = {"PYKIS_DATA_DIR": str(tmp_path / "data"), "PYKIS_RUNTIME_DIR": str(tmp_path / "run"),
           "COLUMNS": "200"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def pykis(*args: str) -> object:
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def wait_for(condition: Callable[[], object], what: str, seconds: float = 60) -> object:
    """Poll ``condition`` until it is true: another process is doing the work."""
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return found


class Engine:
    """``pykis engine run`` in a process of its own, its output in files."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.out, self.err = cwd / "engine.out", cwd / "engine.err"
        with open(self.out, "w") as out, open(self.err, "w") as err:
            self.process = subprocess.Popen([*RUN, "engine", "run", *args], stdout=out,
                                            stderr=err, cwd=cwd, env={**os.environ, **env})

    def log(self) -> str:
        assert self.process.poll() is None, self.err.read_text(encoding="utf-8")  # still runs
        return self.err.read_text(encoding="utf-8")

    def finish(self, seconds: float = 60) -> tuple[int, str, str]:
        code = self.process.wait(seconds)
        return code, self.out.read_text(encoding="utf-8"), self.err.read_text(encoding="utf-8")

    def published(self) -> bool:
        from pykis.cli.enginestate import running_engines

        self.log()  # fails at once if the engine has ended
        return any(e.pid == self.process.pid and (e.status or not e.embedded)
                   for e in running_engines())

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    started: list[Engine] = []
    yield started
    for engine in started:
        engine.kill()


# --- init ---------------------------------------------------------------------------------
def test_init_writes_a_commented_starter_config_that_loads(tmp_path):
    path = tmp_path / "bot.toml"
    done = pykis("engine", "init", str(path))
    assert done.exit_code == 0, done.output
    text = path.read_text(encoding="utf-8")
    config = load_config(path)
    assert config.symbols and config.strategy.build() is not None
    for section, model in [("", EngineConfig), *[(f"{name}.", type(getattr(config, name)))
                                                   for name in ("risk", "kis", "sim")]]:
        for name, field in model.model_fields.items():
            if name in ("risk", "strategy", "kis", "sim"):
                assert f"[{name}]" in text
            elif field.default is not None and name != "symbols":
                shown = str(field.default).lower() if isinstance(field.default, bool) else \
                    f'"{field.default}"' if isinstance(field.default, str) else field.default
                assert f"# {name} = {shown}\n" in text, f"{section}{name}"
            else:
                assert re.search(rf"^#? ?{name} = ", text, re.M), f"{section}{name}"
    # A file of the user's is never replaced unless asked.
    path.write_text("# mine\n", encoding="utf-8")
    again = pykis("engine", "init", str(path))
    assert again.exit_code == 1 and "--force" in again.output
    assert path.read_text(encoding="utf-8") == "# mine\n"
    forced = pykis("engine", "init", str(path), "--force")
    assert forced.exit_code == 0 and path.read_text(encoding="utf-8") == text


# --- errors of a config file ----------------------------------------------------------------
@pytest.mark.parametrize(("change", "message"), [
    (("stop_loss = 0.03", "stop_los = 0.03"),
     "bot.toml: risk.stop_los = 0.03: no such setting; did you mean risk.stop_loss?"),
    (("stop_loss = 0.03", "stop_loss = 3"),
     "bot.toml: risk.stop_loss = 3: expected a fraction between 0 and 1, e.g. 0.03 for 3%"),
    (('sessions = "always"', 'sessions = "always"\nbudget_krw = -1'),
     "bot.toml: budget_krw = -1: expected a whole number of KRW greater than 0"),
    (('name = "hold"', 'name = "moving_average_cross"\nshrt = 3'),
     "bot.toml: strategy.shrt = 3: moving_average_cross has no such parameter; did you mean "
     "strategy.short? (its parameters: short, long, amount_krw)"),
    (('sessions = "always"', 'sessions = "always"\nstop_loss = 0.03'),
     "bot.toml: stop_loss = 0.03: not a top-level setting; did you mean risk.stop_loss "
     "(under [risk])?"),
    (("[risk]", "[rsk]"), "bot.toml: [rsk]: no such section; did you mean [risk]?"),
    (('symbols = ["005930"]', 'symbols = ["5930"]'),
     'bot.toml: symbols = ["5930"]: "5930" is not a KRX code; expected 6-character codes '
     'such as "005930" (an ETN: "Q500001")'),
])
def test_a_config_error_is_one_plain_sentence(tmp_path, monkeypatch, change, message):
    monkeypatch.chdir(tmp_path)
    Path("bot.toml").write_text(HOLD.replace(*change), encoding="utf-8")
    done = CliRunner().invoke(app, ["engine", "run", "-c", "bot.toml", "--sim"],
                              env={"COLUMNS": "300"})
    assert done.exit_code == 2
    assert done.stderr.strip() == message and done.stdout == ""


def test_what_a_user_wrote_is_shown_as_written_not_read_as_markup(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("[bold]bot.toml").write_text(HOLD.replace("[strategy]", "[red]\n[strategy]"),
                                      encoding="utf-8")
    done = CliRunner().invoke(app, ["engine", "run", "-c", "[bold]bot.toml"],
                              env={"COLUMNS": "300"})
    assert done.exit_code == 2
    assert done.stderr.strip() == "[bold]bot.toml: [red]: no such section (the sections: " \
        "[risk], [strategy], [kis], [sim])"


# --- help -------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["", "init", "run", "status", "trades", "stop", "kill"])
def test_help_names_values_plainly_and_keeps_sentences_whole(command):
    done = CliRunner().invoke(app, ["engine", *command.split(), "--help"],
                              env={"COLUMNS": "300"})
    assert done.exit_code == 0
    for placeholder in ("<bool>", "<path>", "<str>", "<float", "<int", "<list[", "{"):
        assert placeholder not in done.output, placeholder
    if command:
        callback = next(c.callback for c in __import__("pykis.cli.enginecmd", fromlist=["app"])
                        .app.registered_commands if c.callback.__name__ == command)
        summary = " ".join(callback.__doc__.split("\n\n")[0].split())
        assert summary in " ".join(line.strip(" │") for line in done.output.splitlines())
        assert summary in done.output  # on one line of a wide terminal: no hard breaks


# --- the README's sequence ---------------------------------------------------------------------
def readme_engine_commands() -> list[list[str]]:
    block = README.read_text(encoding="utf-8").split("<!-- engine-commands -->")[1]
    code = block.split("```sh\n")[1].split("```")[0]
    return [line.split("#")[0].split()[1:] for line in code.splitlines()
            if line.startswith(".venv/bin/pykis engine")]


def test_the_readme_engine_sequence_runs_as_written(tmp_path, monkeypatch, places, engines):
    monkeypatch.chdir(tmp_path)
    commands = readme_engine_commands()
    assert [c[1] for c in commands] == ["init", "run", "status", "trades", "stop"]
    init, run, status, trades, stop = commands
    assert pykis(*init).exit_code == 0
    assert "--sim" in run and "--sim" in status and "--sim" in trades
    engine = Engine(run[2:], tmp_path, places)
    engines.append(engine)
    wait_for(engine.published, "the engine's first status")
    shown = pykis(*status)
    assert shown.exit_code == 0, shown.output
    assert f"Engine {engine.process.pid} on an embedded simulator" in shown.output
    assert re.search(r"equity \d{1,3}(,\d{3})+ KRW", shown.output)
    listed = pykis(*trades)
    assert listed.exit_code == 0, listed.output
    assert "engine-sim.sqlite3" in listed.output or "Trades" in listed.output  # the market
    # may have traded or not
    stopped = pykis(*stop)
    assert stopped.exit_code == 0, stopped.output
    assert f"Engine {engine.process.pid} stopped." in stopped.output
    code, out, log = engine.finish()
    assert code == 0, out + log
    assert "Stopped (stop requested)" in out and "Traceback" not in out + log
    # Once it has stopped, its simulator with it, the status it left is still shown.
    after = pykis(*status)
    assert after.exit_code == 0 and "its final status" in after.output
    assert pykis("engine", "stop").exit_code == 1  # nothing runs any more


def test_stop_and_status_say_when_no_engine_runs(places):
    stopped = pykis("engine", "stop")
    assert stopped.exit_code == 1 and "No engine is running" in stopped.stderr
    status = pykis("engine", "status", "--sim")
    assert status.exit_code == 1 and "pykis engine run -c FILE --sim" in status.stderr


# --- on a running `pykis sim`: sale reasons, live status, the kill switch ----------------------
@pytest.fixture
def running_sim(tmp_path, places, monkeypatch) -> Iterator[tuple[Simulator, SimServer]]:
    """A simulator serving on a port and announced as `pykis sim` announces itself, so
    that `--sim` commands use it; its token shared with the commands (one a minute)."""
    from pykis.cli.session import announce

    monkeypatch.setenv("KIS_TOKEN_PATH", str(tmp_path / "tokens.json"))
    places["KIS_TOKEN_PATH"] = str(tmp_path / "tokens.json")
    sim = Simulator(SimConfig(always_open=True, rate_limits={Env.REAL: 0, Env.PAPER: 0}))
    with SimServer(sim) as server:
        accounts = {}
        for env in (Env.REAL, Env.PAPER):
            creds = sim.credentials(env)
            accounts[env.value] = {"app_key": creds.app_key, "app_secret": creds.app_secret,
                                   "account_no": creds.account_no, "hts_id": creds.hts_id or ""}
        path = announce(server.base_url, accounts)
        yield sim, server
        path.unlink(missing_ok=True)


def test_a_sale_is_logged_with_its_reason_and_the_kill_switch_cancels(tmp_path, running_sim,
                                                                        places, engines):
    sim, server = running_sim
    ledger = tmp_path / "ledger.sqlite3"
    with make_engine(sim, tmp_path, database=ledger, base_url=server.base_url) as seeded:
        bought = seeded.execute_buy_order("005930", 2)
        resting = seeded.execute_buy_order("005930", 1, price=int(bought.price * 0.8) // 100 * 100)
        assert bought.quantity == 2 and resting.success and resting.quantity == 0
    (tmp_path / "bot.toml").write_text(HOLD, encoding="utf-8")
    engine = Engine(["-c", "bot.toml", "--sim", "--database", str(ledger)], tmp_path, places)
    engines.append(engine)
    wait_for(lambda: "watching 005930" in engine.log(), "the engine to start trading")
    live = pykis("engine", "status", "--sim")
    assert live.exit_code == 0, live.output
    assert f"Engine {engine.process.pid} on `pykis sim` at {server.base_url}" in live.output
    assert "open orders 1" in live.output

    fall = int(Decimal(str(bought.price)) * Decimal("0.95")) // 100 * 100
    sim.market.move_price("005930", sim.clock.now(), fall)
    wait_for(lambda: "sold 005930" in engine.log(), "the stop-loss sale")
    killed = pykis("engine", "kill")
    assert killed.exit_code == 0, killed.output
    code, out, log = engine.finish()
    assert code == 0, out + log
    # The monitor's lines of the sale (its decision, then what became of it) say why.
    decided = [line for line in log.splitlines() if re.search(r"INFO (sell|sold) 005930", line)]
    assert len(decided) == 2 and all("stop-loss: " in line for line in decided), decided
    assert "Kill switch: 1 open order(s) cancelled; no new orders." in out
    with Store(ledger) as store:
        states = sorted(o.state for o in store.orders())
        assert states == ["canceled", "filled", "filled"] and not store.open_trades()
    account = sim.account_by_number(sim.credentials(Env.REAL).account_no.replace("-", ""))
    assert [(o.qty, o.filled, o.canceled) for o in account.orders.values()
            if o.kind is OrderKind.NEW and o.side == "buy" and o.price] == [(1, 0, 1)]


# --- the live board in a terminal -----------------------------------------------------------
def test_the_live_board_draws_and_ctrl_c_ends_it_cleanly(tmp_path, places):
    import pexpect  # the test extra's: a real terminal
    (tmp_path / "bot.toml").write_text(HOLD.replace('["005930"]', '["005930", "000660"]'),
                                       encoding="utf-8")
    child = pexpect.spawn(RUN[0], [*RUN[1:], "engine", "run", "-c", "bot.toml", "--sim",
                                   "--dry-run"], cwd=str(tmp_path),
                          env={**os.environ, **places, "TZ": "America/New_York"},
                          dimensions=(40, 140), encoding="utf-8", timeout=60,
                          # the terminal echoes ^C wherever it falls, even inside a "·"
                          codec_errors="replace")
    try:
        child.expect("DRY RUN: no order is sent")
        child.expect(r"000660\s+\d{1,3}(,\d{3})+\s+(\d\d:\d\d:\d\d)")  # a price came in
        shown = dt.datetime.strptime(child.match.group(2), "%H:%M:%S").time()
        now = dt.datetime.now(KST)
        assert abs((now - now.replace(hour=shown.hour, minute=shown.minute,
                                      second=shown.second)).total_seconds()) < 120  # KST
        child.expect("Orders in flight")
        child.sendintr()
        child.expect(pexpect.EOF)
        output = child.before
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, output
    assert "Stopped (SIGINT)" in output and "[dry run: no order was sent]" in output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
