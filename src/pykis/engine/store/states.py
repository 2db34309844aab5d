"""The life of an order in the store, and the other small vocabularies of its tables.

::

    intent ──> sent ──> accepted ──> partially_filled ──> filled
      │         │ │        │                │
      │         │ │        └────────────────┴──> canceled    (remainder cancelled/expired)
      │         │ └──> rejected                              (KIS refused: not executed)
      │         └──> unknown ──> accepted | rejected         (no answer: look it up)
      └──> dropped                                           (never sent)

One way leads out of ``rejected``: reconciliation *adopts* an order that was sent,
recorded as refused and then found in KIS's books after all (an answer that could not be
read, a look-up that gave up before KIS booked it); it becomes ``accepted`` with KIS's
number (``Store.mark_adopted``), outside the table below, which stays the rule for
everything else.

``intent`` is committed before anything is sent and ``sent`` just before the request
leaves, so after a crash an ``intent`` was certainly never sent while a ``sent`` order
may have reached KIS and must be looked up like an ``unknown`` one.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ACTIVE_STATES",
    "FILLABLE_STATES",
    "FillSource",
    "OrderState",
    "TRANSITIONS",
    "TradeStatus",
    "UNANSWERED_STATES",
    "UNRESOLVED_STATES",
    "WORKING_STATES",
]


class OrderState(StrEnum):
    INTENT = "intent"
    SENT = "sent"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    UNKNOWN = "unknown"
    DROPPED = "dropped"

    @property
    def is_final(self) -> bool:
        return not TRANSITIONS[self]


S = OrderState
TRANSITIONS: dict[OrderState, frozenset[OrderState]] = {
    S.INTENT: frozenset({S.SENT, S.DROPPED}),
    S.SENT: frozenset({S.ACCEPTED, S.REJECTED, S.UNKNOWN}),
    S.UNKNOWN: frozenset({S.ACCEPTED, S.REJECTED}),
    S.ACCEPTED: frozenset({S.PARTIALLY_FILLED, S.FILLED, S.CANCELED}),
    S.PARTIALLY_FILLED: frozenset({S.FILLED, S.CANCELED}),
    S.FILLED: frozenset(),
    S.CANCELED: frozenset(),
    S.REJECTED: frozenset(),
    S.DROPPED: frozenset(),
}
# Orders whose fate the broker has not told us: reconciliation drops the intents (never
# sent) and looks the others up.
UNRESOLVED_STATES = frozenset({S.INTENT, S.SENT, S.UNKNOWN})
# Orders that may have reached KIS without its answer being recorded: looked up, never
# sent again.
UNANSWERED_STATES = frozenset({S.SENT, S.UNKNOWN})
# Orders the broker is working on.
WORKING_STATES = frozenset({S.ACCEPTED, S.PARTIALLY_FILLED})
# Orders that hold shares or cash back from new orders (a sell here may still execute).
ACTIVE_STATES = UNRESOLVED_STATES | WORKING_STATES
# A fill can arrive after the cancellation of the remainder was confirmed: it executed
# before the cancellation and is still a fact to record.
FILLABLE_STATES = WORKING_STATES | {S.CANCELED}
del S


class TradeStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class FillSource(StrEnum):
    """Where a fill was learnt: a real-time execution notice, or the broker's order
    list over REST (cumulative figures, recorded as the difference)."""

    NOTICE = "notice"
    REST = "rest"
