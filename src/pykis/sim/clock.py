"""The simulator's clock: wall-clock KST, or a time set and advanced by tests.

Tests never wait on real time: they freeze the clock and advance it. ``pykis sim`` runs
on the wall clock; ``set`` without freezing jumps to a moment and keeps ticking from it.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from pykis.market.calendar import KST

__all__ = ["SimClock"]


class SimClock:
    """Current simulator time, always a KST-aware datetime."""

    def __init__(
        self,
        start: dt.datetime | None = None,
        *,
        frozen: bool = False,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._wall = wall
        self._lock = threading.Lock()
        self._offset = 0.0  # seconds added to the wall clock while running
        self._frozen_at: float | None = None
        if start is not None or frozen:
            self.set(start or self.now(), frozen=frozen)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def timestamp(self) -> float:
        """Seconds since the epoch, simulator time."""
        frozen_at = self._frozen_at
        return frozen_at if frozen_at is not None else self._wall() + self._offset

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.timestamp(), KST)

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
                self._offset = target - self._wall()

    def advance(self, seconds: float) -> dt.datetime:
        """Move the clock forward (frozen or not) and return the new time."""
        if not 0 <= seconds < 100 * 366 * 86_400:
            raise ValueError("advance by 0 to 100 years; use set() to go back")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds
        return self.now()
