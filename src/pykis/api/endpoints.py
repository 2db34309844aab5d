"""Every KIS API the client calls, declared once (see ``pykis.constants``)."""

from __future__ import annotations

from pykis.api.base import Api
from pykis.constants import Endpoint, TrID

__all__ = [
    "BALANCE", "BUY", "BUYING_POWER", "DAILY_ORDERS", "DAILY_ORDERS_BEFORE", "MINUTE_CHART",
    "MODIFY", "MULTI_PRICE", "OPEN_ORDERS", "ORDERBOOK", "PAST_MINUTE_CHART", "PERIOD_CHART",
    "PRICE", "PRODUCT_INFO", "RECENT_TRADES", "SELL", "SELLABLE", "STOCK_INFO",
]

PRICE = Api(Endpoint.PRICE, TrID.PRICE)
ORDERBOOK = Api(Endpoint.ORDERBOOK, TrID.ORDERBOOK)
RECENT_TRADES = Api(Endpoint.RECENT_TRADES, TrID.RECENT_TRADES)
PERIOD_CHART = Api(Endpoint.PERIOD_CHART, TrID.PERIOD_CHART)
MINUTE_CHART = Api(Endpoint.MINUTE_CHART, TrID.MINUTE_CHART)
PAST_MINUTE_CHART = Api(Endpoint.PAST_MINUTE_CHART, TrID.PAST_MINUTE_CHART, paper=False)
MULTI_PRICE = Api(Endpoint.MULTI_PRICE, TrID.MULTI_PRICE, paper=False)
STOCK_INFO = Api(Endpoint.STOCK_INFO, TrID.STOCK_INFO, paper=False)
PRODUCT_INFO = Api(Endpoint.PRODUCT_INFO, TrID.PRODUCT_INFO, paper=False)
BUY = Api(Endpoint.ORDER, TrID.BUY, "POST", order=True)
SELL = Api(Endpoint.ORDER, TrID.SELL, "POST", order=True)
MODIFY = Api(Endpoint.ORDER_MODIFY, TrID.MODIFY, "POST", order=True)
OPEN_ORDERS = Api(Endpoint.OPEN_ORDERS, TrID.OPEN_ORDERS, paper=False, paged=True)
DAILY_ORDERS = Api(Endpoint.DAILY_ORDERS, TrID.DAILY_ORDERS, paged=True)
DAILY_ORDERS_BEFORE = Api(Endpoint.DAILY_ORDERS, TrID.DAILY_ORDERS_BEFORE, paged=True)
BALANCE = Api(Endpoint.BALANCE, TrID.BALANCE, paged=True)
BUYING_POWER = Api(Endpoint.BUYING_POWER, TrID.BUYING_POWER)
SELLABLE = Api(Endpoint.SELLABLE, TrID.SELLABLE, paper=False)
