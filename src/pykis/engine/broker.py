"""The store brought in line with what KIS reports, one order at a time, without
deciding anything: pure translation of KIS's view of an order into store updates, and
the matching of an order whose outcome is unknown to the order KIS booked for it.

KIS reports fills per order as running totals (shares and value); notices and REST
snapshots both end up here as :class:`pykis.Order` objects, so whichever arrives first
records the fill and the other finds nothing left to record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pykis.api.booked import Sent, match_sent
from pykis.api.order import ORDER_TYPES
from pykis.engine.store import FillSource, OrderState, Store
from pykis.engine.store import Order as StoredOrder
from pykis.engine.store.states import WORKING_STATES
from pykis.market import KST
from pykis.models import Order as BrokerOrder
from pykis.models import OrderSide, OrderStatus

__all__ = ["apply_report", "is_final", "match_booked", "sent_order"]



def apply_report(store: Store, row: StoredOrder, broker: BrokerOrder,
                 source: FillSource = FillSource.REST) -> tuple[StoredOrder, bool]:
    """Record what KIS says of ``row`` (KIS's order ``broker``): its report, any fills
    beyond those recorded, and the end of a remainder KIS cancelled or let expire.
    Returns the order as stored now, and whether anything but the report changed."""
    store.record_broker_report(row.id, status=broker.status, filled_quantity=broker.filled,
                               average_price=broker.average)
    changed = False
    if broker.filled > row.filled_quantity and broker.cost > row.filled_value:
        # A report older than what is recorded (a late notice) has lower totals: skipped.
        store.sync_fills(row.id, total_quantity=broker.filled, total_value=broker.cost,
                         filled_at=_fill_time(store, broker), source=source)
        changed = True
    row = store.get_order(row.id)
    state = OrderState(row.state)
    if broker.status is OrderStatus.CANCELED and state in WORKING_STATES:
        row = store.mark_canceled(row.id, "KIS cancelled the remainder, or it expired")
        changed = True
    return row, changed


def _fill_time(store: Store, broker: BrokerOrder) -> dt.datetime:
    """When the fills happened, as near as a running total tells: now for today's
    orders; for an order of an earlier day (a restart after the close), that day."""
    now = store.now()
    if broker.datetime.astimezone(KST).date() < now.astimezone(KST).date():
        return broker.datetime
    return now


def sent_order(row: StoredOrder) -> Sent:
    """What the engine's order ``row`` asked KIS for (it must have been sent)."""
    return Sent(key=row.id, symbol=row.ticker, side=OrderSide(row.side),
                dvsn=ORDER_TYPES[(row.order_type, row.time_in_force)],
                quantity=row.quantity, price=row.limit_price or 0,
                sent_at=row.sent_at.timestamp())


def match_booked(unresolved: Iterable[StoredOrder], booked: Iterable[BrokerOrder],
                 claimed: set[tuple[dt.date, str]], *, window: float,
                 late: float | None = None) -> dict[int, BrokerOrder]:
    """Which of KIS's orders ``booked`` each sent order of the store became, by the
    one rule of :func:`pykis.api.booked.match_sent` (orders never sent are left out)."""
    sent = [sent_order(row) for row in unresolved if row.sent_at is not None]
    return match_sent(sent, booked, claimed, window=window, late=late)


def is_final(row: StoredOrder) -> bool:
    return OrderState(row.state).is_final
