"""Marks that outlive a restart: the highest price of an open trade (for its trailing
stop) and the equity a trading day opened with (for the daily loss limit)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from pykis.engine.store.schema import EquityMark
from pykis.engine.store.trades import get_trade
from pykis.exceptions import InvalidInputError

__all__ = ["mark_high", "opening_equity"]


def mark_high(session: Session, trade_id: int, price: int) -> int:
    """Raise the trade's high price to ``price`` if it is higher; the high afterwards."""
    if isinstance(price, bool) or not isinstance(price, int) or price <= 0:
        raise InvalidInputError("price", price, "a positive whole number of KRW")
    trade = get_trade(session, trade_id, lock=True)
    if trade.high_price is None or price > trade.high_price:
        trade.high_price = price
    return trade.high_price


def opening_equity(session: Session, day: dt.date, equity: int, at: dt.datetime) -> int:
    """The equity ``day`` opened with: the first one recorded for it, which ``equity``
    becomes if none is."""
    if isinstance(equity, bool) or not isinstance(equity, int):
        raise InvalidInputError("equity", equity, "a whole number of KRW")
    known = session.scalars(select(EquityMark).where(EquityMark.day == day)
                            .with_for_update()).one_or_none()
    if known is not None:
        return known.equity
    session.add(EquityMark(day=day, equity=equity, recorded_at=at))
    session.flush()
    return equity
