"""The simulator as an ASGI application (Starlette), served by uvicorn.

Every path goes to ``Simulator.handle``; the only network-specific parts are the
injected faults: a delayed answer sleeps without blocking other connections, and a
dropped answer starts a response and closes the connection mid-body, which is what a
client sees when KIS's connection breaks after it took the order.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from pykis.sim.wire.protocol import SimRequest

if TYPE_CHECKING:
    from pykis.sim.simulator import Simulator

__all__ = ["create_app", "DROP_MESSAGE"]

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
# What uvicorn logs when an answer is dropped on purpose (filtered by the server).
DROP_MESSAGE = "ASGI callable returned without completing response."


class DroppedResponse:
    """Start an answer, send part of it, and stop: the server closes the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", b"4096")]})
        await send({"type": "http.response.body", "body": b"{", "more_body": True})


def create_app(sim: Simulator) -> Starlette:
    async def endpoint(request: Request):
        answer = sim.handle(SimRequest(
            method=request.method,
            path=request.url.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            query=dict(request.query_params.multi_items()),
            body=await request.body(),
        ))
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.drop:
            return DroppedResponse()
        return Response(answer.body, answer.status, headers=answer.headers)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=METHODS)])
