"""The order book of one symbol: ten price levels a side.

KIS: 주식현재가 호가/예상체결 FHKST01010200 (``output1``), or the real-time H0STASP0.
"""

from __future__ import annotations

import datetime as dt

from pykis.models.base import Model

__all__ = ["OrderBook"]


class OrderBook(Model):
    """Levels as (price, quantity), best first: ``bids`` highest first, ``asks`` lowest
    first, as CCXT orders them."""

    symbol: str
    timestamp: int
    datetime: dt.datetime
    bids: list[tuple[int, int]]
    asks: list[tuple[int, int]]

    @property
    def best_bid(self) -> tuple[int, int] | None:
        return self.bids[0] if self.bids else None

    @property
    def best_ask(self) -> tuple[int, int] | None:
        return self.asks[0] if self.asks else None
