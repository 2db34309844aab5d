"""A client given a ``pykis.utils.clock.Clock`` backs off on it: a read retried after a
5xx waits in simulated time, so a test of retries waits for nothing. (Without one, or
given a plain function of the time, the waits are real, as they always were.)"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from clients import NO_LIMIT
from pykis import KIS, AsyncKIS
from pykis.api.base import RetryPolicy
from pykis.sim import Env, FaultRule
from pykis.utils.clock import ManualClock
from pykis.utils.ratelimit import MemoryStore
from support import make_sim

BACKOFF = 30.0  # seconds a retry waits: minutes of real sleep for two, were it real


@dataclass(frozen=True)
class Steady(RetryPolicy):
    """The same wait before every retry, so the time waited is known exactly."""

    def backoff(self, attempt: int) -> float:
        return BACKOFF


def client_options(sim, tmp_path, clock) -> dict:
    creds = sim.credentials(Env.REAL)
    return {"app_key": creds.app_key, "app_secret": creds.app_secret,
            "account_no": creds.account_no, "base_url": "http://sim",
            "transport": sim.transport(), "token_path": tmp_path / "tokens.json",
            "rate": NO_LIMIT, "rate_store": MemoryStore(), "retry": Steady(),
            "clock": clock}


def two_server_errors(sim) -> None:
    sim.faults.replace([FaultRule("error_5xx", count=2, scope="reads")])


def test_a_sync_client_backs_off_on_its_clock(tmp_path) -> None:
    sim = make_sim()
    clock = ManualClock(start=sim.clock.timestamp())
    with KIS(**client_options(sim, tmp_path, clock)) as kis:
        kis.fetch_ticker("005930")  # the token first: no fault meets it
        two_server_errors(sim)
        started, waited = time.monotonic(), clock.monotonic()
        assert kis.fetch_ticker("005930").symbol == "005930"
    assert sim.faults.applied == {"error_5xx": 2}
    assert clock.monotonic() - waited == 2 * BACKOFF  # both waits, in simulated time
    assert time.monotonic() - started < BACKOFF  # and none of it on the wall clock


def test_an_async_client_backs_off_on_its_clock(tmp_path) -> None:
    sim = make_sim()
    clock = ManualClock(start=sim.clock.timestamp())

    async def scenario() -> tuple[str, float]:
        async with AsyncKIS(**client_options(sim, tmp_path, clock)) as kis:
            await kis.fetch_ticker("005930")
            two_server_errors(sim)
            waited = clock.monotonic()
            symbol = (await kis.fetch_ticker("005930")).symbol
            return symbol, clock.monotonic() - waited

    started = time.monotonic()
    # An ordinary event loop: only the client's clock can make its waits simulated.
    symbol, waited = asyncio.run(scenario())
    assert symbol == "005930" and sim.faults.applied == {"error_5xx": 2}
    assert waited == 2 * BACKOFF
    assert time.monotonic() - started < BACKOFF

