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

from pykis.api.order import ORDER_TYPES
from pykis.engine.store import FillSource, OrderState, Store
from pykis.engine.store import Order as StoredOrder
from pykis.engine.store.states import WORKING_STATES
from pykis.market import KST
from pykis.models import Order as BrokerOrder
from pykis.models import OrderStatus

__all__ = ["apply_report", "is_final", "match_booked"]



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


def _signature(row: StoredOrder) -> tuple[str, str, str, int, int | None]:
    dvsn = ORDER_TYPES[(row.order_type, row.time_in_force)]
    return row.ticker, row.side, dvsn, row.quantity, row.limit_price


def _broker_signature(order: BrokerOrder) -> tuple[str, str, str, int, int | None]:
    return (order.symbol, order.side, str(order.info.get("ord_dvsn_cd", "")), order.amount,
            order.price)


def match_booked(unresolved: Iterable[StoredOrder], booked: Iterable[BrokerOrder],
                 claimed: set[tuple[dt.date, str]], *, window: float
                 ) -> dict[int, BrokerOrder]:
    """Which of KIS's orders ``booked`` each order of unknown outcome became.

    KIS keeps no id of ours, so an order is recognised by what was sent (symbol, side,
    order type, quantity, price), placed no earlier than ``window`` seconds before we
    sent it (clock skew), and not already claimed by another order of the store. The
    engine sends one order at a time, so taking unresolved orders oldest first, each
    takes the lowest-numbered candidate: KIS numbers orders in the order it books them.
    Orders placed by hand on the same account with the very same figures could be taken
    for ours; that is why the engine should have the account to itself.
    """
    taken = set(claimed)
    candidates = sorted((o for o in booked if o.original_id is None),
                        key=lambda o: (o.datetime.date(), int(o.id)))
    found: dict[int, BrokerOrder] = {}
    for row in sorted(unresolved, key=lambda r: r.id):
        if row.sent_at is None:
            continue
        earliest = row.sent_at - dt.timedelta(seconds=window)
        for order in candidates:
            key = (order.datetime.astimezone(KST).date(), order.id)
            if key in taken or order.datetime < earliest:
                continue
            if _broker_signature(order) == _signature(row):
                found[row.id] = order
                taken.add(key)
                break
    return found


def is_final(row: StoredOrder) -> bool:
    return OrderState(row.state).is_final
