"""The README's client example, run as written against the simulator over a socket,
configured the way a user would: the environment."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from pathlib import Path

from pykis.sim import Env, SimConfig, SimServer, Simulator

README = Path(__file__).parent.parent / "README.md"


def test_the_readme_client_example_runs(tmp_path: Path, monkeypatch) -> None:
    code = re.search(r"```python\n(from pykis import KIS\n.*?)```", README.read_text(),
                     re.S).group(1)
    # The wall clock: the client looks orders up among "today's" by its own date.
    sim = Simulator(SimConfig(always_open=True, rate_limits={Env.REAL: 0, Env.PAPER: 0}))
    creds = sim.credentials(Env.PAPER)
    with SimServer(sim) as server:
        for name, value in {"KIS_APP_KEY": creds.app_key, "KIS_APP_SECRET": creds.app_secret,
                            "KIS_ACCOUNT_NO": creds.account_no, "KIS_PAPER": "true",
                            "KIS_BASE_URL": server.base_url}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)  # no stray .env file
        exec(compile(code, "README.md", "exec"), {})
    ledger = sim.account_by_number(creds.account_no).orders
    assert [o.kind for o in ledger.values()] == ["new", "cancel"]


def test_the_readme_real_time_example_runs(tmp_path: Path, monkeypatch, capsys) -> None:
    code = re.search(r"```python\n(import asyncio\nfrom pykis import AsyncKIS\n.*?)```",
                     README.read_text(), re.S).group(1)
    # The wall clock, as a user's client has no other: the client asks for "today's"
    # orders by its own date, so the simulator must be on the same day. Always open, so
    # that trades keep coming whatever the time of the run.
    sim = Simulator(SimConfig(always_open=True, rate_limits={Env.REAL: 0, Env.PAPER: 0}))
    creds = sim.credentials(Env.REAL)
    with SimServer(sim) as server:
        for name, value in {"KIS_APP_KEY": creds.app_key, "KIS_APP_SECRET": creds.app_secret,
                            "KIS_ACCOUNT_NO": creds.account_no, "KIS_HTS_ID": creds.hts_id,
                            "KIS_BASE_URL": server.base_url}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)
        exec(compile(code, "README.md", "exec"), {})
    [order] = sim.account_by_number(creds.account_no).orders.values()
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1].split()[:2] == [str(order.number), str(order.number)]
    assert int(printed[-1].split()[3]) == order.filled == 1


def test_the_readme_engine_example_runs_until_sigterm(tmp_path: Path, monkeypatch, capsys
                                                      ) -> None:
    code = re.search(r"```python\n(from decimal import Decimal\nfrom pykis.engine import .*?)```",
                     README.read_text(), re.S).group(1)
    sim = Simulator(SimConfig(always_open=True, rate_limits={Env.REAL: 0, Env.PAPER: 0}))
    creds = sim.credentials(Env.REAL)
    with SimServer(sim) as server:
        for name, value in {"KIS_APP_KEY": creds.app_key, "KIS_APP_SECRET": creds.app_secret,
                            "KIS_ACCOUNT_NO": creds.account_no,
                            "KIS_BASE_URL": server.base_url}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)
        # A token cache of its own: the other README tests' simulators gave the same app
        # key tokens within the minute, and the client would wait out KIS's one a minute.
        monkeypatch.setenv("PYKIS_CACHE_DIR", str(tmp_path / "cache"))
        # The loop runs "until Ctrl-C or SIGTERM": this test sends SIGTERM once the loop
        # has taken it over, and has watched for a second.
        stopper = threading.Thread(target=_terminate_when_handled, daemon=True)
        stopper.start()
        exec(compile(code, "README.md", "exec"), {})
        stopper.join(5)
    assert (tmp_path / "bot.sqlite3").exists()
    [booked] = sim.account_by_number(creds.account_no).orders.values()
    assert booked.code == "005930" and booked.filled >= 1
    assert capsys.readouterr().out.startswith(f"True {booked.filled} ")


def _terminate_when_handled() -> None:
    deadline = time.monotonic() + 60
    while signal.getsignal(signal.SIGTERM) is signal.SIG_DFL and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


def test_the_readme_seed_client_example_runs(tmp_path: Path, monkeypatch, capsys) -> None:
    code = re.search(r"```python\n(from pykis.engine import KISAPIClient\n.*?)```",
                     README.read_text(), re.S).group(1)
    sim = Simulator(SimConfig(always_open=True, rate_limits={Env.REAL: 0, Env.PAPER: 0}))
    creds = sim.credentials(Env.REAL)
    with SimServer(sim) as server:
        for name, value in {"KIS_APP_KEY": creds.app_key, "KIS_APP_SECRET": creds.app_secret,
                            "KIS_ACCOUNT_NO": creds.account_no,
                            "KIS_BASE_URL": server.base_url}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("PYKIS_DATA_DIR", str(tmp_path / "data"))
        exec(compile(code, "README.md", "exec"), {})
    bought, sold = sim.account_by_number(creds.account_no).orders.values()
    assert (bought.side, sold.side, bought.filled, sold.filled) == ("buy", "sell", bought.qty,
                                                                    bought.qty)
    printed = capsys.readouterr().out.splitlines()
    assert printed[1].startswith(f"True {bought.number} {bought.qty} ")
    assert printed[-1].startswith("True ")
    assert (tmp_path / "data" / "engine.sqlite3").exists()
