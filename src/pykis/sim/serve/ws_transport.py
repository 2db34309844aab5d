"""The simulator's real-time endpoint without a socket: what ``SimTransport`` is to REST.

``SimWebSocket(sim)`` stands where ``websockets.asyncio.client.connect`` does
(``StreamSettings(connect=SimWebSocket(sim))``): each connection runs the very ASGI
endpoint a socket reaches (``serve_websocket``) as a task of the caller's event loop,
and gives the client the calls it uses (``send``, ``recv``, ``close``), with the
``ConnectionClosed`` errors a socket gives when the simulator drops a session. Nothing
leaves the event loop, so a test can run client and simulator on one simulated clock
(``pykis.utils.clock.VirtualTimeLoop``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK
from websockets.frames import Close

from pykis.sim.serve.asgi_ws import serve_websocket

__all__ = ["SimWebSocket"]

NORMAL = 1000


class _Connection:
    """One session: messages both ways through queues, the endpoint as a task."""

    def __init__(self, sim: Any) -> None:
        self._sim = sim
        self._to_server: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._to_client: asyncio.Queue[str | Close] = asyncio.Queue()
        self._accepted = asyncio.get_running_loop().create_future()
        self._closed: Close | None = None  # how the session ended, once it has
        self._server: asyncio.Task[None] | None = None

    async def open(self, timeout: float) -> None:
        self._to_server.put_nowait({"type": "websocket.connect"})
        scope = {"type": "websocket", "path": "/tryitout", "headers": [], "query_string": b""}
        self._server = asyncio.get_running_loop().create_task(
            serve_websocket(self._sim, scope, self._to_server.get, self._from_server))
        self._server.add_done_callback(lambda _: self._end(Close(NORMAL, "")))
        async with asyncio.timeout(timeout):
            await self._accepted

    async def _from_server(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "websocket.accept":
            if not self._accepted.done():
                self._accepted.set_result(None)
        elif kind == "websocket.send":
            if self._closed is None:
                self._to_client.put_nowait(message.get("text") or message["bytes"].decode())
        elif kind == "websocket.close":
            self._end(Close(message.get("code", NORMAL), message.get("reason", "")))

    def _end(self, close: Close) -> None:
        if self._closed is None:
            self._closed = close
            self._to_client.put_nowait(close)
            if not self._accepted.done():
                self._accepted.set_exception(ConnectionRefusedError("closed before accepting"))

    def _error(self) -> Exception:
        close = self._closed
        if close is not None and close.code == NORMAL:
            return ConnectionClosedOK(close, None)
        return ConnectionClosedError(close, None)

    async def send(self, text: str) -> None:
        if self._closed is not None:
            raise self._error()
        self._to_server.put_nowait({"type": "websocket.receive", "text": text})

    async def recv(self) -> str:
        item = await self._to_client.get()
        if isinstance(item, Close):
            self._to_client.put_nowait(item)  # every later recv fails the same way
            raise self._error()
        return item

    async def close(self) -> None:
        self._end(Close(NORMAL, ""))
        self._to_server.put_nowait({"type": "websocket.disconnect", "code": NORMAL})
        if self._server is not None:
            try:
                await self._server
            except Exception:  # noqa: BLE001 - the session is over either way
                pass


class _Opening:
    def __init__(self, sim: Any, timeout: float) -> None:
        self._sim, self._timeout = sim, timeout
        self._connection: _Connection | None = None

    async def __aenter__(self) -> _Connection:
        self._connection = _Connection(self._sim)
        await self._connection.open(self._timeout)
        return self._connection

    async def __aexit__(self, *exc: object) -> None:
        if self._connection is not None:
            await self._connection.close()


class SimWebSocket:
    """A ``connect`` for ``StreamSettings``: sessions with ``sim``, in-process."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim

    def __call__(self, url: str, *, open_timeout: float | None = 10.0, **_: Any) -> _Opening:
        return _Opening(self.sim, open_timeout or 10.0)
