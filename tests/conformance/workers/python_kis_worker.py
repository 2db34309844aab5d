"""python-kis 2.1.6 (PyPI ``python-kis``, Soju06/python-kis), driven by the conformance
tests through its public API, as its README uses it: ``kis.stock(code).quote()``,
``.orderbook()``, ``.chart()``, ``.day_chart()``, ``.buy()``, ``order.modify()``,
``order.cancel()``, ``kis.account().balance()``, ``.pending_orders()``,
``.daily_orders()``, ``.orderable_amount()``, ``stock.on("price"|"orderbook")``,
``account.on("execution")``.

Runs under ``tests/.venvs/python-kis/bin/python -I`` only: here ``import pykis`` is
python-kis, not this project. The client is changed in nothing but its host: python-kis
keeps KIS's hosts in module constants (``pykis.__env__``), imported by name into
``pykis.kis`` (REST) and ``pykis.client.websocket`` (real time); they are pointed at the
simulator. A request to any other host fails at once instead of going to KIS.
"""

# ruff: noqa: I001  (python-kis's pykis.* would be sorted as this project's)
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # -I leaves the script dir out

from _protocol import KIS_REST, SIM_URL, SIM_WS_URL, Events, serve

import requests
import requests.adapters

import pykis  # python-kis, not this project: this file runs only in its venv
import pykis.__env__
import pykis.client.websocket
import pykis.kis
import pykis.logging
import pykis.utils.timezone

for module in (pykis.__env__, pykis.kis):
    module.REAL_DOMAIN = SIM_URL
    module.VIRTUAL_DOMAIN = SIM_URL
for module in (pykis.__env__, pykis.client.websocket):
    module.WEBSOCKET_REAL_DOMAIN = SIM_WS_URL
    module.WEBSOCKET_VIRTUAL_DOMAIN = SIM_WS_URL

_send = requests.adapters.HTTPAdapter.send


def _only_the_simulator(self, request, *args, **kwargs):
    if not request.url.startswith(SIM_URL):
        kis = " (a KIS host)" if request.url.startswith(KIS_REST) else ""
        raise requests.ConnectionError(f"not the simulator: {request.url}{kis}")
    return _send(self, request, *args, **kwargs)


requests.adapters.HTTPAdapter.send = _only_the_simulator
pykis.logging.logger.setLevel("WARNING")

KIS: pykis.PyKis | None = None
ORDERS: dict[str, Any] = {}  # order number -> python-kis order object
EVENTS = Events()
TICKETS: list[Any] = []


def setup(env: str, real: dict[str, str], paper: dict[str, str] | None = None) -> dict:
    """A PyKis for ``env``. Paper needs both keys: python-kis always quotes through the
    real domain (KIS's paper host lacks most quote APIs) and trades through the paper one."""
    global KIS
    account = _dashed(paper["account_no"] if env == "paper" else real["account_no"])
    options: dict[str, Any] = {"id": real["hts_id"], "account": account,
                               "appkey": real["app_key"], "secretkey": real["app_secret"],
                               "keep_token": False, "use_websocket": True}
    if paper is not None and env == "paper":
        options |= {"virtual_id": paper["hts_id"], "virtual_appkey": paper["app_key"],
                    "virtual_secretkey": paper["app_secret"]}
    KIS = pykis.PyKis(**options)
    return {"version": pykis.__env__.VERSION, "virtual": KIS.virtual}


def _dashed(number: str) -> str:
    return f"{number[:8]}-{number[8:]}"


def _kis() -> pykis.PyKis:
    assert KIS is not None, "setup first"
    return KIS


# --- REST ---------------------------------------------------------------------------------
def token() -> dict:
    kis = _kis()
    issued = kis.primary_token  # the environment's token (the real one in real)
    return {"token": issued.token, "type": issued.type, "expired_at": issued.expired_at,
            "validity_period": issued.validity_period}


def quote(symbol: str) -> dict:
    q = _kis().stock(symbol).quote()
    return {"symbol": q.symbol, "price": q.price, "open": q.open, "high": q.high,
            "low": q.low, "volume": q.volume, "prev_price": q.prev_price,
            "high_limit": q.high_limit, "low_limit": q.low_limit, "market": q.market}


def orderbook(symbol: str) -> dict:
    book = _kis().stock(symbol).orderbook()
    return {"asks": [[a.price, a.volume] for a in book.asks],
            "bids": [[b.price, b.volume] for b in book.bids]}


def _bars(chart) -> list[dict]:
    return [{"time": b.time_kst, "open": b.open, "high": b.high, "low": b.low,
             "close": b.close, "volume": b.volume} for b in chart.bars]


def daily_candles(symbol: str, days: int) -> list[dict]:
    chart = _kis().stock(symbol).daily_chart(start=dt.timedelta(days=days), period="day")
    return _bars(chart)


def minute_candles(symbol: str) -> list[dict]:
    return _bars(_kis().stock(symbol).day_chart(period=1))


def _order(order) -> dict:
    ORDERS[str(order.number)] = order
    return {"number": order.number, "branch": order.branch, "symbol": order.symbol}


def limit_buy(symbol: str, price: int, qty: int) -> dict:
    return _order(_kis().stock(symbol).buy(price=price, qty=qty))


def market_buy(symbol: str, qty: int) -> dict:
    return _order(_kis().stock(symbol).buy(qty=qty))


def modify(number: str, price: int) -> dict:
    return _order(ORDERS[number].modify(price=price))


def cancel(number: str) -> dict:
    return _order(ORDERS[number].cancel())


def pending_orders() -> list[dict]:
    orders = _kis().account().pending_orders()
    return [{"number": o.number, "symbol": o.symbol, "type": o.type, "price": o.price,
             "qty": o.quantity, "pending": o.pending_quantity} for o in orders.orders]


def daily_orders() -> list[dict]:
    today = dt.datetime.now(pykis.utils.timezone.TIMEZONE).date()
    orders = _kis().account().daily_orders(start=today)
    return [{"number": o.number, "symbol": o.symbol, "type": o.type, "qty": o.quantity,
             "executed": o.executed_quantity, "pending": o.pending_quantity,
             "unit_price": o.unit_price, "canceled": o.canceled} for o in orders.orders]


def balance() -> dict:
    b = _kis().account().balance()
    deposit = b.deposits.get("KRW")
    return {"stocks": [{"symbol": s.symbol, "qty": s.quantity, "orderable": s.orderable,
                        "price": s.current_price} for s in b.stocks],
            "deposit": None if deposit is None else deposit.amount,
            "withdrawable": None if deposit is None else deposit.withdrawable_amount}


def buying_power(symbol: str, price: int | None) -> dict:
    amount = _kis().stock(symbol).orderable_amount(price=price)
    return {"amount": amount.amount, "quantity": amount.quantity,
            "unit_price": amount.unit_price}


# --- real time ----------------------------------------------------------------------------
def _keep(channel: str, convert):
    def callback(sender, event) -> None:
        try:
            EVENTS.put(channel, convert(event.response))
        except Exception as error:  # noqa: BLE001  (shown to the test)
            EVENTS.put(channel, {"error": repr(error)})
    return callback


def subscribe_trades(symbol: str) -> None:
    TICKETS.append(_kis().stock(symbol).on("price", _keep("trades", lambda r: {
        "symbol": r.symbol, "price": r.price, "volume": r.volume, "time": r.time_kst})))


def subscribe_orderbook(symbol: str) -> None:
    TICKETS.append(_kis().stock(symbol).on("orderbook", _keep("orderbook", lambda r: {
        "symbol": r.symbol, "asks": [[a.price, a.volume] for a in r.asks],
        "bids": [[b.price, b.volume] for b in r.bids]})))


def subscribe_executions() -> None:
    TICKETS.append(_kis().account().on("execution", _keep("executions", lambda r: {
        "number": r.order_number.number, "symbol": r.symbol, "type": r.type,
        "price": r.price, "qty": r.quantity, "executed": r.executed_quantity,
        "receipt": r.receipt, "rejected": r.rejected})))


def events(channel: str, count: int = 1, wait: float = 10.0) -> list:
    return EVENTS.take(channel, count, wait)


def websocket_errors() -> list[str]:
    """What python-kis logged about its real-time connection (parse failures included)."""
    return list(LOGGED)


LOGGED: list[str] = []


CHANNEL_OF_TR = {"H0STCNT0": "trades", "H0STASP0": "orderbook", "H0STCNI0": "executions",
                 "H0STCNI9": "executions"}


class _Keep(pykis.logging.logging.Handler):
    """python-kis logs a real-time frame it cannot parse and drops it; the record goes to
    the frame's channel as an error, so a test fails at once with python-kis's words."""

    def emit(self, record) -> None:
        if record.levelno < pykis.logging.logging.WARNING:
            return
        message = record.getMessage()[:500]
        LOGGED.append(message)
        if message.startswith("RTC Failed to parse message:"):
            tr_id = message.split(":", 1)[1].split()[0]
            if tr_id in CHANNEL_OF_TR:
                EVENTS.put(CHANNEL_OF_TR[tr_id], {"error": f"python-kis: {message}"})


pykis.logging.logger.addHandler(_Keep())

COMMANDS = [setup, token, quote, orderbook, daily_candles, minute_candles, limit_buy,
            market_buy, modify, cancel, pending_orders, daily_orders, balance, buying_power,
            subscribe_trades, subscribe_orderbook, subscribe_executions, events,
            websocket_errors]

if __name__ == "__main__":
    serve({f.__name__: f for f in COMMANDS})
