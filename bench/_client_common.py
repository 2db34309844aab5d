"""What the client benchmarks (issue 3) share: a simulator server in a spawned process,
its control plane, and python-kis in a virtual environment of its own.

python-kis (PyPI ``python-kis``) also imports as ``pykis``, so it can never share an
interpreter with this project: ``python_kis_python()`` makes ``bench/.venvs/python-kis``
once (``python -m venv`` + ``pip install``), and ``PythonKisWorker`` drives
``bench/_python_kis_worker.py`` there through JSON lines on stdin/stdout.
"""

from __future__ import annotations

import http.client
import json
import math
import multiprocessing as mp
import os
import platform
import queue
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Self

BENCH = Path(__file__).resolve().parent
HOST = "127.0.0.1"
PRICE_PATH = "/uapi/domestic-stock/v1/quotations/inquire-price"
MULTI_PATH = "/uapi/domestic-stock/v1/quotations/intstock-multprice"
KIS_REAL_RATE = 20  # KIS's documented REST limit per app key, real environment (calls/s)
KIS_PAPER_RATE = 2

PYTHON_KIS_VENV = BENCH / ".venvs" / "python-kis"
# Pinned: the worker reaches into python-kis (its domain constants, its rate limiters).
# python-kis 2.1.6 imports typing_extensions without declaring it, so a bare
# `pip install python-kis` cannot even be imported: install it alongside.
PYTHON_KIS_PACKAGES = ["python-kis==2.1.6", "typing_extensions"]


# --- the simulator server, in a spawned process -------------------------------------------
def _build(options: dict[str, Any]):
    from pykis.sim import AccountSpec, Env, SimConfig, SimServer, Simulator

    limits = {Env.REAL: options["real_limit"], Env.PAPER: options["paper_limit"]}
    sim = Simulator(SimConfig(
        always_open=True,  # the market trades whenever the benchmark runs
        extra_listings=options.get("extra_listings", 0),
        rate_limits=limits,
        accounts=[AccountSpec(Env.REAL)],  # used for priming only; clients get their own
    ))
    symbols = list(sim.market.universe)[: options.get("symbols", 20)]
    prime(sim, symbols)
    return SimServer(sim), symbols


def prime(sim, symbols: list[str]) -> None:
    """Ask every symbol once, singly and in batches of 30, with the limits off: a
    symbol's first quote builds its daily bars and the day's path, a one-off cost that is
    the simulator's set-up, not what any client is measured on."""
    import httpx

    from pykis.sim import Env

    saved, sim.rate_limits = sim.rate_limits, {Env.REAL: 0, Env.PAPER: 0}
    creds = sim.credentials(Env.REAL)
    with httpx.Client(transport=sim.transport(), base_url="http://sim") as http:
        token = http.post("/oauth2/tokenP", json={
            "grant_type": "client_credentials", "appkey": creds.app_key,
            "appsecret": creds.app_secret}).json()["access_token"]
        headers = api_headers(creds.app_key, creds.app_secret, token, "FHKST01010100")
        for code in symbols:
            http.get(PRICE_PATH, params={"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": code},
                     headers=headers).raise_for_status()
        headers = api_headers(creds.app_key, creds.app_secret, token, "FHKST11300006")
        for i in range(0, len(symbols), 30):
            params = {}
            for n, code in enumerate(symbols[i:i + 30], 1):
                params |= {f"FID_COND_MRKT_DIV_CODE_{n}": "J", f"FID_INPUT_ISCD_{n}": code}
            http.get(MULTI_PATH, params=params, headers=headers).raise_for_status()
    sim.rate_limits = saved


def _serve(options: dict[str, Any], ready: mp.Queue, stop: mp.Event) -> None:
    server, symbols = _build(options)
    server.start()
    ready.put({"port": server.port, "symbols": symbols})
    stop.wait()
    server.stop()


class ServerProcess:
    """``SimServer`` in a spawned process (its own GIL), with its port and symbols.

    ``real_limit``/``paper_limit``: the simulator's per-app-key limits (0: none).
    """

    def __init__(self, *, real_limit: int, paper_limit: int = KIS_PAPER_RATE,
                 symbols: int = 20, extra_listings: int = 0) -> None:
        options = {"real_limit": real_limit, "paper_limit": paper_limit, "symbols": symbols,
                   "extra_listings": extra_listings}
        context = mp.get_context("spawn")
        self._ready, self._stop = context.Queue(), context.Event()
        self._process = context.Process(target=_serve, args=(options, self._ready, self._stop),
                                        daemon=True)

    def __enter__(self) -> Self:
        self._process.start()
        deadline = time.monotonic() + 180
        while True:
            try:
                info = self._ready.get(timeout=0.5)
                break
            except queue.Empty:
                if not self._process.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("the simulator process did not start") from None
        self.port: int = info["port"]
        self.symbols: list[str] = info["symbols"]
        self.base_url = f"http://{HOST}:{self.port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._process.join(timeout=15)
        if self._process.is_alive():
            self._process.terminate()

    # --- control plane ------------------------------------------------------------------
    def control(self, method: str, path: str, body: dict | None = None) -> Any:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        payload = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, payload, {"content-type": "application/json"})
        answer = connection.getresponse()
        data = json.loads(answer.read())
        connection.close()
        if answer.status != 200:
            raise RuntimeError(f"{method} {path}: HTTP {answer.status} {data}")
        return data

    def new_account(self, env: str = "real") -> dict[str, str]:
        """A fresh account with its own app key: its own token (one issuance a minute per
        key) and its own counters in ``/_sim/stats``. The secret is ours: the control
        plane never shows one."""
        secret = secrets.token_hex(90)  # 180 characters, as KIS's
        made = self.control("POST", "/_sim/accounts",
                            {"env": env, "cash": 10**12, "app_secret": secret})
        return {**made, "app_secret": secret}

    def stats(self, app_key: str) -> dict[str, int]:
        apps = self.control("GET", "/_sim/stats")["apps"]
        return apps.get(app_key, {"requests": 0, "rate_limited": 0, "tokens_issued": 0,
                                  "token_calls": 0, "token_refusals": 0, "approvals": 0})


def api_headers(app_key: str, app_secret: str, token: str, tr_id: str) -> dict[str, str]:
    """The headers PyKIS sends on a quote, for the bare baselines."""
    return {"content-type": "application/json; charset=utf-8",
            "authorization": f"Bearer {token}", "appkey": app_key, "appsecret": app_secret,
            "tr_id": tr_id, "custtype": "P"}


def sent(stats_before: dict[str, int], stats_after: dict[str, int]) -> int:
    """HTTP calls that reached the API gate between two ``stats`` readings: the answered
    ones plus the ones refused with EGW00201."""
    return sum(stats_after[k] - stats_before[k] for k in ("requests", "rate_limited"))


# --- python-kis, in its own virtual environment -----------------------------------------
def python_kis_python() -> Path:
    """The interpreter of ``bench/.venvs/python-kis``, made on first use."""
    python = PYTHON_KIS_VENV / "bin" / "python"
    marker = PYTHON_KIS_VENV / ".installed"
    wanted = " ".join(PYTHON_KIS_PACKAGES) + "\n"
    if not marker.exists() or marker.read_text() != wanted:
        print(f"making {PYTHON_KIS_VENV.relative_to(BENCH.parent)} (python-kis from PyPI)...",
              file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(PYTHON_KIS_VENV)],
                       check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", *PYTHON_KIS_PACKAGES], check=True)
        marker.write_text(wanted)
    return python


class PythonKisWorker:
    """``_python_kis_worker.py`` under the python-kis venv, answering one JSON line per
    command. ``-I`` (isolated): neither this project's ``src`` nor PYTHONPATH can shadow
    python-kis's ``pykis``."""

    def __init__(self) -> None:
        python = python_kis_python()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        self._process = subprocess.Popen(
            [str(python), "-I", str(BENCH / "_python_kis_worker.py")], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ask(self, command: str, **arguments: Any) -> dict[str, Any]:
        assert self._process.stdin and self._process.stdout
        self._process.stdin.write(json.dumps({"command": command, **arguments}) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the python-kis worker died during {command!r} "
                               "(its traceback is on stderr)")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"python-kis worker, {command}: {answer['error']}")
        return answer

    def close(self) -> None:
        if self._process.poll() is None:
            try:
                self.ask("quit")
            except (RuntimeError, BrokenPipeError, OSError):
                pass
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()


# --- reporting -------------------------------------------------------------------------------
def machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo
                          if line.startswith("model name")), "")
    except OSError:
        pass
    import httpx

    return (f"Python {platform.python_version()}, httpx {httpx.__version__}, "
            f"{os.cpu_count()} CPUs ({model or platform.machine()})")


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def percentile(ordered: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least ``share`` of the samples at or below."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]
