"""Every public method of the engine, given arguments of any type and size: a typed
outcome (a failed ``TradeResult`` of kind ``invalid_input``, or an ``InvalidInputError``
for the methods that do not trade), and nothing sent to KIS for a bad argument."""

from __future__ import annotations

import inspect
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engines import make_engine
from pykis.engine import TradeResult
from pykis.exceptions import InvalidInputError, KISError
from support import make_sim

ANYTHING = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.binary(max_size=8), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.decimals(allow_nan=True, allow_infinity=True))

TRADING = {"execute_buy_order", "execute_sell_order", "cancel_order"}
NOT_DRIVEN = {"close": "ends the engine", "from_env": "a constructor (reads the "
              "environment); tested with the client's", "reconcile": "its only argument "
              "is a flag", "get_access_token": "takes no argument"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    sim = make_sim()
    engine = make_engine(sim, tmp_path_factory.mktemp("inputs"))
    engine.reconcile()
    yield sim, engine
    engine.close()


def served(sim, engine) -> int:
    return sim.auth.stats_of(engine.api.kis._ctx.app_key).requests


def public_methods(engine):
    for name, method in inspect.getmembers(engine, inspect.ismethod):
        if not name.startswith("_") and name not in NOT_DRIVEN:
            yield name, method


def test_every_public_method_is_driven_or_excused(world):
    _, engine = world
    names = {n for n, _ in inspect.getmembers(engine, inspect.ismethod) if not n.startswith("_")}
    assert TRADING <= names and NOT_DRIVEN.keys() <= names


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_argument_gets_a_typed_outcome_before_anything_is_sent(world, data):
    sim, engine = world
    methods = dict(public_methods(engine))
    name = data.draw(st.sampled_from(sorted(methods)))
    method = methods[name]
    params = [p for p in inspect.signature(method).parameters.values()
              if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if not params:
        return
    bad = data.draw(st.sampled_from(params)).name
    value = data.draw(ANYTHING)
    arguments = {bad: value}
    if bad != "ticker" and any(p.name == "ticker" for p in params):
        arguments["ticker"] = "005930"
    if name == "execute_buy_order" and bad not in ("quantity", "amount_krw"):
        arguments["quantity"] = 10**12  # invalid too: whichever is checked, none is sent
    before = served(sim, engine)
    try:
        result = method(**arguments)
    except InvalidInputError:
        assert served(sim, engine) == before
        return
    except KISError:
        return  # e.g. a well-formed ticker KIS does not list
    if isinstance(result, TradeResult):
        assert result.error != "bug", result.message
        if result.error == "invalid_input":
            assert served(sim, engine) == before, (name, arguments)
        assert not result.success or _valid(name, arguments)


def _valid(name: str, arguments: dict) -> bool:
    """Whether a trade with ``arguments`` could rightly succeed (all of them valid)."""
    quantity = arguments.get("quantity")
    return name != "cancel_order" and isinstance(quantity, int) and not isinstance(
        quantity, bool) and 0 < quantity < 10**8 and all(
        not isinstance(v, float) or math.isfinite(v) for v in arguments.values())
