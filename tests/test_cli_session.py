"""What every ``pykis`` command shares (issue 11): the version, shell completion, help
that reads as prose, missing credentials that point at the simulator, a wait for KIS's
token rule that is counted down and ended by Ctrl-C in one line, a demo ended by Ctrl-C,
and which hosts spend real money.

Ctrl-C is a real SIGINT to a real process (a pseudo-terminal where drawing matters)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
import typer.main
from typer.testing import CliRunner

from pykis import KIS
from pykis.auth.token import FileTokenStore, entry_key
from pykis.cli.main import app
from pykis.constants import BaseURL
from pykis.sim import Env, SimConfig, SimServer, Simulator
from test_cli_sim import Reader

RUN = [sys.executable, "-c", "from pykis.cli.main import run; run()"]
runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in [n for n in os.environ if n.startswith("KIS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PYKIS_RUNTIME_DIR", str(tmp_path / "run"))


# --- the command as a whole ---------------------------------------------------------------
def test_version() -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith(f"pykis {version('pykis')} (Python ")


def test_shell_completion() -> None:
    script = runner.invoke(app, ["--show-completion", "bash"], prog_name="pykis")
    assert script.exit_code == 0 and "complete -o default -F _pykis_completion pykis" in \
        script.output
    words = runner.invoke(app, [], prog_name="pykis", env={
        "_PYKIS_COMPLETE": "complete_bash", "COMP_WORDS": "pykis qu", "COMP_CWORD": "1"})
    assert words.output.split() == ["quote"]


def _commands() -> Iterator[list[str]]:
    def walk(command, path: list[str]) -> Iterator[list[str]]:
        yield path
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    yield from walk(typer.main.get_command(app), [])


PLACEHOLDER = re.compile(r"<[a-z][a-z_ \[\],|]*>|\{[a-z_]+\}|\(REST\)")
CONTINUED = re.compile(r"^│ {12,}\S")  # a table row's text carried onto a line of its own


@pytest.mark.parametrize("path", list(_commands()), ids=lambda path: " ".join(path) or "pykis")
def test_help_reads_as_prose(path: list[str]) -> None:
    """On a terminal wide enough for every line, a line break in help text is one its
    author wrote, and a placeholder is Typer's (``<bool>``, ``{symbol}``)."""
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "1000"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert not PLACEHOLDER.findall(result.output), result.output
    assert not [line for line in lines if CONTINUED.match(line)], result.output
    top = lines[:next(i for i, line in enumerate(lines) if line.startswith("╭"))]
    prose = [bool(line.strip()) for line in top if not line.lstrip().startswith("Usage:")]
    assert not any(a and b for a, b in zip(prose, prose[1:])), result.output  # paragraphs


def test_missing_credentials_point_at_the_simulator() -> None:
    result = runner.invoke(app, ["balance"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    [line] = result.output.strip().splitlines()
    assert "KIS_APP_KEY, KIS_APP_SECRET and KIS_ACCOUNT_NO are not set" in line
    assert "--sim" in line and "`pykis sim`" in line and "=None" not in line


def test_only_kis_real_host_spends_real_money(tmp_path: Path) -> None:
    """What the buy and sell confirmation asks about (``tradecmd``)."""
    from pykis.cli.session import spends_real_money

    def kis(url: str, paper: bool = False) -> KIS:
        return KIS("PS" + "a" * 34, "b" * 180, "12345678-01", is_paper=paper, base_url=url,
                   token_path=tmp_path / "tokens.json")

    assert spends_real_money(kis(BaseURL.PRODUCTION))
    assert spends_real_money(kis("https://OPENAPI.koreainvestment.com:9443/"))
    assert not spends_real_money(kis(BaseURL.PAPER, paper=True))
    assert not spends_real_money(kis(BaseURL.PRODUCTION, paper=True))
    assert not spends_real_money(kis("http://127.0.0.1:8080"))  # a simulator
    assert not spends_real_money(kis("http://openapi.koreainvestment.com.evil:9443"))


# --- a wait for KIS's token rule -----------------------------------------------------------
@pytest.fixture
def just_issued(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a command whose app key was issued a token a moment ago,
    elsewhere: its first call must wait out KIS's one-issuance-a-minute rule."""
    sim = Simulator(SimConfig(always_open=True))
    creds = sim.credentials(Env.REAL)
    tokens = tmp_path / "tokens.json"
    with SimServer(sim) as server:
        store = FileTokenStore(tokens)
        key = entry_key("real", creds.app_key, server.base_url)
        lease = store.begin(key, time.time(), 600, 60)
        store.abandon(key, lease.lease)  # the issuance counts; its token went elsewhere
        yield {**os.environ, "KIS_APP_KEY": creds.app_key, "KIS_APP_SECRET": creds.app_secret,
               "KIS_ACCOUNT_NO": creds.account_no, "KIS_BASE_URL": server.base_url,
               "KIS_TOKEN_PATH": str(tokens), "COLUMNS": "200"}


def spawn(env: dict[str, str], *args: str) -> pexpect.spawn:
    return pexpect.spawn(RUN[0], [*RUN[1:], *args], env=env, encoding="utf-8", timeout=20,
                         dimensions=(24, 200))


def interrupted_while_waiting(child: pexpect.spawn) -> None:
    child.sendintr()
    child.expect(r"Interrupted while waiting for KIS's token rule; the request waiting for "
                 r"the token was not sent\.")
    child.expect(pexpect.EOF)
    assert "Traceback" not in child.before
    child.close()
    assert child.exitstatus == 130


def test_a_token_wait_counts_down_on_a_terminal_and_ctrl_c_ends_it(just_issued) -> None:
    child = spawn(just_issued, "quote", "005930")
    try:
        child.expect(r"\rWaiting (\d+) s for a new access token: KIS issues one a minute")
        first = int(child.match.group(1))
        child.expect(r"\rWaiting (\d+) s")  # drawn again in place, a second later
        assert int(child.match.group(1)) < first <= 60
        interrupted_while_waiting(child)
    finally:
        child.close(force=True)


def test_a_token_wait_under_a_spinner_is_said_above_it(just_issued) -> None:
    """``balance`` shows a spinner while it reads: the wait is said once, above it."""
    child = spawn(just_issued, "balance")
    try:
        child.expect(r"Waiting (\d+) s for a new access token: KIS issues one a minute per "
                     r"app key \(Ctrl-C gives up\)\.\r?\n")
        child.expect(r"0:00:0[1-9]")  # the spinner's clock runs on below it
        assert "Waiting" not in child.before  # said once
        interrupted_while_waiting(child)
    finally:
        child.close(force=True)


def test_a_token_wait_is_said_once_in_a_pipe_and_ctrl_c_ends_it(just_issued) -> None:
    process = subprocess.Popen([*RUN, "balance"], env=just_issued, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = Reader(process.stdout), Reader(process.stderr)
        [said] = err.until("Waiting", timeout=20)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 130
    finally:
        process.kill()
    assert re.fullmatch(r"Waiting \d+ s for a new access token: KIS issues one a minute per "
                        r"app key \(Ctrl-C gives up\)\.\n", said)
    assert err.rest() == ["Interrupted while waiting for KIS's token rule; the request "
                          "waiting for the token was not sent.\n"]
    assert out.rest() == []


# --- the demo, interrupted ---------------------------------------------------------------
@pytest.mark.parametrize(("after", "said"), [
    ("PyKIS demo", "Interrupted"),  # its first line: any step may be under way
    (" hold", "Interrupted (SIGINT): the demo stopped before its end."),  # monitoring
])
def test_ctrl_c_ends_the_demo_as_an_interruption(after: str, said: str) -> None:
    # A take-profit the rally never reaches: only Ctrl-C ends the monitoring.
    process = subprocess.Popen([*RUN, "demo", "--take-profit", "1.0"], text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "COLUMNS": "200"})
    try:
        out, err = Reader(process.stdout), Reader(process.stderr)
        out.until(after, timeout=90)
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)
    finally:
        process.kill()
    [line] = err.rest()
    assert code == 130, line
    assert line.startswith(said) and "demo failed" not in line
