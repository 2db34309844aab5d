"""Account and information APIs beyond the trading core: trading calendar, conditional
search, reserved orders, realised P&L, assets and margin, and the pension family.

Each is declared once here (path, TR IDs per environment, layout, handler); every one is
real only, as the KIS portal says (모의투자 미지원): the paper server refuses them with
EGW02006 (a real TR) or OPSQ0002 (the V-prefixed TR a paper client derives).
"""

from __future__ import annotations

from pykis.sim.env import Env
from pykis.sim.wire import assets, calendar_search, profit, resv
from pykis.sim.wire.extra_fields import LAYOUTS
from pykis.sim.wire.route import QUOTES, TRADING, Route

__all__ = ["ROUTES"]

PENSION = TRADING + "pension/"


def _real(endpoint: str, method: str, path: str, tr_ids: dict[str, str | None], handler,
          *, order: bool = False) -> Route:
    return Route(endpoint, method, path, {Env.REAL: tr_ids, Env.PAPER: {}}, handler,
                 envelope_first=order, fields=LAYOUTS[endpoint])


def _get(endpoint: str, path: str, tr_id: str, handler) -> Route:
    return _real(endpoint, "GET", path, {tr_id: None}, handler)


ROUTES: tuple[Route, ...] = (
    # 업종/기타, 시세분석
    _get("chk_holiday", QUOTES + "chk-holiday", "CTCA0903R", calendar_search.chk_holiday),
    _get("market_time", QUOTES + "market-time", "HHMCM000002C0", calendar_search.market_time),
    _get("psearch_title", QUOTES + "psearch-title", "HHKST03900300",
         calendar_search.psearch_title),
    _get("psearch_result", QUOTES + "psearch-result", "HHKST03900400",
         calendar_search.psearch_result),
    # 예약주문
    _real("order_resv", "POST", TRADING + "order-resv", {"CTSC0008U": None},
          resv.order_resv, order=True),
    _real("order_resv_rvsecncl", "POST", TRADING + "order-resv-rvsecncl",
          {"CTSC0009U": "cancel", "CTSC0013U": "amend"}, resv.order_resv_rvsecncl,
          order=True),
    _get("order_resv_ccnl", TRADING + "order-resv-ccnl", "CTSC0004R", resv.order_resv_ccnl),
    # 실현손익
    _get("inquire_balance_rlz_pl", TRADING + "inquire-balance-rlz-pl", "TTTC8494R",
         profit.inquire_balance_rlz_pl),
    _get("inquire_period_trade_profit", TRADING + "inquire-period-trade-profit", "TTTC8715R",
         profit.inquire_period_trade_profit),
    _get("inquire_period_profit", TRADING + "inquire-period-profit", "TTTC8708R",
         profit.inquire_period_profit),
    # 자산, 증거금, 신용, 권리
    _get("inquire_account_balance", TRADING + "inquire-account-balance", "CTRP6548R",
         assets.inquire_account_balance),
    _get("inquire_credit_psamount", TRADING + "inquire-credit-psamount", "TTTC8909R",
         assets.inquire_credit_psamount),
    _get("intgr_margin", TRADING + "intgr-margin", "TTTC0869R", assets.intgr_margin),
    _get("period_rights", TRADING + "period-rights", "CTRGA011R", assets.period_rights),
    _real("order_credit", "POST", TRADING + "order-credit",
          {"TTTC0052U": "buy", "TTTC0051U": "sell"}, assets.order_credit, order=True),
    # 퇴직연금
    _get("pension_inquire_balance", PENSION + "inquire-balance", "TTTC2208R",
         assets.pension_inquire_balance),
    _get("pension_inquire_daily_ccld", PENSION + "inquire-daily-ccld", "TTTC2201R",
         assets.pension_inquire_daily_ccld),
    _get("pension_inquire_deposit", PENSION + "inquire-deposit", "TTTC0506R",
         assets.pension_inquire_deposit),
    _get("pension_inquire_present_balance", PENSION + "inquire-present-balance", "TTTC2202R",
         assets.pension_inquire_present_balance),
    _get("pension_inquire_psbl_order", PENSION + "inquire-psbl-order", "TTTC0503R",
         assets.pension_inquire_psbl_order),
)
