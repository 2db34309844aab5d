"""Orders: their side, type and status, and the order as KIS books it.

The three enums are ``str`` enums: a member equals its value (``OrderSide.BUY ==
"buy"``), so code that compares with the strings keeps working.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from pykis.models.base import Count, Model, Won

__all__ = ["ORDER_CODES", "Order", "OrderSide", "OrderStatus", "OrderType", "order_kind"]


class OrderSide(str, Enum):
    BUY = "buy"
    SELL = "sell"

    def __str__(self) -> str:
        return self.value


class OrderType(str, Enum):
    """What KIS's ORD_DVSN says of the price. IOC and FOK are the order's
    ``time_in_force``, not types: ORD_DVSN 11 is a ``LIMIT`` order with ``"IOC"``."""

    LIMIT = "limit"  # 00 지정가 (11/12: IOC/FOK)
    MARKET = "market"  # 01 시장가 (13/14: IOC/FOK)
    CONDITIONAL = "conditional"  # 02 조건부지정가: a limit that becomes market at the close
    BEST = "best"  # 03 최유리지정가: at the best opposite price (15/16: IOC/FOK)
    PRIORITY = "priority"  # 04 최우선지정가: at the best price of its own side
    PRE_MARKET = "pre_market"  # 05 장전 시간외: at the previous close, 08:30-08:40
    AFTER_HOURS = "after_hours"  # 06 장후 시간외: at today's close, 15:40-16:00
    AFTER_HOURS_AUCTION = "after_hours_auction"  # 07 시간외 단일가, 16:00-18:00
    MIDPOINT = "midpoint"  # 21 중간가 (23/24: IOC/FOK), NXT
    STOP_LIMIT = "stop_limit"  # 22 스톱지정가, NXT
    OTHER = "other"  # a code PyKIS does not know; ``info["ord_dvsn_cd"]`` has it

    def __str__(self) -> str:
        return self.value


class OrderStatus(str, Enum):
    """CCXT's statuses. ``CANCELED`` (one L, as CCXT spells it) is every order with
    nothing left to trade that did not fill entirely: cancelled, replaced by an
    amendment, or expired at the close with a remainder. ``REJECTED``: KIS took the
    order, then refused it (an execution notice of 거부)."""

    OPEN = "open"
    CLOSED = "closed"  # filled entirely
    CANCELED = "canceled"
    REJECTED = "rejected"

    def __str__(self) -> str:
        return self.value


# ORD_DVSN <-> (type, time in force)
ORDER_CODES: dict[str, tuple[OrderType, str | None]] = {
    "00": (OrderType.LIMIT, None), "01": (OrderType.MARKET, None),
    "02": (OrderType.CONDITIONAL, None), "03": (OrderType.BEST, None),
    "04": (OrderType.PRIORITY, None), "05": (OrderType.PRE_MARKET, None),
    "06": (OrderType.AFTER_HOURS, None), "07": (OrderType.AFTER_HOURS_AUCTION, None),
    "11": (OrderType.LIMIT, "IOC"), "12": (OrderType.LIMIT, "FOK"),
    "13": (OrderType.MARKET, "IOC"), "14": (OrderType.MARKET, "FOK"),
    "15": (OrderType.BEST, "IOC"), "16": (OrderType.BEST, "FOK"),
    "21": (OrderType.MIDPOINT, None), "22": (OrderType.STOP_LIMIT, None),
    "23": (OrderType.MIDPOINT, "IOC"), "24": (OrderType.MIDPOINT, "FOK"),
}


def order_kind(code: str) -> tuple[OrderType, str | None]:
    """(type, time in force) of KIS's ORD_DVSN ``code``."""
    return ORDER_CODES.get(code, (OrderType.OTHER, None))


class Order(Model):
    """An order as KIS books it.

    ``id`` is KIS's order number without leading zeros (the paper server answers orders
    with short numbers and lists them zero-padded; both mean the same order), and
    ``org_no`` the KRX forwarding branch (KRX_FWDG_ORD_ORGNO) KIS needs to amend or cancel.
    ``price`` is None for orders without a price (market and the like); ``average`` is
    the average price of the fills and ``cost`` their value.
    """

    id: str
    symbol: str
    side: OrderSide
    type: OrderType
    status: OrderStatus
    amount: Count
    price: Won | None = None
    filled: Count = 0
    remaining: Count
    timestamp: int
    datetime: dt.datetime
    time_in_force: str | None = None  # "IOC", "FOK", or None (the day)
    average: Won | None = None
    cost: Won = 0
    org_no: str = ""
    original_id: str | None = None  # the order this one amends or cancels
    exchange: str = "KRX"
