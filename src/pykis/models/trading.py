"""Orders and buying power."""

from __future__ import annotations

import datetime as dt

from pykis.models.base import Count, Model, Won

__all__ = ["BuyingPower", "Order"]


class Order(Model):
    """An order as KIS books it.

    ``id`` is KIS's order number without leading zeros (the paper server answers orders
    with short numbers and lists them zero-padded; both mean the same order), and
    ``org_no`` the KRX forwarding branch (KRX_FWDG_ORD_ORGNO) KIS needs to amend or cancel.
    ``status``: "open", "closed" (fully filled), "canceled" (nothing left: cancelled,
    moved by an amendment, or expired at the close with a remainder).
    """

    id: str
    org_no: str
    symbol: str
    side: str  # "buy" / "sell"
    type: str  # "limit", "market", "best", "ioc", "fok", ... (see ``pykis.api.orders``)
    status: str
    price: Won | None  # None for price-less types
    amount: Count
    filled: Count = 0
    remaining: Count = 0
    average: Won | None = None
    cost: Won = 0
    timestamp: int
    datetime: dt.datetime
    original_id: str | None = None  # the order this one amends
    exchange: str = "KRX"


class BuyingPower(Model):
    """What the account can buy of a symbol at a price (inquire-psbl-order)."""

    symbol: str
    price: Won  # the unit price KIS used (the upper limit for price-less orders)
    cash: Won  # orderable cash
    max_amount: Won
    max_quantity: Count
