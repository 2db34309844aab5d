"""The simulator's clock: wall-clock KST, or a time set and advanced by tests.

Tests never wait on real time: they freeze the clock and advance it. ``pykis sim`` runs
on the wall clock; ``set`` without freezing jumps to a moment and keeps ticking from it.
``speed`` is how fast simulator time runs against the wall clock while it is not frozen:
at 60 a wall second is a simulated minute (a replayed day in six and a half minutes).

``source`` is the time the simulator runs on: the machine's (``pykis.utils.clock.SYSTEM``)
unless ``follow`` puts it on another, e.g. a test's ``ManualClock``, which then moves the
market, the real-time sessions' network faults and heartbeats, and the in-process
transport's delays together, in simulated time.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from pykis.market.calendar import KST
from pykis.utils.clock import SYSTEM, Clock

__all__ = ["SimClock"]


class SimClock:
    """Current simulator time, always a KST-aware datetime."""

    def __init__(
        self,
        start: dt.datetime | None = None,
        *,
        frozen: bool = False,
        wall: Callable[[], float] = time.time,
        speed: float = 1.0,
    ) -> None:
        if not (isinstance(speed, int | float) and 0 < speed < 1e6):
            raise ValueError("speed must be a positive factor on the wall clock")
        self._wall = wall
        self.source: Clock = SYSTEM
        self._lock = threading.Lock()
        self.speed = float(speed)
        # While running: simulator time = _origin + (wall - _wall_origin) × speed.
        self._wall_origin = wall()
        self._origin = self._wall_origin
        self._frozen_at: float | None = None
        if start is not None or frozen:
            self.set(start or self.now(), frozen=frozen)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def timestamp(self) -> float:
        """Seconds since the epoch, simulator time."""
        frozen_at = self._frozen_at
        if frozen_at is not None:
            return frozen_at
        return self._origin + (self._wall() - self._wall_origin) * self.speed

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.timestamp(), KST)

    def follow(self, source: Clock) -> None:
        """Run on ``source`` from now on (the moment and the frozen state are kept):
        simulator time advances as ``source.time()`` does, times ``speed``."""
        with self._lock:
            moment = self.timestamp()
            self.source, self._wall = source, source.time
            if self._frozen_at is None:
                self._origin, self._wall_origin = moment, source.time()

    def set(self, moment: dt.datetime, *, frozen: bool | None = None) -> None:
        """Jump to ``moment`` (naive means KST); keep or change the frozen state."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=KST)
        target = moment.timestamp()
        with self._lock:
            stay_frozen = self.frozen if frozen is None else frozen
            if stay_frozen:
                self._frozen_at = target
            else:
                self._frozen_at = None
                self._origin, self._wall_origin = target, self._wall()

    def advance(self, seconds: float) -> dt.datetime:
        """Move the clock forward (frozen or not) and return the new time."""
        if not 0 <= seconds < 100 * 366 * 86_400:
            raise ValueError("advance by 0 to 100 years; use set() to go back")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._origin += seconds
        return self.now()
