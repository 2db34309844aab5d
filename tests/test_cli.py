"""The pykis command: the README's demo, and the simulator served for other programs."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx

RUN = [sys.executable, "-c", "from pykis.cli.main import run; run()"]


def test_demo_fetches_a_quote_from_the_embedded_simulator() -> None:
    done = subprocess.run([*RUN, "demo", "--symbol", "000660"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "SK하이닉스 (000660)" in done.stdout
    assert "Simulator listening on http://127.0.0.1:" in done.stdout
    price = next(line for line in done.stdout.splitlines() if "price" in line)
    cells = [part.strip().replace(",", "") for part in price.split("│")]
    assert any(cell.isdigit() and int(cell) > 0 for cell in cells)


def test_demo_rejects_an_unknown_symbol() -> None:
    done = subprocess.run([*RUN, "demo", "--symbol", "999999"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0 and "999999" in done.stdout + done.stderr


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
    done = subprocess.run([*RUN, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for command in ("quote", "book", "ohlcv", "balance", "orders", "buy", "sell", "cancel",
                    "demo", "sim"):
        assert f" {command} " in done.stdout
