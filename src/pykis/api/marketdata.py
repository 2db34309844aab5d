"""Market-data flows beyond the trading core: indices, index candles, rankings, investor
and member flows.

KIS: 업종 현재지수 FHPUP02100000 (real only), 업종 기간별시세 FHKUP03500100 (100 rows a call,
paged back by the end date; real and paper), 거래량순위 FHPST01710000, 등락률 순위
FHPST01700000, 시가총액 상위 FHPST01740000 (real only, 30 rows, no paging), 주식현재가
투자자 FHKST01010900 and 회원사 FHKST01010600 (real and paper). Index codes are KIS's 업종
codes with FID_COND_MRKT_DIV_CODE "U". The APIs are declared here, once, as data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pykis import exceptions as ex
from pykis.api import validate
from pykis.api.base import Api, Context, call
from pykis.api.errors import reading
from pykis.api.flow import Flow
from pykis.api.quote import cached_kst, now, parse
from pykis.market import KST
from pykis.models.base import ModelList, millis, whole
from pykis.models.marketdata import (
    Index,
    IndexCandle,
    InvestorFlow,
    MemberFlows,
    MemberVolume,
    Ranking,
)

__all__ = ["INDEX_CODES", "RANKINGS", "fetch_index", "fetch_index_ohlcv",
           "fetch_investor_flows", "fetch_member_flows", "fetch_rankings", "index_code"]

QUOTES = "/uapi/domestic-stock/v1/quotations/"
RANKING = "/uapi/domestic-stock/v1/ranking/"
INDEX_PRICE = Api(QUOTES + "inquire-index-price", "FHPUP02100000", paper=False)
INDEX_CHART = Api(QUOTES + "inquire-daily-indexchartprice", "FHKUP03500100")
VOLUME_RANK = Api(QUOTES + "volume-rank", "FHPST01710000", paper=False)
CHANGE_RANK = Api(RANKING + "fluctuation", "FHPST01700000", paper=False)
CAP_RANK = Api(RANKING + "market-cap", "FHPST01740000", paper=False)
INVESTORS = Api(QUOTES + "inquire-investor", "FHKST01010900")
MEMBERS = Api(QUOTES + "inquire-member", "FHKST01010600")

INDEX_CODES = {"KOSPI": "0001", "KOSDAQ": "1001", "KOSPI200": "2001"}
INDEX_NAMES = {code: name for name, code in INDEX_CODES.items()}
_ALIASES = {"KOSPI 200": "KOSPI200", "KOSPI-200": "KOSPI200", "K200": "KOSPI200"}
# Ranking kinds: the API, its screen code and its parameters (KIS's samples' values).
RANKINGS: dict[str, tuple[Api, dict[str, str]]] = {
    "volume": (VOLUME_RANK, {
        "FID_COND_SCR_DIV_CODE": "20171", "FID_DIV_CLS_CODE": "0", "FID_BLNG_CLS_CODE": "0",
        "FID_TRGT_CLS_CODE": "111111111", "FID_TRGT_EXLS_CLS_CODE": "0000000000",
        "FID_INPUT_PRICE_1": "", "FID_INPUT_PRICE_2": "", "FID_VOL_CNT": "",
        "FID_INPUT_DATE_1": ""}),
    "change": (CHANGE_RANK, {
        "FID_COND_SCR_DIV_CODE": "20170", "FID_RANK_SORT_CLS_CODE": "0",
        "FID_INPUT_CNT_1": "0", "FID_PRC_CLS_CODE": "0", "FID_INPUT_PRICE_1": "",
        "FID_INPUT_PRICE_2": "", "FID_VOL_CNT": "", "FID_TRGT_CLS_CODE": "0",
        "FID_TRGT_EXLS_CLS_CODE": "0", "FID_DIV_CLS_CODE": "0", "FID_RSFL_RATE1": "",
        "FID_RSFL_RATE2": ""}),
    "market_cap": (CAP_RANK, {
        "FID_COND_SCR_DIV_CODE": "20174", "FID_DIV_CLS_CODE": "0", "FID_TRGT_CLS_CODE": "0",
        "FID_TRGT_EXLS_CLS_CODE": "0", "FID_INPUT_PRICE_1": "", "FID_INPUT_PRICE_2": "",
        "FID_VOL_CNT": ""}),
}
RANKING_ALIASES = {"change": "change", "fluctuation": "change", "gainers": "change",
                   "losers": "change", "market-cap": "market_cap", "market_cap": "market_cap",
                   "cap": "market_cap", "volume": "volume"}
MARKETS = {"ALL": "0000", **INDEX_CODES}
PERIODS = {"1d": "D", "1w": "W", "1M": "M", "1y": "Y"}
MAX_CALLS = 200
MAX_LIMIT = 100_000


def index_code(value: object, argument: str = "code") -> str:
    """KIS's index code from a friendly name (KOSPI, KOSDAQ, KOSPI200) or the code."""
    if isinstance(value, str):
        key = value.strip().upper()
        key = _ALIASES.get(key, key)
        if key in INDEX_CODES:
            return INDEX_CODES[key]
        if key in INDEX_NAMES:
            return key
    raise validate.refuse(argument, value, "'KOSPI', 'KOSDAQ', 'KOSPI200' or a KIS index "
                          "code: '0001', '1001', '2001'")


def _stamp(ctx: Context) -> dict[str, Any]:
    moment = now(ctx)
    return {"timestamp": millis(moment), "datetime": moment}


def fetch_index(ctx: Context, code: str) -> Flow[Index]:
    code = index_code(code)
    answer = yield from call(ctx, INDEX_PRICE, params={"FID_COND_MRKT_DIV_CODE": "U",
                                                       "FID_INPUT_ISCD": code})
    out = answer.section("output", dict)
    if not str(out.get("bstp_nmix_prpr", "")).strip():
        raise ex.NotFoundError(f"KIS has no level for index {code!r}", tr_id=answer.tr_id)
    with reading("an index's volume", answer.tr_id):
        scaled = {"volume": whole(out.get("acml_vol", "0") or "0") * 1_000,
                  "value": whole(out.get("acml_tr_pbmn", "0") or "0") * 1_000_000}
    return parse(Index, out, answer.tr_id, code=code, name=INDEX_NAMES[code], **scaled,
                 **_stamp(ctx))


def fetch_index_ohlcv(ctx: Context, code: str, timeframe: str = "1d", limit: int | None = None,
                      since: int | None = None) -> Flow[ModelList[IndexCandle]]:
    """Candles of an index, oldest first: the ``limit`` most recent, or from ``since``
    (milliseconds) on. Days, weeks, months, years."""
    code = index_code(code)
    validate.choice(timeframe, tuple(PERIODS), "timeframe")
    if since is not None:
        validate.timestamp(since, "since")
    if limit is not None:
        validate.count(limit, "limit")
        if limit > MAX_LIMIT:
            raise validate.refuse("limit", limit, f"a number of candles up to {MAX_LIMIT:,}")
    first = dt.datetime.fromtimestamp(since / 1000, KST).date() if since is not None \
        else dt.date(1990, 1, 1)
    end = now(ctx).date()
    candles: dict[int, IndexCandle] = {}
    oldest: dt.date | None = None
    for _ in range(MAX_CALLS):
        answer = yield from call(ctx, INDEX_CHART, params={
            "FID_COND_MRKT_DIV_CODE": "U", "FID_INPUT_ISCD": code,
            "FID_INPUT_DATE_1": first.strftime("%Y%m%d"),
            "FID_INPUT_DATE_2": end.strftime("%Y%m%d"),
            "FID_PERIOD_DIV_CODE": PERIODS[timeframe]})
        rows = answer.section("output2", list)
        rows = [r for r in rows if isinstance(r, dict) and str(r.get("stck_bsop_date", ""))]
        if not rows:
            break
        for row in rows:
            with reading("an index candle's date", answer.tr_id):
                start = cached_kst(str(row["stck_bsop_date"]))
            candle = parse(IndexCandle, row, answer.tr_id, timestamp=millis(start),
                           datetime=start, volume=_thousands(row, answer.tr_id))
            candles[candle.timestamp] = candle
            # The oldest so far, kept rather than searched for through every page's (a
            # candle replaced has the same timestamp, so the same date).
            day = candle.datetime.date()
            oldest = day if oldest is None else min(oldest, day)
        if oldest <= first or oldest > end or (limit and since is None
                                               and len(candles) >= limit):
            break
        end = oldest - dt.timedelta(days=1)
    ordered = sorted(candles.values(), key=lambda c: c.timestamp)
    if since is not None:
        ordered = [c for c in ordered if c.timestamp >= since]
        return ModelList(ordered[:limit] if limit else ordered)
    return ModelList(ordered[-limit:] if limit else ordered)


def _thousands(row: dict[str, Any], tr_id: str) -> int:
    with reading("an index candle's volume", tr_id):
        return whole(row.get("acml_vol", "0") or "0") * 1_000


def fetch_rankings(ctx: Context, kind: str = "volume", market: str = "ALL",
                   limit: int | None = None) -> Flow[ModelList[Ranking]]:
    """The top of a ranking: ``kind`` volume, change (gainers first) or market_cap;
    ``market`` ALL, KOSPI, KOSDAQ or KOSPI200. KIS answers 30 rows."""
    if not isinstance(kind, str) or kind.lower() not in RANKING_ALIASES:
        raise validate.refuse("kind", kind, "'volume', 'change' or 'market_cap'")
    key = RANKING_ALIASES[kind.lower()]
    if not isinstance(market, str) or market.upper() not in MARKETS:
        raise validate.refuse("market", market, "'ALL', 'KOSPI', 'KOSDAQ' or 'KOSPI200'")
    if limit is not None:
        validate.count(limit, "limit")
    api, params = RANKINGS[key]
    if kind.lower() == "losers":
        params = {**params, "FID_RANK_SORT_CLS_CODE": "1"}
    answer = yield from call(ctx, api, params={"FID_COND_MRKT_DIV_CODE": "J",
                                               "FID_INPUT_ISCD": MARKETS[market.upper()],
                                               **params})
    rows = answer.section("output", list)
    out = []
    for row in rows:
        if not isinstance(row, dict):
            raise ex.APIError("KIS sent a ranking row that is not an object",
                              tr_id=answer.tr_id)
        extra: dict[str, Any] = {}
        if "stck_avls" in row:
            with reading("a market capitalisation", answer.tr_id):
                extra["market_cap"] = whole(row["stck_avls"]) * 100_000_000
        out.append(parse(Ranking, row, answer.tr_id, **extra))
    return ModelList(out[:limit] if limit else out)


def fetch_investor_flows(ctx: Context, symbol: str, limit: int | None = None
                         ) -> Flow[ModelList[InvestorFlow]]:
    """Daily buying and selling by individuals, foreigners and institutions, oldest
    first (KIS keeps 30 days)."""
    symbol = validate.symbol(symbol)
    if limit is not None:
        validate.count(limit, "limit")
    answer = yield from call(ctx, INVESTORS, params={"FID_COND_MRKT_DIV_CODE": "J",
                                                     "FID_INPUT_ISCD": symbol})
    flows = []
    for row in answer.section("output", list):
        if not isinstance(row, dict):
            raise ex.APIError("KIS sent an investor row that is not an object",
                              tr_id=answer.tr_id)
        if not str(row.get("stck_bsop_date", "")).strip():
            continue
        with reading("an investor row's date", answer.tr_id):
            day = cached_kst(str(row["stck_bsop_date"])).date()
        flows.append(parse(InvestorFlow, row, answer.tr_id, symbol=symbol, date=day))
    flows.reverse()
    return ModelList(flows[-limit:] if limit else flows)


def fetch_member_flows(ctx: Context, symbol: str) -> Flow[MemberFlows]:
    """Today's five biggest selling and buying member firms (거래원) of ``symbol``."""
    symbol = validate.symbol(symbol)
    answer = yield from call(ctx, MEMBERS, params={"FID_COND_MRKT_DIV_CODE": "J",
                                                   "FID_INPUT_ISCD": symbol})
    out = answer.section("output", dict)
    sides = {}
    with reading("a member firm", answer.tr_id):
        for side, qty in (("seln", "total_seln_qty"), ("shnu", "total_shnu_qty")):
            sides[side] = [
                MemberVolume(member=str(out[f"{side}_mbcr_no{n}"]).strip(),
                             name=str(out[f"{side}_mbcr_name{n}"]).strip(),
                             volume=out[f"{qty}{n}"], share=out[f"{side}_mbcr_rlim{n}"],
                             foreign=str(out.get(f"{side}_mbcr_glob_yn_{n}", "N")) == "Y")
                for n in range(1, 6) if str(out.get(f"{side}_mbcr_no{n}", "")).strip()]
    return parse(MemberFlows, out, answer.tr_id, symbol=symbol, sellers=sides["seln"],
                 buyers=sides["shnu"], **_stamp(ctx))
