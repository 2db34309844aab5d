"""How orders meet the synthetic market, without side effects: the caller books fills.

* An order that can trade on arrival sweeps the displayed book, best level first; what
  it takes is gone from the book until the market's next trade refreshes it.
* A resting order fills against later market trades. Each trade's volume is shared by
  price, then time priority among the resting orders it crosses (each side separately):
  a limit order at its own price when the market trades through it, a price-less order
  at the trade price, and every order at the single price of an auction.
"""

from __future__ import annotations

from collections.abc import Iterable

from pykis.models import OrderSide
from pykis.sim.accounts import Order
from pykis.sim.intraday import Trade

__all__ = ["allocate", "crosses", "sweep"]


def crosses(order: Order, price: int) -> bool:
    """True if a trade at ``price`` reaches ``order``."""
    if not order.price:
        return True
    return price <= order.price if order.side is OrderSide.BUY else price >= order.price


def sweep(order: Order, levels: Iterable[tuple[int, int]], all_or_none: bool
          ) -> list[tuple[int, int]]:
    """(quantity, price) taken from ``levels`` (best first) by an arriving order; nothing
    if ``all_or_none`` and the book cannot fill the whole remainder."""
    takes, wanted = [], order.remaining
    for price, qty in levels:
        if wanted == 0 or price == 0 or not crosses(order, price):
            break
        take = min(qty, wanted)
        takes.append((take, price))
        wanted -= take
    return [] if all_or_none and wanted else takes


def _priority(order: Order) -> tuple:
    # Price-less orders first, then the best price, then the earliest order.
    if not order.price:
        return (0, 0, order.number)
    price = -order.price if order.side is OrderSide.BUY else order.price
    return (1, price, order.number)


def allocate(orders: list[Order], trade: Trade) -> list[tuple[Order, int, int]]:
    """(order, quantity, price) for the resting ``orders`` one market trade fills."""
    fills = []
    for side in (OrderSide.BUY, OrderSide.SELL):
        volume = trade.volume
        crossing = [o for o in orders if o.side is side and o.is_open and crosses(o, trade.price)]
        for order in sorted(crossing, key=_priority):
            if volume == 0:
                break
            qty = min(order.remaining, volume)
            at_trade = not order.price or trade.auction
            fills.append((order, qty, trade.price if at_trade else order.price))
            volume -= qty
    return fills
