"""Realised profit and loss over a period; real only.

KIS: 기간별손익일별합산조회 TTTC8708R (inquire-period-profit: one row a day) and
기간별매매손익현황조회 TTTC8715R (inquire-period-trade-profit: one row a day and symbol),
both paged with ``CTX_AREA_FK100``/``NK100``. A sale realises its proceeds less its
shares' cost at the average purchase price, less its fees and taxes.
"""

from __future__ import annotations

import datetime as dt

from pykis.api import accountx_endpoints as X
from pykis.api import validate
from pykis.api.base import Api, Context, pages
from pykis.api.calendar import _day
from pykis.api.errors import Answer
from pykis.api.flow import Flow
from pykis.api.quote import _rows, parse
from pykis.models import ModelList
from pykis.models.accountx import DailyPnL, RealizedPnL, RealizedTrade

__all__ = ["fetch_realized_pnl", "fetch_realized_trades"]


def _period(ctx: Context, since: object, until: object) -> tuple[dt.date, dt.date]:
    start = _day(since, "since", ctx.clock)
    end = _day(until, "until", ctx.clock)
    if start > end:
        raise validate.refuse("since", since, f"a day on or before {end}")
    return start, end


def _ask(ctx: Context, api: Api, start: dt.date, end: dt.date, symbol: str | None,
         **extra: str) -> Flow[list[Answer]]:
    code = validate.symbol(symbol) if symbol is not None else ""
    return (yield from pages(ctx, api, {
        **ctx.account, "INQR_STRT_DT": start.strftime("%Y%m%d"),
        "INQR_END_DT": end.strftime("%Y%m%d"), "SORT_DVSN": "01", "CBLC_DVSN": "00",
        "PDNO": code, **extra}))


def fetch_realized_pnl(ctx: Context, since: object, until: object = None,
                       symbol: str | None = None) -> Flow[RealizedPnL]:
    """Realised profit by day from ``since`` to ``until`` (default today), oldest first,
    with the period's totals."""
    start, end = _period(ctx, since, until)
    if symbol is not None:
        validate.symbol(symbol)
    answers = yield from _ask(ctx, X.PERIOD_PROFIT, start, end, symbol, INQR_DVSN="00")
    days = ModelList(parse(DailyPnL, row, a.tr_id) for a in answers
                     for row in _rows(a, "output1") if str(row.get("trad_dt", "")).strip())
    totals = answers[-1].section("output2", dict)
    return parse(RealizedPnL, totals, answers[-1].tr_id, since=start, until=end, days=days)


def fetch_realized_trades(ctx: Context, since: object, until: object = None,
                          symbol: str | None = None) -> Flow[ModelList[RealizedTrade]]:
    """What each symbol's trades realised, day by day, oldest first."""
    start, end = _period(ctx, since, until)
    answers = yield from _ask(ctx, X.PERIOD_TRADE_PROFIT, start, end, symbol)
    return ModelList(parse(RealizedTrade, row, a.tr_id) for a in answers
                     for row in _rows(a, "output1") if str(row.get("pdno", "")).strip())
