"""Faults on demand, for the reliability tests of the client and the engine.

A plan is a list of rules; for each REST call the first rule that matches its scope and
wins its dice roll (seeded, so a run is reproducible) applies:

* ``error_5xx``   refuse before doing anything: HTTP 500 ``{"rt_cd":"1","msg_cd":"","msg1":""}``
                  (the body KIS really sends in that case)
* ``rate_limit``  refuse with EGW00201 before doing anything
* ``delay``       do the work, answer ``seconds`` late (past a client's timeout if long)
* ``drop``        do the work, then drop the connection without an answer
* ``error_after`` do the work, then answer HTTP 500 as if it had failed
* ``garble``      do the work, then answer HTTP 200 with a body that cannot be read as
                  KIS's answer (``variant``: one of ``GARBLES``, e.g. ``rt_cd`` missing,
                  null, the integer 0 or ``"0 "``; truncated JSON; an HTML page; an
                  empty body; a body that says gzip and is not)

The last four leave an order executed while the client cannot know it.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from enum import StrEnum

__all__ = ["GARBLES", "FaultKind", "FaultPlan", "FaultRule", "Scope"]

# How a ``garble`` fault mangles an answer of HTTP 200: what the body becomes.
GARBLES = ("no_rt_cd", "null_rt_cd", "int_rt_cd", "padded_rt_cd", "truncated", "html",
           "empty", "bad_gzip", "null_output")


class FaultKind(StrEnum):
    ERROR_5XX = "error_5xx"
    RATE_LIMIT = "rate_limit"
    DELAY = "delay"
    DROP = "drop"
    ERROR_AFTER = "error_after"
    GARBLE = "garble"

    @property
    def before_work(self) -> bool:
        return self in (FaultKind.ERROR_5XX, FaultKind.RATE_LIMIT)


class Scope(StrEnum):
    ALL = "all"  # every /uapi call
    ORDERS = "orders"  # order-cash and order-rvsecncl
    READS = "reads"  # every /uapi call that is not an order


ORDER_PATHS = frozenset(
    {
        "/uapi/domestic-stock/v1/trading/order-cash",
        "/uapi/domestic-stock/v1/trading/order-rvsecncl",
    }
)


@dataclass
class FaultRule:
    kind: FaultKind
    rate: float = 1.0  # probability for each matching call
    count: int | None = None  # apply this many times, then retire (None: forever)
    seconds: float = 0.0  # for ``delay``
    scope: Scope = Scope.ALL
    tr_ids: tuple[str, ...] = ()  # limit to these TR IDs (empty: any)
    variant: str = "no_rt_cd"  # for ``garble``: one of GARBLES

    def __post_init__(self) -> None:
        self.kind, self.scope = FaultKind(self.kind), Scope(self.scope)
        self.tr_ids = tuple(self.tr_ids)
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        if self.seconds < 0 or (self.count is not None and self.count < 0):
            raise ValueError("seconds and count must not be negative")
        if self.variant not in GARBLES:
            raise ValueError(f"variant must be one of {', '.join(GARBLES)}")

    def matches(self, path: str, tr_id: str) -> bool:
        if self.tr_ids and tr_id not in self.tr_ids:
            return False
        is_order = path in ORDER_PATHS
        return self.scope is Scope.ALL or (self.scope is Scope.ORDERS) == is_order

    def as_dict(self) -> dict:
        shown = {**asdict(self), "kind": str(self.kind), "scope": str(self.scope)}
        if self.kind is not FaultKind.GARBLE:
            del shown["variant"]  # meaningful for garble faults only
        return shown


class FaultPlan:
    def __init__(self, seed: int = 0) -> None:
        self.rules: list[FaultRule] = []
        self.applied: dict[str, int] = {}
        self._rng = random.Random(f"faults:{seed}")

    def replace(self, rules: list[FaultRule]) -> None:
        self.rules = list(rules)

    def clear(self) -> None:
        self.rules = []

    def decide(self, path: str, tr_id: str) -> FaultRule | None:
        for rule in self.rules:
            if rule.count == 0 or not rule.matches(path, tr_id):
                continue
            if rule.rate < 1.0 and self._rng.random() >= rule.rate:
                continue
            if rule.count is not None:
                rule.count -= 1
            self.applied[rule.kind] = self.applied.get(rule.kind, 0) + 1
            return rule
        return None

