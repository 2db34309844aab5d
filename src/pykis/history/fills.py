"""The fill model of recorded trades: which orders a recorded trade fills, how many shares,
at what price. One rule, written here once, for the backtester (``pykis.backtest``) and the
simulator replaying stored bars (``pykis.sim.replay``): the parity test
(``tests/parity``) holds them to the same orders and fills. Conservative by design: a
recorded trade is the only evidence that shares changed hands, so no fill is better than
the recorded prices allow and none is bigger than their volume.

* Nothing fills on arrival: an order waits for the symbol's NEXT recorded trade (its
  "first" trade), and for the ones after it. The recorded data has no book, so what a
  book would have given at once is not assumed.
* A market order fills at the trade's price.
* A limit order fills at its limit (never at the better price the trade may show):
  - on its first trade at or beyond the limit (a buy: the trade at or below it) if it was
    *marketable* on arrival: a buy limit at or above the last recorded price (a sale at
    or below it). Such an order takes what is offered; it does not queue. The engine's
    buys by amount are of this kind (a limit at the best ask);
  - otherwise, and after its first trade, only on a trade strictly beyond it (through
    it): an order resting in the book stands behind others at its price, and only a
    trade through it proves it would have been reached.
* Each side shares the trade's volume on its own (a trade has a buyer and a seller: our
  buys compete for its seller, our sales for its buyer): market orders first, then the
  best limit, then the earliest order; what is left stays working, so an order fills in
  parts only when the recorded volume is short.
* A tick without volume is no trade (``pykis.history.ticks`` never makes one).
* Orders are day orders: what has not filled at the close expires (KIS cancels day
  orders at the close).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Resting", "allocate", "fill_price", "is_marketable"]


class Resting(NamedTuple):
    """What the rule needs of a working order."""

    buy: bool
    limit: int | None  # None (or 0): a market order
    remaining: int
    first: bool  # this trade is the first recorded trade since the order arrived
    marketable: bool  # marketable on arrival (see the module docstring)
    sequence: int  # arrival order: earlier orders first among equals


def is_marketable(buy: bool, limit: int | None, last: int | None) -> bool:
    """Whether an order arriving after a recorded trade at ``last`` could trade at once:
    a market order, or a limit at or through ``last`` (None: no trade yet, not)."""
    if not limit:
        return True
    if last is None:
        return False
    return limit >= last if buy else limit <= last


def fill_price(buy: bool, limit: int | None, price: int, *, first: bool,
               marketable: bool) -> int | None:
    """The price an order fills at on a recorded trade at ``price``, or None if that
    trade does not reach it."""
    if not limit:
        return price
    if buy:
        reached = price < limit or (first and marketable and price == limit)
    else:
        reached = price > limit or (first and marketable and price == limit)
    return limit if reached else None


def _priority(order: Resting) -> tuple[int, int, int]:
    if not order.limit:
        return (0, 0, order.sequence)
    return (1, -order.limit if order.buy else order.limit, order.sequence)


def allocate(orders: list[Resting], price: int, volume: int) -> list[tuple[int, int, int]]:
    """(position in ``orders``, shares, price) of each fill one recorded trade of
    ``volume`` shares at ``price`` makes."""
    fills: list[tuple[int, int, int]] = []
    if volume <= 0:
        return fills
    for buy in (True, False):
        reached = []
        for position, order in enumerate(orders):
            if order.buy is buy and order.remaining > 0:
                at = fill_price(buy, order.limit, price, first=order.first,
                                marketable=order.marketable)
                if at is not None:
                    reached.append((_priority(order), position, at))
        left = volume
        for _, position, at in sorted(reached):
            if not left:
                break
            shares = min(orders[position].remaining, left)
            fills.append((position, shares, at))
            left -= shares
    return fills
