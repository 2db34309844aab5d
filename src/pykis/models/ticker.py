"""The current quote of one symbol.

KIS: 주식현재가 시세 FHKST01010100 (``output``), or a row of 관심종목(멀티종목) 시세
FHKST11300006. Fields read KIS's wire names through aliases (``AliasChoices`` where the
two APIs name one thing differently); everything KIS sent stays in ``info``.
"""

from __future__ import annotations

import datetime as dt

from pydantic import AliasChoices, Field

from pykis.models.base import Count, Krw, Model, Ratio, UnsignedKrw

__all__ = ["Ticker"]


def _alias(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Ticker(Model):
    """Prices in KRW, ``float`` as the seed types them (KIS's are whole). ``close`` is
    the last price, as in CCXT: the closing price once the session is over. ``name`` comes from KIS's product
    information (its price answer has none), cached for the day."""

    symbol: str = Field(validation_alias=_alias("stck_shrn_iscd", "inter_shrn_iscd", "symbol"))
    name: str | None = Field(None, validation_alias=_alias("inter_kor_isnm", "hts_kor_isnm",
                                                           "name"))
    timestamp: int  # milliseconds since the epoch, when PyKIS received the quote
    datetime: dt.datetime  # the same moment, in KST
    open: UnsignedKrw = Field(validation_alias=_alias("stck_oprc", "inter2_oprc", "open"))
    high: UnsignedKrw = Field(validation_alias=_alias("stck_hgpr", "inter2_hgpr", "high"))
    low: UnsignedKrw = Field(validation_alias=_alias("stck_lwpr", "inter2_lwpr", "low"))
    close: UnsignedKrw = Field(validation_alias=_alias("close", "stck_prpr", "inter2_prpr", "last"))
    last: UnsignedKrw = Field(validation_alias=_alias("stck_prpr", "inter2_prpr", "last", "close"))
    volume: Count = Field(validation_alias=_alias("acml_vol", "volume"))
    change: Krw = Field(validation_alias=_alias("prdy_vrss", "inter2_prdy_vrss", "change"))
    change_percent: Ratio = Field(validation_alias=_alias("prdy_ctrt", "change_percent",
                                                          "percentage"))
    previous_close: UnsignedKrw = Field(0, validation_alias=_alias("stck_sdpr", "inter2_sdpr",
                                                           "previous_close"))
    value: UnsignedKrw = Field(0, validation_alias=_alias("acml_tr_pbmn", "value"))
    upper_limit: UnsignedKrw = Field(0, validation_alias=_alias("stck_mxpr", "inter2_mxpr",
                                                        "upper_limit"))
    lower_limit: UnsignedKrw = Field(0, validation_alias=_alias("stck_llam", "inter2_llam",
                                                        "lower_limit"))
    bid: UnsignedKrw | None = Field(None, validation_alias=_alias("inter2_bidp", "bid"))
    ask: UnsignedKrw | None = Field(None, validation_alias=_alias("inter2_askp", "ask"))

    @property
    def percentage(self) -> float:
        """CCXT's name for ``change_percent``."""
        return self.change_percent
