"""Trades: the market's prints and the account's fills."""

from __future__ import annotations

import datetime as dt

from pykis.models.base import Count, Model, Won
from pykis.models.order import OrderSide

__all__ = ["Trade"]


class Trade(Model):
    """A trade: a market print (``fetch_trades``, ``watch_trades``; ``side`` is the
    aggressor's where KIS says it) or a fill of the account (``fetch_my_trades``, one
    per order with its filled quantity and average price as KIS reports them;
    ``watch_my_trades``, one per execution notice)."""

    symbol: str
    timestamp: int
    datetime: dt.datetime
    price: Won
    amount: Count
    cost: Won
    side: OrderSide | None = None
    id: str | None = None
    order_id: str | None = None
