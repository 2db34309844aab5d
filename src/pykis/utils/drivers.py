"""The two drivers: run a flow (``pykis.api.flow``) with real I/O.

Each effect has one line per driver; everything else (what to send, when to retry,
how to read the answer) lives in the flows, once.

A request is sent the way ``httpx.Client.send`` sends it, less what PyKIS's clients
never use (``send``): the auth flow and redirect loop (no auth, redirects not followed),
event hooks (none), and the cookie jar, which ``send`` fills from every answer although
PyKIS builds its requests without the client's cookies, so nothing read from the jar
ever goes out. A client set up for any of those, or with httpx's request log on, is
sent through ``Client.send`` as before.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx

from pykis.api.flow import Blocking, Flow, Gather, Reserve, Send, Sleep
from pykis.utils.clock import Clock
from pykis.utils.ratelimit import RateLimiter
from pykis.utils.redact import scrub

__all__ = ["run_async", "run_sync", "send", "send_async", "unwind"]

T = TypeVar("T")
_HTTPX_LOG = logging.getLogger("httpx")  # Client.send logs every request at INFO there


def _transport(http: httpx.Client | httpx.AsyncClient, request: httpx.Request) -> Any:
    """The transport ``http`` would send ``request`` on, or None when ``Client.send``
    has work to do for it: a closed client (it raises), auth, redirects to follow,
    event hooks, its request log."""
    if http.is_closed or http.auth is not None or http.follow_redirects or any(
            http.event_hooks.values()) or _HTTPX_LOG.isEnabledFor(logging.INFO):
        return None
    mounted = getattr(http, "_transport_for_url", None)  # proxies and mounts, by URL
    if mounted is None:
        return None
    if "timeout" not in request.extensions:  # the client's, as send() would set
        request.extensions = {**request.extensions, "timeout": http.timeout.as_dict()}
    return mounted(request.url)


def send(http: httpx.Client, request: httpx.Request) -> httpx.Response:
    """``http.send(request)``, read, without the work PyKIS does not use."""
    transport = _transport(http, request)
    if transport is None:
        return http.send(request)
    started = time.perf_counter()
    try:
        response = transport.handle_request(request)
    except httpx.RequestError as error:
        raise _with_request(error, request)
    response.request = request
    try:
        response.read()
    except BaseException:
        response.close()
        raise
    response.elapsed = dt.timedelta(seconds=time.perf_counter() - started)
    return response


async def send_async(http: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """``await http.send(request)``, read, without the work PyKIS does not use."""
    transport = _transport(http, request)
    if transport is None:
        return await http.send(request)
    started = time.perf_counter()
    try:
        response = await transport.handle_async_request(request)
    except httpx.RequestError as error:
        raise _with_request(error, request)
    response.request = request
    try:
        await response.aread()
    except BaseException:
        await response.aclose()
        raise
    response.elapsed = dt.timedelta(seconds=time.perf_counter() - started)
    return response


def _with_request(error: httpx.RequestError, request: httpx.Request) -> httpx.RequestError:
    """The error with the request it failed on, as ``Client.send`` leaves it."""
    try:
        error.request  # noqa: B018  (raises when the transport did not set it)
    except RuntimeError:
        error.request = request
    return error


def run_sync(flow: Flow[T], http: httpx.Client, limiter: RateLimiter | None,
             clock: Clock | None = None) -> T:
    """Run ``flow``; its ``Sleep`` waits on ``clock`` (the wall clock by default), so a
    client on simulated time backs off in simulated time."""
    sleep = clock.sleep if clock is not None else time.sleep
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
                value = send(http, effect.request)
            elif isinstance(effect, Sleep):
                sleep(effect.seconds)
            elif isinstance(effect, Reserve):
                value = limiter.reserve(effect.key)
            elif isinstance(effect, Blocking):
                value = effect.function()
            elif isinstance(effect, Gather):
                value = _gather_sync(effect, http, limiter, clock)
            else:
                raise TypeError(f"unknown effect {effect!r}")
        except Exception as exc:  # handed to the flow, which decides what it means
            error = scrub(exc)
        except BaseException as stop:  # Ctrl-C: the flow gives back what it holds first
            unwind(flow, stop)
            raise


def _gather_sync(effect: Gather, http: httpx.Client, limiter: RateLimiter | None,
                 clock: Clock | None) -> list[Any]:
    if len(effect.flows) <= 1:
        return [run_sync(flow, http, limiter, clock) for flow in effect.flows]
    with ThreadPoolExecutor(max_workers=min(8, len(effect.flows))) as pool:
        futures = [pool.submit(run_sync, flow, http, limiter, clock) for flow in effect.flows]
        return [future.result() for future in futures]


async def run_async(flow: Flow[T], http: httpx.AsyncClient, limiter: RateLimiter | None,
                    clock: Clock | None = None) -> T:
    """Run ``flow`` on the running loop; its ``Sleep`` waits on ``clock`` as in
    ``run_sync``."""
    sleep = clock.asleep if clock is not None else asyncio.sleep
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
                value = await send_async(http, effect.request)
            elif isinstance(effect, Sleep):
                await sleep(effect.seconds)
            elif isinstance(effect, Reserve):
                value = await limiter.areserve(effect.key)
            elif isinstance(effect, Blocking):
                value = await asyncio.to_thread(effect.function)
            elif isinstance(effect, Gather):
                value = list(await asyncio.gather(
                    *(run_async(flow, http, limiter, clock) for flow in effect.flows)))
            else:
                raise TypeError(f"unknown effect {effect!r}")
        except Exception as exc:
            error = scrub(exc)
        except BaseException as stop:  # cancelled: the flow gives back what it holds first
            unwind(flow, stop)
            raise


def unwind(flow: Flow[Any], stop: BaseException) -> None:
    """Let ``flow`` clean up after its caller was cancelled or interrupted: ``stop`` is
    thrown into it, and the quick local steps it takes on the way out (``Blocking``: a
    token lease given back to the store) run here and now; nothing is sent. Without this
    a flow cancelled while it issued a token kept the lease, and every process waited
    for it to lapse."""
    try:
        effect = flow.throw(stop)
        while True:
            if not isinstance(effect, Blocking):
                effect = flow.throw(stop)  # no request, sleep or wait on the way out
                continue
            try:
                value = effect.function()
            except Exception as exc:  # noqa: BLE001 - the flow's to judge, as ever
                effect = flow.throw(exc)
            else:
                effect = flow.send(value)
    except BaseException:  # noqa: BLE001 - the flow ended (with stop, or its own error)
        return
