"""The real-time stream: one WebSocket session to KIS, kept alive and complete.

One task owns the connection. It issues the approval key once (``AuthManager``),
answers PINGPONG, and when the socket breaks or goes silent it reconnects with
exponential backoff and jitter, subscribes everything again, and, if execution notices
are watched, recovers the notices the gap swallowed from today's orders over REST
(``pykis.websocket.notices``), so each fill reaches the user once and in order.

Subscriptions are reference-counted (two watchers of one symbol share one KIS
registration) and capped below KIS's limit per session; a subscription past the cap is
refused here, before anything is sent.

A frame or record that cannot be read (``pykis.websocket.protocol``) is logged, counted in
``StreamStats.protocol_errors`` and skipped: one bad frame never ends the connection or a
subscription. When the stream does end (closed, or nothing left to retry), every watcher
is told with a ``StreamError`` or a more precise ``KISError``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import re
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from pykis import exceptions as ex
from pykis.api import order
from pykis.api.base import Context
from pykis.api.flow import Flow
from pykis.api.quote import now
from pykis.utils.redact import FrameFilter, redact_text
from pykis.websocket.notices import NoticeBook, Update
from pykis.websocket.protocol import (
    BookEvent,
    Codec,
    ControlEvent,
    Heartbeat,
    NoticeEvent,
    ProtocolError,
    TradeEvent,
    UnreadableRecord,
    subscribe_message,
)

__all__ = ["AsyncStream", "Key", "Sink", "StreamSettings", "StreamStats"]

log = logging.getLogger("pykis.websocket")
T = TypeVar("T")
Key = tuple[str, str]  # (tr_id, tr_key)
KIS_LIMIT = 41  # registrations KIS accepts on one session
NOTICE_TRS = {False: "H0STCNI0", True: "H0STCNI9"}  # by is_paper
ACCEPTED = ("OPSP0000", "OPSP0002")  # registered; already registered
LOGGED_SKIPS = 100  # unreadable frames logged one by one; after that every 1000th


@dataclass(frozen=True)
class StreamSettings:
    """How the stream behaves; the defaults suit KIS. ``url`` is filled in by the
    client (``ws_url``, or derived from the environment or ``base_url``)."""

    url: str = ""
    # KIS accepts 41 registrations a session; 40 leaves room, as KIS's own sample does.
    max_subscriptions: int = 40
    # Silence (not even a PINGPONG) this long means a dead connection. KIS's heartbeat
    # interval is not documented (about 110 s has been reported).
    idle_timeout: float = 150.0
    open_timeout: float = 10.0
    answer_timeout: float = 10.0
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    session_retries: int = 3  # "app key in use" answers in a row before giving up
    recovery_grace: float = 1.0  # quiet time that ends a recovery of missed notices
    recovery_rounds: int = 5
    queue_size: int = 100_000  # market events a watcher may fall behind by
    # How a connection is opened: websockets' ``connect`` (None), or a stand-in with its
    # signature, e.g. the simulator's in-process endpoint
    # (``pykis.sim.serve.ws_transport.SimWebSocket``).
    connect: Callable[..., Any] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not 1 <= self.max_subscriptions <= KIS_LIMIT:
            raise ex.InvalidInputError("max_subscriptions", self.max_subscriptions,
                                       f"1 to {KIS_LIMIT} (KIS's limit per session)")

    def backoff(self, attempt: int) -> float:
        """Seconds before reconnect ``attempt`` (1, 2, ...): doubling, with jitter so a
        fleet of clients does not reconnect in step."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


@dataclass
class StreamStats:
    connects: int = 0
    frames: int = 0
    protocol_errors: int = 0
    recoveries: int = 0
    recovered_fills: int = 0


class Sink(Protocol):
    def push(self, item: Any) -> None: ...


class _Registration:
    def __init__(self, key: Key) -> None:
        self.key = key
        self.sinks: set[Sink] = set()
        self.session = 0  # the connection that confirmed it (0: none yet)
        self.prepared = False  # notices: today's orders are known (the baseline)
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def confirm(self, session: int) -> None:
        self.session = session
        if not self.ready.done():
            self.ready.set_result(None)


class _Reconnect(Exception):
    """End this connection and open another (after a backoff)."""


class _SessionBusy(_Reconnect):
    """KIS says another connection holds this app key's session (OPSP8996)."""


class _ApprovalRefused(_Reconnect):
    """KIS refused the approval key (OPSP0011): issue another."""


class _Fatal(Exception):
    """Nothing to retry: every watcher gets ``error``."""

    def __init__(self, error: ex.KISError) -> None:
        super().__init__(str(error))
        self.error = error


class AsyncStream:
    def __init__(self, ctx: Context, rest: Callable[[Flow[Any]], Awaitable[Any]], *,
                 hts_id: str | None, settings: StreamSettings) -> None:
        self._ctx, self._rest, self.hts_id, self.settings = ctx, rest, hts_id, settings
        self._codec = Codec(lambda: now(ctx).date())
        self._registrations: dict[Key, _Registration] = {}
        self._answers: dict[Key, deque[asyncio.Future[ControlEvent]]] = {}
        self._ws: ClientConnection | None = None
        self._session = 0  # serial number of the current connection, once restored
        self._runner: asyncio.Task[None] | None = None
        self._closed = False
        self.stats = StreamStats()
        self.notice_key: Key | None = (NOTICE_TRS[ctx.paper], hts_id) if hts_id else None
        self._book = NoticeBook(lambda: now(ctx))
        self._buffer: list[NoticeEvent] | None = None  # notices held while recovering
        self._notices_since: dt.datetime | None = None  # when notices were first watched
        self._recovery: asyncio.Task[None] | None = None
        self._approval = ""
        self._in_service = False  # the current connection restored every subscription

    # --- subscriptions -------------------------------------------------------------------
    @property
    def subscriptions(self) -> list[Key]:
        return list(self._registrations)

    @property
    def connected(self) -> bool:
        return self._session != 0

    def reserve(self, keys: list[Key], sink: Sink) -> list[_Registration]:
        """Register ``sink`` for ``keys`` now (the cap is checked here, before anything
        is sent); KIS is asked on the connection, and ``ready`` says how that went."""
        if self._closed:
            raise ex.StreamError("the stream is closed")
        new = [k for k in dict.fromkeys(keys) if k not in self._registrations]
        limit = self.settings.max_subscriptions
        if len(self._registrations) + len(new) > limit:
            raise ex.SubscriptionLimitError(
                f"{len(self._registrations)} subscriptions are active and {len(new)} more "
                f"would pass the limit of {limit} per session (KIS refuses the 42nd; each "
                f"symbol and TR counts once, execution notices included)", limit=limit)
        registrations = []
        for key in keys:
            registration = self._registrations.get(key)
            if registration is None:
                registration = self._registrations[key] = _Registration(key)
                if key == self.notice_key:
                    self._buffer = []  # hold notices until the baseline is known
                    self._notices_since = now(self._ctx)
                asyncio.get_running_loop().create_task(self._subscribe(registration))
            registration.sinks.add(sink)
            registrations.append(registration)
        self._start()
        return registrations

    async def release(self, keys: list[Key], sink: Sink) -> None:
        """``sink`` is done with ``keys``; KIS is told about those nobody watches now."""
        for key in dict.fromkeys(keys):
            registration = self._registrations.get(key)
            if registration is None:
                continue
            registration.sinks.discard(sink)
            if registration.sinks:
                continue
            del self._registrations[key]
            if registration.session and registration.session == self._session:
                try:
                    await self._ask(key, subscribe=False)
                except (_Reconnect, ConnectionClosed, OSError, TimeoutError):
                    pass  # the connection is going anyway: nothing stays registered

    async def _subscribe(self, registration: _Registration) -> None:
        try:
            if registration.key == self.notice_key:
                # Fills before this moment are history, not news: known, not delivered.
                baseline = await self._rest(order.fetch_orders(self._ctx))
                self._book.baseline(list(baseline), self._notices_since)
            registration.prepared = True
            if self._session and registration.key in self._registrations:
                await self._register(registration, self._session)
            # Otherwise the connection registers it when it is (re)established.
        except ex.KISError as error:
            self._fail(registration, error)
        except _Reconnect:
            if self._ws is not None:  # e.g. the approval key was refused: start over
                await self._ws.close()
        except (ConnectionClosed, OSError, TimeoutError):
            pass  # the next connection registers it

    async def _register(self, registration: _Registration, session: int) -> None:
        answer = await self._ask(registration.key, subscribe=True)
        if answer.msg_cd in ACCEPTED:
            registration.confirm(session)
            if registration.key == self.notice_key:
                self._start_recovery()
            return
        if answer.msg_cd == "OPSP8996":
            raise _SessionBusy()
        if answer.msg_cd == "OPSP0011":
            raise _ApprovalRefused("approval key refused")
        self._fail(registration, ex.SubscriptionError(
            f"KIS refused the subscription {registration.key[0]} {registration.key[1]!r}: "
            f"{_redact(answer.msg1)}", code=answer.msg_cd, msg1=_redact(answer.msg1),
            rt_cd=answer.rt_cd, tr_id=registration.key[0]))

    def _fail(self, registration: _Registration, error: ex.KISError) -> None:
        if self._registrations.get(registration.key) is registration:
            del self._registrations[registration.key]
        if not registration.ready.done():
            registration.ready.set_exception(error)
            registration.ready.exception()  # retrieved: watchers re-raise it themselves
        for sink in list(registration.sinks):
            sink.push(error)

    # --- the connection ----------------------------------------------------------------
    def _start(self) -> None:
        if self._runner is None or self._runner.done():
            self._runner = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        attempt, busy = 0, 0
        while not self._closed:
            try:
                await self._connection()
            except _Fatal as fatal:
                log.error("real-time stream stopped: %s", fatal.error)
                self._fail_all(fatal.error)
                return
            except _SessionBusy:
                busy += 1
                if busy > self.settings.session_retries:
                    self._fail_all(ex.SubscriptionError(
                        "another connection holds this app key's real-time session (KIS "
                        "allows one per app key)", code="OPSP8996"))
                    return
            except (_Reconnect, ConnectionClosed, InvalidHandshake, OSError, TimeoutError,
                    ex.NetworkError, ex.ServerError, ex.RateLimitError) as error:
                log.warning("real-time connection lost (%s); reconnecting",
                            _redact(str(error)) or type(error).__name__)
            except Exception as error:  # e.g. a bad URL: retrying cannot help
                log.error("real-time stream stopped: %r", error)
                self._fail_all(ex.StreamError(
                    f"the real-time stream stopped: {_redact(str(error)) or type(error).__name__}"))
                return
            if self._closed:
                return
            if self._in_service:  # it worked for a while: start the backoff over
                attempt, busy = 1, 0
            else:
                attempt += 1
            await asyncio.sleep(self.settings.backoff(attempt))

    def _fail_all(self, error: ex.KISError) -> None:
        for registration in list(self._registrations.values()):
            self._fail(registration, error)

    async def _connection(self) -> None:
        """One connection, from the approval key to its end."""
        self._in_service = False
        try:
            approval = await self._rest(self._ctx.auth.approval_key())
        except ex.AuthenticationError as error:
            raise _Fatal(error) from None
        self._approval = approval
        opener = self.settings.connect or connect
        async with opener(self.settings.url, ping_interval=None, close_timeout=2,
                           open_timeout=self.settings.open_timeout, max_size=2 ** 23,
                           logger=_WIRE_LOG) as ws:
            self._ws = ws
            self.stats.connects += 1
            reader = asyncio.get_running_loop().create_task(self._read(ws))
            try:
                session = self.stats.connects
                await self._restore(session, approval, reader)
                self._in_service = True
                await reader
            finally:
                reader.cancel()
                self._ws, self._session = None, 0
                self._lose_answers()
                if self.notice_key in self._registrations:
                    self._buffer = self._buffer if self._buffer is not None else []

    async def _restore(self, session: int, approval: str, reader: asyncio.Task[None]) -> None:
        """Register everything (again), then mark the connection as in service."""
        try:
            while True:
                pending = [r for r in self._registrations.values()
                           if r.prepared and r.session != session]
                if not pending:
                    break
                for registration in pending:
                    if registration.key in self._registrations:
                        await self._register(registration, session)
        except _ApprovalRefused:
            self._ctx.auth.forget_approval(approval)  # issue another next time
            raise
        if reader.done():
            reader.result()  # the connection ended meanwhile: raise why
        self._session = session

    async def _ask(self, key: Key, subscribe: bool) -> ControlEvent:
        ws = self._ws
        if ws is None:
            raise _Reconnect("not connected")
        answer = asyncio.get_running_loop().create_future()
        self._answers.setdefault(key, deque()).append(answer)
        # The send too: a connection that stopped reading must not hold the caller.
        async with asyncio.timeout(self.settings.answer_timeout):
            await ws.send(subscribe_message(self._approval, key[0], key[1], subscribe))
            return await answer

    def _lose_answers(self) -> None:
        for waiting in self._answers.values():
            for answer in waiting:
                if not answer.done():
                    answer.set_exception(_Reconnect("connection lost"))
                    answer.exception()
        self._answers.clear()

    # --- reading ---------------------------------------------------------------------------
    async def _read(self, ws: ClientConnection) -> None:
        idle = self.settings.idle_timeout
        try:
            while True:
                try:
                    async with asyncio.timeout(idle):
                        text = await ws.recv()
                except TimeoutError:
                    raise _Reconnect(f"nothing from KIS for {idle:g} s") from None
                self.stats.frames += 1
                await self._dispatch(ws, text)
        finally:
            self._lose_answers()

    async def _dispatch(self, ws: ClientConnection, frame: str | bytes) -> None:
        try:
            events = self._codec.decode(frame)
        except ProtocolError as error:
            self._skip("unreadable real-time frame skipped: %s", error)
            return
        for event in events:
            kind = type(event)
            if kind is TradeEvent or kind is BookEvent:
                registration = self._registrations.get((event.tr_id, event.key))
                if registration is not None:
                    for sink in registration.sinks:
                        sink.push(event)
            elif kind is NoticeEvent:
                self._on_notice(event)
            elif kind is Heartbeat:
                await ws.send(event.text)  # KIS closes sessions that do not answer
            elif kind is ControlEvent:
                self._on_answer(event)
            elif kind is UnreadableRecord:
                self._skip("unreadable %s record skipped: %s", event.tr_id, event.reason)

    def _skip(self, message: str, *args: object) -> None:
        """Log a frame or record skipped; a server sending nothing else is not allowed
        to flood the log: after the first few, every 1000th is logged, with the count."""
        self.stats.protocol_errors += 1
        count = self.stats.protocol_errors
        if count <= LOGGED_SKIPS or count % 1000 == 0:
            log.warning(message + " (%d so far)", *args, count)

    def _on_answer(self, answer: ControlEvent) -> None:
        waiting = self._answers.get((answer.tr_id, answer.tr_key))
        if waiting:
            future = waiting.popleft()
            if not future.done():
                future.set_result(answer)
            return
        if not answer.ok:
            log.warning("KIS real-time error: %s %s", answer.msg_cd, _redact(answer.msg1))

    # --- execution notices ---------------------------------------------------------------------
    def _on_notice(self, event: NoticeEvent) -> None:
        if self._buffer is not None:
            self._buffer.append(event)
            return
        self._deliver(self._apply(self._book.apply_notice, event))

    def _apply(self, apply: Callable[..., list[Update]], event: NoticeEvent, *more: Any
               ) -> list[Update]:
        """``apply(event, *more)`` of the notice book; a notice it cannot take is logged
        and skipped, since it must not end the stream (or a recovery) for the others."""
        try:
            return apply(event, *more)
        except Exception:
            self.stats.protocol_errors += 1
            log.exception("execution notice of order %s skipped: it could not be applied",
                          event.order_id or "(none)")
            return []

    def _deliver(self, updates: list[Update]) -> None:
        registration = self._registrations.get(self.notice_key) if self.notice_key else None
        if registration is None:
            return
        for update in updates:
            for sink in registration.sinks:
                sink.push(update)

    def _start_recovery(self) -> None:
        if self._recovery is None or self._recovery.done():
            self._recovery = asyncio.get_running_loop().create_task(self._recover())

    async def _recover(self) -> None:
        """Bring the notices up to date with KIS's ledger; see ``pykis.websocket.notices``.
        Each round asks for today's orders; every notice received before the request
        went out is in that answer. Quiet for ``recovery_grace`` after a round: done."""
        attempt = 0
        while not self._closed and self.notice_key in self._registrations:
            try:
                await self._recovery_rounds()
                self.stats.recoveries += 1
                return
            except ex.KISError as error:
                attempt += 1
                log.warning("could not recover execution notices yet (%s); retrying", error)
                await asyncio.sleep(self.settings.backoff(attempt))

    async def _recovery_rounds(self) -> None:
        settings = self.settings
        for _ in range(settings.recovery_rounds):
            buffer = self._buffer if self._buffer is not None else []
            self._buffer = buffer
            cut = len(buffer)
            today = await self._rest(order.fetch_orders(self._ctx))
            self._count(self._book.apply_snapshot(list(today)))
            del buffer[:cut]
            await asyncio.sleep(settings.recovery_grace)
            if not buffer:
                self._buffer = None  # from here on, notices are delivered as they come
                return
        # A busy account: check what is left against the ledger one order at a time.
        while self._buffer:
            event = self._buffer.pop(0)
            if event.kind == "filled":
                ledger = await self._rest(order.fetch_order(self._ctx, event.order_id))
                self._count(self._apply(self._book.apply_fill_verified, event, ledger))
            else:
                self._deliver(self._apply(self._book.apply_notice, event))
        self._buffer = None

    def _count(self, updates: list[Update]) -> None:
        self.stats.recovered_fills += sum(1 for u in updates if u.trade is not None)
        self._deliver(updates)

    # --- closing ----------------------------------------------------------------------------
    async def aclose(self) -> None:
        self._closed = True
        for task in (self._recovery, self._runner):
            if task is not None and not task.done():
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass
        error = ex.StreamError("the real-time stream was closed (its client was closed)")
        for registration in list(self._registrations.values()):
            for sink in list(registration.sinks):
                sink.push(error)
        self._registrations.clear()


# --- secrets never reach the logs -----------------------------------------------------------
_SECRETS = re.compile(r'("approval_key"\s*:\s*")[^"]*|(invalid approval\s*:\s*)\S+')


def _redact(text: str) -> str:
    return redact_text(_SECRETS.sub(lambda m: (m.group(1) or m.group(2)) + "***", text))


_WIRE_LOG = logging.getLogger("pykis.websocket.wire")
# websockets logs every frame at DEBUG, its head and tail: the approval key, the notices'
# AES key and IV, account numbers. Frames are logged by kind and size only.
_WIRE_LOG.addFilter(FrameFilter())
