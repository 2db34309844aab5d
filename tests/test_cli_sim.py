"""``pykis sim`` as a new user meets it (issue 11): what it prints (the values to export,
a .env on request, whether its market is open), what it refuses in one line, the state
it keeps for ``--sim`` on other commands, and a restart that costs no token wait.

The simulator runs as a real ``pykis sim`` process; the client commands run in typer's
runner, with the environment the process shares (tokens in this test's cache directory,
the word ``pykis sim`` leaves of itself in PYKIS_RUNTIME_DIR)."""

from __future__ import annotations

import os
import queue
import re
import shlex
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from pykis.cli.main import app
from pykis.config import from_environment
from pykis.market import KST

RUN = [sys.executable, "-c", "from pykis.cli.main import run; run()"]
READY = "Ctrl-C stops the server."
runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No developer's KIS_* settings or .env; this test's own runtime directory (the
    cache directory is the test's already: conftest)."""
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("KIS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PYKIS_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path / "run"


class SimProcess:
    """A ``pykis sim`` process and what it printed up to "Ctrl-C stops the server."."""

    def __init__(self, process: subprocess.Popen, lines: list[str]) -> None:
        self.process, self.lines = process, lines
        self.text = "".join(lines)
        [self.url] = set(re.findall(r"KIS simulator on (http://\S+)", self.text))

    def exports(self) -> dict[str, dict[str, str]]:
        """The values of each ``export`` line, by the account named on the line above."""
        found: dict[str, dict[str, str]] = {}
        for above, line in zip(self.lines, self.lines[1:]):
            if line.startswith("export "):
                env = above.split()[1]  # "# real account ..."
                found[env] = dict(word.split("=", 1) for word in shlex.split(line)[1:])
        return found

    def stop(self, how: int = signal.SIGTERM) -> tuple[int, str]:
        self.process.send_signal(how)
        _, err = self.process.communicate(timeout=30)
        return self.process.returncode, err


@contextmanager
def pykis_sim(*args: str) -> Iterator[SimProcess]:
    process = subprocess.Popen([*RUN, "sim", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        yield SimProcess(process, lines_until(process, READY))
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)


class Reader:
    """The lines of a process's pipe, read by a thread (a pipe's buffered reader and
    select() do not mix), waited for with a deadline."""

    def __init__(self, stream) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def until(self, marker: str, timeout: float = 60) -> list[str]:
        """The lines from here to the one containing ``marker``."""
        got: list[str] = []
        deadline = time.monotonic() + timeout
        while not got or marker not in got[-1]:
            try:
                line = self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                raise AssertionError(f"no {marker!r} in: " + ("".join(self.seen) or "nothing"))
            got.append(line)
            self.seen.append(line)
        return got

    def rest(self, timeout: float = 30) -> list[str]:
        """The lines from here to the end of the stream."""
        got: list[str] = []
        deadline = time.monotonic() + timeout
        while (line := self._lines.get(timeout=max(0.01, deadline - time.monotonic()))):
            got.append(line)
        self.seen.extend(got)
        return got


def lines_until(process: subprocess.Popen, marker: str, timeout: float = 60) -> list[str]:
    """stdout lines up to the one containing ``marker``."""
    return Reader(process.stdout).until(marker, timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- refused in one line ---------------------------------------------------------------
@pytest.mark.parametrize("start", ["bogus", "2026-13-01T09:00", "tomorrow 9am"])
def test_a_start_that_is_no_time_is_one_line_and_exit_2(start: str) -> None:
    result = runner.invoke(app, ["sim", "--port", "0", "--start", start])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"pykis sim: --start {start!r} is not an ISO 8601 time")


def test_an_env_file_of_someone_else_is_never_overwritten(tmp_path: Path) -> None:
    mine = tmp_path / ".env"
    mine.write_text("KIS_APP_KEY=my-real-key\n")
    result = runner.invoke(app, ["sim", "--port", "0", "--env-file", str(mine)])
    assert result.exit_code == 2 and "not written by `pykis sim`" in result.output
    assert mine.read_text() == "KIS_APP_KEY=my-real-key\n"


def test_a_busy_port_prints_no_banner_and_leaves_nothing_behind(isolated: Path,
                                                                 tmp_path: Path) -> None:
    """Bug 8: only the error, and no word of a simulator that never ran."""
    env_file = tmp_path / "sim.env"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["sim", "--port", str(port), "--env-file", str(env_file)])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"pykis sim: cannot listen on 127.0.0.1:{port}: address already in use"]
    assert not env_file.exists() and not isolated.exists()


def test_parse_start_reads_kst_and_converts_offsets() -> None:
    from pykis.cli.simcmd import parse_start

    assert parse_start("2026-03-04T09:30").isoformat() == "2026-03-04T09:30:00+09:00"
    assert parse_start("2026-03-04T00:30Z").isoformat() == "2026-03-04T09:30:00+09:00"
    assert parse_start("2026-03-04T09:30-05:00").isoformat() == "2026-03-04T23:30:00+09:00"
    assert parse_start("2026-03-04T09:30+09:00").tzinfo == KST
    assert parse_start("") is None


# --- what it prints ---------------------------------------------------------------------
def test_a_start_with_an_offset_is_converted_and_the_open_market_said(tmp_path) -> None:
    with pykis_sim("--port", "0", "--start", "2026-03-04T00:30Z") as sim:
        clock = httpx.get(f"{sim.url}/_sim/clock").json()
    assert "clock from 2026-03-04 09:30:00 KST" in sim.text  # 00:30 UTC, not 00:30 KST
    assert clock["now"].startswith("2026-03-04T09:3")
    assert "The simulated market is open now (09:30 KST)" in sim.text


def test_it_prints_the_values_to_export_and_writes_an_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / "sim.env"
    with pykis_sim("--port", "0", "--start", "2026-03-07T10:00", "--env-file",
                   str(env_file)) as sim:
        exports = sim.exports()
        assert set(exports) == {"real", "paper"}
        assert exports["paper"]["KIS_PAPER"] == "true" and exports["real"]["KIS_PAPER"] == "false"
        for env, cash in (("real", "10,000,000"), ("paper", "500,000,000")):
            # Pasted as printed: nothing else needed, not even --base-url.
            out = runner.invoke(app, ["balance"], env=exports[env])
            assert out.exit_code == 0, out.output
            assert re.search(rf"Deposit\s+{cash}\b", out.output)
        code, _ = sim.stop()
    assert code == 143  # SIGTERM: stopped cleanly, its word removed (below)
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    settings = from_environment(env_file, environ={})
    assert settings["app_key"] == exports["real"]["KIS_APP_KEY"]
    assert settings["base_url"] == sim.url and settings["is_paper"] is False
    # A Saturday: the market is closed, and the way to keep it open is named.
    assert ("closed now (Sat 2026-03-07 10:00 KST): orders are refused until it opens at "
            "Mon 2026-03-09 09:00 KST") in sim.text and "--always-open" in sim.text


# --- --sim on other commands uses it -----------------------------------------------------
def test_sim_commands_share_the_state_of_a_running_pykis_sim(isolated: Path) -> None:
    with pykis_sim("--port", "0", "--always-open") as sim:
        [announcement] = isolated.glob("sim-*.json")
        assert stat.S_IMODE(announcement.stat().st_mode) == 0o600
        bought = runner.invoke(app, ["buy", "005930", "2", "--sim", "--yes"])
        assert bought.exit_code == 0, bought.output
        assert f"--sim: using `pykis sim` at {sim.url}" in bought.stderr
        [number] = re.findall(r"Buy order (\d+) accepted", bought.output)
        orders = runner.invoke(app, ["orders", "--sim"])
        assert orders.exit_code == 0, orders.output
        assert re.search(rf"\b{number}\s+005930\s+buy\b", orders.output)
        assert "throwaway" not in orders.output
        code, _ = sim.stop()
    assert code == 143 and not announcement.exists()
    # With no simulator running, --sim says plainly that its simulator is throwaway.
    alone = runner.invoke(app, ["orders", "--sim"])
    assert alone.exit_code == 0 and "none" in alone.stdout
    assert "throwaway simulator" in alone.stderr and "run `pykis sim`" in alone.stderr


def test_word_of_a_simulator_that_died_is_ignored_and_removed(isolated: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    isolated.mkdir()
    stale = isolated / f"sim-{gone.stdout.strip()}.json"
    stale.write_text('{"url": "http://127.0.0.1:9", "pid": %s, "started": 1, "accounts": '
                     '{"real": {}, "paper": {}}}' % gone.stdout.strip())
    result = runner.invoke(app, ["balance", "--sim"])
    assert result.exit_code == 0 and "throwaway simulator" in result.stderr
    assert not stale.exists()


# --- a restart costs no wait -------------------------------------------------------------
@pytest.mark.timeout(120)
def test_a_restarted_sim_is_used_at_once_without_a_token_wait() -> None:
    """Same port, same seed, so the same URL and app key: the token cached from the
    first server must not make the next command wait out the one-a-minute rule."""
    port = str(free_port())
    with pykis_sim("--port", port) as first:
        real = first.exports()["real"]
        assert runner.invoke(app, ["balance"], env=real).exit_code == 0
        first.stop()
    with pykis_sim("--port", port):
        started = time.monotonic()
        again = runner.invoke(app, ["balance"], env=real)
        took = time.monotonic() - started
    assert again.exit_code == 0, again.output
    assert "Waiting" not in again.output and took < 15
