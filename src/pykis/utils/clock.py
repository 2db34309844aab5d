"""Time as an input: what waits or reads the time takes a ``Clock``.

``SYSTEM`` is the wall clock and is what every default is, so production behaves as
before. ``ManualClock`` is simulated time: it stands still until advanced, and sleeping
on it advances it (in one thread, time passes while you sleep), so code that waits for
seconds runs in microseconds and the same every run. ``VirtualTimeLoop`` is an asyncio
event loop on a ``ManualClock``: when every task waits, it jumps to the next timer
instead of blocking (the pattern of trio's ``MockClock(autojump_threshold=0)``), so
``asyncio.sleep``, ``asyncio.timeout`` and ``wait_for`` all run in simulated time.

Simulated time suits work that stays in this process (the simulator's in-process
transports): a real socket or another process is not on the simulated clock.
"""

from __future__ import annotations

import asyncio
import selectors
import threading
import time
from collections.abc import Coroutine
from typing import Any, Protocol, TypeVar, runtime_checkable

__all__ = ["SYSTEM", "Clock", "ManualClock", "SystemClock", "VirtualTimeLoop", "run_virtual"]

T = TypeVar("T")
# The least a jump moves time: an epoch time near 1.8e9 s changes in steps of 2.4e-7 s,
# so a shorter jump could leave ``time()`` where it was, and a waiter on it waiting.
MIN_JUMP = 1e-6


@runtime_checkable
class Clock(Protocol):
    def time(self) -> float:
        """Seconds since the epoch (what ``time.time`` says)."""
        ...

    def monotonic(self) -> float:
        """Seconds for measuring intervals and deadlines (what ``time.monotonic`` says)."""
        ...

    def sleep(self, seconds: float) -> None: ...

    async def asleep(self, seconds: float) -> None: ...


class SystemClock:
    """The machine's clocks, and real waiting."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def __call__(self) -> float:
        return time.time()

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemClock()


class ManualClock:
    """Simulated time, moved by ``advance`` and by sleeping on it. Thread-safe; calling
    it gives ``time()``, so it can stand where a ``Callable[[], float]`` wall clock is
    asked for (``KIS(clock=...)``, ``SimClock(wall=...)``)."""

    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self._epoch = float(start)
        self._elapsed = 0.0
        self._lock = threading.Lock()

    def time(self) -> float:
        return self._epoch + self._elapsed

    def monotonic(self) -> float:
        return self._elapsed

    def advance(self, seconds: float) -> float:
        """Move time forward by ``seconds`` (never back); returns ``monotonic()``."""
        if seconds < 0:
            raise ValueError("a clock moves forward only")
        with self._lock:
            self._elapsed += seconds
            return self._elapsed

    def advance_to(self, monotonic: float) -> None:
        with self._lock:
            self._elapsed = max(self._elapsed, monotonic)

    def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))

    async def asleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        if isinstance(loop, VirtualTimeLoop) and loop.clock is self:
            await asyncio.sleep(seconds)  # the loop jumps when every task waits
        else:
            self.sleep(seconds)
            await asyncio.sleep(0)

    def __call__(self) -> float:
        return self.time()

    def __repr__(self) -> str:
        return f"ManualClock(monotonic={self._elapsed:.3f})"


class _JumpingSelector(selectors.BaseSelector):
    """A selector that, when nothing is ready and the loop would block until its next
    timer, moves the clock to that timer instead. It still waits for real while work
    handed to threads (``run_in_executor``, ``asyncio.to_thread``) is running, or when no
    timer is due at all (only a thread or a real socket can wake the loop then)."""

    def __init__(self, clock: ManualClock, loop_busy: list[int]) -> None:
        self._inner = selectors.DefaultSelector()
        self._clock, self._busy = clock, loop_busy

    def register(self, fileobj, events, data=None):
        return self._inner.register(fileobj, events, data)

    def unregister(self, fileobj):
        return self._inner.unregister(fileobj)

    def modify(self, fileobj, events, data=None):
        return self._inner.modify(fileobj, events, data)

    def select(self, timeout: float | None = None):
        ready = self._inner.select(0)
        if ready or timeout is not None and timeout <= 0:
            return ready
        if timeout is None or self._busy[0]:
            return self._inner.select(timeout)
        self._clock.advance(max(timeout, MIN_JUMP))
        return []

    def close(self) -> None:
        self._inner.close()

    def get_key(self, fileobj):
        return self._inner.get_key(fileobj)

    def get_map(self):
        return self._inner.get_map()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose time is ``clock.monotonic()`` and which jumps over idle time."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self._threads = [0]  # jobs running in threads: real time passes for those
        super().__init__(_JumpingSelector(clock, self._threads))

    def time(self) -> float:
        return self.clock.monotonic()

    def call_at(self, when, callback, *args, context=None):
        # Every timer lies ahead by MIN_JUMP at least, well past the clock's resolution
        # (asyncio fires timers due within it at once): else a waiter for "now and a
        # hair" would be woken with the clock where it was, on a clock that does not
        # move by itself, and wait for that hair again and again.
        return super().call_at(max(when, self.time() + MIN_JUMP), callback, *args,
                               context=context)

    def run_in_executor(self, executor, func, *args):
        future = super().run_in_executor(executor, func, *args)
        self._threads[0] += 1

        def done(_: Any) -> None:
            self._threads[0] -= 1

        future.add_done_callback(done)
        return future


def run_virtual(main: Coroutine[Any, Any, T], clock: ManualClock | None = None) -> T:
    """``asyncio.run(main)`` in simulated time on ``clock`` (a new one by default)."""
    clock = clock or ManualClock()
    with asyncio.Runner(loop_factory=lambda: VirtualTimeLoop(clock)) as runner:
        return runner.run(main)
