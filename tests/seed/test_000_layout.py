"""Seed 000 §2, the project layout: every module the seed names exists and holds what the
seed puts there, defined there (not re-exported from elsewhere), and the examples run."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent

# module -> names the module itself defines (what the seed's tree comment says is there)
SEED_MODULES = {
    "pykis": [],
    "pykis.client": ["KIS", "AsyncKIS"],
    "pykis.exceptions": ["KISError", "AuthenticationError", "TokenExpiredError", "APIError",
                         "OrderError", "InsufficientBalanceError", "RateLimitError"],
    "pykis.constants": ["BaseURL", "Endpoint", "TrID"],
    "pykis.auth": [],
    "pykis.auth.token": ["Token", "TokenStore", "FileTokenStore"],
    "pykis.auth.manager": ["AuthManager"],
    "pykis.api": [],
    "pykis.api.base": ["Api", "Context", "call", "pages"],
    "pykis.api.quote": ["fetch_ticker", "fetch_order_book", "fetch_ohlcv"],
    "pykis.api.order": ["create_order", "cancel_order", "fetch_open_orders"],
    "pykis.api.account": ["fetch_balance"],
    "pykis.models": [],
    "pykis.models.base": ["Model"],
    "pykis.models.ticker": ["Ticker"],
    "pykis.models.orderbook": ["OrderBook"],
    "pykis.models.ohlcv": ["OHLCV"],
    "pykis.models.order": ["Order", "OrderSide", "OrderType", "OrderStatus"],
    "pykis.models.balance": ["Balance", "Position"],
    "pykis.websocket": [],
    "pykis.websocket.client": ["AsyncStream"],
    "pykis.utils": [],
    "pykis.utils.http": ["HTTPClient"],
}


@pytest.mark.parametrize("name", sorted(SEED_MODULES))
def test_the_seed_module_defines_what_the_seed_puts_there(name: str) -> None:
    module = importlib.import_module(name)
    for attribute in SEED_MODULES[name]:
        value = getattr(module, attribute)
        home = getattr(value, "__module__", None)
        assert home == name, f"{name}.{attribute} is defined in {home}, not re-exported"


def test_the_seeds_imports_work_as_written() -> None:
    from pykis.auth.manager import AuthManager
    from pykis.exceptions import APIError, RateLimitError
    from pykis.models.balance import Balance, Position
    from pykis.models.order import Order, OrderSide, OrderStatus, OrderType
    from pykis.models.ticker import Ticker
    from pykis.utils.http import HTTPClient

    assert all(inspect.isclass(c) for c in (AuthManager, APIError, RateLimitError, Balance,
                                            Position, Order, OrderSide, OrderStatus,
                                            OrderType, Ticker, HTTPClient))


@pytest.mark.parametrize("example", ["basic_usage.py", "async_usage.py"])
def test_the_examples_run_on_the_embedded_simulator_without_credentials(example, tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KIS_")}
    environment["PYKIS_CACHE_DIR"] = str(tmp_path)
    done = subprocess.run([sys.executable, str(ROOT / "examples" / example)], cwd=tmp_path,
                          env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "simulator" in done.stdout
    assert "005930 삼성전자" in done.stdout  # every quote has its name
    if example == "basic_usage.py":
        assert "canceled: canceled; open orders now: []" in done.stdout
    else:
        assert "filled: 1 at" in done.stdout and "position: 1 share(s)" in done.stdout
