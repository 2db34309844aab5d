"""Running engines, found by the small files each ``pykis engine run`` keeps in the
runtime directory (``PYKIS_RUNTIME_DIR``; see :func:`pykis.config.runtime_dir`):

* ``engine-PID.json``: who it is (pid, start, config, ledger, where it trades) and, on a
  simulator, its latest status (no other process can ask that simulator);
* ``engine-PID.lock``: held locked while it runs, so that a crashed engine's files are
  known for what they are even if its pid is reused;
* ``engine-PID.request``: written by ``pykis engine stop`` (``stop``, or ``kill`` for
  the kill switch); the engine looks for it after every step of its loop.

A file rather than a signal: it works the same on every platform, and says which of
the two stops is wanted. ``last-sim-engine.json`` keeps the final status of the last
engine that ran on a simulator, for ``engine status --sim`` once it has stopped.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from pykis.config import runtime_dir

__all__ = ["EngineRecord", "Registration", "Request", "forget_sim_status", "latest_sim_status",
           "registered", "running_engines"]

Request = Literal["stop", "kill"]
LAST_SIM = "last-sim-engine.json"


@dataclass
class EngineRecord:
    """What ``engine-PID.json`` says of a running engine."""

    pid: int
    started: str  # ISO 8601, UTC
    config: str | None  # the config file's absolute path
    ledger: str  # the ledger's URL, without a password
    target: str  # "sim", "paper" or "real" (and the server when it is not KIS's)
    dry_run: bool
    embedded: bool = False  # on a simulator of its own, which nothing else can reach
    paper: bool = False  # its account is a paper (모의투자) one
    status: dict[str, Any] | None = None  # the latest EngineStatus (simulator runs)
    status_at: str | None = None  # when it was taken, ISO 8601
    stopped: str | None = None  # why it stopped (in last-sim-engine.json)
    path: Path = field(default=Path(), repr=False, compare=False)

    @property
    def sim(self) -> bool:
        return self.target.startswith("sim")

    def request(self, kind: Request) -> None:
        """Ask the engine to stop (``kill``: cancel its open orders first)."""
        _write(self.path.with_suffix(".request"), kind)

    def alive(self) -> bool:
        return _alive(self.path.with_suffix(".lock"), self.pid)


def running_engines(directory: Path | None = None) -> list[EngineRecord]:
    """Every engine running now, oldest first; files that crashed engines left behind are
    removed on the way."""
    folder = directory or runtime_dir()
    found = []
    for path in sorted(folder.glob("engine-*.json")):
        record = _read(path)
        if record is None:
            continue
        if record.alive():
            found.append(record)
        else:
            _remove(path)
    return sorted(found, key=lambda r: r.started)


def latest_sim_status(directory: Path | None = None) -> EngineRecord | None:
    """The last status of the last engine that ran on a simulator and has stopped."""
    return _read((directory or runtime_dir()) / LAST_SIM)


def forget_sim_status(directory: Path | None = None) -> None:
    """The simulator ledger begins afresh: the last status told of the one before."""
    _remove((directory or runtime_dir()) / LAST_SIM)


class Registration:
    """The running engine's side of its files."""

    def __init__(self, record: EngineRecord, lock: Any) -> None:
        self.record, self._lock = record, lock
        self._request = record.path.with_suffix(".request")

    def requested(self) -> Request | None:
        """``stop`` or ``kill`` once ``pykis engine stop`` asked (a stat while not)."""
        if not self._request.exists():
            return None
        with suppress(OSError):
            kind = self._request.read_text(encoding="utf-8").strip()
            return "kill" if kind == "kill" else "stop"
        return "stop"

    def publish(self, status: dict[str, Any], *, stopped: str | None = None) -> None:
        """Keep ``status`` (an EngineStatus as JSON) for ``engine status`` to show."""
        self.record.status = status
        self.record.status_at = dt.datetime.now(dt.UTC).isoformat()
        self.record.stopped = stopped
        target = self.record.path if stopped is None else self.record.path.with_name(LAST_SIM)
        _write(target, _dumps(self.record))


@contextmanager
def registered(config: str | None, ledger: str, target: str, *, dry_run: bool,
               embedded: bool, paper: bool, directory: Path | None = None
               ) -> Iterator[Registration]:
    """This process as a running engine, for as long as the block runs."""
    folder = directory or runtime_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"engine-{os.getpid()}.json"
    record = EngineRecord(os.getpid(), dt.datetime.now(dt.UTC).isoformat(), config, ledger,
                          target, dry_run, embedded, paper, path=path)
    lock = _lock(path.with_suffix(".lock"))
    try:
        _remove(path.with_suffix(".request"))  # a request to an earlier engine of this pid
        _write(path, _dumps(record))
        yield Registration(record, lock)
    finally:
        for leftover in (path, path.with_suffix(".request"), path.with_suffix(".lock")):
            _remove(leftover)
        if lock is not None:
            lock.close()


def _dumps(record: EngineRecord) -> str:
    data = asdict(record)
    data.pop("path")
    return json.dumps(data, ensure_ascii=False, indent=1)


def _read(path: Path) -> EngineRecord | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return EngineRecord(**data, path=path)
    except (OSError, ValueError, TypeError):  # gone meanwhile, half written or foreign
        return None


def _write(path: Path, text: str) -> None:
    """Whole or not at all: a reader never sees half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        _remove(Path(temporary))
        raise


def _remove(path: Path) -> None:
    with suppress(FileNotFoundError):
        path.unlink()


def _lock(path: Path) -> Any:
    """The lock file, held locked (POSIX); None where there is no flock."""
    if sys.platform == "win32":  # pragma: no cover - the pid alone tells there
        return None
    import fcntl

    handle = open(path, "a+")  # noqa: SIM115 - held open for the engine's life
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


def _alive(lock: Path, pid: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover
        return _pid_alive(pid)
    import fcntl

    try:
        handle = os.open(lock, os.O_RDWR)  # never created here: no lock file, no engine
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # held: its engine runs
        return True
    finally:
        os.close(handle)
    return False


def _pid_alive(pid: int) -> bool:  # pragma: no cover - Windows only
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True
    except OSError:
        return False
    return True
