"""Reconciliation: the store brought in line with KIS's books, at start-up and after
any order whose outcome is unknown.

1. Intents never sent are dropped: ``intent`` is committed before ``sent``, so an
   intent was certainly not sent.
2. Orders sent without an answer are looked up in KIS's orders since they were sent;
   found ones are accepted with their fills, ones KIS never booked are rejected once
   ``settle_seconds`` have passed (with ``wait``, reconciliation waits that long).
3. Orders sent today and recorded as refused are looked for in KIS's books: one KIS
   booked after all (an answer that could not be read, a look-up that gave up before
   KIS booked it) is *adopted*: accepted with its number, its fills recorded.
4. Working orders are read back: fills KIS reports beyond those recorded are recorded,
   remainders KIS cancelled or let expire are closed.
5. The shares the engine's open trades hold are compared with KIS's balance, both ways:
   KIS holding fewer (the engine never sells more than KIS says is sellable) or more of
   a ticker the engine trades (an order it missed, a trade made beside it) is a
   mismatch; holdings of tickers the engine never traded are listed as ``outside``. The
   first reconciliation of a day records the account's equity as the day's opening
   equity, the base of the daily loss limit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from pykis import exceptions as ex
from pykis.engine.api import KISAPIClient
from pykis.engine.broker import apply_report, match_booked
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
    adopted = _adopt(executor, store, api)
    synced, fills = sync_working(store, api)
    mismatches, outside = _compare_holdings(store, api)
    if mismatches and store.working_orders():
        # An order may have filled between reading the orders and the balance: once more.
        more, more_fills = sync_working(store, api)
        synced, fills = synced + [i for i in more if i not in synced], fills + more_fills
        mismatches, outside = _compare_holdings(store, api)
    for note in mismatches:
        log.warning("holdings differ: %s", note)
    if outside:
        log.info("KIS also holds what the engine never traded: %s", "; ".join(outside))
    report = ReconcileReport(
        dropped=tuple(dropped), found=tuple(outcome["found"]),
        not_booked=tuple(outcome["not_booked"]), still_unknown=tuple(outcome["still_unknown"]),
        synced=tuple(synced), fills=fills, mismatches=tuple(mismatches),
        adopted=tuple(adopted), outside=tuple(outside))
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
    # As long again at most, should the store's clock stand still.
    deadline = executor.clock.monotonic() + settle + 1.0
    while True:
        pending = store.unresolved_orders()
        if not pending:
            break
        step = executor.resolve(pending)
        outcome["found"] += step["found"]
        outcome["not_booked"] += step["not_booked"]
        if not step["still_unknown"] or not wait or executor.clock.monotonic() >= deadline:
            outcome["still_unknown"] = step["still_unknown"]
            break
        # Some were sent moments ago: KIS may not have booked them yet.
        youngest = max(r.sent_at or r.created_at for r in pending)
        left = settle - (store.now() - youngest).total_seconds()
        executor.pause(min(max(left, 0.05), max(executor.settings.poll_interval, 0.05)))
    return outcome


def _adopt(executor: Executor, store: Store, api: KISAPIClient) -> list[int]:
    """Today's orders recorded as refused that KIS booked after all, made the orders
    KIS has: accepted, with their fills. A candidate must match by the one rule of
    :func:`pykis.api.booked.match_sent`, within the match window either side of its
    sending, and no other order of the store may claim it."""
    today = store.now().astimezone(KST).date()
    start = dt.datetime(today.year, today.month, today.day, tzinfo=KST)
    rows = store.refused_after_sending(start)
    if not rows:
        return []
    booked = list(api.get_orders(since_ms=millis(start)))
    days = sorted({o.datetime.astimezone(KST).date() for o in booked})
    window = executor.settings.match_window
    matches = match_booked(rows, booked, store.broker_order_ids(days), window=window,
                           late=window)
    adopted = []
    for row in rows:
        broker = matches.get(row.id)
        if broker is None:
            continue
        day = broker.datetime.astimezone(KST).date()
        row = store.mark_adopted(row.id, broker.id, broker.org_no, day)
        apply_report(store, row, broker)
        log.warning("order %s was recorded as refused, but KIS booked it as %s: adopted",
                    row.id, broker.id)
        adopted.append(row.id)
    return adopted


# Up to this many working orders are looked up one by one; more, by reading the days'
# whole lists (one row costs one call; a day's list, one call per 100 orders of the day).
ONE_BY_ONE = 4


def sync_working(store: Store, api: KISAPIClient, ticker: str | None = None
                 ) -> tuple[list[int], int]:
    """Working orders (of ``ticker``) brought up to date with KIS's books: fills
    recorded, remainders KIS closed closed. Returns the changed ids and the number that
    gained fills."""
    working = store.working_orders(ticker)
    if not working:
        return [], 0
    books = _books(api, working)
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


def _books(api: KISAPIClient, rows: list) -> dict:
    """KIS's rows for ``rows``, keyed by (order day, KIS order number)."""
    if len(rows) <= ONE_BY_ONE:
        books = {}
        for row in rows:
            try:
                order = api.get_order(row.broker_order_id, row.broker_order_date)
            except ex.NotFoundError:
                continue
            books[(row.broker_order_date, row.broker_order_id)] = order
        return books
    first = min(r.broker_order_date for r in rows if r.broker_order_date)
    since = millis(dt.datetime(first.year, first.month, first.day, tzinfo=KST))
    return {(o.datetime.astimezone(KST).date(), o.id): o
            for o in api.get_orders(since_ms=since)}


def _compare_holdings(store: Store, api: KISAPIClient) -> tuple[list[str], list[str]]:
    """(mismatches, holdings outside the engine), in words."""
    ours = Counter()
    for trade in store.open_trades():
        ours[trade.ticker] += trade.open_quantity
    balance = api.get_balance()
    # The first look of a trading day sets the base of its daily loss limit.
    store.opening_equity(store.now().astimezone(KST).date(), int(balance.total))
    theirs = Counter()
    for position in balance.positions:
        theirs[position.symbol] += position.amount
    traded = store.traded_tickers()
    notes, outside = [], []
    for ticker in sorted(set(ours) | set(theirs)):
        quantity, held = ours[ticker], theirs[ticker]
        if held < quantity:
            notes.append(f"{ticker}: the engine's open trades hold {quantity} shares, KIS "
                         f"shows {held}; the engine will not sell more than KIS holds")
        elif held > quantity and ticker in traded:
            notes.append(f"{ticker}: KIS holds {held} shares, the engine's open trades "
                         f"{quantity}; an order the engine did not record, or a trade made "
                         "beside it, bought the rest")
        elif held > quantity:
            outside.append(f"{ticker}: {held} shares")
    return notes, outside
