"""PyKIS results: pydantic models with English names; KIS's answer is kept in ``info``.

One module per model, as the seed lays them out: ``ticker``, ``orderbook``, ``ohlcv``,
``order`` (with ``OrderSide``, ``OrderType``, ``OrderStatus``), ``balance`` (``Balance``,
``Position``, ``BuyingPower``), ``trade``, ``listing``; ``base`` holds what they share.
"""

from pykis.models.accountx import (
    Condition,
    ConditionMatch,
    DailyPnL,
    RealizedPnL,
    RealizedTrade,
    ReservedOrder,
    TradingDay,
)
from pykis.models.balance import Balance, BuyingPower, Position
from pykis.models.base import Model, ModelList
from pykis.models.listing import Listing
from pykis.models.marketdata import (
    Index,
    IndexCandle,
    InvestorFlow,
    MemberFlows,
    MemberVolume,
    Ranking,
)
from pykis.models.ohlcv import OHLCV
from pykis.models.order import Order, OrderSide, OrderStatus, OrderType
from pykis.models.orderbook import OrderBook
from pykis.models.ticker import Ticker
from pykis.models.trade import Trade

__all__ = [
    "Balance",
    "BuyingPower",
    "Condition",
    "ConditionMatch",
    "DailyPnL",
    "Index",
    "IndexCandle",
    "InvestorFlow",
    "Listing",
    "MemberFlows",
    "MemberVolume",
    "Model",
    "ModelList",
    "OHLCV",
    "Order",
    "OrderBook",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "Position",
    "Ranking",
    "RealizedPnL",
    "RealizedTrade",
    "ReservedOrder",
    "Ticker",
    "Trade",
    "TradingDay",
]
