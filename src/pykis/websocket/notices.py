"""The account's orders and fills as execution notices and REST snapshots tell them,
without I/O: notices and snapshots in, order updates and fills out, each fill once.

KIS numbers nothing in a fill notice but the order, and a notice missed while the
socket was down is gone. So the book keeps, per order, what it has *delivered* (shares
and their value) and treats KIS's own ledger (today's orders, ``fetch_orders``) as the
truth: a snapshot that shows more filled than was delivered produces one fill for the
difference, at its average price. While recovering, notices are checked the same way
(``apply_fill_verified``), so a fill counted by a snapshot is never delivered again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from pykis.models import Order, OrderStatus, Trade
from pykis.models.base import LIMIT, millis
from pykis.models.order import order_kind
from pykis.websocket.events import NoticeEvent
from pykis.websocket.live import live_model

__all__ = ["NoticeBook", "Update"]

@dataclass(frozen=True, slots=True)
class Update:
    """What changed: an order's new state, and the fill that changed it (if one did)."""

    order: Order
    trade: Trade | None = None


@dataclass
class _Delivered:
    shares: int = 0
    value: int = 0
    fills: int = 0


class NoticeBook:
    def __init__(self, now: Callable[[], dt.datetime]) -> None:
        self._now = now  # KST, the client's clock
        self.day = now().date()
        self.orders: dict[str, Order] = {}
        self.delivered: dict[str, _Delivered] = {}

    def _roll(self) -> None:
        """Order numbers start again each day: forget yesterday's."""
        day = self._now().date()
        if day != self.day:
            self.day, self.orders, self.delivered = day, {}, {}

    # --- snapshots (KIS's ledger) ----------------------------------------------------------
    def baseline(self, orders: list[Order], since: dt.datetime | None = None) -> None:
        """Today's orders before watching began (at ``since``): known, not delivered.

        The snapshot is read after the watcher was created, so it may already show an
        order placed since; such an order is left unknown, and its fills are delivered.
        KIS times orders to the second: an order of the very second the watcher began
        counts as new, since delivering a fill the caller did not wait for is better
        than losing one it did."""
        self._roll()
        start = None if since is None else millis(since.replace(microsecond=0))
        for order in orders:
            if start is not None and order.timestamp >= start:
                continue
            self.orders[order.id] = order
            self.delivered[order.id] = _Delivered(order.filled, order.cost)

    def apply_snapshot(self, orders: list[Order]) -> list[Update]:
        """Today's orders from KIS: what changed since the last look, fills included."""
        self._roll()
        updates = []
        for order in orders:
            known = self.orders.get(order.id)
            trade = self._catch_up(order, order.filled, order.cost, None)
            if trade is not None or known is None or _changed(known, order):
                self.orders[order.id] = order
                updates.append(Update(order, trade))
        return updates

    def apply_fill_verified(self, event: NoticeEvent, ledger: Order) -> list[Update]:
        """A fill notice read while recovering, with its order as KIS's ledger shows it
        now (looked up after the notice arrived, so it includes this fill)."""
        self._roll()
        trade = self._catch_up(ledger, ledger.filled, ledger.cost, event)
        if trade is None and not _changed(self.orders.get(ledger.id), ledger):
            return []
        self.orders[ledger.id] = ledger
        return [Update(ledger, trade)]

    def _catch_up(self, order: Order, filled: int, cost: int, event: NoticeEvent | None
                  ) -> Trade | None:
        done = self.delivered.setdefault(order.id, _Delivered())
        shares, value = filled - done.shares, cost - done.value
        if shares <= 0:
            return None
        if value <= 0:  # a ledger without amounts: the order's own price is the best guess
            value = shares * (order.average or order.price or 0)
        # Several fills merged into one: ``cost`` is their exact value, ``price`` the
        # average, rounded to the won.
        if event is not None:
            return self._deliver(order, done, shares, value, event, "notice")
        now = self._now()  # the delivery's time, taken now
        return self._deliver(order, done, shares, value, order, "snapshot", (now, millis(now)))

    # --- live notices ------------------------------------------------------------------------
    def apply_notice(self, event: NoticeEvent) -> list[Update]:
        """A notice read while the stream is healthy."""
        self._roll()
        kind = event.kind
        if kind == "filled":
            return self._fill(event)
        if kind in ("canceled", "amended") and event.original_id:
            return self._moved(event, kind)
        order = self.orders.get(event.order_id)
        if kind == "accepted" and order is None:
            order = self._new_order(event)
        elif order is None:
            return []
        elif kind == "rejected":
            order = order.model_copy(update={"status": OrderStatus.REJECTED, "remaining": 0})
        elif kind == "expired":
            order = order.model_copy(update={"status": OrderStatus.CANCELED, "remaining": 0})
        else:
            return []  # a repeated acceptance
        self.orders[order.id] = order
        return [Update(order)]

    def _fill(self, event: NoticeEvent) -> list[Update]:
        order = self.orders.get(event.order_id) or self._new_order(event)
        done = self.delivered.setdefault(order.id, _Delivered())
        # A fill past the order's size would be one already counted by a snapshot.
        shares = min(event.quantity, order.amount - done.shares)
        if shares <= 0:
            return []
        trade = self._deliver(order, done, shares, shares * event.price, event, "notice")
        return [Update(self.orders[order.id], trade)]

    def _moved(self, event: NoticeEvent, kind: str) -> list[Update]:
        """An amendment or a cancellation took shares off its original order."""
        updates = []
        original = self.orders.get(event.original_id or "")
        if original is not None and original.status is OrderStatus.OPEN:
            left = max(0, original.remaining - event.quantity)
            status = OrderStatus.OPEN if left else OrderStatus.CANCELED
            original = original.model_copy(update={"remaining": left, "status": status})
            self.orders[original.id] = original
            updates.append(Update(original))
        if kind == "amended" and event.order_id not in self.orders:
            order = self._new_order(event)
            self.orders[order.id] = order
            updates.append(Update(order))
        return updates

    # --- helpers ------------------------------------------------------------------------------
    def _deliver(self, order: Order, done: _Delivered, shares: int, value: int,
                 origin: NoticeEvent | Order, source: str,
                 when: tuple[dt.datetime, int] | None = None) -> Trade:
        """A fill of ``shares`` worth ``value`` told by ``origin`` (a notice, timed by it,
        or a snapshot of the order, timed ``when``); the order is brought up to date."""
        done.shares += shares
        done.value += value
        done.fills += 1
        filled = max(order.filled, done.shares)
        cost = max(order.cost, done.value)
        remaining = max(0, order.amount - filled) if order.status is OrderStatus.OPEN else 0
        status = OrderStatus.CLOSED if filled >= order.amount else order.status
        self.orders[order.id] = order.model_copy(update={
            "filled": filled, "cost": cost, "average": round(cost / filled),
            "remaining": remaining, "status": status})
        return _fill(_Fill(order, shares, value, f"{order.id}-{done.fills}", origin, source,
                           when or origin.when))  # type: ignore[union-attr]

    def _new_order(self, event: NoticeEvent) -> Order:
        moment, timestamp = event.when
        kind, time_in_force = order_kind(event["ODER_KIND"])
        price = _bounded(int(event["ODER_PRC"] or 0), "ODER_PRC")
        quantity = _bounded(event.order_quantity, "ODER_QTY")
        # The values are typed and in range already (the codec checked the numbers): built
        # without validation, as Order(...) would have built it.
        order = Order.model_construct(
            id=event.order_id, org_no=event["BRNC_NO"], symbol=event.symbol, side=event.side,
            type=kind, time_in_force=time_in_force, status=OrderStatus.OPEN,
            price=price or None, amount=quantity, remaining=quantity, timestamp=timestamp,
            datetime=moment, original_id=event.original_id, info=event.info)
        self.orders[order.id] = order
        return order


def _bounded(number: int, name: str) -> int:
    """``number`` if a model takes it (below ``LIMIT``, as ``Won`` and ``Count`` check)."""
    if not 0 <= number < LIMIT:
        raise ValueError(f"{name} out of range")  # never the value: it is the account's
    return number


@dataclass(frozen=True, slots=True)
class _Fill:
    """What a fill's ``Trade`` is made of; the Trade converts it when read."""

    order: Order
    shares: int
    value: int
    id: str
    origin: NoticeEvent | Order  # what told of it: its values become the Trade's info
    source: str  # "notice" or "snapshot"
    when: tuple[dt.datetime, int]


_fill = live_model(Trade, {
    "info": lambda f: {**f.origin.info, "source": f.source}, "symbol": lambda f: f.order.symbol,
    "timestamp": lambda f: f.when[1], "datetime": lambda f: f.when[0],
    "price": lambda f: round(f.value / f.shares), "amount": lambda f: f.shares,
    "cost": lambda f: f.value, "side": lambda f: f.order.side, "id": lambda f: f.id,
    "order_id": lambda f: f.order.id,
})


def _changed(known: Order | None, order: Order) -> bool:
    if known is None:
        return True
    return (known.status, known.filled, known.remaining) != (order.status, order.filled,
                                                             order.remaining)
