"""Market data beyond the trading core: indices, rankings, investor and member flows.

KIS: 업종 현재지수 FHPUP02100000 (``Index``), 업종 기간별시세 FHKUP03500100
(``IndexCandle``), 거래량/등락률/시가총액 순위 FHPST01710000 / FHPST01700000 /
FHPST01740000 (``Ranking``), 주식현재가 투자자 FHKST01010900 (``InvestorFlow``), 주식현재가
회원사 FHKST01010600 (``MemberFlows``). English names; KIS's wire names are aliases;
what KIS sent stays in ``info``.
"""

from __future__ import annotations

import datetime as dt

from pydantic import AliasChoices, Field

from pykis.models.base import Count, Krw, Model, Ratio, UnsignedKrw

__all__ = ["Index", "IndexCandle", "InvestorFlow", "MemberFlows", "MemberVolume", "Ranking"]


def _alias(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Index(Model):
    """An index level now (KOSPI, KOSDAQ, KOSPI 200). Volumes in shares, values in KRW
    (KIS sends thousands of shares and millions of KRW; PyKIS scales them)."""

    code: str
    name: str
    timestamp: int
    datetime: dt.datetime
    last: float = Field(validation_alias=_alias("bstp_nmix_prpr", "last"))
    change: Krw = Field(validation_alias=_alias("bstp_nmix_prdy_vrss", "change"))
    change_percent: Ratio = Field(validation_alias=_alias("bstp_nmix_prdy_ctrt",
                                                          "change_percent"))
    open: float = Field(validation_alias=_alias("bstp_nmix_oprc", "open"))
    high: float = Field(validation_alias=_alias("bstp_nmix_hgpr", "high"))
    low: float = Field(validation_alias=_alias("bstp_nmix_lwpr", "low"))
    volume: Count = 0
    value: UnsignedKrw = 0
    advancers: Count = Field(0, validation_alias=_alias("ascn_issu_cnt", "advancers"))
    decliners: Count = Field(0, validation_alias=_alias("down_issu_cnt", "decliners"))
    unchanged: Count = Field(0, validation_alias=_alias("stnr_issu_cnt", "unchanged"))

    @property
    def previous_close(self) -> float:
        return round(self.last - self.change, 2)


class IndexCandle(Model):
    """One candle of an index: levels (decimals), volume in shares. ``timestamp``
    (milliseconds) and ``datetime`` (KST) are the start of its period."""

    timestamp: int
    datetime: dt.datetime
    open: float = Field(validation_alias=_alias("bstp_nmix_oprc", "open"))
    high: float = Field(validation_alias=_alias("bstp_nmix_hgpr", "high"))
    low: float = Field(validation_alias=_alias("bstp_nmix_lwpr", "low"))
    close: float = Field(validation_alias=_alias("bstp_nmix_prpr", "close"))
    volume: Count = 0


class Ranking(Model):
    """One row of a ranking (volume, change, market cap)."""

    rank: Count = Field(validation_alias=_alias("data_rank", "rank"))
    symbol: str = Field(validation_alias=_alias("mksc_shrn_iscd", "stck_shrn_iscd", "symbol"))
    name: str = Field(validation_alias=_alias("hts_kor_isnm", "name"))
    last: UnsignedKrw = Field(validation_alias=_alias("stck_prpr", "last"))
    change: Krw = Field(validation_alias=_alias("prdy_vrss", "change"))
    change_percent: Ratio = Field(validation_alias=_alias("prdy_ctrt", "change_percent"))
    volume: Count = Field(validation_alias=_alias("acml_vol", "volume"))
    value: UnsignedKrw | None = Field(None, validation_alias=_alias("acml_tr_pbmn", "value"))
    market_cap: UnsignedKrw | None = None  # KRW (KIS's stck_avls is in 억)
    market_share: Ratio | None = Field(None, validation_alias=_alias("mrkt_whol_avls_rlim",
                                                                     "market_share"))


class InvestorFlow(Model):
    """One day of a symbol's trading by investor type: shares bought, sold and net.
    Each side of the three groups sums to about the day's volume (KIS leaves other
    corporations out of this view)."""

    symbol: str
    date: dt.date
    close: UnsignedKrw = Field(validation_alias=_alias("stck_clpr", "close"))
    individual_buy: Count = Field(validation_alias=_alias("prsn_shnu_vol", "individual_buy"))
    individual_sell: Count = Field(validation_alias=_alias("prsn_seln_vol", "individual_sell"))
    individual_net: int = Field(validation_alias=_alias("prsn_ntby_qty", "individual_net"))
    foreign_buy: Count = Field(validation_alias=_alias("frgn_shnu_vol", "foreign_buy"))
    foreign_sell: Count = Field(validation_alias=_alias("frgn_seln_vol", "foreign_sell"))
    foreign_net: int = Field(validation_alias=_alias("frgn_ntby_qty", "foreign_net"))
    institution_buy: Count = Field(validation_alias=_alias("orgn_shnu_vol",
                                                           "institution_buy"))
    institution_sell: Count = Field(validation_alias=_alias("orgn_seln_vol",
                                                            "institution_sell"))
    institution_net: int = Field(validation_alias=_alias("orgn_ntby_qty", "institution_net"))


class MemberVolume(Model):
    """One member firm's (거래원) side of the day."""

    member: str  # KRX member number
    name: str
    volume: Count
    share: Ratio  # percent of the day's volume
    foreign: bool = False


class MemberFlows(Model):
    """The five firms that sold most and bought most of a symbol today, and the foreign
    firms' totals."""

    symbol: str
    timestamp: int
    datetime: dt.datetime
    sellers: list[MemberVolume]
    buyers: list[MemberVolume]
    foreign_sell: Count = Field(0, validation_alias=_alias("glob_total_seln_qty",
                                                           "foreign_sell"))
    foreign_buy: Count = Field(0, validation_alias=_alias("glob_total_shnu_qty",
                                                          "foreign_buy"))
    foreign_net: int = Field(0, validation_alias=_alias("glob_ntby_qty", "foreign_net"))
