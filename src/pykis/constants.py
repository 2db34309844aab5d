"""KIS hosts, API paths and TR IDs, by the seed's names.

KIS: hosts and TR ID conventions per the KIS Developers portal; the paper (모의투자) TR
of an account API is the real one with its first letter replaced by ``V``
(``paper_tr_id``).

KIS has renamed some TR IDs since the seed was written (the portal: "구TR은 사전고지
없이 막힐 수 있으므로 반드시 신TR로 변경이용"). A seed name holds the **current** ID:
``TrID.BUY`` is ``TTTC0012U``, not the seed's ``TTTC0802U``. The old IDs keep their own
names in ``LegacyTrID``; the simulator, like KIS today, still accepts them.

Every member is a ``str``: ``f"{BaseURL.PRODUCTION}{Endpoint.TOKEN}"`` is a URL.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["BaseURL", "Endpoint", "LegacyTrID", "MasterFile", "TrID", "paper_tr_id"]


class BaseURL(StrEnum):
    PRODUCTION = "https://openapi.koreainvestment.com:9443"
    PAPER = "https://openapivts.koreainvestment.com:29443"
    WS_PRODUCTION = "ws://ops.koreainvestment.com:21000"
    WS_PAPER = "ws://ops.koreainvestment.com:31000"
    # KIS's stock master files (종목정보파일): every listing, refreshed daily, no login.
    MASTER = "https://new.real.download.dws.co.kr/common/master"


_QUOTES = "/uapi/domestic-stock/v1/quotations/"
_TRADING = "/uapi/domestic-stock/v1/trading/"


class Endpoint(StrEnum):
    # 인증
    TOKEN = "/oauth2/tokenP"
    REVOKE = "/oauth2/revokeP"
    APPROVAL = "/oauth2/Approval"
    HASHKEY = "/uapi/hashkey"
    # 시세
    PRICE = _QUOTES + "inquire-price"
    ORDERBOOK = _QUOTES + "inquire-asking-price-exp-ccn"
    RECENT_TRADES = _QUOTES + "inquire-ccnl"
    DAILY_PRICE = _QUOTES + "inquire-daily-price"
    PERIOD_CHART = _QUOTES + "inquire-daily-itemchartprice"
    MINUTE_CHART = _QUOTES + "inquire-time-itemchartprice"
    PAST_MINUTE_CHART = _QUOTES + "inquire-time-dailychartprice"
    MULTI_PRICE = _QUOTES + "intstock-multprice"
    # 종목정보
    STOCK_INFO = _QUOTES + "search-stock-info"
    PRODUCT_INFO = _QUOTES + "search-info"
    # 주문
    ORDER = _TRADING + "order-cash"
    ORDER_MODIFY = _TRADING + "order-rvsecncl"
    # 잔고, 주문내역
    BALANCE = _TRADING + "inquire-balance"
    OPEN_ORDERS = _TRADING + "inquire-psbl-rvsecncl"
    DAILY_ORDERS = _TRADING + "inquire-daily-ccld"
    BUYING_POWER = _TRADING + "inquire-psbl-order"
    SELLABLE = _TRADING + "inquire-psbl-sell"


class TrID(StrEnum):
    """Current TR IDs. ``*_PAPER`` are the seed's paper names; every other paper ID is
    ``paper_tr_id`` of the real one. Quote TRs are the same in both environments."""

    # 시세 (실전/모의 동일)
    PRICE = "FHKST01010100"
    ORDERBOOK = "FHKST01010200"
    RECENT_TRADES = "FHKST01010300"
    DAILY_PRICE = "FHKST01010400"
    PERIOD_CHART = "FHKST03010100"
    MINUTE_CHART = "FHKST03010200"
    PAST_MINUTE_CHART = "FHKST03010230"  # real only
    MULTI_PRICE = "FHKST11300006"  # real only
    STOCK_INFO = "CTPF1002R"  # real only
    PRODUCT_INFO = "CTPF1604R"  # real only
    # 주문 (실전): the seed's TTTC0802U / TTTC0801U / TTTC0803U, renamed by KIS
    BUY = "TTTC0012U"
    SELL = "TTTC0011U"
    MODIFY = "TTTC0013U"
    # 주문 (모의)
    BUY_PAPER = "VTTC0012U"
    SELL_PAPER = "VTTC0011U"
    MODIFY_PAPER = "VTTC0013U"
    # 잔고
    BALANCE = "TTTC8434R"
    BALANCE_PAPER = "VTTC8434R"
    # 정정취소가능주문: the seed's TTTC8036R, renamed TTTC0084R. KIS's paper server has
    # no such API (PyKIS derives paper's open orders from today's orders); the paper
    # name holds the ID the convention gives, which the paper server refuses.
    OPEN_ORDERS = "TTTC0084R"
    OPEN_ORDERS_PAPER = "VTTC0084R"
    # 주문체결내역: the last three months, and before
    DAILY_ORDERS = "TTTC0081R"
    DAILY_ORDERS_BEFORE = "CTSC9215R"
    BUYING_POWER = "TTTC8908R"
    SELLABLE = "TTTC8408R"  # real only


class LegacyTrID(StrEnum):
    """TR IDs KIS renamed (the seed's among them); still accepted in 2026, but KIS may
    block them without notice."""

    SELL = "TTTC0801U"
    BUY = "TTTC0802U"
    MODIFY = "TTTC0803U"
    SELL_PAPER = "VTTC0801U"
    BUY_PAPER = "VTTC0802U"
    MODIFY_PAPER = "VTTC0803U"
    DAILY_ORDERS = "TTTC8001R"
    DAILY_ORDERS_BEFORE = "CTSC9115R"
    OPEN_ORDERS = "TTTC8036R"
    OPEN_ORDERS_PAPER = "VTTC8036R"


class MasterFile(StrEnum):
    """The master files of each market, under ``BaseURL.MASTER`` (a zip of one
    ``*.mst`` member each)."""

    KOSPI = "kospi_code.mst.zip"
    KOSDAQ = "kosdaq_code.mst.zip"
    KONEX = "konex_code.mst.zip"


def paper_tr_id(tr_id: str) -> str:
    """The paper server's TR ID: account and order TRs start with V instead of T/J/C;
    quote TRs (F...) are the same."""
    tr_id = str(tr_id)
    return "V" + tr_id[1:] if tr_id[:1] in ("T", "J", "C") else tr_id
