"""The pykis command: the README's demo, and the simulator served for other programs."""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time

import httpx
from typer.testing import CliRunner, Result

from pykis.cli.main import app

RUN = [sys.executable, "-c", "from pykis.cli.main import run; run()"]


def in_process(*args: str, env: dict[str, str] | None = None) -> Result:
    """``pykis ARGS`` in typer's runner, where no process of its own is the point; and
    nothing of it left running that would keep a process of its own from ending (a
    thread that is not a daemon)."""
    before = set(threading.enumerate())
    result = CliRunner().invoke(app, list(args), env=env, prog_name="pykis")
    for thread in set(threading.enumerate()) - before:
        thread.join(timeout=10)
        assert thread.daemon or not thread.is_alive(), f"{thread} still runs"
    return result


def test_demo_runs_the_whole_trading_cycle(tmp_path) -> None:
    ledger = tmp_path / "demo.sqlite3"
    done = subprocess.run([*RUN, "demo", "--database", str(ledger)], capture_output=True,
                          text=True, timeout=180, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "embedded KIS simulator at http://127.0.0.1:" in out
    steps = ["1. Current price", "2. Buy for 100,000 KRW", "3. Position verified",
             "4. Monitoring", "5. Sold", "6. P&L", "7. No open position left"]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "take-profit:" in out
    # What it printed is what its ledger holds: one closed trade, P&L with fees and tax.
    from pykis.engine.store import Store

    with Store(ledger) as store:
        [trade] = store.trades()
    assert trade.trade_status == "CLOSED" and trade.tax > 0 and trade.fees > 0
    assert f"P&L  {trade.pnl:+,} KRW" in out and f"tax {trade.tax:,} KRW" in out


def test_demo_rejects_an_unknown_symbol() -> None:
    done = in_process("demo", "--symbol", "999999")
    assert done.exit_code != 0 and "999999" in done.stdout + done.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sim_serves_until_stopped() -> None:
    port = free_port()
    server = subprocess.Popen([*RUN, "sim", "--port", str(port), "--seed", "9",
                               "--paper-cash", "777000"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                state = httpx.get(f"http://127.0.0.1:{port}/_sim/state").json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        assert state["seed"] == 9
        accounts = httpx.get(f"http://127.0.0.1:{port}/_sim/accounts").json()
        assert [a["cash"] for a in accounts] == [10_000_000, 777_000]
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}" in out
    assert state["accounts"][0]["app_key"] in out  # the credentials to use are printed


def test_help_lists_the_commands() -> None:
    done = in_process("--help")
    assert done.exit_code == 0
    for command in ("quote", "book", "ohlcv", "balance", "orders", "buy", "sell", "cancel",
                    "demo", "sim", "engine"):
        assert f" {command} " in done.stdout


def _lines_until(process: subprocess.Popen, marker: str, timeout: float = 60) -> list[str]:
    """The process's stdout lines up to the one containing ``marker`` (read by a thread:
    a pipe's buffered reader and select() do not mix)."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout],
                     daemon=True).start()
    seen, deadline = [], time.monotonic() + timeout
    while not seen or marker not in seen[-1]:
        try:
            seen.append(lines.get(timeout=max(0.01, deadline - time.monotonic())))
        except queue.Empty:
            raise AssertionError("".join(seen) or "no output") from None
    return seen


def test_sim_on_port_zero_prints_the_port_it_bound() -> None:
    server = subprocess.Popen([*RUN, "sim", "--port", "0", "--seed", "9"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = _lines_until(server, "ws://")
        found = set(re.findall(r"(?:http|ws)://127\.0\.0\.1:(\d+)", "".join(lines)))
        [port] = found
        assert port != "0"
        assert httpx.get(f"http://127.0.0.1:{port}/_sim/state").json()["seed"] == 9
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_sim_on_a_busy_port_fails_in_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = in_process("sim", "--port", str(port))
    assert done.exit_code != 0
    assert done.stdout == ""  # no banner, no credentials for a server that never ran
    assert done.stderr.splitlines() == [
        f"pykis sim: cannot listen on 127.0.0.1:{port}: address already in use"]


def test_sim_with_a_control_token_refuses_control_calls_without_it() -> None:
    server = subprocess.Popen([*RUN, "sim", "--port", "0", "--seed", "9", "--control-token",
                               "s3cret-token"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = _lines_until(server, "ws://")
        [port] = set(re.findall(r"(?:http|ws)://127\.0\.0\.1:(\d+)", "".join(lines)))
        url = f"http://127.0.0.1:{port}/_sim/state"
        assert httpx.get(url).status_code == 401
        answer = httpx.get(url, headers={"Authorization": "Bearer s3cret-token"})
        assert answer.status_code == 200 and answer.json()["seed"] == 9
        assert "s3cret-token" not in "".join(lines)  # the banner never shows it
    finally:
        server.terminate()
        server.communicate(timeout=30)
