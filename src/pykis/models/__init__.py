"""PyKIS results: pydantic models with English names; KIS's answer is kept in ``info``."""

from pykis.models.account import Balance, Position
from pykis.models.base import Model, ModelList
from pykis.models.market import OHLCV, OrderBook, Ticker, Trade
from pykis.models.trading import BuyingPower, Order

__all__ = [
    "Balance",
    "BuyingPower",
    "Model",
    "ModelList",
    "OHLCV",
    "Order",
    "OrderBook",
    "Position",
    "Ticker",
    "Trade",
]
