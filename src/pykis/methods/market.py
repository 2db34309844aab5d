"""Market data beyond the trading core: indices, rankings, investor and member flows
(flows in ``pykis.api.marketdata``)."""

from __future__ import annotations

from pykis.api import marketdata
from pykis.methods import Methods
from pykis.models.base import ModelList
from pykis.models.marketdata import Index, IndexCandle, InvestorFlow, MemberFlows, Ranking

__all__ = ["MarketDataMethods"]


class MarketDataMethods(Methods):
    def fetch_index(self, code: str = "KOSPI") -> Index:
        """An index now: ``code`` "KOSPI", "KOSDAQ", "KOSPI200" or KIS's "0001", "1001",
        "2001" (real only: KIS's paper server has no index quote)."""
        return self._run(marketdata.fetch_index(self._ctx, code))

    def fetch_index_ohlcv(self, code: str = "KOSPI", timeframe: str = "1d",
                          limit: int | None = None, *, since: int | None = None
                          ) -> ModelList[IndexCandle]:
        """Index candles, oldest first ("1d", "1w", "1M", "1y")."""
        return self._run(marketdata.fetch_index_ohlcv(self._ctx, code, timeframe, limit,
                                                      since))

    def fetch_rankings(self, kind: str = "volume", *, market: str = "ALL",
                       limit: int | None = None) -> ModelList[Ranking]:
        """The top 30 by ``kind``: "volume", "change" (gainers; "losers" for the other
        end) or "market_cap"; ``market`` "ALL", "KOSPI", "KOSDAQ", "KOSPI200" (real
        only)."""
        return self._run(marketdata.fetch_rankings(self._ctx, kind, market, limit))

    def fetch_investor_flows(self, symbol: str, limit: int | None = None
                             ) -> ModelList[InvestorFlow]:
        """Daily net buying by individuals, foreigners and institutions, oldest first."""
        return self._run(marketdata.fetch_investor_flows(self._ctx, symbol, limit))

    def fetch_member_flows(self, symbol: str) -> MemberFlows:
        """Today's top five selling and buying member firms (거래원)."""
        return self._run(marketdata.fetch_member_flows(self._ctx, symbol))
