"""Simulated time: ``ManualClock`` moves only when told or slept on; ``VirtualTimeLoop``
runs asyncio code (sleeps, timeouts) in simulated time and never outruns work handed to
a thread; the simulator's real-time endpoint runs in-process on the same clock."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from websockets.exceptions import ConnectionClosedError

from pykis.sim.serve.ws_transport import SimWebSocket
from pykis.utils.clock import SYSTEM, Clock, ManualClock, run_virtual
from support import make_sim


def test_a_manual_clock_moves_when_slept_on_and_only_forward() -> None:
    clock = ManualClock(start=1_000.0)
    assert isinstance(clock, Clock) and isinstance(SYSTEM, Clock)
    assert (clock.time(), clock.monotonic(), clock()) == (1_000.0, 0.0, 1_000.0)
    clock.sleep(2.5)
    clock.advance(0.5)
    assert (clock.time(), clock.monotonic()) == (1_003.0, 3.0)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_the_virtual_loop_runs_sleeps_and_timeouts_in_simulated_time() -> None:
    clock = ManualClock()

    async def main() -> list[tuple[str, float]]:
        loop, seen = asyncio.get_running_loop(), []

        async def sleeper(name: str, seconds: float) -> None:
            await asyncio.sleep(seconds)
            seen.append((name, loop.time()))

        await asyncio.gather(sleeper("b", 3_600.0), sleeper("a", 60.0), clock.asleep(7_200.0))
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(30.0):
                await asyncio.Event().wait()
        seen.append(("timeout", loop.time()))
        return seen

    started = time.monotonic()
    seen = run_virtual(main(), clock)
    assert time.monotonic() - started < 5  # three simulated hours
    assert seen == [("a", pytest.approx(60.0)), ("b", pytest.approx(3_600.0)),
                    ("timeout", pytest.approx(7_230.0))]


def test_the_virtual_loop_waits_for_work_in_threads() -> None:
    """Simulated time stands still while a thread works: a timeout of one simulated
    second does not fire during a tenth of a real second of work."""
    clock = ManualClock()

    async def main() -> float:
        async with asyncio.timeout(1.0):
            await asyncio.to_thread(time.sleep, 0.1)
        return asyncio.get_running_loop().time()

    assert run_virtual(main(), clock) < 1.0


def test_the_in_process_endpoint_answers_heartbeats_and_drops_on_the_simulated_clock() -> None:
    sim = make_sim()
    clock = ManualClock()
    sim.clock.follow(clock)
    connect = SimWebSocket(sim)

    async def main() -> tuple[list[str], float]:
        loop, texts = asyncio.get_running_loop(), []
        async with connect("ws://sim") as ws:
            await _control(sim, "ws/faults", {"drop_every": 500.0})
            with pytest.raises(ConnectionClosedError):
                while True:
                    texts.append(await ws.recv())
        return texts, loop.time()

    texts, ended = run_virtual(main(), clock)
    beats = [t for t in texts if json.loads(t)["header"]["tr_id"] == "PINGPONG"]
    heartbeat = sim.config.ws_heartbeat
    # One every interval, the last before the drop (due at 500 s, before that beat).
    assert len(beats) == len(range(int(heartbeat), 500, int(heartbeat))) == 24
    assert ended == pytest.approx(500.0, abs=1e-3)
    assert sim.realtime.faults.dropped == 1


async def _control(sim, path: str, body: dict) -> None:
    import httpx

    async with httpx.AsyncClient(transport=sim.transport(), base_url="http://sim") as http:
        answer = await http.post("/_sim/" + path, json=body)
        assert answer.status_code == 200, answer.text
