"""The engine's modules list exactly their public names in __all__, and they import."""

from __future__ import annotations

import importlib
import inspect

import pytest

MODULES = [
    "pykis.engine",
    "pykis.engine.pnl",
    "pykis.engine.portfolio",
    "pykis.engine.risk",
    "pykis.engine.api",
    "pykis.engine.broker",
    "pykis.engine.engine",
    "pykis.engine.execution",
    "pykis.engine.instruments",
    "pykis.engine.monitor",
    "pykis.engine.planning",
    "pykis.engine.reconcile",
    "pykis.engine.reports",
    "pykis.engine.results",
    "pykis.engine.strategy",
    "pykis.engine.store",
    "pykis.engine.store.columns",
    "pykis.engine.store.errors",
    "pykis.engine.store.fills",
    "pykis.engine.store.marks",
    "pykis.engine.store.orders",
    "pykis.engine.store.schema",
    "pykis.engine.store.states",
    "pykis.engine.store.store",
    "pykis.engine.store.trades",
]


def _defined_here(module, name: str, value: object) -> bool:
    if inspect.ismodule(value) or name.startswith("_"):
        return False
    home = getattr(value, "__module__", None)
    if module.__name__ == "pykis.engine.store":  # the package re-exports its modules' names
        return isinstance(home, str) and home.startswith("pykis.engine.store.")
    return home == module.__name__ and (inspect.isclass(value) or inspect.isfunction(value))


@pytest.mark.parametrize("name", MODULES)
def test_all_lists_the_public_names(name: str) -> None:
    module = importlib.import_module(name)
    assert sorted(module.__all__) == list(module.__all__)
    defined = {n for n, v in vars(module).items() if _defined_here(module, n, v)}
    assert defined <= set(module.__all__)
    for attribute in module.__all__:
        assert getattr(module, attribute) is not None
