"""One decision at a time per account: the lock the engine holds from reading the store
and KIS for a decision to recording its intent.

A decision reads the ledger (open trades, orders in flight) and KIS (quote, cash), then
records an intent; two deciders that interleave both see the same ledger and both buy,
past ``max_open_positions`` or the one-buy-per-ticker rule. The lock makes the read and
the record one step for every thread, process and machine that shares the database:

* in the process: a ``threading.Lock`` per (database, account);
* SQLite: an exclusive ``flock`` on a file beside the database, one per account (held per
  open file, so it also orders the threads of one process; released by the kernel if the
  process dies). An in-memory database is one process's own: the thread lock suffices;
* PostgreSQL: a session-level advisory lock (``pg_advisory_lock``) keyed by the account,
  on a connection held for the decision (released if the connection drops).

A decider that cannot take the lock within ``timeout`` seconds gets a ``DecisionLockError``
and sends nothing. Sending happens after the lock is released: the intent recorded under
it already counts for the next decider.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from pykis.engine.store.errors import DecisionLockError

try:  # POSIX; elsewhere only the threads of one process are coordinated
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["DecisionLocks"]

_THREAD_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_GUARD = threading.Lock()


def _key(account: str) -> int:
    """A signed 64-bit key for PostgreSQL's advisory locks."""
    digest = hashlib.sha256(f"pykis-decision:{account}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class DecisionLocks:
    def __init__(self, engine: Engine, *, sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self._sleep, self._monotonic = sleep, monotonic
        url = engine.url
        self._name = url.render_as_string(hide_password=True)
        self._file = None
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            self._file = Path(url.database)

    @contextmanager
    def hold(self, account: str, timeout: float = 60.0) -> Iterator[None]:
        """Hold the account's decision lock (see the module docstring)."""
        deadline = self._monotonic() + timeout
        with self._thread_lock(account, timeout):
            if self._file is not None and fcntl is not None:
                with self._file_lock(account, deadline):
                    yield
            elif self.engine.dialect.name == "postgresql":
                with self._advisory_lock(account, deadline):
                    yield
            else:
                yield

    @contextmanager
    def _thread_lock(self, account: str, timeout: float) -> Iterator[None]:
        with _GUARD:
            lock = _THREAD_LOCKS.setdefault((self._name, account), threading.Lock())
        if not lock.acquire(timeout=max(timeout, 0)):
            raise _busy(timeout)
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def _file_lock(self, account: str, deadline: float) -> Iterator[None]:
        path = self._file.with_name(f"{self._file.name}.{abs(_key(account)):x}.lock")
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if self._monotonic() >= deadline:
                        raise _busy() from None
                    self._sleep(0.005)  # another process decides: a few ms, typically
            try:
                yield
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            os.close(descriptor)

    @contextmanager
    def _advisory_lock(self, account: str, deadline: float) -> Iterator[None]:
        key = _key(account)
        with self.engine.connect() as connection:
            while not connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                         {"key": key}).scalar():
                connection.rollback()
                if self._monotonic() >= deadline:
                    raise _busy()
                self._sleep(0.005)
            connection.commit()  # the lock is the session's, not the transaction's
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()


def _busy(timeout: float | None = None) -> DecisionLockError:
    return DecisionLockError(
        "another engine on this account is still deciding"
        + (f" after {timeout:g} s" if timeout is not None else "")
        + "; nothing was recorded or sent (one engine per account is the safe setup)")
