"""Client test support: ``KIS`` and ``AsyncKIS`` against the simulator, in both environments.

Tests are written once against a synchronous surface; for ``AsyncKIS`` the calls run on
an event loop in a thread (``Awaiting``), so the very same assertions cover both clients.
The client's clock is the simulator's, so token lifetimes and "today" agree with it.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from pykis import KIS, AsyncKIS
from pykis.api.base import RetryPolicy
from pykis.sim import Env, Simulator
from pykis.utils.clock import ManualClock
from pykis.utils.ratelimit import MemoryStore, Rate

FAST_RETRY = RetryPolicy(base=0.01, cap=0.05)
NO_LIMIT = Rate(10_000.0, 100)  # the simulator's limits are off too, unless a test says so


class SimTime:
    """A ``Clock`` for a client of a simulator that follows ``clock``: the time is the
    simulator's (token lifetimes and "today" agree with it) and the client's waits (its
    retry backoff) pass on ``clock``, in simulated time, moving the simulator's with it."""

    def __init__(self, sim: Simulator, clock: ManualClock) -> None:
        self.sim, self.clock = sim, clock

    def time(self) -> float:
        return self.sim.clock.timestamp()

    def monotonic(self) -> float:
        return self.clock.monotonic()

    def sleep(self, seconds: float) -> None:
        self.clock.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        await self.clock.asleep(seconds)

    def __call__(self) -> float:
        return self.time()


class Awaiting:
    """An AsyncKIS used from synchronous code: each call awaits on a private loop.

    The loop runs in a thread of its own, so that what the client starts in the
    background (a WebSocket session) goes on between calls; ``threaded=False`` runs it
    in the caller's thread for the length of each call instead, which saves two thread
    switches a call, for tests that make thousands of calls and start nothing."""

    def __init__(self, client: AsyncKIS, *, threaded: bool = True) -> None:
        self.client = client
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
            self._thread.start()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            if not asyncio.iscoroutine(result):
                return result
            if self._thread is None:
                return self._loop.run_until_complete(result)
            return asyncio.run_coroutine_threadsafe(result, self._loop).result(60)

        return call

    def close(self) -> None:
        if self._thread is None:
            self._loop.run_until_complete(self.client.aclose())
            self._loop.run_until_complete(self._loop.shutdown_default_executor())
            self._loop.close()
            return
        asyncio.run_coroutine_threadsafe(self.client.aclose(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


def build(sim: Simulator, env: Env, kind: str, tmp_path: Path, *, index: int = 0,
          transport: Any = None, base_url: str = "http://sim", threaded: bool = True,
          **options: Any):
    """A client of the ``index``-th ``env`` account of ``sim``, sync or async; in-process
    unless ``base_url`` names a real server. ``threaded``: see ``Awaiting``."""
    creds = sim.credentials(env, index)
    if transport is None and base_url == "http://sim":
        transport = sim.transport()
    arguments = {
        "is_paper": env is Env.PAPER, "base_url": base_url, "transport": transport,
        "token_path": tmp_path / "tokens.json", "rate": NO_LIMIT,
        "rate_store": MemoryStore(), "clock": sim.clock.timestamp, "retry": FAST_RETRY,
        **options,
    }
    cls = KIS if kind == "sync" else AsyncKIS
    client = cls(creds.app_key, creds.app_secret, creds.account_no, **arguments)
    return client if kind == "sync" else Awaiting(client, threaded=threaded)


def requests_made(sim: Simulator, client: Any) -> int:
    """REST calls the simulator served for ``client``'s app key."""
    key = (client.client if isinstance(client, Awaiting) else client)._ctx.app_key
    stats = sim.auth.stats.get(key)
    return stats.requests if stats else 0
