"""Per-app-key request limits, as KIS's gateway enforces them (EGW00201).

KIS describes the limit as "per second"; clients see it behave like a one-second bucket.
The default here is the stricter reading, a sliding one-second window, so a client that
stays under it here stays under it at KIS. ``fixed`` counts whole calendar seconds.
Refused calls do not count. Real time (monotonic), not simulator time: a frozen clock
must not freeze the window.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum

__all__ = ["RateLimiter", "WindowKind"]


class WindowKind(StrEnum):
    SLIDING = "sliding"
    FIXED = "fixed"


class RateLimiter:
    def __init__(
        self,
        kind: WindowKind = WindowKind.SLIDING,
        window: float = 1.0,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kind, self.window, self._now = WindowKind(kind), window, now
        self._calls: dict[str, deque[float]] = {}

    def allow(self, key: str, limit: int) -> bool:
        """Count a call for ``key`` if fewer than ``limit`` fall in the current window."""
        if limit <= 0:
            return True  # 0 disables the limit
        now = self._now()
        calls = self._calls.setdefault(key, deque())
        if self.kind is WindowKind.FIXED:
            second_start = math.floor(now / self.window) * self.window
            while calls and calls[0] < second_start:
                calls.popleft()
        else:
            while calls and calls[0] <= now - self.window:
                calls.popleft()
        if len(calls) >= limit:
            return False
        calls.append(now)
        return True

    def reset(self) -> None:
        self._calls.clear()
