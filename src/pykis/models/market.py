"""Market data: tickers, order books, candles and public trades.

Fields read KIS's wire names through aliases (``AliasChoices`` where two KIS APIs name
the same thing differently); everything KIS sent stays in ``info``.
"""

from __future__ import annotations

import datetime as dt

from pydantic import AliasChoices, Field

from pykis.models.base import Count, Model, Ratio, Won

__all__ = ["OHLCV", "OrderBook", "Ticker", "Trade"]


def _alias(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Ticker(Model):
    """The current quote of one symbol (inquire-price, or a row of intstock-multprice)."""

    symbol: str = Field(validation_alias=_alias("stck_shrn_iscd", "inter_shrn_iscd", "symbol"))
    name: str | None = Field(None, validation_alias=_alias("inter_kor_isnm", "hts_kor_isnm",
                                                           "name"))
    timestamp: int  # milliseconds since the epoch, when PyKIS received the quote
    datetime: dt.datetime  # the same moment, in KST
    last: Won = Field(validation_alias=_alias("stck_prpr", "inter2_prpr", "last"))
    open: Won = Field(validation_alias=_alias("stck_oprc", "inter2_oprc", "open"))
    high: Won = Field(validation_alias=_alias("stck_hgpr", "inter2_hgpr", "high"))
    low: Won = Field(validation_alias=_alias("stck_lwpr", "inter2_lwpr", "low"))
    previous_close: Won = Field(validation_alias=_alias("stck_sdpr", "inter2_sdpr",
                                                        "previous_close"))
    change: Won = Field(validation_alias=_alias("prdy_vrss", "inter2_prdy_vrss", "change"))
    percentage: Ratio = Field(validation_alias=_alias("prdy_ctrt", "percentage"))
    volume: Count = Field(validation_alias=_alias("acml_vol", "volume"))
    value: Won = Field(validation_alias=_alias("acml_tr_pbmn", "value"))
    upper_limit: Won = Field(validation_alias=_alias("stck_mxpr", "inter2_mxpr", "upper_limit"))
    lower_limit: Won = Field(validation_alias=_alias("stck_llam", "inter2_llam", "lower_limit"))
    bid: Won | None = Field(None, validation_alias=_alias("inter2_bidp", "bid"))
    ask: Won | None = Field(None, validation_alias=_alias("inter2_askp", "ask"))

    @property
    def close(self) -> int:
        """CCXT's name for the last price."""
        return self.last


class OrderBook(Model):
    """Ten price levels a side, best first, as (price, quantity)."""

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


class OHLCV(Model):
    """One candle. ``timestamp`` is the start of the period."""

    timestamp: int
    datetime: dt.datetime
    open: Won = Field(validation_alias=_alias("stck_oprc", "open"))
    high: Won = Field(validation_alias=_alias("stck_hgpr", "high"))
    low: Won = Field(validation_alias=_alias("stck_lwpr", "low"))
    close: Won = Field(validation_alias=_alias("stck_clpr", "stck_prpr", "close"))
    volume: Count = Field(validation_alias=_alias("acml_vol", "cntg_vol", "volume"))


class Trade(Model):
    """A trade: a market print (fetch_trades) or a fill of the account (fetch_my_trades,
    one per order with its filled quantity and average price, as KIS reports them)."""

    symbol: str
    timestamp: int
    datetime: dt.datetime
    price: Won
    amount: Count
    cost: Won
    side: str | None = None  # "buy" / "sell" for the account's fills
    id: str | None = None
    order_id: str | None = None
