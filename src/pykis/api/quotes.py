"""Market data flows: tickers, order books, recent trades.

KIS: 주식현재가 시세 FHKST01010100, 관심종목(멀티종목) 시세 FHKST11300006 (real only, 30
symbols a call), 호가/예상체결 FHKST01010200, 체결 FHKST01010300.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from pykis import exceptions as ex
from pykis.api import endpoints as E
from pykis.api import validate
from pykis.api.call import Context, call
from pykis.api.errors import reading
from pykis.api.flow import Flow, Gather
from pykis.market import KST
from pykis.models import ModelList, OrderBook, Ticker, Trade
from pykis.models.base import kst, millis

__all__ = ["fetch_order_book", "fetch_ticker", "fetch_tickers", "fetch_trades", "now", "parse"]

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
    return parse(Ticker, output, answer.tr_id, **_stamp(ctx))


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
    rows = {str(r.get("inter_shrn_iscd", "")): r for r in answer.section("output", list)
            if isinstance(r, dict)}
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
    answer = yield from call(ctx, E.ORDER_BOOK, params={"FID_COND_MRKT_DIV_CODE": J,
                                                        "FID_INPUT_ISCD": symbol})
    book = answer.section("output1", dict)
    with reading("an order book", answer.tr_id):
        asks = [(int(book[f"askp{i}"]), int(book[f"askp_rsqn{i}"])) for i in range(1, 11)]
        bids = [(int(book[f"bidp{i}"]), int(book[f"bidp_rsqn{i}"])) for i in range(1, 11)]
    if not any(price for price, _ in asks + bids):
        raise ex.NotFoundError(f"KIS has no order book for symbol {symbol!r}",
                               tr_id=answer.tr_id)
    return OrderBook(symbol=symbol, bids=[b for b in bids if b[0]],
                     asks=[a for a in asks if a[0]], info=answer.body, **_stamp(ctx))


def fetch_trades(ctx: Context, symbol: str, limit: int | None = None) -> Flow[ModelList[Trade]]:
    """The most recent trades (KIS keeps 30), oldest first."""
    symbol = validate.symbol(symbol)
    if limit is not None:
        validate.amount(limit, "limit")
    answer = yield from call(ctx, E.RECENT_TRADES, params={"FID_COND_MRKT_DIV_CODE": J,
                                                           "FID_INPUT_ISCD": symbol})
    today = now(ctx).strftime("%Y%m%d")
    trades = []
    for row in reversed(answer.section("output", list)):
        with reading("a trade", answer.tr_id):
            moment = kst(today, str(row["stck_cntg_hour"]))
            price, qty = int(row["stck_prpr"]), int(row["cntg_vol"])
        trades.append(Trade(symbol=symbol, timestamp=millis(moment), datetime=moment,
                            price=price, amount=qty, cost=price * qty, info=row))
    return ModelList(trades[-limit:] if limit else trades)
