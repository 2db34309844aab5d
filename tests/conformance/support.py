"""Community KIS clients, each in a virtual environment and a process of its own, and a
record of what they said to the simulator.

* ``client_python(name)``: the interpreter of ``tests/.venvs/<name>``, made on first use
  (``python -m venv`` + ``pip install -r requirements/<name>.txt``, from PyPI) and kept
  while the pinned requirements and this Python stay the same.
* ``Worker``: ``workers/<name>_worker.py`` under that interpreter, one JSON command per
  line on stdin, one JSON answer per line on stdout. ``-I``: neither this project's
  ``src`` nor PYTHONPATH reaches it (python-kis imports as ``pykis``, as this project does).
* ``Wire``: every request the simulator answered, with its answer, to show in a failure.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

HERE = Path(__file__).resolve().parent
VENVS = HERE.parent / ".venvs"  # tests/.venvs/<client>, ignored by git
REQUIREMENTS = HERE / "requirements"
WORKERS = HERE / "workers"
KST = "Asia/Seoul"
SYMBOL = "005930"  # what the tests quote and trade; every client account holds some


@dataclass(frozen=True)
class ClientSpec:
    name: str  # PyPI project; also the venv and the worker file's name
    worker: str

    @property
    def requirements(self) -> Path:
        return REQUIREMENTS / f"{self.name}.txt"


CLIENTS = {
    "python-kis": ClientSpec("python-kis", "python_kis_worker.py"),
    "mojito2": ClientSpec("mojito2", "mojito_worker.py"),
}


def _venv_key(spec: ClientSpec) -> str:
    """What a venv was built from: the pinned requirements and this interpreter."""
    text = spec.requirements.read_text()
    return hashlib.sha256(f"{sys.version}\n{sys.base_prefix}\n{text}".encode()).hexdigest()


def client_python(name: str) -> Path:
    """The interpreter of the client's venv, built from PyPI when missing or stale."""
    spec = CLIENTS[name]
    venv = VENVS / name
    python, marker = venv / "bin" / "python", venv / ".requirements-sha256"
    key = _venv_key(spec)
    VENVS.mkdir(parents=True, exist_ok=True)
    with FileLock(str(VENVS / f"{name}.lock"), timeout=900):  # one builder at a time
        if python.exists() and marker.exists() and marker.read_text() == key:
            return python
        started = time.monotonic()
        marker.unlink(missing_ok=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True,
                       capture_output=True)
        install = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--no-input", "-r", str(spec.requirements)],
            check=False, capture_output=True, text=True)
        if install.returncode != 0:
            raise RuntimeError(f"pip could not install {name}:\n{install.stderr[-4000:]}")
        marker.write_text(key)
        print(f"\nmade tests/.venvs/{name} in {time.monotonic() - started:.1f} s",
              file=sys.stderr)
        return python


class ClientError(Exception):
    """What the client raised in its worker (type, message and traceback)."""

    def __init__(self, command: str, error: str, trace: str) -> None:
        super().__init__(f"{command}: {error}")
        self.command, self.error, self.trace = command, error, trace


class Worker:
    """One client in one process. ``ask`` raises ClientError for what the client raised
    and RuntimeError when the worker dies or does not answer in time."""

    def __init__(self, name: str, env: dict[str, str] | None = None) -> None:
        self.name = name
        python = client_python(name)
        # A throwaway home and working directory: mojito2 keeps its token in ./token.dat.
        self.home = Path(tempfile.mkdtemp(prefix=f"conformance-{name}-"))
        environ = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        # The clients take "now" from the machine's local time and assume it is KST
        # (mojito2's minute candles and daily-candle end date).
        environ |= {"TZ": KST, "HOME": str(self.home), **(env or {})}
        self.stderr_path = self.home / "stderr.txt"
        self._stderr = self.stderr_path.open("w")
        self._process = subprocess.Popen(
            [str(python), "-I", str(WORKERS / CLIENTS[name].worker)], env=environ,
            cwd=self.home, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            text=True, bufsize=1, start_new_session=True)  # its group: it and its children
        self._selector = selectors.DefaultSelector()
        assert self._process.stdout is not None
        self._selector.register(self._process.stdout, selectors.EVENT_READ)
        self._lock = threading.Lock()

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def ask(self, command: str, timeout: float = 30.0, **arguments: Any) -> Any:
        assert self._process.stdin and self._process.stdout
        with self._lock:
            self._process.stdin.write(json.dumps({"command": command, **arguments}) + "\n")
            self._process.stdin.flush()
            if not self._selector.select(timeout):
                said = self.stderr_tail()
                self.close(force=True)
                raise RuntimeError(f"{self.name} worker: no answer to {command!r} within "
                                   f"{timeout} s\n{said}")
            line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.name} worker died during {command!r}\n"
                               f"{self.stderr_tail()}")
        answer = json.loads(line)
        if "error" in answer:
            raise ClientError(command, answer["error"], answer.get("traceback", ""))
        return answer["result"]

    def stderr_tail(self, size: int = 3000) -> str:
        try:
            if not self._stderr.closed:
                self._stderr.flush()
            return self.stderr_path.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def close(self, force: bool = False) -> None:
        if self._process.poll() is None and not force:
            try:
                assert self._process.stdin is not None
                self._process.stdin.write(json.dumps({"command": "quit"}) + "\n")
                self._process.stdin.flush()
                self._process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired, AssertionError):
                pass
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)
        try:  # what the client started (mojito2's stream processes) goes with it
            os.killpg(self._process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._selector.close()
        self._stderr.close()
        shutil.rmtree(self.home, ignore_errors=True)


# --- what the clients said to the simulator ------------------------------------------------
@dataclass
class Exchange:
    method: str
    path: str
    tr_id: str
    query: dict[str, str]
    body: str
    status: int
    answer: str

    def __str__(self) -> str:
        sent = f"{self.method} {self.path} tr_id={self.tr_id or '-'}"
        if self.query:
            sent += f" params={self.query}"
        if self.body:
            sent += f" body={_redact(self.body)[:300]}"
        return f"{sent}\n    -> HTTP {self.status} {_redact(self.answer)[:400]}"


_SECRETS = re.compile(r'("(?:appsecret|secretkey|access_token|approval_key|token)"\s*:\s*")'
                      r'[^"]{8,}"')


def _redact(text: str) -> str:
    """Simulator credentials are no secret, but a log is no place for them either."""
    return _SECRETS.sub(r'\1***"', text)


class Wire:
    """Records every REST exchange of a simulator (its ``handle``, wrapped per instance)."""

    def __init__(self, sim) -> None:
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        handle = sim.handle

        def recording(request):
            path = request.path  # as sent: the simulator may normalise it while handling
            response = handle(request)
            if not request.path.startswith("/_sim"):
                body = request.body.decode("utf-8", "replace") if request.body else ""
                answer = response.body.decode("utf-8", "replace") \
                    if isinstance(response.body, bytes) else str(response.body)
                headers = {k.lower(): v for k, v in response.headers.items()}
                if headers.get("content-type", "").startswith("application/zip"):
                    answer = f"<zip, {len(response.body)} bytes>"
                elif "tr_cont" in headers:
                    answer = f"[tr_cont={headers['tr_cont']!r}] {answer}"
                with self._lock:
                    self.exchanges.append(Exchange(
                        request.method, path, request.headers.get("tr_id", ""),
                        dict(request.query), body, response.status, answer))
            return response

        sim.handle = recording

    def mark(self) -> int:
        return len(self.exchanges)

    def since(self, mark: int) -> list[Exchange]:
        with self._lock:
            return self.exchanges[mark:]

    def show(self, mark: int, last: int = 12) -> str:
        shown = self.since(mark)[-last:]
        return "\n".join(f"  {e}" for e in shown) or "  (no request reached the simulator)"


# --- a client against a simulator ----------------------------------------------------------
class ClientFailed(AssertionError):
    """The client raised: its error, its traceback and what reached the simulator."""


@dataclass
class Served:
    sim: Any  # pykis.sim.Simulator
    url: str
    wire: Wire


@dataclass
class Client:
    """One client in one environment, on accounts of its own, in its worker process."""

    name: str
    env: str  # "real" or "paper"
    served: Served
    creds: Any  # Credentials of the account it trades on
    real_creds: Any  # of the real account it quotes with (python-kis quotes on real in paper)
    worker: Worker

    @property
    def id(self) -> str:
        return f"{self.name}-{self.env}"

    @property
    def sim(self):
        return self.served.sim

    @property
    def account(self):
        return self.sim.account_by_number(self.creds.account_no)

    @property
    def quoting_key(self) -> str:
        """The app key its market data goes out under: python-kis quotes and streams
        prices with the real key even in paper (KIS's paper server lacks most quote APIs)."""
        return self.real_creds.app_key if self.name == "python-kis" else self.creds.app_key

    def ask(self, command: str, timeout: float = 60.0, **arguments: Any) -> Any:
        """A command of the worker; what the client raised fails the test with the
        client's traceback and the requests that reached the simulator meanwhile."""
        mark = self.served.wire.mark()
        try:
            return self.worker.ask(command, timeout=timeout, **arguments)
        except ClientError as error:
            raise ClientFailed(
                f"{self.id}: {command} raised {error.error}\n"
                f"--- client traceback (end) ---\n{error.trace[-2500:]}"
                f"--- what reached the simulator (last exchanges) ---\n"
                f"{self.served.wire.show(mark)}") from None
        except RuntimeError as error:
            raise ClientFailed(f"{self.id}: {error}\n--- what reached the simulator ---\n"
                               f"{self.served.wire.show(mark)}") from None


def wait_until(condition, timeout: float = 10.0, what: str = "") -> None:
    """Poll the simulator for something a socket does (a subscription arriving), every
    10 ms, for at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def registered(sim, tr_id: str, key: str, app_key: str) -> bool:
    """Whether a real-time session of ``app_key`` has subscribed to (tr_id, key)."""
    with sim.lock:
        return any((tr_id, key) in s.registrations for s in list(sim.realtime.sessions.values())
                   if s.account is not None and s.account.app_key == app_key)


def session_open(sim, app_key: str) -> bool:
    with sim.lock:
        return any(s.account is not None and s.account.app_key == app_key
                   for s in list(sim.realtime.sessions.values()))


def advance(sim, seconds: float) -> None:
    """Move the frozen market on: the trades of the next ``seconds`` happen, and the
    real-time sessions are woken to send them."""
    with sim.lock:
        sim.clock.advance(seconds)
    sim.realtime.wake()


if __name__ == "__main__":
    # The README's test command runs this before pytest: building the clients' venvs is
    # installing test dependencies (pip, from PyPI), not testing, and done once here the
    # suite's first conformance tests do not wait for it. Two builders in parallel: each
    # spends much of its time waiting for downloads.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(CLIENTS)) as pool:
        for python in pool.map(client_python, CLIENTS):
            print(f"conformance client ready: {python}")
