"""Market-data APIs beyond the trading core: rankings, indices, investor and member flows,
quote extras; declared once as data (path, TR ID, paper support, fields, handler).

Paper support follows KIS's portal (kis-reference README §9): among these APIs only
inquire-investor, inquire-member, inquire-time-itemconclusion,
inquire-daily-overtimeprice, inquire-time-overtimeconclusion and
inquire-daily-indexchartprice have a paper TR (the same ID); every other one is
real-only, and the paper server answers its TR ID with EGW02006. ``PAPER_TR_IDS`` is the
one place to change should KIS's paper server turn out to serve more [U for
inquire-index-price FHPUP02100000, which the portal does not list for paper].
"""

from __future__ import annotations

from pykis.sim.env import Env
from pykis.sim.wire import flow_quotes, index_quotes, quote_extras, rankings
from pykis.sim.wire.market_fields import FIELDS
from pykis.sim.wire.route import QUOTES, Route

__all__ = ["PAPER_TR_IDS", "ROUTES"]

STOCK = "/uapi/domestic-stock/v1/"

PAPER_TR_IDS = frozenset({"FHKST01010900", "FHKST01010600", "FHPST01060000", "FHPST02320000",
                          "FHPST02310000", "FHKUP03500100"})


def _route(endpoint: str, path: str, tr_id: str, handler) -> Route:
    tr_ids = {Env.REAL: {tr_id: None}, Env.PAPER: {tr_id: None} if tr_id in PAPER_TR_IDS
              else {}}
    return Route(endpoint, "GET", path, tr_ids, handler, fields=FIELDS[endpoint])


def _quote(endpoint: str, tr_id: str, module) -> Route:
    return _route(endpoint, QUOTES + endpoint.replace("_", "-"), tr_id,
                  getattr(module, endpoint))


ROUTES: tuple[Route, ...] = (
    *(_route(r.endpoint, STOCK + r.path, r.tr_id, rankings.handler(r))
      for r in rankings.RANKINGS),
    # indices
    _quote("inquire_index_price", "FHPUP02100000", index_quotes),
    _quote("inquire_daily_indexchartprice", "FHKUP03500100", index_quotes),
    _quote("inquire_time_indexchartprice", "FHKUP03500200", index_quotes),
    _quote("inquire_index_category_price", "FHPUP02140000", index_quotes),
    _quote("inquire_index_daily_price", "FHPUP02120000", index_quotes),
    _quote("inquire_index_tickprice", "FHPUP02110100", index_quotes),
    _quote("inquire_index_timeprice", "FHPUP02110200", index_quotes),
    # investors, members, programs
    _quote("inquire_investor", "FHKST01010900", flow_quotes),
    _quote("inquire_member", "FHKST01010600", flow_quotes),
    _quote("inquire_member_daily", "FHPST04540000", flow_quotes),
    _quote("investor_trade_by_stock_daily", "FHPTJ04160001", flow_quotes),
    _quote("program_trade_by_stock", "FHPPG04650101", flow_quotes),
    _quote("program_trade_by_stock_daily", "FHPPG04650201", flow_quotes),
    _quote("foreign_institution_total", "FHPTJ04400000", flow_quotes),
    _quote("inquire_investor_time_by_market", "FHPTJ04030000", flow_quotes),
    _quote("inquire_investor_daily_by_market", "FHPTJ04040000", flow_quotes),
    _quote("inquire_daily_trade_volume", "FHKST03010800", flow_quotes),
    # quote extras
    _quote("inquire_time_itemconclusion", "FHPST01060000", quote_extras),
    _quote("inquire_daily_overtimeprice", "FHPST02320000", quote_extras),
    _quote("inquire_time_overtimeconclusion", "FHPST02310000", quote_extras),
    _quote("inquire_overtime_price", "FHPST02300000", quote_extras),
    _quote("inquire_overtime_asking_price", "FHPST02300400", quote_extras),
    _quote("inquire_price_2", "FHPST01010000", quote_extras),
    _quote("exp_closing_price", "FHKST117300C0", quote_extras),
)
