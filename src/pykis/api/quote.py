"""Market data flows (the seed's 시세 API): tickers, order books, recent trades, candles.

KIS: 주식현재가 시세 FHKST01010100, 관심종목(멀티종목) 시세 FHKST11300006 (real only, 30
symbols a call), 호가/예상체결 FHKST01010200, 체결 FHKST01010300; candles from 기간별시세
FHKST03010100 (100 rows a call), 당일분봉 FHKST03010200 (30 one-minute bars) and 일별분봉
FHKST03010230 (120 bars, real only, one year back). Chart rows come newest first and are
paged by moving the window back: the end date, or the hour, to just before the oldest
row. Candles are returned oldest first, stamped with the start of their period.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from pykis import exceptions as ex
from pykis.api import endpoints as E
from pykis.api import listing, validate
from pykis.api.base import Context, call
from pykis.api.errors import UNREADABLE, reading
from pykis.api.flow import Flow, Gather
from pykis.market import KST, TradingCalendar
from pykis.models import OHLCV, ModelList, OrderBook, Ticker, Trade
from pykis.models.base import kst, millis, whole

__all__ = ["TIMEFRAMES", "fetch_ohlcv", "fetch_order_book", "fetch_ticker", "fetch_tickers",
           "fetch_trades", "now", "parse"]

BATCH = 30  # symbols per intstock-multprice call
J = "J"  # FID_COND_MRKT_DIV_CODE: KRX


def now(ctx: Context) -> dt.datetime:
    return dt.datetime.fromtimestamp(ctx.clock(), KST)


def parse(model, data: dict[str, Any], tr_id: str = "", **extra: Any):
    """Build ``model`` from a KIS section; a malformed section is an APIError."""
    if not isinstance(data, dict):  # a row of a list section may be anything
        raise ex.APIError(f"KIS sent a {model.__name__} that is not an object", tr_id=tr_id)
    try:
        return model.model_validate({"info": data, **data, **extra})
    except ValidationError as error:
        raise ex.APIError(f"KIS sent a {model.__name__} that cannot be read: "
                          f"{error.errors()[0]['loc']} {error.errors()[0]['msg']}",
                          tr_id=tr_id) from None


def _rows(answer, section: str) -> list[dict[str, Any]]:
    """A list section's rows, each an object: KIS's blank rows are objects with blank
    fields (the callers skip them), so a row that is null or a number is no answer."""
    rows = answer.section(section, list)
    if not all(isinstance(row, dict) for row in rows):
        raise ex.APIError(f"KIS sent a row of {section!r} that is not an object",
                          tr_id=answer.tr_id)
    return rows


def _stamp(ctx: Context) -> dict[str, Any]:
    moment = now(ctx)
    return {"timestamp": millis(moment), "datetime": moment}


def _known(ctx: Context, symbol: str, output: dict[str, Any], tr_id: str) -> None:
    """KIS answers an unknown code with success and a zero price."""
    if str(output.get("stck_prpr", output.get("inter2_prpr", ""))).strip() in ("", "0"):
        raise ex.NotFoundError(f"KIS has no quote for symbol {symbol!r}", tr_id=tr_id)


def fetch_ticker(ctx: Context, symbol: str) -> Flow[Ticker]:
    symbol = validate.symbol(symbol)
    answer = yield from call(ctx, E.PRICE, params={"FID_COND_MRKT_DIV_CODE": J,
                                                   "FID_INPUT_ISCD": symbol})
    output = answer.section("output", dict)
    _known(ctx, symbol, output, answer.tr_id)
    name = yield from listing.name_of(ctx, symbol)  # KIS's price answer has none
    return parse(Ticker, output, answer.tr_id, name=name, **_stamp(ctx))


def fetch_tickers(ctx: Context, symbols: list[str]) -> Flow[ModelList[Ticker]]:
    """Quotes of many symbols: 30 per call where KIS has the multi-symbol API (real),
    otherwise one call per symbol, run concurrently under the rate limit."""
    wanted = list(dict.fromkeys(validate.symbols(symbols)))
    if ctx.paper:
        tickers = yield Gather([fetch_ticker(ctx, s) for s in wanted])
        return ModelList(tickers)
    batches = [wanted[i:i + BATCH] for i in range(0, len(wanted), BATCH)]
    results = yield Gather([_batch(ctx, batch) for batch in batches])
    return ModelList(ticker for batch in results for ticker in batch)


def _batch(ctx: Context, symbols: list[str]) -> Flow[list[Ticker]]:
    params: dict[str, str] = {}
    for n, symbol in enumerate(symbols, 1):
        params |= {f"FID_COND_MRKT_DIV_CODE_{n}": J, f"FID_INPUT_ISCD_{n}": symbol}
    answer = yield from call(ctx, E.MULTI_PRICE, params=params)
    rows = {str(r.get("inter_shrn_iscd", "")): r for r in _rows(answer, "output")}
    tickers = []
    for symbol in symbols:
        if symbol not in rows:
            raise ex.APIError(f"KIS left {symbol} out of a multi-symbol answer",
                              tr_id=answer.tr_id)
        _known(ctx, symbol, rows[symbol], answer.tr_id)
        tickers.append(parse(Ticker, rows[symbol], answer.tr_id, **_stamp(ctx)))
    return tickers


def fetch_order_book(ctx: Context, symbol: str) -> Flow[OrderBook]:
    symbol = validate.symbol(symbol)
    answer = yield from call(ctx, E.ORDERBOOK, params={"FID_COND_MRKT_DIV_CODE": J,
                                                        "FID_INPUT_ISCD": symbol})
    book = answer.section("output1", dict)
    with reading("an order book", answer.tr_id):
        asks = [(whole(book[f"askp{i}"]), whole(book[f"askp_rsqn{i}"])) for i in range(1, 11)]
        bids = [(whole(book[f"bidp{i}"]), whole(book[f"bidp_rsqn{i}"])) for i in range(1, 11)]
    if not any(price for price, _ in asks + bids):
        raise ex.NotFoundError(f"KIS has no order book for symbol {symbol!r}",
                               tr_id=answer.tr_id)
    return OrderBook(symbol=symbol, bids=[b for b in bids if b[0]],
                     asks=[a for a in asks if a[0]], info=answer.body, **_stamp(ctx))


def fetch_trades(ctx: Context, symbol: str, limit: int | None = None) -> Flow[ModelList[Trade]]:
    """The most recent trades (KIS keeps 30), oldest first."""
    symbol = validate.symbol(symbol)
    if limit is not None:
        validate.count(limit, "limit")
    answer = yield from call(ctx, E.RECENT_TRADES, params={"FID_COND_MRKT_DIV_CODE": J,
                                                           "FID_INPUT_ISCD": symbol})
    today = now(ctx).strftime("%Y%m%d")
    trades = []
    for row in reversed(answer.section("output", list)):
        with reading("a trade", answer.tr_id):
            moment = kst(today, str(row["stck_cntg_hour"]))
            price, qty = whole(row["stck_prpr"]), whole(row["cntg_vol"])
            trades.append(Trade(symbol=symbol, timestamp=millis(moment), datetime=moment,
                                price=price, amount=qty, cost=price * qty, info=row))
    return ModelList(trades[-limit:] if limit else trades)


# --- candles -------------------------------------------------------------------------------
PERIODS = {"1d": "D", "1w": "W", "1M": "M", "1y": "Y"}
MINUTES = {"1m": 1, "3m": 3, "5m": 5, "10m": 10, "15m": 15, "30m": 30, "60m": 60}
TIMEFRAMES = (*MINUTES, *PERIODS)
MAX_CALLS = 200  # pages of one fetch_ohlcv, whatever since/limit ask for
MAX_LIMIT = 100_000  # candles: more than 200 pages of any chart hold
HISTORY_DAYS = 365  # KIS keeps a year of minute bars
EMPTY_DAYS = 5  # trading days in a row without minute bars: the history has ended
_CALENDAR = TradingCalendar()


def fetch_ohlcv(ctx: Context, symbol: str, timeframe: str = "1d", limit: int | None = None,
                since: int | None = None) -> Flow[ModelList[OHLCV]]:
    """Candles of ``symbol``, oldest first: the ``limit`` most recent, or from ``since``
    (milliseconds) on. The seed's order of arguments: (symbol, timeframe, limit)."""
    symbol = validate.symbol(symbol)
    validate.choice(timeframe, TIMEFRAMES, "timeframe")
    if since is not None:
        validate.timestamp(since, "since")
    if limit is not None:
        validate.count(limit, "limit")
        if limit > MAX_LIMIT:  # most likely a CCXT-style since passed in limit's place
            raise validate.refuse("limit", limit, f"a number of candles up to "
                                  f"{MAX_LIMIT:,} (the start in milliseconds is since=)")
    if timeframe in PERIODS:
        candles = yield from _period_candles(ctx, symbol, PERIODS[timeframe], since, limit)
    else:
        minutes = MINUTES[timeframe]
        ones = yield from _minute_candles(ctx, symbol, since, limit and limit * minutes)
        with reading("minute candles whose volumes add up", E.MINUTE_CHART.tr(ctx.paper)):
            candles = _aggregate(ones, minutes)
    return ModelList(_window(candles, since, limit))


def _window(candles: list[OHLCV], since: int | None, limit: int | None) -> list[OHLCV]:
    """Oldest first; from ``since`` on; ``limit`` candles: the first after ``since``,
    otherwise the most recent."""
    candles = sorted({c.timestamp: c for c in candles}.values(), key=lambda c: c.timestamp)
    if since is not None:
        candles = [c for c in candles if c.timestamp >= since]
        return candles[:limit] if limit else candles
    return candles[-limit:] if limit else candles


def _candle(row: dict[str, Any], start: dt.datetime, tr_id: str) -> OHLCV:
    return parse(OHLCV, row, tr_id, timestamp=millis(start), datetime=start)


# A chart paged back to its start reads a thousand-odd dates, the same ones call after
# call, and strptime costs more than the rest of a candle.
cached_kst = lru_cache(maxsize=1 << 14)(kst)


def _moment(row: dict[str, Any], tr_id: str, *fields: str) -> dt.datetime:
    """The KST moment a candle's date (and time) fields name."""
    try:
        return cached_kst(*(str(row[name]) for name in fields))
    except UNREADABLE:  # named only then: a chart reads thousands that are fine
        with reading(f"a candle date ({'/'.join(fields)})", tr_id):
            raise


# --- daily and longer --------------------------------------------------------------------
def _period_candles(ctx: Context, symbol: str, period: str, since: int | None,
                    limit: int | None) -> Flow[list[OHLCV]]:
    first = _date(since) if since is not None else dt.date(1900, 1, 1)
    end = now(ctx).date()
    candles: list[OHLCV] = []
    oldest: dt.date | None = None
    for _ in range(MAX_CALLS):
        answer = yield from call(ctx, E.PERIOD_CHART, params={
            "FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": symbol,
            "FID_INPUT_DATE_1": first.strftime("%Y%m%d"),
            "FID_INPUT_DATE_2": end.strftime("%Y%m%d"), "FID_PERIOD_DIV_CODE": period,
            "FID_ORG_ADJ_PRC": "0"})
        rows = [r for r in _rows(answer, "output2") if r.get("stck_bsop_date")]
        if not rows:
            break
        page = [_candle(row, _moment(row, answer.tr_id, "stck_bsop_date"), answer.tr_id)
                for row in rows]
        candles += page
        # The oldest candle so far: of this page's and the ones before (kept, not
        # searched for again through every page's).
        page_oldest = min(c.datetime.date() for c in page)
        oldest = page_oldest if oldest is None else min(oldest, page_oldest)
        if oldest <= first or oldest > end or (limit and since is None and len(candles) >= limit):
            break  # done, or KIS is not moving back in time
        end = oldest - dt.timedelta(days=1)
    return candles


def _date(millis_: int) -> dt.date:
    return dt.datetime.fromtimestamp(millis_ / 1000, KST).date()


# --- minutes -------------------------------------------------------------------------------
def _minute_candles(ctx: Context, symbol: str, since: int | None, wanted: int | None
                    ) -> Flow[list[OHLCV]]:
    """One-minute candles: today's, then earlier days' (real only) while ``since`` or
    ``wanted`` (a number of one-minute candles) asks for more."""
    today = now(ctx).date()
    candles = yield from _one_day(ctx, symbol, today, E.MINUTE_CHART, 30)
    day, empty = today, 0
    while not ctx.paper and _need_more(candles, since, wanted) and empty < EMPTY_DAYS:
        day = _CALENDAR.previous_trading_day(day)
        if (today - day).days > HISTORY_DAYS:
            break
        earlier = yield from _one_day(ctx, symbol, day, E.PAST_MINUTE_CHART, 120)
        empty = 0 if earlier else empty + 1
        candles += earlier
    return candles


def _need_more(candles: list[OHLCV], since: int | None, wanted: int | None) -> bool:
    if since is not None:
        return not candles or min(c.timestamp for c in candles) > since
    return wanted is not None and len(candles) < wanted


def _one_day(ctx: Context, symbol: str, day: dt.date, api, page: int) -> Flow[list[OHLCV]]:
    """All one-minute candles of ``day``, paging back from the close (newest first)."""
    hour, candles = "235959", []
    for _ in range(MAX_CALLS):
        params = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": symbol,
                  "FID_INPUT_HOUR_1": hour, "FID_PW_DATA_INCU_YN": "N"}
        if api is E.MINUTE_CHART:
            params["FID_ETC_CLS_CODE"] = ""
        else:
            params["FID_INPUT_DATE_1"] = day.strftime("%Y%m%d")
        answer = yield from call(ctx, api, params=params)
        rows = [r for r in _rows(answer, "output2") if r.get("stck_cntg_hour")
                and str(r.get("stck_bsop_date", "")) == day.strftime("%Y%m%d")]
        for row in rows:  # a bar is labelled by its end: it starts a minute earlier
            end = _moment(row, answer.tr_id, "stck_bsop_date", "stck_cntg_hour")
            candles.append(_candle(row, end - dt.timedelta(minutes=1), answer.tr_id))
        if len(rows) < page:
            break
        hour = (candles[-1].datetime).strftime("%H%M%S")  # the oldest bar's start
    return candles


def _aggregate(ones: list[OHLCV], minutes: int) -> list[OHLCV]:
    """N-minute candles from one-minute ones, aligned on the clock (09:00, 09:05, ...)."""
    if minutes == 1:
        return ones
    buckets: dict[dt.datetime, list[OHLCV]] = {}
    for candle in sorted(ones, key=lambda c: c.timestamp):
        start = candle.datetime
        floor = start.replace(minute=start.minute - start.minute % minutes, second=0) \
            if minutes < 60 else start.replace(minute=0, second=0)
        buckets.setdefault(floor, []).append(candle)
    return [
        OHLCV(timestamp=millis(start), datetime=start, open=group[0].open,
              high=max(c.high for c in group), low=min(c.low for c in group),
              close=group[-1].close, volume=sum(c.volume for c in group),
              info={"candles": [c.info for c in group]})
        for start, group in buckets.items()
    ]
