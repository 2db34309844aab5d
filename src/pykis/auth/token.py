"""Access tokens and where they are kept, so that threads, tasks and processes sharing an
app key share one token and issue a new one only when it is needed, exactly once.

A store answers one question atomically: *may I use a token, must I issue one, or must I
wait?* Issuing takes a short lease on the entry, so concurrent callers wait for the
issuer instead of issuing too; the lease expires, so a crashed issuer cannot block the
others. No lock is ever held while a request is in flight or while anyone sleeps.

``FileTokenStore`` keeps the entries in one JSON file (mode 0600, replaced atomically),
keyed by environment and a hash of the server and app key, under a ``filelock`` lock
file: every
process on the machine shares it, and a restart on the same day reuses the token.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock

__all__ = ["FileTokenStore", "Issue", "MemoryTokenStore", "Token", "TokenStore", "Use", "Wait",
           "entry_key"]

LEASE_SECONDS = 30.0  # an issuer that crashed releases its lease after this long


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float  # epoch seconds, by this machine's clock
    issued_at: float

    def __repr__(self) -> str:  # never print the token itself
        return f"Token(expires_at={self.expires_at:.0f}, issued_at={self.issued_at:.0f})"

    def fresh(self, now: float, margin: float) -> bool:
        """Usable for a while yet: more than ``margin`` seconds left, or more than a tenth
        of its lifetime for short-lived tokens (so they are not renewed on every call)."""
        early = min(margin, (self.expires_at - self.issued_at) / 10)
        return now + early < self.expires_at


@dataclass(frozen=True)
class Use:
    token: Token


@dataclass(frozen=True)
class Issue:
    lease: str  # the caller's lease on the entry, to present when it finishes


@dataclass(frozen=True)
class Wait:
    seconds: float


Decision = Use | Issue | Wait


def entry_key(environment: str, app_key: str, server: str = "") -> str:
    """The store key: the environment and a hash of the server and the app key (not the
    key itself). The server is part of it: a simulator's tokens are not KIS's, and two
    simulators do not know each other's."""
    digest = hashlib.sha256(f"{server.rstrip('/')}\0{app_key}".encode()).hexdigest()[:24]
    return f"{environment}:{digest}"


class TokenStore(Protocol):
    def begin(self, key: str, now: float, margin: float, interval: float) -> Decision: ...
    def finish(self, key: str, lease: str, token: Token) -> None: ...
    def abandon(self, key: str, lease: str, *, charged: bool = True) -> None: ...
    def invalidate(self, key: str, value: str) -> None: ...


def _decide(entry: dict[str, Any], now: float, margin: float, interval: float) -> Decision:
    """The decision for one entry; takes the lease (mutating ``entry``) on Issue."""
    stored = entry.get("token")
    if stored:
        token = Token(stored["value"], stored["expires_at"], stored["issued_at"])
        if token.fresh(now, margin):
            return Use(token)
    lease = entry.get("lease")
    if lease and lease["until"] > now:
        return Wait(0.05)  # someone else is issuing: their token will be here soon
    last_call = entry.get("last_call", 0.0)
    if now - last_call < interval:  # KIS allows one issuance call per interval
        return Wait(interval - (now - last_call) + 0.01)
    owner = uuid.uuid4().hex
    entry["lease"] = {"owner": owner, "until": now + LEASE_SECONDS, "previous": last_call}
    entry["last_call"] = now
    return Issue(owner)


def _finish(entry: dict[str, Any], lease: str, token: Token | None,
            charged: bool = True) -> None:
    """End ``lease``: keep ``token`` if one was issued. ``charged=False``: the issuance
    call never reached KIS (the connection was refused), so it does not count against
    the one-a-minute rule."""
    if token is not None:
        entry["token"] = {"value": token.value, "expires_at": token.expires_at,
                          "issued_at": token.issued_at}
    held = entry.get("lease") or {}
    if held.get("owner") == lease:
        if not charged:
            entry["last_call"] = held.get("previous", 0.0)
        entry["lease"] = None


def _invalidate(entry: dict[str, Any], value: str) -> None:
    if (entry.get("token") or {}).get("value") == value:
        entry["token"] = None


class MemoryTokenStore:
    """Entries in this process only (no token survives a restart)."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def begin(self, key: str, now: float, margin: float, interval: float) -> Decision:
        with self._lock:
            return _decide(self._entries.setdefault(key, {}), now, margin, interval)

    def finish(self, key: str, lease: str, token: Token) -> None:
        with self._lock:
            _finish(self._entries.setdefault(key, {}), lease, token)

    def abandon(self, key: str, lease: str, *, charged: bool = True) -> None:
        with self._lock:
            _finish(self._entries.setdefault(key, {}), lease, None, charged)

    def invalidate(self, key: str, value: str) -> None:
        with self._lock:
            _invalidate(self._entries.setdefault(key, {}), value)


class FileTokenStore:
    """Entries in a JSON file shared by every process on the machine."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._lock_path = str(self.path) + ".lock"

    def begin(self, key: str, now: float, margin: float, interval: float) -> Decision:
        return self._update(key, lambda entry: _decide(entry, now, margin, interval))

    def finish(self, key: str, lease: str, token: Token) -> None:
        self._update(key, lambda entry: _finish(entry, lease, token))

    def abandon(self, key: str, lease: str, *, charged: bool = True) -> None:
        self._update(key, lambda entry: _finish(entry, lease, None, charged))

    def invalidate(self, key: str, value: str) -> None:
        self._update(key, lambda entry: _invalidate(entry, value))

    def _update(self, key: str, change):
        # A new FileLock per call: filelock locks per thread, so threads of this
        # process exclude each other as other processes do.
        with FileLock(self._lock_path, mode=0o600):
            entries = self._read()
            entry = entries.setdefault(key, {})
            before = json.dumps(entry, sort_keys=True)
            result = change(entry)
            if json.dumps(entry, sort_keys=True) != before:
                self._write(entries)
            return result

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}  # no file yet, or a damaged one: start afresh
        return data if isinstance(data, dict) else {}

    def _write(self, entries: dict[str, dict[str, Any]]) -> None:
        """Replace the file atomically, created with mode 0600 (it holds tokens)."""
        fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".tokens-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(entries, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
