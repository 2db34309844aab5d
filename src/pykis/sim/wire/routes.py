"""Every KIS REST API the simulator serves, declared once: path, TR IDs per environment,
output layout and handler. The overseas account APIs are declared in
``pykis.sim.wire.overseas`` with their own field lists, and added here.

A TR ID maps to a variant the handler reads (order side, ledger period). Legacy TR IDs
are still accepted, as KIS still accepted them in 2026. A TR ID absent from an
environment's map is refused the way KIS refuses it (see ``Simulator._route_call``).
"""

from __future__ import annotations

from pykis.sim.env import Env
from pykis.sim.wire import account, account_extra, info, market_data, overseas, quotes, trading
from pykis.sim.wire.route import TRADING, Route
from pykis.sim.wire.route import quote_route as _quote

__all__ = ["REAL_ONLY_TR_IDS", "ROUTES", "ROUTES_BY_PATH", "Route"]

ROUTES: tuple[Route, ...] = (
    _quote("inquire_price", "inquire-price", "FHKST01010100", quotes.inquire_price),
    _quote("inquire_asking_price_exp_ccn", "inquire-asking-price-exp-ccn", "FHKST01010200",
           quotes.inquire_asking_price),
    _quote("inquire_ccnl", "inquire-ccnl", "FHKST01010300", quotes.inquire_ccnl),
    _quote("inquire_daily_price", "inquire-daily-price", "FHKST01010400",
           quotes.inquire_daily_price),
    _quote("inquire_daily_itemchartprice", "inquire-daily-itemchartprice", "FHKST03010100",
           quotes.inquire_daily_itemchartprice),
    _quote("inquire_time_itemchartprice", "inquire-time-itemchartprice", "FHKST03010200",
           quotes.inquire_time_itemchartprice),
    _quote("inquire_time_dailychartprice", "inquire-time-dailychartprice", "FHKST03010230",
           quotes.inquire_time_dailychartprice, paper=False),
    _quote("intstock_multprice", "intstock-multprice", "FHKST11300006",
           quotes.intstock_multprice, paper=False),
    # Product look-ups: real only (the portal says 모의투자 미지원 for both).
    _quote("search_stock_info", "search-stock-info", "CTPF1002R", info.search_stock_info,
           paper=False),
    _quote("search_info", "search-info", "CTPF1604R", info.search_info, paper=False),
    Route(
        "order_cash", "POST", TRADING + "order-cash",
        {
            Env.REAL: {"TTTC0012U": "buy", "TTTC0011U": "sell",
                       "TTTC0802U": "buy", "TTTC0801U": "sell"},
            Env.PAPER: {"VTTC0012U": "buy", "VTTC0011U": "sell",
                        "VTTC0802U": "buy", "VTTC0801U": "sell"},
        },
        trading.order_cash, envelope_first=True,
    ),
    Route(
        "order_rvsecncl", "POST", TRADING + "order-rvsecncl",
        {Env.REAL: {"TTTC0013U": None, "TTTC0803U": None},
         Env.PAPER: {"VTTC0013U": None, "VTTC0803U": None}},
        trading.order_rvsecncl, envelope_first=True,
    ),
    Route(
        "inquire_psbl_rvsecncl", "GET", TRADING + "inquire-psbl-rvsecncl",
        {Env.REAL: {"TTTC0084R": None, "TTTC8036R": None}},
        account.inquire_psbl_rvsecncl,
    ),
    Route(
        "inquire_daily_ccld", "GET", TRADING + "inquire-daily-ccld",
        {
            Env.REAL: {"TTTC0081R": "recent", "CTSC9215R": "old",
                       "TTTC8001R": "recent", "CTSC9115R": "old"},
            Env.PAPER: {"VTTC0081R": "recent", "VTSC9215R": "old",
                        "VTTC8001R": "recent", "VTSC9115R": "old"},
        },
        account.inquire_daily_ccld,
    ),
    Route(
        "inquire_balance", "GET", TRADING + "inquire-balance",
        {Env.REAL: {"TTTC8434R": None}, Env.PAPER: {"VTTC8434R": None}},
        account.inquire_balance,
    ),
    Route(
        "inquire_psbl_order", "GET", TRADING + "inquire-psbl-order",
        {Env.REAL: {"TTTC8908R": None}, Env.PAPER: {"VTTC8908R": None}},
        account.inquire_psbl_order,
    ),
    Route(
        "inquire_psbl_sell", "GET", TRADING + "inquire-psbl-sell",
        {Env.REAL: {"TTTC8408R": None}},
        account.inquire_psbl_sell,
    ),
    *(Route(api.endpoint, "GET", api.path,
            {env: dict.fromkeys(tr_ids) for env, tr_ids in api.tr_ids.items()},
            api.handler, fields=overseas.FIELDS[api.endpoint])
      for api in overseas.APIS),
    # Issue 14's breadth: rankings, indices, flows (market_data); calendar, conditional
    # search, reserved orders, realised P&L (account_extra).
    *market_data.ROUTES,
    *account_extra.ROUTES,
)

ROUTES_BY_PATH: dict[str, Route] = {route.path: route for route in ROUTES}

def _tr_ids(env: Env) -> frozenset[str]:
    return frozenset(tr_id for route in ROUTES for tr_id in route.tr_ids.get(env, {}))


# TR IDs the paper server does not have at all: it answers them with EGW02006.
REAL_ONLY_TR_IDS: frozenset[str] = _tr_ids(Env.REAL) - _tr_ids(Env.PAPER)
