"""Every public module lists exactly its public names in __all__, and they import."""

from __future__ import annotations

import importlib
import inspect

import pytest

MODULES = ["pykis", "pykis.api.account", "pykis.api.base", "pykis.api.listing",
           "pykis.api.order", "pykis.api.quote", "pykis.auth", "pykis.auth.manager",
           "pykis.auth.token", "pykis.api.calendar", "pykis.api.conditions",
           "pykis.api.marketdata", "pykis.api.profit", "pykis.api.reserved", "pykis.client", "pykis.constants", "pykis.exceptions",
           "pykis.market", "pykis.models", "pykis.methods.account", "pykis.methods.market",
           "pykis.models.accountx", "pykis.models.balance", "pykis.models.base",
           "pykis.models.listing", "pykis.models.marketdata", "pykis.models.ohlcv", "pykis.models.order",
           "pykis.models.orderbook", "pykis.models.ticker", "pykis.models.trade", "pykis.sim",
           "pykis.utils.drivers", "pykis.utils.http", "pykis.utils.ratelimit",
           "pykis.websocket.client"]


PACKAGES = {"pykis", "pykis.auth", "pykis.market", "pykis.models", "pykis.sim"}


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_the_public_names(name: str) -> None:
    """A package lists every public name it re-exports; a module every class and
    function it defines."""
    module = importlib.import_module(name)
    exported = set(module.__all__)
    assert sorted(module.__all__) == list(module.__all__)
    if name in PACKAGES:
        public = {n for n, v in vars(module).items() if not n.startswith("_")
                  and getattr(v, "__module__", "").startswith("pykis")}
    else:
        public = {n for n, v in vars(module).items() if not n.startswith("_")
                  and (inspect.isclass(v) or inspect.isfunction(v))
                  and getattr(v, "__module__", "") == name}
    assert public <= exported
    for attribute in exported:
        assert getattr(module, attribute) is not None


def test_exception_tree() -> None:
    from pykis import exceptions as e

    assert issubclass(e.TokenExpiredError, e.AuthenticationError)
    assert issubclass(e.InsufficientBalanceError, e.OrderError)
    assert issubclass(e.OrderError, e.APIError) and issubclass(e.APIError, e.KISError)
    assert issubclass(e.InvalidInputError, ValueError)
    error = e.APIError("refused", rt_cd="1", msg_cd="APBK0952", msg1="주문가능금액을 초과 했습니다",
                       tr_id="TTTC0012U", status_code=200)
    assert "APBK0952" in error.describe() and error.context()["tr_id"] == "TTTC0012U"
    assert str(error) == "refused" and error.code == "APBK0952"
