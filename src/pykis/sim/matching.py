"""How orders meet the synthetic market, without side effects: the caller books fills.

* An order that can trade on arrival sweeps the displayed book, best level first; what
  it takes is gone from the book until the market's next trade refreshes it.
* A resting order fills against later market trades. Each trade's volume is shared by
  price, then time priority among the resting orders it crosses (each side separately):
  a limit order at its own price when the market trades through it, a price-less order
  at the trade price, and every order at the single price of an auction.
* Replayed listings (``pykis.sim.replay``) follow instead the fill model of recorded
  trades, ``pykis.history.fills`` (the backtester's, written once there): nothing fills
  on arrival, a marketable limit fills at its limit on the next recorded trade at or
  beyond it, a resting one only on a trade through it (``allocate_replayed``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pykis.models import OrderSide
from pykis.sim.accounts import Order
from pykis.sim.intraday import Trade

__all__ = ["allocate", "allocate_replayed", "crosses", "sweep"]


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
        crossing = [o for o in orders if o.side is side and o.is_open
                    and crosses(o, trade.price)]
        for order in sorted(crossing, key=_priority):
            if volume == 0:
                break
            qty = min(order.remaining, volume)
            at_trade = not order.price or trade.auction
            fills.append((order, qty, trade.price if at_trade else order.price))
            volume -= qty
    return fills


def allocate_replayed(orders: list[Order], trade: Trade, index: int,
                      arrival: Callable[[Order], tuple[int, int | None]]
                      ) -> list[tuple[Order, int, int]]:
    """(order, quantity, price) for the resting ``orders`` that recorded trade ``index``
    of a replayed listing fills, by ``pykis.history.fills``; ``arrival(order)``: the
    index and price of the last trade before the order arrived (-1, None: none yet)."""
    from pykis.history.fills import Resting, is_marketable
    from pykis.history.fills import allocate as allocate_recorded

    waiting = []
    for order in orders:
        after, last = arrival(order)
        buy = order.side is OrderSide.BUY
        waiting.append(Resting(buy, order.price or None, order.remaining if order.is_open
                               else 0, index == after + 1,
                               is_marketable(buy, order.price or None, last), order.number))
    return [(orders[at], qty, price)
            for at, qty, price in allocate_recorded(waiting, trade.price, trade.volume)]
