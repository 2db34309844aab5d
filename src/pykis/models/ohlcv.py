"""Candles.

KIS: 기간별시세 FHKST03010100 (days to years), 당일분봉 FHKST03010200 and 일별분봉
FHKST03010230 (minutes); ``output2`` rows.
"""

from __future__ import annotations

import datetime as dt

from pydantic import AliasChoices, Field

from pykis.models.base import Count, Model, Won

__all__ = ["OHLCV"]


class OHLCV(Model):
    """One candle. ``timestamp`` (milliseconds) and ``datetime`` (KST) are the start of
    its period."""

    timestamp: int
    datetime: dt.datetime
    open: Won = Field(validation_alias=AliasChoices("stck_oprc", "open"))
    high: Won = Field(validation_alias=AliasChoices("stck_hgpr", "high"))
    low: Won = Field(validation_alias=AliasChoices("stck_lwpr", "low"))
    close: Won = Field(validation_alias=AliasChoices("stck_clpr", "stck_prpr", "close"))
    volume: Count = Field(validation_alias=AliasChoices("acml_vol", "cntg_vol", "volume"))
