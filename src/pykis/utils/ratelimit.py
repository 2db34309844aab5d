"""Client-side rate limiting: stay under KIS's per-second limit per app key, across every
thread, task and process that shares the key.

Two limiters, both exact and both shared through the same stores:

* ``Window(calls, seconds)``: at most ``calls`` calls in *any* trailing window of
  ``seconds``. Each key keeps a log of its last ``calls`` booked send times; a call books
  the later of now and the oldest of them plus ``seconds``. A burst that fits the window
  leaves at once; calls that find it full leave one ``seconds / calls`` apart, as the
  spaced limiter would send them, rather than as one burst a window: bursts that follow
  each other land together on the server, queue there, and a queue that drains slower
  once than the next time eats the margin below (bench/client_ratelimit.py saw it: 3
  EGW00201 in one of four 30 s runs of 20 calls every 1.05 s; none once queued calls were
  spaced).
* ``Rate(per_second, burst)``: calls evenly spaced, ``1 / per_second`` apart (GCRA, the
  generic cell rate algorithm: a token bucket written as one timestamp per key, the
  theoretical arrival time or TAT). A burst is spread out.

Either way a call reserves its slot and learns how long to wait for it; the store updates
the key atomically and the caller sleeps *after* the reservation, never while holding a
lock. Because every call books a slot, callers queue up fairly instead of retrying.

Stores keep the state where the sharing happens:

* ``MemoryStore``  threads and tasks of one process
* ``FileStore``    every process on the machine (a small file per key, under ``flock``)
* ``RedisStore``   processes on several machines (a Lua script, Redis's own clock)

Which limiter is the default, from what is known of KIS (kis-reference, "Rate limits"):

* KIS states its limit as a count of calls per second per app key: 20 (real) and 2
  (paper), EGW00201 "초당 거래건수를 초과하였습니다" beyond it [S]. A count in a second
  is a window, not a spacing.
* Clients report that the limit "behaves like a per-second bucket": a retry ~1 s later
  succeeds, and in paper three calls 300 ms apart are refused [S]. A bucket refilling at
  2/s would have taken the third (it holds 1.2 tokens by then); a window of one second
  holds three calls and refuses it. So KIS counts calls in a window; it does not smooth
  them. Whether the window slides or starts on each clock second is not documented [U].
* ``Window`` keeps at most N calls in *every* window of its width, and a second that
  starts on the clock is one of those windows: it obeys both readings. It sends a burst
  that fits (a 300-symbol snapshot: 10 multi-quote calls) at once, where ``Rate`` spaces
  the same calls over half a second that KIS does not ask for.

So ``Window`` is the default (``DEFAULT_RATES``, ``LIMITERS["window"]``). The evenly
spaced limiter stays one argument away (``KIS(..., rate="spaced")`` or ``rate=Rate(...)``)
for a gateway that turns out to smooth after all.

The safety margin. The limiter books send times; KIS counts arrivals, which come later by
the sleep's overshoot, the scheduler and the network. Only the *spread* of those delays
matters, and both defaults leave the same room for it:

* real, ``Window(20, 1.05)``: any 21 booked calls span at least 1.05 s, so KIS sees 21 in
  one second (the first it refuses) only if two calls' delays differ by more than 50 ms.
  Sustained, 20 calls per 1.05 s is 19.05/s. The spaced ``Rate(19)`` leaves 52.6 ms the
  same way (21 calls span 20/19 s) for 19/s.
* paper, ``Window(2, 1.25)``: any 3 calls span at least 1.25 s, 250 ms of room, 1.6/s
  sustained: the same as the spaced ``Rate(1.6)``.

Bursts of the full count are what KIS's paper limit is reported to take (two at once
pass, more fail). A margin is no guarantee against a network that holds calls back for
longer; a refused call is retried by the client (``RetryPolicy``).

Every process sharing a key must use the same limiter: a ``Window`` and a ``Rate`` keep
different state (a log and a TAT) and do not see each other's calls.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
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
    "LIMITERS",
    "Limit",
    "MemoryStore",
    "Rate",
    "RateLimiter",
    "RateStore",
    "RedisStore",
    "SPACED_RATES",
    "WINDOWS",
    "Window",
    "gcra",
    "limit_for",
    "window_slot",
]


@dataclass(frozen=True, slots=True)
class Rate:
    """Calls evenly spaced: ``per_second`` sustained, and up to ``burst`` at once."""

    per_second: float
    burst: int = 1

    def __post_init__(self) -> None:
        if not self.per_second > 0 or self.burst < 1:
            raise ValueError("a rate needs per_second > 0 and burst >= 1")

    @property
    def interval(self) -> float:
        return 1.0 / self.per_second


@dataclass(frozen=True, slots=True)
class Window:
    """At most ``calls`` calls in any window of ``seconds``: as many at once as the window
    has room for, and the calls that find it full one ``interval`` apart."""

    calls: int
    seconds: float = 1.0

    def __post_init__(self) -> None:
        whole = isinstance(self.calls, int) and not isinstance(self.calls, bool)
        if not (whole and self.calls >= 1 and 0 < self.seconds < math.inf):
            raise ValueError("a window needs calls >= 1 (a whole number) and 0 < seconds")

    @property
    def per_second(self) -> float:
        """The sustained rate: a full window every ``seconds``."""
        return self.calls / self.seconds

    @property
    def interval(self) -> float:
        """How far apart calls that had to wait leave: evenly, at the sustained rate."""
        return self.seconds / self.calls


Limit = Rate | Window

# The module docstring says why these and not others; both pairs leave KIS the same room.
WINDOWS: dict[str, Limit] = {"real": Window(20, 1.05), "paper": Window(2, 1.25)}
SPACED_RATES: dict[str, Limit] = {"real": Rate(19.0), "paper": Rate(1.6)}
LIMITERS = {"window": WINDOWS, "spaced": SPACED_RATES}
DEFAULT_RATES = WINDOWS  # what a client uses unless told otherwise


def limit_for(environment: str, rate: Limit | str | None = None) -> Limit:
    """The limit a client of ``environment`` ("real", "paper") keeps: ``rate`` itself, the
    named limiter's default for the environment ("window", "spaced"), or the default."""
    if rate is None:
        return DEFAULT_RATES[environment]
    if isinstance(rate, str):
        if rate not in LIMITERS:
            raise ValueError(f"no limiter named {rate!r}: {' or '.join(LIMITERS)}")
        return LIMITERS[rate][environment]
    if isinstance(rate, Rate | Window):
        return rate
    raise TypeError(f"a rate limit is a Rate or a Window, not {type(rate).__name__}")


def gcra(tat: float, now: float, rate: Rate) -> tuple[float, float]:
    """(seconds to wait before this call, the key's new TAT)."""
    tat = max(tat, now)
    tolerance = (rate.burst - 1) * rate.interval
    return max(0.0, tat - tolerance - now), tat + rate.interval


def window_slot(log: Sequence[float], now: float, window: Window) -> tuple[float, list[float]]:
    """(seconds to wait before this call, the key's new log).

    ``log`` holds the key's last booked send times, oldest first. The call goes when it is
    at least ``window.seconds`` after the ``calls``-th latest of them, so no window of that
    width ever holds more than ``calls``. A call that has to wait, or finds others waiting,
    also waits its turn, ``window.interval`` after the latest: a full window releases its
    queue evenly, not as one burst a window (which lands all at once on the server and
    queues there). Slots only move forward (each is at least the one before it), so the
    log stays sorted, and only its last ``calls`` entries matter. (Only a full log can
    hold a slot still to come: no call waits before ``calls`` have been booked.)
    """
    slot = now
    if len(log) >= window.calls:
        slot = max(now, log[-window.calls] + window.seconds)
        if slot > now or log[-1] > now:
            slot = max(slot, log[-1] + window.interval)
    kept = list(log[max(0, len(log) - window.calls + 1):])
    return slot - now, [*kept, slot]


class RateStore(Protocol):
    """Where each key's state lives; ``reserve`` is atomic across everyone sharing it."""

    def reserve(self, key: str, rate: Limit) -> float:
        """Book the next slot of ``key``; return the seconds to wait for it."""

    async def areserve(self, key: str, rate: Limit) -> float:
        """``reserve`` for async callers, without blocking the event loop."""


class MemoryStore:
    """TATs and logs in this process, shared by its threads and tasks."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tats: dict[str, float] = {}
        self._logs: dict[str, list[float]] = {}
        self._lock = threading.Lock()  # held for microseconds, never across a sleep

    def reserve(self, key: str, rate: Limit) -> float:
        with self._lock:
            now = self._clock()
            if isinstance(rate, Window):
                delay, self._logs[key] = window_slot(self._logs.get(key, ()), now, rate)
            else:
                delay, self._tats[key] = gcra(self._tats.get(key, 0.0), now, rate)
        return delay

    async def areserve(self, key: str, rate: Limit) -> float:
        return self.reserve(key, rate)


class FileStore:
    """TATs and logs in small files in ``directory``, shared by every process on this
    machine.

    A key's file holds its state and when it was written, in ``time.monotonic()`` seconds
    (CLOCK_MONOTONIC: one clock for the whole machine, blind to wall-clock jumps): a TAT
    for a ``Rate`` (``*.tat``), the log of booked send times for a ``Window`` (``*.log``).
    A reservation reads, computes and writes under an exclusive ``flock`` on that file, so
    processes book one after another; the lock goes with the descriptor, so a process
    that dies never leaves a key locked.

    POSIX only (Linux, macOS). Windows has no ``flock``; use ``RedisStore`` there.
    """

    def __init__(self, directory: str | Path, clock: Callable[[], float] = time.monotonic) -> None:
        if fcntl is None:
            raise RuntimeError("FileStore needs fcntl.flock (Linux, macOS); use RedisStore")
        self.directory = Path(directory)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._clock = clock

    def reserve(self, key: str, rate: Limit) -> float:
        window = isinstance(rate, Window)
        # O_NOFOLLOW: a symlink planted in a shared directory must not redirect our writes.
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
        fd = os.open(self._path(key, ".log" if window else ".tat"), flags, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # blocking: the kernel queues waiters, no polling
            now = self._clock()  # read under the lock, so slots only move forward
            if window:
                delay, log = window_slot(_read_times(fd, now), now, rate)
                _write_times(fd, now, log)
            else:
                times = _read_times(fd, now)
                delay, tat = gcra(times[0] if len(times) == 1 else 0.0, now, rate)
                _write_times(fd, now, [tat])
        finally:
            os.close(fd)  # releases the lock before the caller sleeps
        return delay

    async def areserve(self, key: str, rate: Limit) -> float:
        # flock may wait for another process: keep that off the event loop.
        return await asyncio.to_thread(self.reserve, key, rate)

    def _path(self, key: str, suffix: str) -> Path:
        # Keys may hold "/", "..", NUL or anything else; a digest is always a safe name.
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        return self.directory / f"{digest[:32]}{suffix}"


_MAX_FILE = 1 << 20  # a log of 50,000 send times; anything longer is not ours


def _read_times(fd: int, now: float) -> list[float]:
    """The file's times (a TAT, or a log); none (no history) if the file is empty, torn,
    foreign or stale."""
    size = os.fstat(fd).st_size
    if size > _MAX_FILE:
        return []
    try:
        line = os.pread(fd, size, 0).split(b"\n", 1)[0]
        *times, written_at = map(float, line.split())
    except ValueError:
        return []
    # CLOCK_MONOTONIC restarts at boot: a file written "after" now comes from an earlier
    # boot, and its times could be days ahead of the new clock.
    if not (all(map(math.isfinite, times)) and written_at <= now and times == sorted(times)):
        return []
    return times


def _write_times(fd: int, now: float, times: list[float]) -> None:
    # One line, read back up to its newline: a crash between the write and the truncation
    # leaves an old tail that is never read. Not crash-atomic, and need not be: a torn
    # file reads as no history, which costs at most one burst. No fsync either: the
    # times are worthless after a reboot.
    data = " ".join(map(repr, [*times, now])).encode() + b"\n"
    os.pwrite(fd, data, 0)
    os.ftruncate(fd, len(data))


# Both scripts run in Redis, by Redis's clock, in integer microseconds (exact in Lua's
# doubles), and return the microseconds to wait. A key expires a little after it stops
# mattering (its TAT; its last slot plus the window), so idle keys vanish.
_NOW_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
"""
# GCRA. KEYS[1] holds the TAT; ARGV: interval, burst tolerance, expiry margin (ms).
_GCRA_LUA = _NOW_LUA + """
local tat = math.max(tonumber(redis.call('GET', KEYS[1])) or 0, now)
local delay = math.max(0, tat - tonumber(ARGV[2]) - now)
local new_tat = tat + tonumber(ARGV[1])
local ttl = math.ceil((new_tat - now) / 1000) + tonumber(ARGV[3])
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', ttl)
return delay
"""
# The window's log. KEYS[1] is a list of booked send times, oldest first, at most ARGV[1]
# long; ARGV: calls, window, expiry margin (ms), interval.
_WINDOW_LUA = _NOW_LUA + """
local calls, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local slot = now
if redis.call('LLEN', KEYS[1]) >= calls then
  slot = math.max(now, tonumber(redis.call('LINDEX', KEYS[1], -calls)) + window)
  local last = tonumber(redis.call('LINDEX', KEYS[1], -1))
  if slot > now or last > now then
    slot = math.max(slot, last + tonumber(ARGV[4]))
  end
end
redis.call('RPUSH', KEYS[1], string.format('%.0f', slot))
redis.call('LTRIM', KEYS[1], -calls, -1)
redis.call('PEXPIRE', KEYS[1], math.ceil((slot + window - now) / 1000) + tonumber(ARGV[3]))
return slot - now
"""
_EXPIRY_MARGIN_MS = 1000


class RedisStore:
    """TATs and logs in Redis, shared by processes on every machine that reaches it.

    One Lua script reads and writes a key atomically and takes the time from Redis
    (``TIME``), so machines whose clocks disagree still share one schedule. Needs a
    Redis 5+ server (a script that reads TIME before writing). A ``Window`` keeps its log
    in a list under ``prefix + "w:" + key``, a ``Rate`` its TAT under ``prefix + key``.

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
        self._scripts = {kind: self._client.register_script(lua) for kind, lua in _SCRIPTS}
        self._async_scripts = {kind: self._async_client.register_script(lua)
                               for kind, lua in _SCRIPTS}
        self.prefix = prefix

    def reserve(self, key: str, rate: Limit) -> float:
        script = self._scripts[type(rate)]
        return _seconds(script(keys=[self._key(key, rate)], args=_script_args(rate)))

    async def areserve(self, key: str, rate: Limit) -> float:
        script = self._async_scripts[type(rate)]
        return _seconds(await script(keys=[self._key(key, rate)], args=_script_args(rate)))

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    async def aclose(self) -> None:
        if self._owns_async_client:
            await self._async_client.aclose()

    def _key(self, key: str, rate: Limit) -> str:
        return self.prefix + ("w:" if isinstance(rate, Window) else "") + key


_SCRIPTS = ((Rate, _GCRA_LUA), (Window, _WINDOW_LUA))


def _import_redis() -> Any:
    try:
        import redis
        import redis.asyncio
    except ImportError as error:
        raise ImportError("RedisStore needs redis: pip install 'pykis[redis]'") from error
    return redis


def _script_args(rate: Limit) -> list[int]:
    # Rounded up: a microsecond slower than asked, never faster.
    if isinstance(rate, Window):
        return [rate.calls, _microseconds(rate.seconds), _EXPIRY_MARGIN_MS,
                _microseconds(rate.interval)]
    interval = _microseconds(rate.interval)
    return [interval, (rate.burst - 1) * interval, _EXPIRY_MARGIN_MS]


def _microseconds(seconds: float) -> int:
    return math.ceil(seconds * 1_000_000)


def _seconds(microseconds: Any) -> float:
    return int(microseconds) / 1_000_000


class RateLimiter:
    """A limit per key (a ``Window`` or a ``Rate``) over a shared store."""

    def __init__(self, rate: Limit, store: RateStore | None = None) -> None:
        if not isinstance(rate, Rate | Window):
            raise TypeError(f"a rate limit is a Rate or a Window, not {type(rate).__name__}")
        self.rate = rate
        self.store = store or MemoryStore()

    def reserve(self, key: str) -> float:
        return self.store.reserve(key, self.rate)

    async def areserve(self, key: str) -> float:
        return await self.store.areserve(key, self.rate)
