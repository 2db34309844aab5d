"""Property (issue 10 §6): every public method of ``KIS`` and ``AsyncKIS``, called with
arbitrary arguments, of wrong types and ranges and right ones mixed (so that a call gets
past its first check to the next), either succeeds or raises a PyKIS error; and an
``InvalidInputError`` is raised before any request reaches the simulator. No TypeError,
OverflowError, KeyError or foreign ValueError escapes, and what comes back prints.

The methods are read off the classes: a method added tomorrow is driven too, and this
test fails until each of its parameters has a strategy (``strategies``), or the method
is skipped here with a reason.

Each example drives four clients (``KIS`` and ``AsyncKIS``, real and paper, each on a
simulator of its own, each with its own copy of the arguments): their methods take the
same parameters, and a test per client drew the very same derandomized examples four
times over, which was half of this module's time.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients import build, requests_made
from pykis import KIS, AsyncKIS, InvalidInputError, KISError, OrderOutcomeUnknownError
from pykis.api.quote import MAX_LIMIT, TIMEFRAMES
from pykis.api.validate import LAST_MILLIS
from pykis.models import Order
from pykis.sim import Env
from support import make_sim

MAX_ORDER_QUANTITY, MAX_ORDER_VALUE = 999_999_999, 100_000_000_000  # pykis.api.validate's
# Not driven, and why.
SKIPPED: dict[str, str] = {
    "watch_": "real-time streams need a WebSocket session on a threaded SimServer "
              "(tests/client/test_realtime.py); their symbols are checked by pykis.websocket",
    "on_": "callbacks over the watch_ streams (see watch_)",
    "close": "ends the client; takes no arguments",
    "aclose": "ends the client; takes no arguments",
    "from_env": "a constructor reading the environment and a file (tests/client/test_config.py)",
    "revoke_token": "takes no arguments; the next call would need a second token, which the "
                    "simulator's frozen clock holds back for a minute that never passes",
}
# Checks that need KIS's record of the order: raised after that read, never after an order.
CHECKED_AGAINST_KIS = {("cancel_order", "symbol"), ("fetch_order", "symbol"),
                       ("edit_order", "price")}
# Fewer examples where each one costs the simulator seconds: an index chart with no limit
# pages back through six years of a 200-listing index (the arguments' checks run first,
# before any page, and every example still reaches them). Ten, not 100: at seconds each,
# more would not fit the suite's 3 minutes (the examples are derandomized: the same ten
# every run).
EXAMPLES = {"fetch_index_ohlcv": 10}
# What a **kwargs parameter passes on: create_limit_order(..., **kw) -> create_order.
FORWARDED = {"kw": ("time_in_force", "exchange")}


def skipped(name: str) -> bool:
    return any(name == rule or (rule.endswith("_") and name.startswith(rule))
               for rule in SKIPPED)


def public_methods(cls: type) -> list[str]:
    return sorted(name for name in dir(cls)
                  if not name.startswith("_") and callable(getattr(cls, name)))


CLASSES = {"sync": KIS, "async": AsyncKIS}
ENVS = (Env.REAL, Env.PAPER)


def parameters(cls: type, name: str) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default)
            for p in inspect.signature(getattr(cls, name)).parameters.values()]


def cases() -> list[tuple[str, tuple[str, ...]]]:
    """(method, the kinds of client it is driven on with one draw): the kinds whose
    method takes the same parameters share their examples."""
    found: dict[tuple[str, str], list[str]] = {}
    for kind, cls in CLASSES.items():
        for name in public_methods(cls):
            if not skipped(name):
                found.setdefault((name, repr(parameters(cls, name))), []).append(kind)
    return sorted((name, tuple(kinds)) for (name, _), kinds in found.items())


CASES = cases()


def test_the_methods_are_found_on_the_classes() -> None:
    for cls in (KIS, AsyncKIS):
        names = public_methods(cls)
        assert {"create_order", "cancel_order", "edit_order", "fetch_ticker", "fetch_orders",
                "find_order", "fetch_markets", "get_position"} <= set(names)
        assert {"watch_ticker", "close" if cls is KIS else "aclose"} <= set(names)
        assert "realtime" not in names  # a property, not a method
    driven = {(kind, name) for name, kinds in CASES for kind in kinds}
    assert driven == {(kind, name) for kind, cls in CLASSES.items()
                      for name in public_methods(cls) if not skipped(name)}
    assert len(driven) >= 2 * 20


# --- strategies ------------------------------------------------------------------------------
# Made by a map, so that no strategy holds one: hypothesis prints its strategies, and
# Python refuses to print an int of over 4,300 digits.
huge = st.sampled_from([4_400, 5_000]).map(lambda digits: 10**digits) | st.just(-1).map(
    lambda sign: sign * 10**5_000)
junk = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), huge,
    st.sampled_from([0, -1, 2**31, 2**63, 10**9, 10**17, 10**30]),
    st.floats(), st.decimals(), st.text(max_size=10), st.binary(max_size=6),
    st.lists(st.integers(), max_size=3), st.tuples(st.text(max_size=3)),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.just(object()),
)


def mostly(valid, wrong=junk):
    """``valid`` three times in four: each call has about one wrong argument, so most
    get past their first check to the next (a plain one_of would pick junk's dozen
    branches twelve times as often)."""
    return st.integers(0, 3).flatmap(lambda pick: wrong if pick == 3 else valid)


def outside(low: int, high: int):
    """Junk without the whole numbers from ``low`` to ``high``: a valid ``since`` far back
    or a valid ``limit`` in the tens of thousands makes minute charts page back a year,
    which is slow and says nothing about validation."""
    return junk.filter(lambda v: not (type(v) is int and low <= v <= high))


class Placed:
    """The order a client placed before the examples (each client its own), changed in
    ``field`` to ``value`` (none: as placed); made for the client that is called."""

    def __init__(self, field: str | None = None, value: Any = None) -> None:
        self.field, self.value = field, value

    def made(self, order: Order) -> Order:
        if self.field is None:
            return order
        return order.model_copy(update={self.field: copy.deepcopy(self.value)})

    def __repr__(self) -> str:
        return "placed" if self.field is None else f"placed({self.field}={show(self.value)})"


class Unanswered:
    """An ``OrderOutcomeUnknownError`` of ``request``, made afresh for each client."""

    def __init__(self, request: Any) -> None:
        self.request = request

    def made(self, order: Order) -> OrderOutcomeUnknownError:
        return OrderOutcomeUnknownError("no answer", request=copy.deepcopy(self.request))

    def __repr__(self) -> str:
        return f"OrderOutcomeUnknownError(request={show(self.request)})"


def own(value: Any, order: Order) -> Any:
    """A drawn value as client ``order``'s placer gets it: its own copy, so that what one
    client did with an argument no other sees."""
    return value.made(order) if isinstance(value, (Placed, Unanswered)) else copy.deepcopy(
        value)


def strategies(now_ms: int) -> dict[str, Any]:
    symbol = st.sampled_from(["005930", "000660", "069500", "999999"])
    ids = st.sampled_from(["1001", "1002", "0000001001", "9999", 1001])
    fields = st.sampled_from(["id", "symbol", "side", "org_no", "exchange", "amount",
                              "remaining", "status", "price"])
    changed = st.builds(Placed, fields, junk)
    recent = st.integers(now_ms - 3 * 86_400_000, now_ms + 86_400_000)
    body = st.dictionaries(st.sampled_from(["PDNO", "ORD_QTY", "ORD_UNPR", "ORGN_ODNO",
                                            "ORD_DVSN", "RVSE_CNCL_DVSN_CD"]),
                           mostly(st.sampled_from(["005930", "1", "70000", "00", "02", ""])))
    request = st.fixed_dictionaries({}, optional={
        "path": mostly(st.text(max_size=8)),
        "tr_id": mostly(st.sampled_from(["TTTC0012U", "TTTC0011U"])),
        "body": mostly(body), "sent_at": mostly(st.floats(0, now_ms / 1000))})
    unknown = st.builds(Unanswered, mostly(request))
    orders = st.just(Placed()) | changed | ids
    return {
        "symbol": mostly(symbol),
        "symbols": mostly(st.lists(mostly(symbol), max_size=3)
                          | st.lists(symbol, max_size=3).map(tuple)),
        "side": mostly(st.sampled_from(["buy", "sell"])),
        "type": mostly(st.sampled_from(["limit", "market", "best", "priority"])),
        "amount": mostly(st.integers(1, 3) | st.sampled_from([MAX_ORDER_QUANTITY,
                                                              MAX_ORDER_QUANTITY + 1])),
        "price": mostly(st.integers(1, 300_000) | st.sampled_from([
            70_000, 70_005, 35_505, 102_000, MAX_ORDER_VALUE + 1])),
        "time_in_force": mostly(st.sampled_from([None, "IOC", "FOK", "ioc", "GTC"])),
        "exchange": mostly(st.sampled_from(["KRX", "NXT", "SOR"])),
        "order_id": mostly(orders), "order": mostly(orders),
        "timeframe": mostly(st.sampled_from(TIMEFRAMES)),
        "limit": mostly(st.integers(1, 5) | st.just(MAX_LIMIT + 1), outside(1, MAX_LIMIT)),
        "since": mostly(recent, outside(0, LAST_MILLIS)),
        "until": mostly(recent, outside(0, LAST_MILLIS)),
        "english": mostly(st.booleans()),
        "query": mostly(st.sampled_from(["삼성", "005930", "kodex", " "])),
        "error": mostly(unknown),
        "code": mostly(st.sampled_from(["KOSPI", "KOSDAQ", "KOSPI200", "0001", "kospi", "X"])),
        "kind": mostly(st.sampled_from(["volume", "change", "market_cap", "losers", "hot"])),
        "market": mostly(st.sampled_from(["ALL", "KOSPI", "KOSDAQ", "KOSPI200", "NYSE"])),
        "date": mostly(st.sampled_from([None, "2026-11-20", "20261121", "2026/11/23"])),
        "end_date": mostly(st.sampled_from([None, "2026-11-27", "2020-01-01", "20261130"])),
        "name_or_seq": mostly(st.sampled_from(["0", "momentum", " "])),
        "reservation": mostly(st.sampled_from(["88001", "x", 88001])),
    }


_LEFT_OUT = object()  # an optional parameter not passed


def arguments(method: Any, strategies: dict[str, Any]):
    """Keyword arguments for ``method``: every required parameter, optional ones or not."""
    drawn: dict[str, Any] = {}
    for name, parameter in inspect.signature(method).parameters.items():
        if name == "self":
            continue
        if parameter.kind is parameter.VAR_KEYWORD:
            for forwarded in FORWARDED[name]:
                drawn[forwarded] = st.one_of(st.just(_LEFT_OUT), strategies[forwarded])
            continue
        assert name in strategies, f"add a strategy for parameter {name!r} of {method}"
        choice = strategies[name]
        drawn[name] = choice if parameter.default is parameter.empty else st.one_of(
            st.just(_LEFT_OUT), choice)
    return st.fixed_dictionaries(drawn).map(
        lambda values: {k: v for k, v in values.items() if v is not _LEFT_OUT})



def show(value: Any) -> str:
    try:
        return repr(value)[:200]
    except ValueError:  # an int of over 4,300 digits, or a list holding one
        return f"<a {type(value).__name__} that cannot be printed>"


def shown(kwargs: dict[str, Any]) -> dict[str, str]:
    """The arguments as a failure shows them (made only for a failure: a pydantic
    model's repr costs more than most calls)."""
    return {k: show(v) for k, v in kwargs.items()}


# --- the property ----------------------------------------------------------------------------
@pytest.mark.parametrize("name, kinds", CASES, ids=[
    name if len(kinds) == len(CLASSES) else f"{'-'.join(kinds)}-{name}" for name, kinds in CASES])
def test_any_arguments_succeed_or_raise_a_pykis_error_before_sending(name, kinds,
                                                                     tmp_path) -> None:
    clients: list[tuple[str, Any, Any, Order]] = []  # (which, simulator, client, its order)
    try:
        for kind in kinds:
            for env in ENVS:
                sim = make_sim()
                which = f"{kind} {env.value}"
                client = build(sim, env, kind, tmp_path / which.replace(" ", "-"),
                               threaded=False)  # starts no stream
                clients.append((which, sim, client, None))
                last = int(client.fetch_ticker("005930").last)
                order = client.create_limit_order("005930", "buy", 1, last - 1_000)
                clients[-1] = (which, sim, client, order)
        now_ms = {int(sim.clock.timestamp() * 1000) for _, sim, _, _ in clients}
        assert len(now_ms) == 1  # the simulators are frozen at the same moment
        drawn = arguments(getattr(CLASSES[kinds[0]], name), strategies(now_ms.pop()))

        @settings(max_examples=EXAMPLES.get(name, 100), deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        @given(kwargs=drawn)
        def call(kwargs: dict[str, Any]) -> None:
            for which, sim, client, order in clients:
                check(which, sim, client, name, {k: own(v, order) for k, v in kwargs.items()})

        call()
    finally:
        for _, _, client, _ in clients:
            client.close()


def check(which: str, sim: Any, client: Any, name: str, kwargs: dict[str, Any]) -> None:
    """``client.name(**kwargs)`` succeeds with a result that prints, or raises a PyKIS
    error; an ``InvalidInputError`` after nothing was sent (but for CHECKED_AGAINST_KIS)."""
    before = requests_made(sim, client)
    try:
        result = getattr(client, name)(**kwargs)
    except InvalidInputError as error:
        sent = requests_made(sim, client) - before
        assert sent == 0 or (name, error.argument) in CHECKED_AGAINST_KIS, (
            f"{which}: {name}({shown(kwargs)}) sent {sent} requests, then refused "
            f"{error.argument}")
        assert str(error) and repr(error)
    except KISError as error:
        assert str(error)
    except Exception as error:  # noqa: BLE001 - the bug this test is for
        pytest.fail(f"{which}: {name}({shown(kwargs)}) raised {type(error).__name__}: "
                    f"{show(error)}")
    else:
        assert repr(result)  # a result prints
