"""The account and information APIs beyond the trading core, declared once: paths and
TR IDs (``AccountXEndpoint``, ``AccountXTrID``) and the ``Api`` of each. All are real
only at KIS (the portal: 모의투자 미지원); a paper client refuses them before sending."""

from __future__ import annotations

from enum import StrEnum

from pykis.api.base import Api

__all__ = [
    "AccountXEndpoint", "AccountXTrID", "CONDITIONS", "CONDITION_RESULT", "HOLIDAYS",
    "PERIOD_PROFIT", "PERIOD_TRADE_PROFIT", "RESERVE", "RESERVED_CANCEL",
    "RESERVED_MODIFY", "RESERVED_ORDERS",
]

_QUOTES = "/uapi/domestic-stock/v1/quotations/"
_TRADING = "/uapi/domestic-stock/v1/trading/"


class AccountXEndpoint(StrEnum):
    HOLIDAYS = _QUOTES + "chk-holiday"  # 국내휴장일조회
    CONDITIONS = _QUOTES + "psearch-title"  # 종목조건검색 목록조회
    CONDITION_RESULT = _QUOTES + "psearch-result"  # 종목조건검색조회
    RESERVE = _TRADING + "order-resv"  # 주식예약주문
    RESERVED_MODIFY = _TRADING + "order-resv-rvsecncl"  # 주식예약주문정정취소
    RESERVED_ORDERS = _TRADING + "order-resv-ccnl"  # 주식예약주문조회
    PERIOD_PROFIT = _TRADING + "inquire-period-profit"  # 기간별손익일별합산조회
    PERIOD_TRADE_PROFIT = _TRADING + "inquire-period-trade-profit"  # 기간별매매손익현황조회


class AccountXTrID(StrEnum):
    HOLIDAYS = "CTCA0903R"
    CONDITIONS = "HHKST03900300"
    CONDITION_RESULT = "HHKST03900400"
    RESERVE = "CTSC0008U"
    RESERVED_CANCEL = "CTSC0009U"
    RESERVED_MODIFY = "CTSC0013U"
    RESERVED_ORDERS = "CTSC0004R"
    PERIOD_PROFIT = "TTTC8708R"
    PERIOD_TRADE_PROFIT = "TTTC8715R"


E, T = AccountXEndpoint, AccountXTrID
HOLIDAYS = Api(E.HOLIDAYS, T.HOLIDAYS, paper=False, paged=True)
CONDITIONS = Api(E.CONDITIONS, T.CONDITIONS, paper=False)
CONDITION_RESULT = Api(E.CONDITION_RESULT, T.CONDITION_RESULT, paper=False)
RESERVE = Api(E.RESERVE, T.RESERVE, "POST", order=True, paper=False)
RESERVED_CANCEL = Api(E.RESERVED_MODIFY, T.RESERVED_CANCEL, "POST", order=True, paper=False)
RESERVED_MODIFY = Api(E.RESERVED_MODIFY, T.RESERVED_MODIFY, "POST", order=True, paper=False)
RESERVED_ORDERS = Api(E.RESERVED_ORDERS, T.RESERVED_ORDERS, paper=False, paged=True)
PERIOD_PROFIT = Api(E.PERIOD_PROFIT, T.PERIOD_PROFIT, paper=False, paged=True)
PERIOD_TRADE_PROFIT = Api(E.PERIOD_TRADE_PROFIT, T.PERIOD_TRADE_PROFIT, paper=False,
                          paged=True)
