"""A flow whose caller gives up (a cancelled task, Ctrl-C) still runs its own clean-up:
what it holds (a token lease) is given back before the cancellation goes on."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from pykis.api.flow import Blocking, Flow, Sleep
from pykis.utils.drivers import run_async, run_sync


def holding(log: list[str], wait: Flow | None = None) -> Flow[str]:
    """Takes something, waits (or is interrupted), and gives it back however it ends."""
    yield Blocking(lambda: log.append("taken"))
    try:
        yield Sleep(60.0)  # the wait a caller gives up on
    except BaseException:
        yield Blocking(lambda: log.append("given back"))
        raise
    return "done"


def test_a_cancelled_async_flow_gives_back_what_it_holds() -> None:
    log: list[str] = []

    async def main() -> None:
        async with httpx.AsyncClient() as http:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(run_async(holding(log), http, None), 0.05)

    asyncio.run(main())
    assert log == ["taken", "given back"]


def test_an_interrupted_sync_flow_gives_back_what_it_holds() -> None:
    log: list[str] = []

    def interrupted() -> Flow[str]:
        yield Blocking(lambda: log.append("taken"))
        try:
            yield Blocking(_ctrl_c)  # Ctrl-C arrives while a step runs
        except BaseException:
            yield Blocking(lambda: log.append("given back"))
            yield Sleep(60.0)  # nothing waits on the way out: the interrupt goes on
            log.append("slept")
            raise
        return "done"

    with httpx.Client() as http, pytest.raises(KeyboardInterrupt):
        run_sync(interrupted(), http, None)
    assert log == ["taken", "given back"]


def _ctrl_c() -> None:
    raise KeyboardInterrupt
