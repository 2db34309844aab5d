"""Flows: generators that do one job against KIS without doing any I/O themselves.

A flow *yields* an effect when it needs the outside world and receives the result:

    answer = yield Send(request)          # an httpx.Response (or the error is thrown in)
    yield Sleep(0.5)                      # wait
    delay = yield Reserve(key)            # book a rate-limit slot: seconds to wait
    value = yield Blocking(function)      # run local blocking work (file locks, files)
    values = yield Gather([flow, ...])    # run flows concurrently, results in order

and *returns* its result. ``KIS`` and ``AsyncKIS`` run the same flows with a sync and an
async driver (``pykis.utils.drivers``): one implementation of every behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

__all__ = ["Blocking", "Effect", "Flow", "Gather", "Reserve", "Send", "Sleep"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Send:
    """Send ``request``; the driver returns the response or throws the transport error."""

    request: httpx.Request


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


@dataclass(frozen=True, slots=True)
class Reserve:
    """Book the next rate-limit slot of ``key``; the driver returns the seconds to wait."""

    key: str


@dataclass(frozen=True, slots=True)
class Blocking:
    """Run ``function`` (local, blocking work: file locks and files); the async driver
    runs it in a worker thread so the event loop never blocks."""

    function: Callable[[], Any]


@dataclass(frozen=True, slots=True)
class Gather:
    """Run ``flows`` concurrently (tasks, or threads for the sync driver); the driver
    returns their results in order, or throws the first error."""

    flows: list[Generator[Any, Any, Any]]


Effect = Send | Sleep | Reserve | Blocking | Gather
Flow = Generator[Effect, Any, T]
