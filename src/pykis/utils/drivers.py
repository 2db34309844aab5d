"""The two drivers: run a flow (``pykis.api.flow``) with real I/O.

Each effect has one line per driver; everything else (what to send, when to retry,
how to read the answer) lives in the flows, once.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx

from pykis.api.flow import Blocking, Flow, Gather, Reserve, Send, Sleep
from pykis.utils.ratelimit import RateLimiter
from pykis.utils.redact import scrub

__all__ = ["run_async", "run_sync"]

T = TypeVar("T")


def run_sync(flow: Flow[T], http: httpx.Client, limiter: RateLimiter | None) -> T:
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            effect = flow.throw(error) if error is not None else flow.send(value)
        except StopIteration as stop:
            return stop.value
        value, error = None, None
        try:
            if isinstance(effect, Send):
                value = http.send(effect.request)
            elif isinstance(effect, Sleep):
                time.sleep(effect.seconds)
            elif isinstance(effect, Reserve):
                value = limiter.reserve(effect.key)
            elif isinstance(effect, Blocking):
                value = effect.function()
            elif isinstance(effect, Gather):
                value = _gather_sync(effect, http, limiter)
            else:
                raise TypeError(f"unknown effect {effect!r}")
        except Exception as exc:  # handed to the flow, which decides what it means
            error = scrub(exc)


def _gather_sync(effect: Gather, http: httpx.Client, limiter: RateLimiter | None) -> list[Any]:
    if len(effect.flows) <= 1:
        return [run_sync(flow, http, limiter) for flow in effect.flows]
    with ThreadPoolExecutor(max_workers=min(8, len(effect.flows))) as pool:
        futures = [pool.submit(run_sync, flow, http, limiter) for flow in effect.flows]
        return [future.result() for future in futures]


async def run_async(flow: Flow[T], http: httpx.AsyncClient, limiter: RateLimiter | None) -> T:
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            effect = flow.throw(error) if error is not None else flow.send(value)
        except StopIteration as stop:
            return stop.value
        value, error = None, None
        try:
            if isinstance(effect, Send):
                value = await http.send(effect.request)
            elif isinstance(effect, Sleep):
                await asyncio.sleep(effect.seconds)
            elif isinstance(effect, Reserve):
                value = await limiter.areserve(effect.key)
            elif isinstance(effect, Blocking):
                value = await asyncio.to_thread(effect.function)
            elif isinstance(effect, Gather):
                value = list(await asyncio.gather(
                    *(run_async(flow, http, limiter) for flow in effect.flows)))
            else:
                raise TypeError(f"unknown effect {effect!r}")
        except Exception as exc:
            error = scrub(exc)
