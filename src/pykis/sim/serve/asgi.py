"""The simulator as an ASGI application, served by uvicorn.

WebSocket connections, on any path, go to ``pykis.sim.serve.asgi_ws``. Every HTTP
request, whatever its method or path, goes to ``Simulator.handle``, so even odd requests
get KIS-shaped JSON. Answers go out with their header names as KIS writes them
(``Content-Type``, ``Content-Length``, ``Date``, KIS's lower-case ``tr_id``/``tr_cont``/
``gt_uid``) and no other: clients read headers case-sensitively (KIS's own sample turns
the lower-case ones into a namedtuple). That needs uvicorn's h11 protocol, which writes
names as given (httptools lower-cases them), without its ``server`` and ``date``.

The only network-specific parts are the injected faults: a delayed answer sleeps
without blocking other connections, and a dropped answer starts a response and stops
mid-body, so the server closes the connection: what a client sees when KIS's connection
breaks after it took the order.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from email.utils import formatdate

from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive, Scope, Send

from pykis.sim.serve.asgi_ws import serve_websocket
from pykis.sim.wire.protocol import SimRequest, SimResponse

if TYPE_CHECKING:
    from pykis.sim.simulator import Simulator

__all__ = ["DROP_MESSAGE", "create_app"]

# What uvicorn logs when an answer is dropped on purpose (filtered by the server).
DROP_MESSAGE = "ASGI callable returned without completing response."


async def _drop(send: Send) -> None:
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"Content-Type", b"application/json"),
                            (b"Content-Length", b"4096")]})
    await send({"type": "http.response.body", "body": b"{", "more_body": True})


async def _answer(send: Send, answer: SimResponse) -> None:
    headers = [(name.encode(), str(value).encode()) for name, value in answer.headers.items()]
    headers += [(b"Content-Length", str(len(answer.body)).encode()),
                (b"Date", formatdate(usegmt=True).encode())]
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


def create_app(sim: Simulator):
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await serve_websocket(sim, scope, receive, send)
            return
        if scope["type"] != "http":  # lifespan events: nothing to set up
            return
        request = Request(scope, receive)
        try:
            body = await request.body()
        except ClientDisconnect:  # the client went away mid-request: KIS never saw it
            return
        answer = sim.handle(SimRequest(
            method=request.method,
            path=request.url.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            query=dict(request.query_params.multi_items()),
            body=body,
        ))
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.drop:
            await _drop(send)
            return
        await _answer(send, answer)

    return app
