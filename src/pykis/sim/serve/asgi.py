"""The simulator as an ASGI application, served by uvicorn.

WebSocket connections, on any path, go to ``pykis.sim.serve.asgi_ws``. Every HTTP
request, whatever its method or path, goes to ``Simulator.handle``, so even odd requests
get KIS-shaped JSON. Answers go out with their header names as KIS writes them
(``Content-Type``, ``Content-Length``, ``Date``, KIS's lower-case ``tr_id``/``tr_cont``/
``gt_uid``) and no other: clients read headers case-sensitively (KIS's own sample turns
the lower-case ones into a namedtuple). That needs uvicorn's h11 protocol, which writes
names as given (httptools lower-cases them), without its ``server`` and ``date``.

The network-specific parts are the injected faults and who may connect. A delayed
answer sleeps without blocking other connections, and a dropped answer starts a response
and stops mid-body, so the server closes the connection: what a client sees when KIS's
connection breaks after it took the order.

Who may connect: the simulator listens on 127.0.0.1, but any web page the machine's
browser opens can send it requests. Two checks here, where the socket is known, keep
pages out (the in-process transport has no socket a browser could reach; the control
plane's own checks, token and JSON only, apply to both: ``pykis.sim.control``):

- Host, on every request, REST and WebSocket (403 otherwise): a loopback name or address
  (localhost, 127.0.0.0/8, ::1), the address the server was bound to, the address the
  connection arrived on, or one of ``SimConfig.allowed_hosts`` ("*": any). A DNS
  rebinding page (evil.example re-resolved to 127.0.0.1) is same-origin with the server,
  so its scripts may send any header and read every answer; it is told apart only by
  the Host it sends. This covers the KIS surface too, not just ``/_sim/``: its
  credentials follow from the seed (42 unless chosen), so such a page could trade on the
  simulator's accounts. Clients that reach the simulator by another name (docker:
  ``http://sim:8080``) need that name in ``allowed_hosts``.
- Origin, on ``/_sim/`` (403 otherwise): absent (not a browser), the server's own origin
  (``http://127.0.0.1:PORT``, ``http://localhost:PORT``, ``http://[::1]:PORT``, or the
  Host the request was sent to), or one of ``SimConfig.allowed_origins``. The KIS surface
  needs no Origin check: a page of another origin cannot read its answers (no answer
  carries a CORS header) and cannot send its headers (appkey, authorization, tr_id)
  without a preflight the simulator never approves.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Mapping
from email.utils import formatdate
from typing import TYPE_CHECKING

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive, Scope, Send

from pykis.sim.serve.asgi_ws import serve_websocket
from pykis.sim.wire.protocol import SimRequest, SimResponse, json_response

if TYPE_CHECKING:
    from pykis.sim.config import SimConfig
    from pykis.sim.simulator import Simulator

__all__ = ["DROP_MESSAGE", "create_app", "host_name"]

# What uvicorn logs when an answer is dropped on purpose (filtered by the server).
DROP_MESSAGE = "ASGI callable returned without completing response."
_SLASHES = re.compile(r"/{2,}")  # as the simulator reads paths: "//_sim" is "/_sim"


def host_name(value: str) -> str:
    """The host of a Host header or an allowed-hosts entry: lower case, without its port,
    brackets or trailing dot ("[::1]:8080" -> "::1", "LocalHost.:80" -> "localhost")."""
    value = value.strip().lower()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    return value.rstrip(".")


def _is_loopback(name: str) -> bool:
    if name == "localhost" or name.endswith(".localhost"):  # browsers never ask DNS
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return (getattr(address, "ipv4_mapped", None) or address).is_loopback


def _origin(value: str) -> str:
    return value.strip().lower().rstrip("/")


class _Guard:
    """The Host and Origin checks (module docstring): why a request is refused, or None."""

    def __init__(self, config: SimConfig, bind_host: str | None) -> None:
        self.config, self.bind_host = config, host_name(bind_host or "")

    def refusal(self, scope: Scope, headers: Mapping[str, str], control: bool) -> str | None:
        host, origin = headers.get("host"), headers.get("origin")
        if host is not None and not self._host_allowed(scope, host_name(host)):
            return (f"Host {host!r} is not this simulator's: a loopback name, the bound "
                    "address or SimConfig.allowed_hosts (pykis sim: "
                    "PYKIS_SIM_ALLOWED_HOSTS) is needed")
        if control and origin is not None and not self._origin_allowed(scope, host, origin):
            return (f"cross-origin control request from {origin!r} refused: the control "
                    "plane answers its own origin or SimConfig.allowed_origins (pykis "
                    "sim: PYKIS_SIM_ALLOWED_ORIGINS)")
        return None

    def _host_allowed(self, scope: Scope, name: str) -> bool:
        allowed = {host_name(h) for h in self.config.allowed_hosts}
        local = host_name((scope.get("server") or ("",))[0] or "")
        return ("*" in allowed or name in allowed or _is_loopback(name)
                or name in {self.bind_host, local} - {""})

    def _origin_allowed(self, scope: Scope, host: str | None, origin: str) -> bool:
        port = (scope.get("server") or ("", None))[1]
        own = {f"http://{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")}
        if host is not None:  # the origin of the URL the request went to (Host passed)
            own.add(_origin(f"{scope.get('scheme', 'http')}://{host}"))
        own.update(_origin(o) for o in self.config.allowed_origins)
        return _origin(origin) in own


def _refused(path: str, reason: str) -> SimResponse:
    if _is_control(path):
        return json_response(403, {"error": reason})
    return json_response(403, {"rt_cd": "1", "msg_cd": "SIM00403", "msg1": reason})


def _is_control(path: str) -> bool:
    return path.startswith("/_sim/") or path == "/_sim"


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


def create_app(sim: Simulator, bind_host: str | None = None):
    """The ASGI app; ``bind_host``: the address the server listens on (a Host to accept)."""
    guard = _Guard(sim.config, bind_host)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            if guard.refusal(scope, Headers(scope=scope), control=False):
                await receive()  # websocket.connect; closing before accepting: HTTP 403
                await send({"type": "websocket.close", "code": 1008})
                return
            await serve_websocket(sim, scope, receive, send)
            return
        if scope["type"] != "http":  # lifespan events: nothing to set up
            return
        request = Request(scope, receive)
        path = _SLASHES.sub("/", request.url.path)
        refusal = guard.refusal(scope, request.headers, control=_is_control(path))
        if refusal is not None:
            await _answer(send, _refused(path, refusal))
            return
        try:
            body = await request.body()
        except ClientDisconnect:  # the client went away mid-request: KIS never saw it
            return
        answer = sim.handle(SimRequest(
            method=request.method,
            path=path,
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
