"""Access tokens and where they are kept, so that threads, tasks and processes sharing an
app key share one token and issue a new one only when it is needed, exactly once.

A store answers one question atomically: *may I use a token, must I issue one, or must I
wait?* Issuing takes a short lease on the entry, so concurrent callers wait for the
issuer instead of issuing too; the lease expires, so a crashed issuer cannot block the
others. No lock is ever held while a request is in flight or while anyone sleeps.

The file is untrusted input: every entry is checked when read (a damaged one is dropped,
logged, and the file repaired on the next write), times from a clock that ran ahead
never make anyone wait longer than KIS's rules could require (a lease its 30 s, the
issuance rule its minute), and a file that others may read or write is made private
before it is used (a file of another user is refused).

``FileTokenStore`` keeps the entries in one JSON file (mode 0600, replaced atomically),
keyed by environment and a hash of the server and app key, under a ``filelock`` lock
file: every process on the machine shares it, and a restart on the same day reuses the
token. Entries written before the server was part of the key (``legacy_entry_key``) are
still read as entries: the manager takes one over for KIS's hosts (``adopt``). A server
that starts afresh at a URL (a restarted ``pykis sim``) drops the entries of its app keys
(``forget``): the tokens and issuance times they hold were another server's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import stat
import tempfile
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock

from pykis.exceptions import InvalidInputError

__all__ = ["FileTokenStore", "Issue", "MemoryTokenStore", "Token", "TokenStore", "Use", "Wait",
           "entry_key", "legacy_entry_key", "valid_entry"]

LEASE_SECONDS = 30.0  # an issuer that crashed releases its lease after this long
LOCK_SLACK = 30.0  # how stale a caller's clock reading may be when it gets the lock
MAX_LIFETIME = 400 * 86_400.0  # longer than any token KIS issues (90 days for partners)

log = logging.getLogger("pykis")


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


def legacy_entry_key(environment: str, app_key: str) -> str:
    """The key PyKIS used before the server was part of it: environment and app key."""
    return f"{environment}:{hashlib.sha256(app_key.encode()).hexdigest()[:24]}"


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
    # A lease "until" far more than its length ahead was taken by a clock that ran fast:
    # no issuer holds a lease that long, so it is over. "Far": a caller reads its clock
    # before it waits for the store's lock, so a lease taken meanwhile by another thread
    # or process is a little more than its length ahead of that reading; counted as
    # over, it cost the caller a whole minute's wait while the token was on its way.
    if lease and now < lease["until"] <= now + LEASE_SECONDS + LOCK_SLACK:
        return Wait(0.05)  # someone else is issuing: their token will be here soon
    last_call = entry.get("last_call", 0.0)
    if last_call > now + interval:  # recorded by a clock that ran ahead: not a real call
        last_call = 0.0
    if now - last_call < interval:  # KIS allows one issuance call per interval
        # never longer than the interval: a call "in the future" was a skewed clock
        return Wait(min(interval - (now - last_call), interval) + 0.01)
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


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def valid_entry(entry: object) -> dict[str, Any] | None:
    """``entry`` as read from a store, with what cannot be trusted taken out: None when
    it is not an entry at all."""
    if not isinstance(entry, dict):
        return None
    clean: dict[str, Any] = {name: None for name in ("token", "lease")
                             if name in entry and entry[name] is None}
    token = entry.get("token")
    if isinstance(token, dict) and isinstance(token.get("value"), str) and token["value"] \
            and _number(token.get("expires_at")) and _number(token.get("issued_at")) \
            and 0 < token["expires_at"] - token["issued_at"] <= MAX_LIFETIME:
        clean["token"] = {k: token[k] for k in ("value", "expires_at", "issued_at")}
    lease = entry.get("lease")
    if isinstance(lease, dict) and isinstance(lease.get("owner"), str) \
            and _number(lease.get("until")) and _number(lease.get("previous", 0.0)):
        clean["lease"] = {"owner": lease["owner"], "until": lease["until"],
                          "previous": lease.get("previous", 0.0)}
    if _number(entry.get("last_call")):
        clean["last_call"] = entry["last_call"]
    return clean


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

    def forget(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._entries.pop(key, None)


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

    def adopt(self, key: str, legacy: str) -> None:
        """Move the entry kept under ``legacy`` to ``key`` if ``key`` has none yet."""
        def move(entries: dict[str, dict[str, Any]]) -> bool:
            if legacy not in entries or key in entries:
                return False
            entries[key] = entries.pop(legacy)
            return True

        self._change(move)

    def forget(self, keys: list[str]) -> None:
        """Drop the entries of ``keys``: their server started afresh and knows none of
        their tokens, nor when they were issued."""
        def drop(entries: dict[str, dict[str, Any]]) -> bool:
            found = [key for key in keys if key in entries]
            for key in found:
                del entries[key]
            return bool(found)

        self._change(drop)

    def _change(self, change) -> None:
        """Apply ``change`` to all entries under the lock; written if it says it changed
        something (or the file needed repair)."""
        if not self.path.exists():
            return
        with FileLock(self._lock_path, mode=0o600):
            entries, damaged = self._read()
            if change(entries) or damaged:
                self._write(entries)

    def _update(self, key: str, change):
        # A new FileLock per call: filelock locks per thread, so threads of this
        # process exclude each other as other processes do.
        with FileLock(self._lock_path, mode=0o600):
            entries, damaged = self._read()
            entry = entries.setdefault(key, {})
            before = json.dumps(entry, sort_keys=True)
            result = change(entry)
            if damaged or json.dumps(entry, sort_keys=True) != before:
                self._write(entries)
            return result

    def _read(self) -> tuple[dict[str, dict[str, Any]], bool]:
        """The trustworthy entries, and whether anything had to be dropped."""
        if not self.path.exists():
            return {}, False
        self._secure()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}, False
        except (ValueError, UnicodeDecodeError, RecursionError):
            log.warning("the token file %s is damaged: it is started afresh", self.path)
            return {}, True
        if not isinstance(data, dict):
            log.warning("the token file %s is not a map of entries: started afresh", self.path)
            return {}, True
        entries = {}
        for key, raw in data.items():
            entry = valid_entry(raw) if isinstance(key, str) else None
            if entry is not None:
                entries[key] = entry
        damaged = json.dumps(entries, sort_keys=True) != json.dumps(data, sort_keys=True,
                                                                     default=str)
        if damaged:
            log.warning("the token file %s had entries that cannot be trusted: they were "
                        "dropped", self.path)
        return entries, damaged

    def _secure(self) -> None:
        """Tokens are secrets: a file of another user is refused, one that others may
        read or write is made private first (and the user told)."""
        status = self.path.stat()
        if hasattr(os, "getuid") and status.st_uid != os.getuid():
            raise InvalidInputError("token_path", str(self.path), "a file of your own (this "
                                    f"one belongs to user {status.st_uid})")
        if status.st_mode & 0o077:
            os.chmod(self.path, 0o600)
            log.warning("the token file %s could be read by others (mode %o): it is private "
                        "now (0600); a token in it may have been seen", self.path,
                        stat.S_IMODE(status.st_mode))

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
