"""The blocking wrapper over the real-time loop: a wait that times out as the item it
waited for arrives keeps the item (a fill notice must never be dropped), and one that
times out with nothing leaves nothing running."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from clients import build
from pykis.sim import Env
from support import make_sim


@pytest.fixture
def realtime(tmp_path: Path):
    kis = build(make_sim(), Env.REAL, "sync", tmp_path)
    try:
        yield kis.realtime
    finally:
        kis.close()


def test_an_item_read_as_the_wait_times_out_is_returned(realtime) -> None:
    async def arrives_late() -> str:
        await asyncio.sleep(0)
        time.sleep(0.3)  # the loop is busy as the caller's time runs out...
        return "notice"  # ...and then the item is there

    assert realtime._call(arrives_late(), timeout=0.05) == "notice"


def test_a_wait_with_nothing_times_out_and_stops_what_it_ran(realtime) -> None:
    stopped = []

    async def never() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            stopped.append(True)
            raise

    with pytest.raises(TimeoutError):
        realtime._call(never(), timeout=0.05)
    assert stopped == [True]
