"""What the rate-limit tests run in threads and in spawned processes.

It lives apart from the test module because a spawned process imports its target by module
name, and pytest's importlib mode gives test modules names that process cannot import.
"""

from __future__ import annotations

import multiprocessing.queues
import multiprocessing.synchronize
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from pykis.utils.ratelimit import FileStore, Rate, RateStore, RedisStore

# (scheduled, departed): when the store said a call may leave, and when it did.
Departure = tuple[float, float]


class RecordingClock:
    """``time.monotonic``, remembering per thread the last reading it gave the store, so a
    test knows each call's exact schedule: that reading plus the delay."""

    def __init__(self) -> None:
        self._readings = threading.local()

    def __call__(self) -> float:
        self._readings.last = now = time.monotonic()
        return now

    def last(self) -> float:
        return self._readings.last


def depart(
    store: RateStore,
    key: str,
    rate: Rate,
    calls: int,
    clock: RecordingClock | None,
    sleep: bool = True,
) -> list[Departure]:
    """Reserve and sleep ``calls`` times. The schedule is exact with a RecordingClock;
    without one it is a lower bound (the store read its clock after ``before``).
    ``sleep=False`` only books, back to back: the hardest contention for the store."""
    departures = []
    for _ in range(calls):
        before = time.monotonic()
        delay = store.reserve(key, rate)
        scheduled = (clock.last() if clock else before) + delay
        if sleep:
            time.sleep(delay)
        departures.append((scheduled, time.monotonic()))
    return departures


def depart_in_threads(
    store: RateStore,
    key: str,
    rate: Rate,
    threads: int,
    calls: int,
    clock: RecordingClock | None = None,
    sleep: bool = True,
) -> list[Departure]:
    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(depart, store, key, rate, calls, clock, sleep)
                   for _ in range(threads)]
    return [departure for future in futures for departure in future.result()]


def file_store_process(
    directory: str,
    key: str,
    rate: Rate,
    threads: int,
    calls: int,
    sleep: bool,
    start: multiprocessing.synchronize.Barrier,
    results: multiprocessing.queues.Queue,
) -> None:
    clock = RecordingClock()
    store = FileStore(directory, clock=clock)
    start.wait(timeout=30)  # every process is up before anyone books: they must contend
    results.put(depart_in_threads(store, key, rate, threads, calls, clock, sleep))


def redis_store_process(
    url: str,
    key: str,
    rate: Rate,
    threads: int,
    calls: int,
    start: multiprocessing.synchronize.Barrier,
    results: multiprocessing.queues.Queue,
) -> None:
    store = RedisStore(url)
    try:
        start.wait(timeout=30)
        results.put(depart_in_threads(store, key, rate, threads, calls))
    finally:
        store.close()
