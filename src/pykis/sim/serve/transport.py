"""The simulator as an httpx transport: real KIS requests and answers, no sockets.

Works for ``httpx.Client`` and ``httpx.AsyncClient``. Injected delays honour the
client's read timeout the way a socket would (the client times out after its timeout,
not after the delay), and a dropped answer surfaces as the protocol error a closed
connection gives. Delays pass on the simulator's time source (``SimClock.follow``): a
test on a simulated clock does not wait them out.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from pykis.sim.wire.protocol import SimRequest, SimResponse
from pykis.utils.clock import SYSTEM, Clock

__all__ = ["Handler", "SimTransport"]


def _to_sim(request: httpx.Request, body: bytes) -> SimRequest:
    return SimRequest(
        method=request.method,
        path=request.url.path,
        headers={k.lower(): v for k, v in request.headers.items()},
        query=dict(request.url.params.multi_items()),
        body=body,
    )


def _wait(request: httpx.Request, answer: SimResponse) -> tuple[float, bool]:
    """(seconds to wait, whether the client times out instead of getting an answer)."""
    timeout = (request.extensions.get("timeout") or {}).get("read")
    if timeout is not None and answer.delay >= timeout:
        return timeout, True
    return answer.delay, False


def _to_httpx(request: httpx.Request, answer: SimResponse, timed_out: bool) -> httpx.Response:
    if timed_out:
        raise httpx.ReadTimeout("simulated: no answer within the read timeout", request=request)
    if answer.drop:
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )
    return httpx.Response(answer.status, headers=answer.headers, content=answer.body,
                          request=request)


class Handler(Protocol):
    """What answers KIS requests: a ``Simulator``."""

    def handle(self, request: SimRequest) -> SimResponse: ...


class SimTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    def __init__(self, sim: Handler) -> None:
        self.sim = sim

    @property
    def clock(self) -> Clock:
        sim_clock: Any = getattr(self.sim, "clock", None)
        return getattr(sim_clock, "source", SYSTEM)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.sim.handle(_to_sim(request, request.read()))
        seconds, timed_out = _wait(request, answer)
        if seconds:
            self.clock.sleep(seconds)
        return _to_httpx(request, answer, timed_out)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.sim.handle(_to_sim(request, await request.aread()))
        seconds, timed_out = _wait(request, answer)
        if seconds:
            await self.clock.asleep(seconds)
        return _to_httpx(request, answer, timed_out)
