"""Client-side rate limiting: stay under KIS's per-second limit per app key, across every
thread, task and process that shares the key.

The algorithm is GCRA (the generic cell rate algorithm, a token bucket written as one
timestamp): each key has a theoretical arrival time (TAT). A call reserves the next slot
and learns how long to wait for it; the store updates the TAT atomically and the caller
sleeps *after* the reservation, never while holding a lock. Because every call books a
slot, callers queue up fairly instead of retrying.

Stores keep the TAT where the sharing happens:

* ``MemoryStore``  threads and tasks of one process
* ``FileStore``    every process on the machine (a small file per key, under ``flock``)
* ``RedisStore``   processes on several machines (a Lua script, Redis's own clock)

KIS documents 20 calls/s (real) and 2 calls/s (paper) per app key; the gateway behaves
like a one-second window, so the defaults stay below those with no burst: in any second
at most ``floor(rate) + burst`` calls leave.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

try:
    import fcntl
except ImportError:  # Windows: everything but FileStore still works
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    import redis
    import redis.asyncio

__all__ = [
    "DEFAULT_RATES",
    "FileStore",
    "MemoryStore",
    "Rate",
    "RateLimiter",
    "RateStore",
    "RedisStore",
    "gcra",
]


@dataclass(frozen=True, slots=True)
class Rate:
    """``per_second`` sustained calls, and up to ``burst`` calls at once."""

    per_second: float
    burst: int = 1

    def __post_init__(self) -> None:
        if not self.per_second > 0 or self.burst < 1:
            raise ValueError("a rate needs per_second > 0 and burst >= 1")

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second


# Below KIS's 20/s and 2/s: 19/s is what busy KIS clients run at without EGW00201 (the
# client benchmark measured none at 19/s and some at 20/s); paper keeps more room.
DEFAULT_RATES = {"real": Rate(19.0, 1), "paper": Rate(1.6, 1)}


def gcra(tat: float, now: float, rate: Rate) -> tuple[float, float]:
    """(seconds to wait before this call, the key's new TAT)."""
    tat = max(tat, now)
    tolerance = (rate.burst - 1) * rate.interval
    return max(0.0, tat - tolerance - now), tat + rate.interval


class RateStore(Protocol):
    """Where the TATs live; ``reserve`` is atomic across everyone sharing the store."""

    def reserve(self, key: str, rate: Rate) -> float:
        """Book the next slot of ``key``; return the seconds to wait for it."""

    async def areserve(self, key: str, rate: Rate) -> float:
        """``reserve`` for async callers, without blocking the event loop."""


class MemoryStore:
    """TATs in this process, shared by its threads and tasks."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tats: dict[str, float] = {}
        self._lock = threading.Lock()  # held for microseconds, never across a sleep

    def reserve(self, key: str, rate: Rate) -> float:
        with self._lock:
            delay, self._tats[key] = gcra(self._tats.get(key, 0.0), self._clock(), rate)
        return delay

    async def areserve(self, key: str, rate: Rate) -> float:
        return self.reserve(key, rate)


class FileStore:
    """TATs in small files in ``directory``, shared by every process on this machine.

    A key's file holds its TAT and when it was written, both in ``time.monotonic()``
    seconds (CLOCK_MONOTONIC: one clock for the whole machine, blind to wall-clock jumps).
    A reservation reads, computes and writes under an exclusive ``flock`` on that file;
    the lock goes with the descriptor, so a process that dies never leaves a key locked.

    POSIX only (Linux, macOS). Windows has no ``flock``; use ``RedisStore`` there.
    """

    def __init__(self, directory: str | Path, clock: Callable[[], float] = time.monotonic) -> None:
        if fcntl is None:
            raise RuntimeError("FileStore needs fcntl.flock (Linux, macOS); use RedisStore")
        self.directory = Path(directory)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._clock = clock

    def reserve(self, key: str, rate: Rate) -> float:
        # O_NOFOLLOW: a symlink planted in a shared directory must not redirect our writes.
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
        fd = os.open(self._path(key), flags, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # blocking: the kernel queues waiters, no polling
            now = self._clock()  # read under the lock, so TATs only move forward
            delay, tat = gcra(_read_tat(fd, now), now, rate)
            _write_tat(fd, tat, now)
        finally:
            os.close(fd)  # releases the lock before the caller sleeps
        return delay

    async def areserve(self, key: str, rate: Rate) -> float:
        # flock may wait for another process: keep that off the event loop.
        return await asyncio.to_thread(self.reserve, key, rate)

    def _path(self, key: str) -> Path:
        # Keys may hold "/", "..", NUL or anything else; a digest is always a safe name.
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        return self.directory / f"{digest[:32]}.tat"


def _read_tat(fd: int, now: float) -> float:
    """The file's TAT; 0 (no history) if the file is empty, torn, foreign or stale."""
    try:
        tat, written_at = map(float, os.pread(fd, 64, 0).split())
    except ValueError:
        return 0.0
    # CLOCK_MONOTONIC restarts at boot: a file written "after" now comes from an earlier
    # boot, and its TAT could be days ahead of the new clock.
    if not (math.isfinite(tat) and written_at <= now):
        return 0.0
    return tat


def _write_tat(fd: int, tat: float, now: float) -> None:
    # Not crash-atomic, and need not be: a torn file reads as no history, which costs at
    # most one burst. No fsync either: TATs are worthless after a reboot.
    data = f"{tat!r} {now!r}\n".encode()
    os.pwrite(fd, data, 0)
    os.ftruncate(fd, len(data))


# GCRA in Redis, by Redis's clock, in integer microseconds (exact in Lua's doubles).
# KEYS[1] holds the TAT; ARGV: interval, burst tolerance, expiry margin (ms).
# Returns the microseconds to wait. The key expires a little after its TAT, when it would
# mean nothing anyway, so idle keys vanish.
_GCRA_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = math.max(tonumber(redis.call('GET', KEYS[1])) or 0, now)
local delay = math.max(0, tat - tonumber(ARGV[2]) - now)
local new_tat = tat + tonumber(ARGV[1])
local ttl = math.ceil((new_tat - now) / 1000) + tonumber(ARGV[3])
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', ttl)
return delay
"""
_EXPIRY_MARGIN_MS = 1000


class RedisStore:
    """TATs in Redis, shared by processes on every machine that reaches it.

    One Lua script reads and writes a key atomically and takes the time from Redis
    (``TIME``), so machines whose clocks disagree still share one schedule. Needs a
    Redis 5+ server (a script that reads TIME before writing).

    Clients not given are built from ``url`` (default ``redis://localhost:6379/0``) and
    belong to the store: ``close()`` and ``aclose()`` close those only. An asyncio client
    serves one event loop.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: redis.Redis | None = None,
        async_client: redis.asyncio.Redis | None = None,
        prefix: str = "pykis:rate:",
    ) -> None:
        redis_module = _import_redis()
        url = url or "redis://localhost:6379/0"
        self._owns_client, self._owns_async_client = client is None, async_client is None
        self._client = client or redis_module.Redis.from_url(url)
        self._async_client = async_client or redis_module.asyncio.Redis.from_url(url)
        # register_script: EVALSHA, and EVAL once if the server has not seen the script.
        self._script = self._client.register_script(_GCRA_LUA)
        self._async_script = self._async_client.register_script(_GCRA_LUA)
        self.prefix = prefix

    def reserve(self, key: str, rate: Rate) -> float:
        return _seconds(self._script(keys=[self.prefix + key], args=_script_args(rate)))

    async def areserve(self, key: str, rate: Rate) -> float:
        keys = [self.prefix + key]
        return _seconds(await self._async_script(keys=keys, args=_script_args(rate)))

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    async def aclose(self) -> None:
        if self._owns_async_client:
            await self._async_client.aclose()


def _import_redis() -> Any:
    try:
        import redis
        import redis.asyncio
    except ImportError as error:
        raise ImportError("RedisStore needs redis: pip install 'pykis[redis]'") from error
    return redis


def _script_args(rate: Rate) -> list[int]:
    # Rounded up: a microsecond slower than asked, never faster.
    interval = math.ceil(rate.interval * 1_000_000)
    return [interval, (rate.burst - 1) * interval, _EXPIRY_MARGIN_MS]


def _seconds(microseconds: Any) -> float:
    return int(microseconds) / 1_000_000


class RateLimiter:
    """A rate per key over a shared store."""

    def __init__(self, rate: Rate, store: RateStore | None = None) -> None:
        self.rate = rate
        self.store = store or MemoryStore()

    def reserve(self, key: str) -> float:
        return self.store.reserve(key, self.rate)

    async def areserve(self, key: str) -> float:
        return await self.store.areserve(key, self.rate)
