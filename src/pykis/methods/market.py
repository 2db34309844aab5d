"""Market data beyond the trading core: indices, rankings, investor and member flows."""

from __future__ import annotations

from pykis.methods import Methods

__all__ = ["MarketDataMethods"]


class MarketDataMethods(Methods):
    pass
