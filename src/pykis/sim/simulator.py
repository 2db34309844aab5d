"""The simulator: KIS's REST answers for a ``SimState``, without any I/O. The serving
adapters (``pykis.sim.serve``: the ASGI app, the threaded server, the httpx transport)
are thin wrappers around ``Simulator.handle``.

A request passes the gate in KIS's order: app key and secret, the per-second limit, the
access token, the TR ID (paper refuses real-only TRs with EGW02006; unknown TRs get
OPSQ0002), the body; then injected faults, matching up to now, and the handler.

The stock master files (``/common/master/*.mst.zip``) come from KIS's download host, not
its API: no gate, no limit, no faults, just the file (``pykis.sim.wire.master``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from dataclasses import replace
from typing import Any

from pykis.sim import control
from pykis.sim.accounts import Account
from pykis.sim.config import SimConfig
from pykis.sim.env import Env
from pykis.sim.errors import SimError
from pykis.sim.faults import FaultKind, FaultRule
from pykis.sim.realtime import RealtimeHub
from pykis.sim.state import SimState
from pykis.sim.wire import master, oauth
from pykis.sim.wire.protocol import Call, SimRequest, SimResponse, json_response, render
from pykis.sim.wire.routes import REAL_ONLY_TR_IDS, ROUTES_BY_PATH, Route

__all__ = ["Simulator"]

log = logging.getLogger("pykis.sim")
_SLASHES = re.compile(r"/{2,}")

OAUTH = {
    "/oauth2/tokenP": oauth.token,
    "/oauth2/revokeP": oauth.revoke,
    "/oauth2/Approval": oauth.approval,
    "/uapi/hashkey": oauth.hashkey,
}


class Simulator(SimState):
    """A KIS-compatible server: its state (``SimState``), and the dispatch of REST
    requests and real-time sessions (``realtime``) to the KIS wire."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.realtime = RealtimeHub(self)  # before the state's reset, which resets it too
        self._answers = 0  # API answers given: their gt_uid
        super().__init__(self.config)

    def reset(self, seed: int | None = None) -> None:
        """Start over: same clock, fresh market, accounts, tokens and faults."""
        with self.lock:
            super().reset(seed)
            self.exchange.listeners.append(self.realtime.on_order_event)
            self.realtime.reset()

    # --- requests ------------------------------------------------------------------------
    def handle(self, request: SimRequest) -> SimResponse:
        """Answer one HTTP request exactly as KIS would, whatever it contains."""
        with self.lock:
            try:
                return self._dispatch(request)
            except SimError as error:
                return self._error(error, request)
            except Exception:  # a simulator bug still answers in KIS's shape
                log.exception("simulator failed on %s %s", request.method, request.path)
                return self._error(SimError("SIM00500"), request)

    def _dispatch(self, request: SimRequest) -> SimResponse:
        # Clients that join a base URL ending in "/" with a path starting with one send
        # "//uapi/...": KIS's gateway routes it all the same.
        path = request.path = _SLASHES.sub("/", request.path)
        if path.startswith("/_sim/") or path == "/_sim":
            return control.handle(self, self.realtime, request)
        if path in OAUTH:
            if request.method != "POST":
                raise SimError("SIM00404")
            return OAUTH[path](self, request)
        if path in master.FILES:
            if request.method != "GET":
                raise SimError("SIM00404")
            return SimResponse(200, master.build(self, path), {"Content-Type": "application/zip"})
        route = ROUTES_BY_PATH.get(path)
        if route is None or route.method != request.method:
            raise SimError("SIM00404")
        return self._api_call(route, request)

    def _api_call(self, route: Route, request: SimRequest) -> SimResponse:
        response = self._answer(route, request)
        # KIS's own headers on every API answer, refusals included: the TR ID echoed,
        # tr_cont (blank when nothing follows) and a transaction id.
        response.headers.setdefault("tr_cont", "")
        response.headers["tr_id"] = request.headers.get("tr_id", "").strip()
        response.headers["gt_uid"] = self._transaction_id()
        return response

    def _transaction_id(self) -> str:
        """32 characters, unique per answer, the same sequence for the same seed."""
        self._answers += 1
        return hashlib.md5(f"{self.config.seed}:{self._answers}".encode()).hexdigest()

    def _answer(self, route: Route, request: SimRequest) -> SimResponse:
        try:
            return self._served(route, request)
        except SimError as error:
            return self._error(error, request)

    def _served(self, route: Route, request: SimRequest) -> SimResponse:
        account = self._gate(request)
        tr_id = request.headers.get("tr_id", "").strip()
        variant = self._route_call(route, account.env, tr_id)
        body = self._json_body(request, account) if request.method == "POST" else {}
        fault = self.faults.decide(request.path, tr_id)
        if fault is not None and fault.kind.before_work:
            return self._fault_answer(fault)
        self.auth.stats_of(account.app_key).requests += 1
        now = self.clock.now()
        self.exchange.sync(self.accounts, now)
        call = Call(self, account, tr_id, variant, request.query, body, request.headers, now)
        try:
            response = render(route.endpoint, route.handler(call),
                              envelope_first=route.envelope_first, fields=route.fields)
        except SimError as error:
            response = self._error(error, request)
        return self._after_work(fault, response)

    def _gate(self, request: SimRequest) -> Account:
        """The caller's account, past the app key, the rate limit and the token."""
        headers = request.headers
        account = self.auth.app(headers.get("appkey"), headers.get("appsecret"), oauth=False)
        if not self.limiter.allow(account.app_key, self.rate_limits.get(account.env, 0)):
            self.auth.stats_of(account.app_key).rate_limited += 1
            raise SimError("EGW00201")
        self.auth.authenticate(headers.get("authorization"), account.app_key,
                               self.clock.timestamp())
        return account

    @staticmethod
    def _route_call(route: Route, env: Env, tr_id: str) -> str | None:
        if not tr_id:
            raise SimError("OPSQ9999")
        known, variant = route.variant(env, tr_id)
        if known:
            return variant
        if env is Env.PAPER and tr_id in REAL_ONLY_TR_IDS:
            raise SimError("EGW02006")  # a real TR on the paper server
        raise SimError("OPSQ0002")

    def _json_body(self, request: SimRequest, account: Account) -> dict:
        if not request.body.strip():
            raise SimError("OPSQ9995")
        try:
            body = json.loads(request.body)
        except ValueError:
            raise SimError("OPSQ9997") from None
        if not isinstance(body, dict):
            raise SimError("OPSQ9997")
        sent_hash = request.headers.get("hashkey")
        if sent_hash and not hmac.compare_digest(sent_hash, self.auth.hashkey(account, body)):
            raise SimError("EGW00131")
        return body

    @staticmethod
    def _fault_answer(fault: FaultRule) -> SimResponse:
        if fault.kind is FaultKind.RATE_LIMIT:
            error = SimError("EGW00201")
            return json_response(error.status, error.body())
        return json_response(500, {"rt_cd": "1", "msg_cd": "", "msg1": ""})

    @staticmethod
    def _after_work(fault: FaultRule | None, response: SimResponse) -> SimResponse:
        if fault is None:
            return response
        if fault.kind is FaultKind.DELAY:
            response.delay = fault.seconds
        elif fault.kind is FaultKind.DROP:
            response.drop = True
        elif fault.kind is FaultKind.ERROR_AFTER:
            return json_response(500, {"rt_cd": "1", "msg_cd": "", "msg1": ""})
        elif fault.kind is FaultKind.GARBLE:
            return garbled(response, fault.variant)
        return response

    @staticmethod
    def _error(error: SimError, request: SimRequest) -> SimResponse:
        return json_response(error.status, error.body(), dict(error.headers))

    # --- adapters --------------------------------------------------------------------------
    def transport(self):
        """An httpx transport that sends requests straight to this simulator."""
        from pykis.sim.serve.transport import SimTransport

        return SimTransport(self)


def garbled(response: SimResponse, variant: str) -> SimResponse:
    """``response`` (the work done) answered as HTTP 200 with a body mangled the way
    ``variant`` says: what a proxy, a half-closed connection or a broken server sends."""
    try:
        payload: Any = json.loads(response.body)
    except ValueError:
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    body = _GARBLERS[variant](payload)
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if variant == "html":
        headers["Content-Type"] = "text/html; charset=utf-8"
    if variant == "bad_gzip":
        headers["Content-Encoding"] = "gzip"
    return replace(response, status=200, body=body, headers=headers)


def _dump(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


_GARBLERS = {
    "no_rt_cd": lambda p: _dump({k: v for k, v in p.items() if k != "rt_cd"}),
    "null_rt_cd": lambda p: _dump({**p, "rt_cd": None}),
    "int_rt_cd": lambda p: _dump({**p, "rt_cd": 0}),
    "padded_rt_cd": lambda p: _dump({**p, "rt_cd": "0 "}),
    "truncated": lambda p: _dump(p)[: max(len(_dump(p)) // 2, 1)],
    "html": lambda p: b"<html><body><h1>200 OK</h1></body></html>",
    "empty": lambda p: b"",
    "bad_gzip": lambda p: b"\x1f\x8b\x08\x00not really gzip",
    "null_output": lambda p: _dump({**p, "output": [None]}),
}
