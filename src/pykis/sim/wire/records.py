"""Real-time data records: the values of one H0STCNT0 trade, one H0STASP0 book and one
H0STCNI0/H0STCNI9 notice, in the order of ``pykis.websocket.fields`` (KIS sends values
only). Shapes follow the captures in kis-reference/captures/ws: outside an auction the
book's expected price is 0 and its change is minus the base price.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pykis.market import Session
from pykis.models import OrderSide
from pykis.sim.accounts import Fill, Order, OrderKind
from pykis.sim.exchange import ORDER_TYPES
from pykis.sim.intraday import Trade
from pykis.sim.market import Quote
from pykis.sim.wire.protocol import dec, hhmmss, pct, yyyymmdd
from pykis.sim.wire.quotes import sign
from pykis.websocket.fields import FIELDS

if TYPE_CHECKING:
    from pykis.sim.state import SimState

__all__ = ["book", "notice", "trade"]

TRADE_SIZE, BOOK_SIZE, NOTICE_SIZE = (len(FIELDS[tr]) for tr in ("H0STCNT0", "H0STASP0",
                                                                   "H0STCNI0"))


def trade(state: SimState, quote: Quote, tick: Trade) -> list[str]:
    """The H0STCNT0 record of the trade that made ``quote``."""
    market = state.market
    path = market.path(quote.inst.code, quote.day)
    sells, buys, sold, bought, high_ts, low_ts = path.flow(quote.index)
    levels = market.book(quote)
    price, base = quote.price, quote.base
    same_time = _previous_day_volume(state, quote, tick.ts)
    if quote.index == 0:
        side = "3"  # the opening auction's trade
    else:
        side = "1" if quote.uptick else "5"  # who took liquidity
    row = [
        quote.inst.code, hhmmss(tick.ts), price, sign(price, base, quote.limits.upper,
                                                      quote.limits.lower),
        price - base, pct(price - base, base),
        dec(quote.value / quote.volume if quote.volume else price),
        quote.open, quote.high, quote.low, levels.asks[0][0], levels.bids[0][0], tick.volume,
        quote.volume, quote.value, sells, buys, buys - sells,
        pct(bought, sold) if sold else "0.00", sold, bought, side,
        dec(bought / (bought + sold) if bought + sold else 0),
        pct(quote.volume, quote.prev_volume),
        hhmmss(path.trade(0).ts), sign(price, quote.open), price - quote.open,
        hhmmss(high_ts), sign(price, quote.high), price - quote.high,
        hhmmss(low_ts), sign(price, quote.low), price - quote.low,
        yyyymmdd(quote.day), "20", "N", levels.asks[0][1], levels.bids[0][1],
        sum(q for _, q in levels.asks), sum(q for _, q in levels.bids),
        pct(quote.volume, quote.inst.shares), same_time, pct(quote.volume, same_time),
        _hour_class(quote.session), "", quote.open,
    ]
    assert len(row) == TRADE_SIZE
    return [str(v) for v in row]


def _previous_day_volume(state: SimState, quote: Quote, ts: float) -> int:
    """The previous trading day's volume up to the same time of day."""
    market = state.market
    previous = market.calendar.previous_trading_day(quote.day)
    if quote.prev_volume == 0:
        return 0
    moment = dt.datetime.fromtimestamp(ts, market.schedule(quote.day).regular_open.tzinfo)
    same = dt.datetime.combine(previous, moment.timetz())
    path = market.path(quote.inst.code, previous)
    index = path.index_at(same.timestamp())
    return path.summary(index)[4] if index >= 0 else 0


def book(state: SimState, quote: Quote) -> list[str]:
    """The H0STASP0 record of the book right after ``quote``'s trade."""
    levels = state.market.book(quote)
    auction = quote.session in (Session.PRE_MARKET, Session.CLOSING_AUCTION)
    expected = quote.price if auction else 0
    total_ask = sum(q for _, q in levels.asks)
    total_bid = sum(q for _, q in levels.bids)
    stamp = quote.last_ts if quote.last_ts is not None else state.clock.now().timestamp()
    row: list[object] = [quote.inst.code, hhmmss(stamp), _hour_class(quote.session)]
    row += [p for p, _ in levels.asks] + [p for p, _ in levels.bids]
    row += [q for _, q in levels.asks] + [q for _, q in levels.bids]
    row += [total_ask, total_bid, 0, 0, expected, 0, 0, expected - quote.base,
            sign(expected, quote.base), pct(expected - quote.base, quote.base), quote.volume,
            0, 0, 0, 0, 0]
    assert len(row) == BOOK_SIZE
    return [str(v) for v in row]


def _hour_class(session: Session) -> str:
    return {Session.PRE_MARKET: "B", Session.CLOSING_AUCTION: "A"}.get(session, "0")


def notice(state: SimState, event: str, order: Order, fill: Fill | None) -> list[str]:
    """The notice of ``event`` ("accepted", "cancelled", "expired", "filled") on ``order``:
    an acceptance (CNTG_YN 1) carries the order's quantity and price, a fill (CNTG_YN 2)
    this execution's."""
    account = order.account
    kind = ORDER_TYPES.get(order.dvsn)
    condition = "1" if kind and kind.ioc else "2" if kind and kind.fok else "0"
    filled = fill is not None
    qty, price = (fill.qty, fill.price) if fill is not None else (order.qty, order.price)
    stamp = fill.ts if fill is not None else order.ts
    received = {"canceled": "2", "expired": "3", "filled": "2"}.get(event, "1")
    amendment = {OrderKind.NEW: "0", OrderKind.AMEND: "1", OrderKind.CANCEL: "2"}[order.kind]
    original = account.profile.odno(order.original) if order.original else ""
    inst = state.market.universe.get(order.code)
    row = [
        account.hts_id, account.number, account.profile.odno(order.number), original,
        "01" if order.side is OrderSide.SELL else "02", amendment, order.dvsn, condition,
        order.code, qty, price, hhmmss(stamp), "0", "2" if filled else "1", received,
        account.profile.branch, order.qty, "SIM", 0, "1", "Y", "", "", "",
        inst.name if inst else "", order.price,
    ]
    assert len(row) == NOTICE_SIZE
    return [str(v) for v in row]
