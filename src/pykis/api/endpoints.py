"""Every KIS API the client calls, declared once (see ``pykis.constants``)."""

from __future__ import annotations

from pykis.api.call import Api
from pykis.constants import Endpoint, TrID

__all__ = [
    "BALANCE", "BUYING_POWER", "DAILY_ORDERS", "DAILY_ORDERS_BEFORE", "MINUTE_CHART",
    "MULTI_PRICE", "OPEN_ORDERS", "ORDER_BOOK", "PAST_MINUTE_CHART", "PERIOD_CHART", "PRICE",
    "RECENT_TRADES", "REVISE", "SELLABLE", "BUY", "SELL",
]

PRICE = Api(Endpoint.PRICE, TrID.PRICE)
ORDER_BOOK = Api(Endpoint.ORDER_BOOK, TrID.ORDER_BOOK)
RECENT_TRADES = Api(Endpoint.RECENT_TRADES, TrID.RECENT_TRADES)
PERIOD_CHART = Api(Endpoint.PERIOD_CHART, TrID.PERIOD_CHART)
MINUTE_CHART = Api(Endpoint.MINUTE_CHART, TrID.MINUTE_CHART)
PAST_MINUTE_CHART = Api(Endpoint.PAST_MINUTE_CHART, TrID.PAST_MINUTE_CHART, paper=False)
MULTI_PRICE = Api(Endpoint.MULTI_PRICE, TrID.MULTI_PRICE, paper=False)
BUY = Api(Endpoint.ORDER_CASH, TrID.BUY, "POST", order=True)
SELL = Api(Endpoint.ORDER_CASH, TrID.SELL, "POST", order=True)
REVISE = Api(Endpoint.ORDER_REVISE, TrID.REVISE, "POST", order=True)
OPEN_ORDERS = Api(Endpoint.OPEN_ORDERS, TrID.OPEN_ORDERS, paper=False, paged=True)
DAILY_ORDERS = Api(Endpoint.DAILY_ORDERS, TrID.DAILY_ORDERS, paged=True)
DAILY_ORDERS_BEFORE = Api(Endpoint.DAILY_ORDERS, TrID.DAILY_ORDERS_BEFORE, paged=True)
BALANCE = Api(Endpoint.BALANCE, TrID.BALANCE, paged=True)
BUYING_POWER = Api(Endpoint.BUYING_POWER, TrID.BUYING_POWER)
SELLABLE = Api(Endpoint.SELLABLE, TrID.SELLABLE, paper=False)
