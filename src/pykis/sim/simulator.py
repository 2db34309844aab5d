"""The simulator: one object holding the market, the accounts and the rules, answering
KIS REST requests. The ASGI app, the threaded server and the httpx transport are thin
adapters around ``Simulator.handle``.

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
import threading
from dataclasses import replace

from pykis.market import TradingCalendar
from pykis.sim.accounts import Account, Position
from pykis.sim.auth import TokenAuthority
from pykis.sim.clock import SimClock
from pykis.sim.config import DEFAULT_CASH, AccountSpec, Credentials, SimConfig
from pykis.sim.env import PROFILES, Env
from pykis.sim.errors import SimError
from pykis.sim.exchange import Exchange
from pykis.sim.faults import FaultKind, FaultPlan, FaultRule
from pykis.sim.market import AlwaysOpenCalendar, MarketState
from pykis.sim.ratelimit import RateLimiter
from pykis.sim.realtime import RealtimeHub
from pykis.sim.universe import build_universe
from pykis.sim.wire import control, master, oauth
from pykis.sim.wire.protocol import Call, SimRequest, SimResponse, json_response, render
from pykis.sim.wire.routes import REAL_ONLY_TR_IDS, ROUTES_BY_PATH, Route

__all__ = ["Simulator"]

log = logging.getLogger("pykis.sim")

OAUTH = {
    "/oauth2/tokenP": oauth.token,
    "/oauth2/revokeP": oauth.revoke,
    "/oauth2/Approval": oauth.approval,
    "/uapi/hashkey": oauth.hashkey,
}


class Simulator:
    """A KIS-compatible server's state and request handling, without any I/O."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.lock = threading.RLock()
        self.clock = SimClock(self.config.start, frozen=self.config.frozen)
        self.rate_limits = dict(self.config.rate_limits)
        self.limiter = RateLimiter(self.config.rate_window)
        self.realtime = RealtimeHub(self)
        self.reset()

    # --- state -------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """Start over: same clock, fresh market, accounts, tokens and faults."""
        with self.lock:
            if seed is not None:
                self.config.seed = seed
            seed = self.config.seed
            if self.config.always_open:
                calendar = AlwaysOpenCalendar()
            else:
                calendar = self.config.calendar or TradingCalendar()
            # Taxes follow the settlement date, so they must use the market's own calendar.
            costs = self.config.costs
            self.costs = replace(costs, tax=replace(costs.tax, calendar=calendar))
            self.market = MarketState(build_universe(seed, self.config.extra_listings), seed,
                                      calendar)
            self.exchange = Exchange(self.market, self.costs)
            self.exchange.listeners.append(self.realtime.on_order_event)
            secret = hashlib.sha256(f"pykis-sim:{seed}".encode()).digest()
            self.auth = TokenAuthority(secret, self.config.token_rules)
            self.faults = FaultPlan(seed)
            self.realtime.reset()
            self.limiter.reset()
            self.accounts: list[Account] = []
            for spec in self.config.accounts:
                self.add_account(spec)

    def add_account(self, spec: AccountSpec) -> Credentials:
        with self.lock:
            index = len(self.accounts)
            account = self._new_account(spec, index)
            if account.app_key in self.auth.apps:
                raise ValueError(f"app key {account.app_key!r} is already in use")
            if self.account_by_number(account.number) is not None:
                raise ValueError(f"account number {account.number} is already in use")
            self.accounts.append(account)
            self.auth.apps[account.app_key] = account
            return self.credentials_of(account)

    def _new_account(self, spec: AccountSpec, index: int) -> Account:
        spec.validate(self.market.universe)
        env = Env(spec.env)
        number = spec.account_no or self._derive(f"{env}:{index}:acct", "digits", 7,
                                                 prefix="6" if env is Env.REAL else "5") + "01"
        number = number.replace("-", "")
        if len(number) != 10 or not number.isascii() or not number.isdigit():
            raise ValueError("account_no must be 10 digits: CANO (8) + product code (2)")
        account = Account(
            env=env, profile=PROFILES[env], cano=number[:8], product=number[8:],
            app_key=spec.app_key or "PS" + self._derive(f"{env}:{index}:key", "alnum", 34),
            app_secret=spec.app_secret or self._derive(f"{env}:{index}:secret", "secret", 180),
            hts_id=spec.hts_id or f"simuser{index + 1}",
            initial_cash=DEFAULT_CASH[env] if spec.cash is None else spec.cash,
        )
        for code, (qty, avg) in spec.positions.items():
            account.positions[code] = Position(code)
            account.positions[code].buy(qty, avg)
        return account

    def _derive(self, label: str, alphabet: str, size: int, prefix: str = "") -> str:
        """A reproducible credential string of ``size`` characters."""
        chars = {
            "digits": "0123456789",
            "alnum": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            "secret": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        }[alphabet]
        out, counter = prefix, 0
        while len(out) < size + len(prefix):
            digest = hmac.new(str(self.config.seed).encode(), f"{label}:{counter}".encode(),
                              hashlib.sha256).digest()
            out += "".join(chars[b % len(chars)] for b in digest)
            counter += 1
        return out[: size + len(prefix)]

    def credentials(self, env: Env | str = Env.REAL, index: int = 0) -> Credentials:
        """Credentials of the ``index``-th account of environment ``env``."""
        matching = [a for a in self.accounts if a.env == Env(env)]
        return self.credentials_of(matching[index])

    @staticmethod
    def credentials_of(account: Account) -> Credentials:
        return Credentials(account.env, account.app_key, account.app_secret, account.number,
                           account.hts_id)

    def account_by_number(self, number: str) -> Account | None:
        number = number.replace("-", "")
        return next((a for a in self.accounts if a.number == number), None)

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
        path = request.path
        if path.startswith("/_sim/") or path == "/_sim":
            return control.handle(self, request)
        if path in OAUTH:
            if request.method != "POST":
                raise SimError("SIM00404")
            return OAUTH[path](self, request)
        if path in master.FILES:
            if request.method != "GET":
                raise SimError("SIM00404")
            return SimResponse(200, master.build(self, path), {"content-type": "application/zip"})
        route = ROUTES_BY_PATH.get(path)
        if route is None or route.method != request.method:
            raise SimError("SIM00404")
        return self._api_call(route, request)

    def _api_call(self, route: Route, request: SimRequest) -> SimResponse:
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
                              envelope_first=route.envelope_first)
        except SimError as error:
            response = self._error(error, request)
        response.headers["tr_id"] = tr_id
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
        return response

    @staticmethod
    def _error(error: SimError, request: SimRequest) -> SimResponse:
        headers = dict(error.headers)
        if request.headers.get("tr_id"):
            headers["tr_id"] = request.headers["tr_id"]
        return json_response(error.status, error.body(), headers)

    # --- adapters --------------------------------------------------------------------------
    def transport(self):
        """An httpx transport that sends requests straight to this simulator."""
        from pykis.sim.transport import SimTransport

        return SimTransport(self)
