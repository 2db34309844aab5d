"""PyKIS: the Korea Investment & Securities (KIS) Open API for domestic stocks.

    from pykis import KIS
    with KIS.from_env() as kis:
        print(kis.fetch_ticker("005930").last)
"""

from pykis.client import KIS, AsyncKIS
from pykis.exceptions import (
    APIError,
    AuthenticationError,
    InsufficientBalanceError,
    InvalidInputError,
    KISError,
    MarketClosedError,
    NetworkError,
    NotFoundError,
    OrderError,
    OrderOutcomeUnknownError,
    RateLimitError,
    ServerError,
    TokenExpiredError,
    UnsupportedError,
)
from pykis.models import (
    OHLCV,
    Balance,
    BuyingPower,
    Listing,
    Order,
    OrderBook,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    Ticker,
    Trade,
)

__all__ = [
    "APIError",
    "AsyncKIS",
    "AuthenticationError",
    "Balance",
    "BuyingPower",
    "InsufficientBalanceError",
    "InvalidInputError",
    "KIS",
    "KISError",
    "Listing",
    "MarketClosedError",
    "NetworkError",
    "NotFoundError",
    "OHLCV",
    "Order",
    "OrderBook",
    "OrderError",
    "OrderOutcomeUnknownError",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "Position",
    "RateLimitError",
    "ServerError",
    "Ticker",
    "TokenExpiredError",
    "Trade",
    "UnsupportedError",
]
