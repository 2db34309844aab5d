"""KIS hosts, API paths and TR IDs: the current ones, and the legacy ones by their own
names (KIS may block legacy TR IDs without notice, so PyKIS sends the current ones).

KIS: hosts and TR ID conventions per the KIS Developers portal; the paper (모의투자) TR
of an account API is the real one with its first letter replaced by ``V``.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["BaseURL", "Endpoint", "LegacyTrID", "TrID", "paper_tr_id"]


class BaseURL(StrEnum):
    REAL = "https://openapi.koreainvestment.com:9443"
    PAPER = "https://openapivts.koreainvestment.com:29443"
    WEBSOCKET_REAL = "ws://ops.koreainvestment.com:21000"
    WEBSOCKET_PAPER = "ws://ops.koreainvestment.com:31000"


_QUOTES = "/uapi/domestic-stock/v1/quotations/"
_TRADING = "/uapi/domestic-stock/v1/trading/"


class Endpoint(StrEnum):
    TOKEN = "/oauth2/tokenP"
    REVOKE = "/oauth2/revokeP"
    APPROVAL = "/oauth2/Approval"
    HASHKEY = "/uapi/hashkey"
    PRICE = _QUOTES + "inquire-price"
    ORDER_BOOK = _QUOTES + "inquire-asking-price-exp-ccn"
    RECENT_TRADES = _QUOTES + "inquire-ccnl"
    DAILY_PRICE = _QUOTES + "inquire-daily-price"
    PERIOD_CHART = _QUOTES + "inquire-daily-itemchartprice"
    MINUTE_CHART = _QUOTES + "inquire-time-itemchartprice"
    PAST_MINUTE_CHART = _QUOTES + "inquire-time-dailychartprice"
    MULTI_PRICE = _QUOTES + "intstock-multprice"
    ORDER_CASH = _TRADING + "order-cash"
    ORDER_REVISE = _TRADING + "order-rvsecncl"
    OPEN_ORDERS = _TRADING + "inquire-psbl-rvsecncl"
    DAILY_ORDERS = _TRADING + "inquire-daily-ccld"
    BALANCE = _TRADING + "inquire-balance"
    BUYING_POWER = _TRADING + "inquire-psbl-order"
    SELLABLE = _TRADING + "inquire-psbl-sell"


class TrID(StrEnum):
    """Current TR IDs, as the real server knows them (see ``paper_tr_id``)."""

    PRICE = "FHKST01010100"
    ORDER_BOOK = "FHKST01010200"
    RECENT_TRADES = "FHKST01010300"
    DAILY_PRICE = "FHKST01010400"
    PERIOD_CHART = "FHKST03010100"
    MINUTE_CHART = "FHKST03010200"
    PAST_MINUTE_CHART = "FHKST03010230"  # real only
    MULTI_PRICE = "FHKST11300006"  # real only
    BUY = "TTTC0012U"
    SELL = "TTTC0011U"
    REVISE = "TTTC0013U"
    OPEN_ORDERS = "TTTC0084R"  # real only
    DAILY_ORDERS = "TTTC0081R"  # the last three months
    DAILY_ORDERS_BEFORE = "CTSC9215R"  # before the last three months
    BALANCE = "TTTC8434R"
    BUYING_POWER = "TTTC8908R"
    SELLABLE = "TTTC8408R"  # real only


class LegacyTrID(StrEnum):
    """TR IDs KIS renamed; still accepted in 2026, but may be blocked without notice."""

    SELL = "TTTC0801U"
    BUY = "TTTC0802U"
    REVISE = "TTTC0803U"
    DAILY_ORDERS = "TTTC8001R"
    DAILY_ORDERS_BEFORE = "CTSC9115R"
    OPEN_ORDERS = "TTTC8036R"


def paper_tr_id(tr_id: str) -> str:
    """The paper server's TR ID: account and order TRs start with V instead of T/J/C;
    quote TRs (F...) are the same."""
    tr_id = str(tr_id)
    return "V" + tr_id[1:] if tr_id[:1] in ("T", "J", "C") else tr_id
