"""What the account and information APIs beyond the trading core keep besides the
ledger: reserved orders, conditional-search conditions, and the cost basis of each sale
(for realised profit and loss). ``SimState`` makes one ``AccountExtras`` with each
exchange; it hooks itself to the exchange and is otherwise read by the wire handlers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pykis.models import OrderSide
from pykis.sim.accounts import Account, Fill, Order
from pykis.sim.conditions import ConditionBook
from pykis.sim.exchange import Exchange
from pykis.sim.reserved import ReservedBook, ReservedRules

__all__ = ["AccountExtras"]


class AccountExtras:
    def __init__(self, exchange: Exchange, rules: ReservedRules | None = None) -> None:
        self.reserved = ReservedBook(exchange, rules)
        self.conditions = ConditionBook()
        # Average purchase price of the position each sale came out of, by fill number:
        # a sale leaves the average as it was, so it is read right after the booking.
        self.basis: dict[int, Decimal] = {}
        exchange.listeners.append(self._on_event)
        exchange.before_sync.append(self.reserved.release)

    def _on_event(self, event: str, order: Order, fill: Fill | None) -> None:
        if event == "filled" and fill is not None and fill.side is OrderSide.SELL:
            self.basis[fill.number] = order.account.positions[fill.code].avg_price

    def realized(self, fill: Fill) -> int:
        """A sale's realised profit: proceeds less its cost at the average purchase
        price, less the sale's commission and taxes (0 for a purchase)."""
        if fill.side is not OrderSide.SELL:
            return 0
        cost = (self.basis.get(fill.number, Decimal(fill.price)) * fill.qty)
        return fill.value - int(cost.to_integral_value()) - fill.costs

    def cost_of(self, fill: Fill) -> int:
        """What a sale's shares cost at the average purchase price."""
        average = self.basis.get(fill.number, Decimal(fill.price))
        return int((average * fill.qty).to_integral_value())

    @staticmethod
    def fills_between(account: Account, start: dt.date, end: dt.date) -> list[Fill]:
        return [f for f in account.fills() if start <= f.day <= end]
