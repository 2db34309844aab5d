"""The backtest's orders and how they fill: by the fill model of recorded trades,
``pykis.history.fills`` (written once there, and followed by the replaying simulator
too; docs/fill-model.md). In short: nothing fills on the tick that decided it; a market
order fills at the symbol's next tick's price; a limit order at its limit, on the next
tick at or beyond it if it was marketable when sent (the engine's buys by amount, a limit
at the best ask), else only on a tick through it; each side shares a tick's volume; day
orders expire at the close. Fills happen on any tick of the day's regular hours;
decisions only in the regular session (the monitor's rule).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pykis.history.fills import Resting, allocate
from pykis.market import InstrumentKind, Market

__all__ = ["SimOrder", "fills_on"]


@dataclass(slots=True, eq=False)
class SimOrder:
    """An order of the backtest, as the engine planned it."""

    id: int
    ticker: str
    side: str  # "buy" or "sell"
    order_type: str  # "market" or "limit"
    quantity: int
    limit_price: int | None
    decided_at: int  # the tape index of the tick that decided it
    time: dt.datetime
    reason: str
    market: Market
    kind: InstrumentKind
    marketable: bool  # could trade on arrival (``pykis.history.fills.is_marketable``)
    filled: int = 0
    rested: bool = False  # its first tick has passed: it waits in the book now
    state: str = "working"  # working, filled, expired, refused
    message: str = ""
    fills: list[tuple[int, int]] = field(default_factory=list)  # (quantity, price)

    @property
    def remaining(self) -> int:
        return self.quantity - self.filled


def fills_on(orders: list[SimOrder], price: int, volume: int) -> list[tuple[SimOrder, int, int]]:
    """(order, shares, price) of the fills a tick of ``volume`` shares at ``price`` makes
    of the working ``orders`` of its symbol (each decided on an earlier tick); every
    order has then seen its first tick."""
    waiting = [Resting(o.side == "buy", o.limit_price, o.remaining, not o.rested,
                       o.marketable, o.id) for o in orders]
    for order in orders:
        order.rested = True
    return [(orders[at], shares, filled_at)
            for at, shares, filled_at in allocate(waiting, price, volume)]
