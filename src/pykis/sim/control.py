"""The control plane under ``/_sim``: drive the simulator from tests, demos and scripts.

Plain JSON in and out (this is PyKIS's own API, not KIS's); errors are
``{"error": "..."}`` with HTTP 400 or 404 (401, 403, 415: below).

    GET    /_sim/health                   {"ok": true}
    GET    /_sim/state                    seed, clock, accounts (app secrets redacted)
    POST   /_sim/reset                    {"seed"?}: fresh market, accounts, tokens
    GET    /_sim/clock                    {"now", "frozen", "session", "market_day"}
    POST   /_sim/clock                    {"now"? ISO time, "frozen"? bool, "advance"? s}
    GET    /_sim/market                   every symbol with its current price
    GET    /_sim/market/{code}            one symbol's quote
    POST   /_sim/market/{code}/price      {"price"}: trade there now, walk on from there
    GET    /_sim/faults                   the fault rules and how often each kind fired
    POST   /_sim/faults                   {"rules": [{"kind", "rate"?, "count"?, ...}]}
    DELETE /_sim/faults                   no more faults
    POST   /_sim/tokens/expire            {"app_key"?}: live tokens expire now
    POST   /_sim/tokens/revoke            {"app_key"?}: live tokens are revoked now
    GET    /_sim/stats                    per app key: token calls, issuances, requests...
    GET    /_sim/rate-limits              {"real", "paper"} calls per second (0: no limit)
    POST   /_sim/rate-limits              {"real"?, "paper"?}
    GET    /_sim/accounts                 accounts with cash and positions
    POST   /_sim/accounts                 {"env", "cash"?, "positions"?, ...}: a new account
    GET    /_sim/ledger                   every order and fill (?account=NUMBER to filter)
    GET    /_sim/ws                       real-time sessions and network faults
    POST   /_sim/ws/drop                  close every real-time session now
    POST   /_sim/ws/faults                {"drop_every"? s (null: never), "stall"? s,
                                          "extra_fields"? n}
    GET    /_sim/conditions/{hts_id}      an HTS user's conditional-search conditions
    POST   /_sim/conditions/{hts_id}      {"conditions": [{"name", "expression", "group"?}]}
    DELETE /_sim/conditions/{hts_id}      (the expressions: ``pykis.sim.conditions``)

It can reset accounts and move prices, so it answers only its own callers:

- With ``SimConfig.control_token`` set (``pykis sim``: ``PYKIS_SIM_CONTROL_TOKEN``),
  every request carries it as ``Authorization: Bearer TOKEN`` or ``X-Sim-Token: TOKEN``
  (``token_headers``); 401 otherwise. Compared in constant time.
- POST, PUT and PATCH need ``Content-Type: application/json`` (415 otherwise), body or
  not: a browser sends a cross-site form or ``text/plain`` POST without asking the
  server first (a CORS "simple request"), never a JSON one. DELETE it always asks about
  first, and no answer here carries a CORS header, so the browser never sends it.
- Served on a socket, the Host and Origin checks come first (``pykis.sim.serve.asgi``).

No answer carries an app secret, an access token or an approval key: accounts show their
app key and ``app_secret_sha256``, a short fingerprint of the secret. The secrets are
what ``pykis sim`` prints when it starts, ``Simulator.credentials()`` in-process, or
the ``app_secret`` a caller gives ``POST /_sim/accounts``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pykis.market import KST, Session, is_on_grid
from pykis.sim import conditions
from pykis.sim.accounts import Account, Fill, Order
from pykis.sim.config import AccountSpec
from pykis.sim.env import Env
from pykis.sim.faults import FaultRule
from pykis.sim.wire.protocol import SimRequest, SimResponse, json_response

if TYPE_CHECKING:
    from pykis.sim.realtime import RealtimeHub
    from pykis.sim.state import SimState

__all__ = ["fingerprint", "handle", "token_headers"]

Action = Callable[[dict[str, Any]], Any]  # an endpoint, given the request's JSON body
_WRITES = ("POST", "PUT", "PATCH")  # methods that need a JSON body


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers


def handle(sim: SimState, hub: RealtimeHub, request: SimRequest) -> SimResponse:
    parts = [p for p in request.path.split("/") if p][1:]  # drop "_sim"
    try:
        _authorize(sim.config.control_token, request.headers)
        action = _route(sim, hub, request.method, parts, request.query)
        _require_json(request)
        result = action(_body(request))
    except ControlError as error:
        return json_response(error.status, {"error": str(error)}, error.headers)
    except (KeyError, TypeError, ValueError, ArithmeticError) as error:
        return json_response(400, {"error": f"bad request: {error}"})
    return json_response(200, result)


def token_headers(token: str | None) -> dict[str, str]:
    """The headers a control request carries for a simulator with ``token`` (None: none)."""
    return {"X-Sim-Token": token} if token else {}


def fingerprint(secret: str) -> str:
    """The first 12 hex digits of the secret's SHA-256: tells secrets apart, reveals none."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def _authorize(token: str | None, headers: dict[str, str]) -> None:
    if not token:
        return
    scheme, _, bearer = headers.get("authorization", "").partition(" ")
    offered = [headers.get("x-sim-token", ""), bearer.strip() if scheme.lower() == "bearer"
               else ""]
    expected = token.encode()
    if not any([hmac.compare_digest(o.encode(), expected) for o in offered]):
        raise ControlError("this simulator's control plane needs its token: send "
                           "'Authorization: Bearer TOKEN' or 'X-Sim-Token: TOKEN'", 401,
                           {"WWW-Authenticate": 'Bearer realm="pykis-sim"'})


def _require_json(request: SimRequest) -> None:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if request.method in _WRITES and media_type != "application/json":
        raise ControlError(f"{request.method} {request.path} needs 'Content-Type: "
                           "application/json' (even with no body): control requests that "
                           "change the simulator are JSON only", 415)


def _body(request: SimRequest) -> dict[str, Any]:
    if not request.body.strip():
        return {}
    body = json.loads(request.body)
    if not isinstance(body, dict):
        raise ControlError("the body must be a JSON object")
    return body


def _route(sim: SimState, hub: RealtimeHub, method: str, parts: list[str], query: dict
           ) -> Action:
    """The endpoint for ``method`` and ``parts``, not yet run (404 if there is none)."""
    simple: dict[tuple[str, ...], Action] = {
        ("GET", "health"): lambda b: {"ok": True},
        ("GET", "state"): lambda b: _state(sim),
        ("POST", "reset"): lambda b: (sim.reset(b.get("seed")), _state(sim))[1],
        ("GET", "clock"): lambda b: _clock(sim),
        ("POST", "clock"): lambda b: _set_clock(sim, hub, b),
        ("GET", "faults"): lambda b: _faults(sim),
        ("POST", "faults"): lambda b: _set_faults(sim, b),
        ("DELETE", "faults"): lambda b: (sim.faults.clear(), _faults(sim))[1],
        ("GET", "stats"): lambda b: _stats(sim),
        ("GET", "rate-limits"): lambda b: _rate_limits(sim),
        ("POST", "rate-limits"): lambda b: _set_rate_limits(sim, b),
        ("GET", "accounts"): lambda b: [_account(sim, a) for a in sim.accounts],
        ("POST", "accounts"): lambda b: _add_account(sim, b),
        ("GET", "ledger"): lambda b: _ledger(sim, query.get("account")),
        ("GET", "ws"): lambda b: _ws(hub),
    }
    key = (method, *parts[:1])
    if key in simple and len(parts) == 1:
        return simple[key]
    if parts[:1] == ["market"]:
        return _market(sim, hub, method, parts[1:])
    if method == "POST" and parts[:1] == ["ws"] and len(parts) == 2:
        return _ws_action(hub, parts[1])
    if method == "POST" and parts[:1] == ["tokens"] and len(parts) == 2:
        return _tokens(sim, parts[1])
    if parts[:1] == ["conditions"] and (act := conditions.control(
            sim.extras.conditions, method, parts[1:])) is not None:
        return act
    raise ControlError(f"no control endpoint {method} /_sim/{'/'.join(parts)}", 404)


# --- clock -------------------------------------------------------------------------------
def _clock(sim: SimState) -> dict[str, Any]:
    now = sim.clock.now()
    return {"now": now.isoformat(), "frozen": sim.clock.frozen,
            "session": str(sim.market.session(now)),
            "market_day": sim.market.market_day(now).isoformat()}


def _set_clock(sim: SimState, hub: RealtimeHub, body: dict) -> dict[str, Any]:
    if "now" in body:
        moment = dt.datetime.fromisoformat(body["now"])
        sim.clock.set(moment if moment.tzinfo else moment.replace(tzinfo=KST),
                      frozen=body.get("frozen"))
    elif "frozen" in body:
        sim.clock.set(sim.clock.now(), frozen=bool(body["frozen"]))
    if "advance" in body:
        sim.clock.advance(float(body["advance"]))
    hub.wake()  # sessions stream the trades up to the new time now
    return _clock(sim)


# --- market --------------------------------------------------------------------------------
def _market(sim: SimState, hub: RealtimeHub, method: str, parts: list[str]) -> Action:
    if not parts and method == "GET":
        return lambda b: _quotes(sim, sim.clock.now())
    code = parts[0] if parts else ""
    if parts and code not in sim.market.universe:
        raise ControlError(f"unknown symbol {code!r}", 404)
    if len(parts) == 1 and method == "GET":
        return lambda b: _quote(sim, code, sim.clock.now())
    if parts[1:] == ["price"] and method == "POST":
        return lambda b: _move_price(sim, hub, code, b["price"])
    raise ControlError(f"no control endpoint {method} /_sim/market/{'/'.join(parts)}", 404)


def _move_price(sim: SimState, hub: RealtimeHub, code: str, price: Any) -> dict[str, Any]:
    now = sim.clock.now()
    quote = sim.market.quote(code, now)
    if not isinstance(price, int) or not is_on_grid(price, quote.inst.kind):
        raise ControlError("price must be a whole number of KRW on the tick grid")
    if not quote.limits.lower <= price <= quote.limits.upper:
        raise ControlError(f"price must be within today's limits {quote.limits}")
    if quote.session is not Session.REGULAR:
        raise ControlError(f"prices move only while the market trades (now: {quote.session})")
    sim.market.move_price(code, now, price)
    sim.exchange.sync(sim.accounts, now)
    hub.wake()
    return _quote(sim, code, now)


def _quotes(sim: SimState, now: dt.datetime) -> list[dict[str, Any]]:
    return [_quote(sim, code, now) for code in sim.market.universe]


def _quote(sim: SimState, code: str, now: dt.datetime) -> dict[str, Any]:
    q = sim.market.quote(code, now)
    return {"code": code, "name": q.inst.name, "market": str(q.inst.market),
            "kind": str(q.inst.kind), "price": q.price, "base": q.base, "open": q.open,
            "high": q.high, "low": q.low, "volume": q.volume,
            "lower_limit": q.limits.lower, "upper_limit": q.limits.upper,
            "day": q.day.isoformat(), "session": str(q.session)}


# --- real-time sessions ----------------------------------------------------------------------
def _ws(hub: RealtimeHub) -> dict[str, Any]:
    sessions = [{"id": s.id, "app_key": s.account.app_key if s.account else None,
                 "registrations": [list(key) for key in s.registrations],
                 "heartbeats_answered": s.heartbeats_answered}
                for s in hub.sessions.values()]
    return {"sessions": sessions, "faults": hub.faults.as_dict()}


def _ws_action(hub: RealtimeHub, action: str) -> Action:
    if action == "drop":
        return lambda b: (hub.drop_all(), _ws(hub))[1]
    if action == "faults":
        return lambda b: _set_ws_faults(hub, b)
    raise ControlError(f"no real-time action {action!r}", 404)


def _set_ws_faults(hub: RealtimeHub, body: dict) -> dict[str, Any]:
    if "drop_every" in body:
        every = body["drop_every"]
        if every is not None and (not isinstance(every, (int, float)) or every <= 0):
            raise ControlError("drop_every is a number of seconds above 0, or null")
        hub.faults.drop_every = every
    if "stall" in body:
        hub.stall(_seconds(body["stall"], "stall"))
    if "extra_fields" in body:
        extra = body["extra_fields"]
        if not isinstance(extra, int) or not 0 <= extra <= 100:
            raise ControlError("extra_fields is a whole number from 0 to 100")
        hub.faults.extra_fields = extra
    return _ws(hub)


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ControlError(f"{name} is a number of seconds, 0 or more")
    return float(value)


# --- faults, tokens, limits, stats ---------------------------------------------------------------
def _faults(sim: SimState) -> dict[str, Any]:
    return {"rules": [r.as_dict() for r in sim.faults.rules], "applied": sim.faults.applied}


def _set_faults(sim: SimState, body: dict) -> dict[str, Any]:
    rules = [FaultRule(**rule) for rule in body.get("rules", [])]
    sim.faults.replace(rules)
    return _faults(sim)


def _tokens(sim: SimState, action: str) -> Action:
    if action == "expire":
        return lambda b: {"expired": sim.auth.expire_all(sim.clock.timestamp(),
                                                         b.get("app_key"))}
    if action == "revoke":
        return lambda b: {"revoked": sim.auth.revoke_all(b.get("app_key"))}
    raise ControlError(f"no token action {action!r}", 404)


def _stats(sim: SimState) -> dict[str, Any]:
    return {"apps": {key: s.as_dict() for key, s in sim.auth.stats.items()},
            "faults": sim.faults.applied}


def _rate_limits(sim: SimState) -> dict[str, int]:
    return {str(env): limit for env, limit in sim.rate_limits.items()}


def _set_rate_limits(sim: SimState, body: dict) -> dict[str, int]:
    for name, limit in body.items():
        if not isinstance(limit, int) or limit < 0:
            raise ControlError("a rate limit is a whole number of calls per second (0: none)")
        sim.rate_limits[Env(name)] = limit
    return _rate_limits(sim)


# --- accounts and ledger ----------------------------------------------------------------------
def _state(sim: SimState) -> dict[str, Any]:
    return {"seed": sim.config.seed, "clock": _clock(sim),
            "always_open": sim.config.always_open,
            "accounts": [_credentials(sim, a) for a in sim.accounts]}


def _credentials(sim: SimState, account: Account) -> dict[str, str]:
    c = sim.credentials_of(account)  # the secret itself never leaves the process
    return {"env": str(c.env), "app_key": c.app_key,
            "app_secret_sha256": fingerprint(c.app_secret), "account_no": c.account_no,
            "hts_id": c.hts_id}


def _account(sim: SimState, account: Account) -> dict[str, Any]:
    return {
        **_credentials(sim, account), "cash": account.cash(),
        "positions": {code: {"qty": p.qty, "avg_price": str(p.avg_price)}
                      for code, p in account.positions.items()},
    }


def _add_account(sim: SimState, body: dict) -> dict[str, str]:
    positions = {code: tuple(v) for code, v in body.pop("positions", {}).items()}
    credentials = sim.add_account(AccountSpec(positions=positions, **body))
    return _credentials(sim, sim.account_by_number(credentials.account_no))


def _ledger(sim: SimState, number: str | None) -> dict[str, Any]:
    accounts = [a for a in sim.accounts if number in (None, a.number)]
    orders = sorted((o for a in accounts for o in a.orders.values()), key=lambda o: o.number)
    fills = sorted((f for o in orders for f in o.fills), key=lambda f: f.number)
    return {"orders": [_order(o) for o in orders], "fills": [_fill(f) for f in fills]}


def _order(order: Order) -> dict[str, Any]:
    return {
        "odno": order.number, "account": order.account.number, "code": order.code,
        "side": str(order.side), "dvsn": order.dvsn, "qty": order.qty, "price": order.price,
        "kind": order.kind, "original": order.original, "filled": order.filled,
        "filled_value": order.filled_value, "canceled": order.canceled,
        "amended": order.amended, "remaining": order.remaining, "expired": order.expired,
        "day": order.day.isoformat(), "ts": order.ts, "tr_id": order.tr_id,
        "exchange": order.exchange,
    }


def _fill(fill: Fill) -> dict[str, Any]:
    return {
        "number": fill.number, "odno": fill.odno, "code": fill.code, "side": str(fill.side),
        "qty": fill.qty, "price": fill.price, "ts": fill.ts, "day": fill.day.isoformat(),
        "commission": fill.commission, "transaction_tax": fill.transaction_tax,
        "rural_tax": fill.rural_tax,
    }
