"""Sending an order so that it is never lost and never sent twice.

    intent (committed) -> sent (committed) -> the request -> accepted | rejected | unknown

The intent is written before anything leaves, and ``sent`` just before the request, so a
crash at any point leaves a row that says what may have happened. KIS's answer moves
the order on; no answer (a timeout, a dropped connection, a 5xx) makes it ``unknown``
and it is looked up in KIS's orders, never sent again. An order KIS never booked is
declared so only after ``settle_seconds`` since it was sent, so that a request still in
flight is not taken for lost.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from pykis import exceptions as ex
from pykis.engine.api import KISAPIClient
from pykis.engine.broker import apply_report, is_final, match_booked
from pykis.engine.planning import Refusal
from pykis.engine.store import Order as StoredOrder
from pykis.engine.store import OrderIntent, OrderState, Store
from pykis.engine.store.states import UNANSWERED_STATES
from pykis.market import KST
from pykis.models import Order as BrokerOrder
from pykis.models.base import millis
from pykis.utils.clock import SYSTEM, Clock

__all__ = ["ExecutionSettings", "Executor", "describe", "refused"]

log = logging.getLogger("pykis.engine")

# Refusals: KIS (or the client before sending) said no, and nothing was executed.
_REFUSED = (ex.OrderError, ex.RateLimitError, ex.MarketClosedError, ex.NotFoundError,
            ex.UnsupportedError, ex.AuthenticationError, ex.InvalidInputError,
            ex.NetworkError)  # an order's NetworkError means the connection never opened


@dataclass(frozen=True, slots=True)
class ExecutionSettings:
    fill_timeout: float = 10.0  # seconds to wait for an order to fill after it is accepted
    poll_interval: float = 0.25  # between looks at an order while waiting
    settle_seconds: float = 15.0  # after this long unbooked, a sent order never arrived
    match_window: float = 30.0  # clock skew allowed when recognising a booked order


def describe(error: BaseException) -> str:
    """An error in one line for a TradeResult or a log: its class and message (the
    errors of :mod:`pykis.exceptions` never hold a secret); a refusal of the engine's
    own says just why."""
    if isinstance(error, Refusal):
        return str(error)
    text = error.describe() if isinstance(error, ex.KISError) else str(error)
    return f"{type(error).__name__}: {text}"


def refused(error: BaseException) -> bool:
    """Whether ``error`` means KIS certainly did not execute the order."""
    if isinstance(error, _REFUSED):
        return True
    return isinstance(error, ex.APIError) and error.rt_cd not in (None, "0")


class Executor:
    def __init__(self, api: KISAPIClient, store: Store, settings: ExecutionSettings, *,
                 sleep: Callable[[float], None] | None = None, clock: Clock = SYSTEM
                 ) -> None:
        self.api, self.store, self.settings = api, store, settings
        # Waits and deadlines on one clock (a test's simulated one, or the wall clock);
        # ``sleep`` alone, as before, replaces only the waiting.
        self.clock = clock
        self._sleep = sleep or clock.sleep
        # Why each order this process sent was refused, for its TradeResult: the store
        # keeps the words, this the error itself (its kind and KIS's code). One key per
        # order, so threads sending different orders never share an entry.
        self._refusals: dict[int, BaseException] = {}

    def refusal(self, order_id: int) -> BaseException | None:
        """The error KIS (or the client) refused order ``order_id`` with, once."""
        return self._refusals.pop(order_id, None)

    def pause(self, seconds: float) -> None:
        """Waits ``seconds`` on the executor's clock (the injected ``sleep``)."""
        self._sleep(seconds)

    # --- sending ------------------------------------------------------------------------
    def place(self, intent: OrderIntent) -> StoredOrder:
        """Record ``intent``, send it once, and return the order as KIS left it."""
        return self.send(self.record(intent))

    def record(self, intent: OrderIntent) -> StoredOrder:
        """Record ``intent`` (committed): from now on it counts for every decision."""
        row = self.store.record_intent(intent)
        log.info("order %s: %s %s x%d (%s%s) recorded: %s", row.id, row.side, row.ticker,
                 row.quantity, row.order_type,
                 f" at {row.limit_price:,}" if row.limit_price else "", row.reason or "manual")
        return row

    def send(self, row: StoredOrder) -> StoredOrder:
        self.store.mark_sent(row.id)
        try:
            placed = self.api.place_order(row.ticker, row.order_type, row.side, row.quantity,
                                          row.limit_price, row.time_in_force)
        except ex.OrderOutcomeUnknownError as error:
            log.warning("order %s: no answer from KIS (%s); looking it up", row.id,
                        describe(error))
            self.store.mark_unknown(row.id, describe(error))
            return self.resolve_one(row.id, wait=True)
        except Exception as error:
            if refused(error):
                log.warning("order %s refused: %s", row.id, describe(error))
                self._refusals[row.id] = error
                return self.store.mark_rejected(row.id, describe(error))
            log.exception("order %s: unexpected failure; its outcome is unknown", row.id)
            self.store.mark_unknown(row.id, describe(error))
            return self.resolve_one(row.id, wait=True)
        day = placed.datetime.astimezone(KST).date()
        log.info("order %s (%s %s: %s) accepted by KIS as %s", row.id, row.side, row.ticker,
                 row.reason or "manual", placed.id)
        return self.store.mark_accepted(row.id, placed.id, placed.org_no, order_date=day)

    # --- orders of unknown outcome --------------------------------------------------------
    def resolve_one(self, order_id: int, *, wait: bool) -> StoredOrder:
        """Look the order up until KIS's books say what became of it; with ``wait``,
        until it is found or ``settle_seconds`` have passed since it was sent (and as
        long again in real time at most, should the store's clock stand still)."""
        deadline = self.clock.monotonic() + self.settings.settle_seconds + 1.0
        while True:
            try:
                self.resolve([self.store.get_order(order_id)])
            except ex.KISError as error:  # KIS cannot be asked now: try again shortly
                log.warning("order %s: look-up failed (%s)", order_id, describe(error))
            row = self.store.get_order(order_id)
            if not wait or OrderState(row.state) not in UNANSWERED_STATES \
                    or self.clock.monotonic() >= deadline:
                return row
            self._sleep(max(self.settings.poll_interval, 0.05))

    def resolve(self, rows: list[StoredOrder]) -> dict[str, list[int]]:
        """Match orders sent without an answer to KIS's books: found ones are accepted
        (and their fills recorded), those KIS never booked after ``settle_seconds`` are
        rejected, the rest stay as they are. Returns the ids by outcome."""
        outcome: dict[str, list[int]] = {"found": [], "not_booked": [], "still_unknown": []}
        rows = [r for r in rows if OrderState(r.state) in UNANSWERED_STATES]
        if not rows:
            return outcome
        first = min(r.sent_at or r.created_at for r in rows)
        booked = list(self.api.get_orders(since_ms=millis(first.astimezone(KST))))
        days = sorted({o.datetime.astimezone(KST).date() for o in booked})
        claimed = self.store.broker_order_ids(days)
        matches = match_booked(rows, booked, claimed, window=self.settings.match_window)
        now = self.store.now()
        for row in rows:
            broker = matches.get(row.id)
            if broker is not None:
                self._accept(row, broker)
                outcome["found"].append(row.id)
            elif now - (row.sent_at or row.created_at) >= dt.timedelta(
                    seconds=self.settings.settle_seconds):
                self.store.mark_rejected(row.id, "KIS never booked it: the request did not "
                                         "arrive, or KIS refused it unseen")
                log.warning("order %s was never booked by KIS", row.id)
                outcome["not_booked"].append(row.id)
            else:
                outcome["still_unknown"].append(row.id)
        return outcome

    def _accept(self, row: StoredOrder, broker: BrokerOrder) -> StoredOrder:
        day = broker.datetime.astimezone(KST).date()
        accepted = self.store.mark_accepted(row.id, broker.id, broker.org_no, order_date=day)
        log.info("order %s was booked by KIS as %s", row.id, broker.id)
        return apply_report(self.store, accepted, broker)[0]

    # --- fills ----------------------------------------------------------------------------
    def sync(self, row: StoredOrder, broker: BrokerOrder) -> StoredOrder:
        return apply_report(self.store, row, broker)[0]

    def await_fill(self, row: StoredOrder, timeout: float | None = None) -> StoredOrder:
        """Follow an accepted order until it is filled or cancelled, or ``timeout``
        seconds pass (it keeps working at KIS then); fills are recorded as they come."""
        timeout = self.settings.fill_timeout if timeout is None else timeout
        deadline = self.clock.monotonic() + timeout
        while row.broker_order_id is not None and not is_final(row):
            try:
                broker = self._broker_order(row)
                if broker is not None:
                    row = self.sync(row, broker)
            except ex.KISError as error:
                log.warning("order %s: could not read it back (%s)", row.id, describe(error))
            if is_final(row) or self.clock.monotonic() >= deadline:
                break
            self._sleep(self.settings.poll_interval)
        return row

    def _broker_order(self, row: StoredOrder) -> BrokerOrder | None:
        try:
            return self.api.get_order(row.broker_order_id, row.broker_order_date)
        except ex.NotFoundError:
            return None
