"""Reconciliation: the store brought in line with KIS's books, at start-up and after
any order whose outcome is unknown.

1. Intents never sent are dropped: ``intent`` is committed before ``sent``, so an
   intent was certainly not sent.
2. Orders sent without an answer are looked up in KIS's orders since they were sent;
   found ones are accepted with their fills, ones KIS never booked are rejected once
   ``settle_seconds`` have passed (with ``wait``, reconciliation waits that long).
3. Working orders are read back: fills KIS reports beyond those recorded are recorded,
   remainders KIS cancelled or let expire are closed.
4. The shares the engine's open trades hold are compared with KIS's balance; a
   difference is reported (the engine never sells more than KIS says is sellable). The
   first reconciliation of a day records the account's equity as the day's opening
   equity, the base of the daily loss limit.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter

from pykis.engine.api import KISAPIClient
from pykis.engine.broker import apply_report
from pykis.engine.execution import Executor
from pykis.engine.results import ReconcileReport
from pykis.engine.store import OrderState, Store
from pykis.market import KST
from pykis.models.base import millis

__all__ = ["reconcile", "sync_working"]

log = logging.getLogger("pykis.engine")


def reconcile(executor: Executor, store: Store, api: KISAPIClient, *, wait: bool = True
              ) -> ReconcileReport:
    dropped = _drop_intents(store)
    outcome = _resolve(executor, store, wait)
    synced, fills = sync_working(store, api)
    mismatches = _compare_holdings(store, api)
    if mismatches and store.working_orders():
        # An order may have filled between reading the orders and the balance: once more.
        more, more_fills = sync_working(store, api)
        synced, fills = synced + [i for i in more if i not in synced], fills + more_fills
        mismatches = _compare_holdings(store, api)
    for note in mismatches:
        log.warning("holdings differ: %s", note)
    report = ReconcileReport(
        dropped=tuple(dropped), found=tuple(outcome["found"]),
        not_booked=tuple(outcome["not_booked"]), still_unknown=tuple(outcome["still_unknown"]),
        synced=tuple(synced), fills=fills, mismatches=tuple(mismatches))
    log.info("reconciled: %s", report.model_dump(exclude_defaults=True) or "nothing to do")
    return report


def _drop_intents(store: Store) -> list[int]:
    dropped = []
    for row in store.unresolved_orders():
        if row.state == OrderState.INTENT:
            store.mark_dropped(row.id, "never sent: the engine stopped before sending it")
            dropped.append(row.id)
    return dropped


def _resolve(executor: Executor, store: Store, wait: bool) -> dict[str, list[int]]:
    outcome: dict[str, list[int]] = {"found": [], "not_booked": [], "still_unknown": []}
    settle = executor.settings.settle_seconds
    deadline = time.monotonic() + settle + 1.0  # should the store's clock stand still
    while True:
        pending = store.unresolved_orders()
        if not pending:
            break
        step = executor.resolve(pending)
        outcome["found"] += step["found"]
        outcome["not_booked"] += step["not_booked"]
        if not step["still_unknown"] or not wait or time.monotonic() >= deadline:
            outcome["still_unknown"] = step["still_unknown"]
            break
        # Some were sent moments ago: KIS may not have booked them yet.
        youngest = max(r.sent_at or r.created_at for r in pending)
        left = settle - (store.now() - youngest).total_seconds()
        time.sleep(min(max(left, 0.05), max(executor.settings.poll_interval, 0.05)))
    return outcome


def sync_working(store: Store, api: KISAPIClient) -> tuple[list[int], int]:
    working = store.working_orders()
    if not working:
        return [], 0
    first = min(r.broker_order_date for r in working if r.broker_order_date)
    since = millis(dt.datetime(first.year, first.month, first.day, tzinfo=KST))
    books = {(o.datetime.astimezone(KST).date(), o.id): o for o in api.get_orders(since_ms=since)}
    synced, fills = [], 0
    for row in working:
        broker = books.get((row.broker_order_date, row.broker_order_id))
        if broker is None:
            log.warning("order %s (KIS %s of %s) is not in KIS's books", row.id,
                        row.broker_order_id, row.broker_order_date)
            continue
        before = row.filled_quantity
        row, changed = apply_report(store, row, broker)
        if changed:
            synced.append(row.id)
            fills += row.filled_quantity > before
    return synced, fills


def _compare_holdings(store: Store, api: KISAPIClient) -> list[str]:
    ours = Counter()
    for trade in store.open_trades():
        ours[trade.ticker] += trade.open_quantity
    balance = api.get_balance()
    # The first look of a trading day sets the base of its daily loss limit.
    store.opening_equity(store.now().astimezone(KST).date(), int(balance.total))
    theirs = {p.symbol: p.amount for p in balance.positions}
    notes = []
    for ticker, quantity in sorted(ours.items()):
        held = theirs.get(ticker, 0)
        if held < quantity:
            notes.append(f"{ticker}: the engine's open trades hold {quantity} shares, KIS "
                         f"shows {held}; the engine will not sell more than KIS holds")
    return notes
