"""The real-time stream for ``KIS``: the one async implementation, run on a background
thread with its own event loop.

    for trade in kis.watch_trades("005930"):      # a blocking iterator
        ...
    kis.on_trades("005930", print)                  # or a callback

Callbacks run one at a time, in order, on one worker thread, so a slow callback never
stalls the connection (PINGPONG answers, other symbols). A callback that raises is logged
and called again with the next item; a frame the stream cannot read is skipped there and
never reaches a callback or an iterator. Callbacks stop only when their subscription is
closed, or when the stream leaves them: then ``Subscription.exception()`` says why (and
the log, unless the client is being closed).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

import httpx

from pykis import exceptions as ex
from pykis.api.base import Context
from pykis.models import Order, OrderBook, Ticker, Trade
from pykis.utils.drivers import run_async
from pykis.utils.ratelimit import RateLimiter
from pykis.utils.tls import default_context
from pykis.websocket.client import AsyncStream, StreamSettings
from pykis.websocket.watch import Realtime, Watch

__all__ = ["Subscription", "SyncRealtime", "SyncWatch"]

log = logging.getLogger("pykis.websocket")
# How long closing a watch may wait for the stream (seconds): then it moves on.
CLOSE_TIMEOUT = 5.0
T = TypeVar("T")


class SyncRealtime:
    def __init__(self, ctx: Context, limiter: RateLimiter, *, hts_id: str | None,
                 settings: StreamSettings,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="pykis-realtime")
        self._thread.start()
        self._callbacks = ThreadPoolExecutor(1, thread_name_prefix="pykis-callbacks")
        self._closed = False
        self._closing = False  # close() has begun: callbacks ending now are no news

        async def build() -> Realtime:
            self._http = httpx.AsyncClient(transport=transport, timeout=ctx.timeout,
                                           verify=default_context())
            rest = lambda flow: run_async(flow, self._http, limiter)  # noqa: E731
            return Realtime(AsyncStream(ctx, rest, hts_id=hts_id, settings=settings), rest)

        self.realtime: Realtime = self._call(build())

    @property
    def stream(self) -> AsyncStream:
        return self.realtime.stream

    def _call(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        if self._closed:
            coroutine.close()
            raise ex.StreamError("the stream is closed")
        call = _Cancellable()
        future = asyncio.run_coroutine_threadsafe(call.run(coroutine), self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            # Cancelled on the loop, and then its outcome awaited: an item it read just as
            # the time ran out is returned, not lost (cancelling the future from here
            # would drop it, and a notice must never be dropped).
            self._cancel(call)
            try:
                return future.result(CLOSE_TIMEOUT)
            except CancelledError:
                raise TimeoutError(f"nothing within {timeout} s") from None
        except BaseException:  # Ctrl-C: the call stops, the interrupt goes on
            self._cancel(call)
            raise

    def _cancel(self, call: _Cancellable) -> None:
        try:
            self._loop.call_soon_threadsafe(call.cancel)
        except RuntimeError:  # the loop is closed: nothing runs there any more
            pass

    def _watch(self, make: Callable[[], Watch[T]]) -> SyncWatch[T]:
        async def created() -> Watch[T]:
            return make()
        return SyncWatch(self, self._call(created()))

    # --- iterators -----------------------------------------------------------------------------
    def watch_ticker(self, symbol: str) -> SyncWatch[Ticker]:
        return self._watch(lambda: self.realtime.watch_ticker(symbol))

    def watch_tickers(self, symbols: Iterable[str]) -> SyncWatch[Ticker]:
        symbols = list(symbols)
        return self._watch(lambda: self.realtime.watch_tickers(symbols))

    def watch_trades(self, symbol: str) -> SyncWatch[Trade]:
        return self._watch(lambda: self.realtime.watch_trades(symbol))

    def watch_trades_for_symbols(self, symbols: Iterable[str]) -> SyncWatch[Trade]:
        symbols = list(symbols)
        return self._watch(lambda: self.realtime.watch_trades_for_symbols(symbols))

    def watch_order_book(self, symbol: str) -> SyncWatch[OrderBook]:
        return self._watch(lambda: self.realtime.watch_order_book(symbol))

    def watch_orders(self) -> SyncWatch[Order]:
        return self._watch(self.realtime.watch_orders)

    def watch_my_trades(self) -> SyncWatch[Trade]:
        return self._watch(self.realtime.watch_my_trades)

    # --- callbacks -------------------------------------------------------------------------------
    def on(self, watch: SyncWatch[T], callback: Callable[[T], Any],
           timeout: float | None = 30.0, *, on_loop: bool = False) -> Subscription:
        """Call ``callback`` with every item of ``watch`` once KIS confirmed it (a refusal
        raises here; so does no confirmation within ``timeout`` seconds).

        ``on_loop=True`` calls it on the stream's own thread as each item is read, with
        no hop to the callback thread: for a callback that returns at once and never
        blocks (the connection waits while it runs), such as the engine monitor's."""
        try:
            self._call(watch.watch._start(), timeout)
        except BaseException:
            watch.close()
            raise
        loop = self._loop

        async def pump() -> None:
            try:
                if on_loop:
                    return await _on_loop(watch.watch, callback)
                async for item in watch.watch:
                    try:
                        await loop.run_in_executor(self._callbacks, callback, item)
                    except Exception:
                        log.exception("a real-time callback failed on %r", item)
            except ex.KISError as error:
                if not self._closing:
                    log.error("real-time callbacks %r stopped: %s", callback, error.describe())
                raise

        return Subscription(watch, asyncio.run_coroutine_threadsafe(pump(), loop))

    # --- closing -------------------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closing = True
        try:
            self._call(self._shutdown(), timeout=10)
        finally:
            self._closed = True
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self._loop.close()  # its selector and pipe, now, not at interpreter exit
            self._callbacks.shutdown(wait=False)

    async def _shutdown(self) -> None:
        await self.stream.aclose()
        await self._http.aclose()


async def _on_loop(watch: Watch[T], callback: Callable[[T], Any]) -> None:
    """``callback`` with each item of ``watch`` as the stream's reader pushes it: converted
    and handed on there, not queued for a later turn of the loop. What was queued before
    goes first, through the watch, so the order holds; the watch's end (closed, or the
    stream's error) still comes through its queue."""
    queue = watch._queue
    while queue._items or queue._latest or watch._primed:  # (no wait while items are there)
        try:
            item = await watch.__anext__()
        except StopAsyncIteration:  # closed by its owner
            return
        _call(callback, item)
    convert, push = watch._convert, queue.push

    def direct(item: Any) -> None:
        if queue.closed or isinstance(item, ex.KISError):
            return push(item)
        try:
            value = convert(item)
        except (ValueError, TypeError, LookupError, ArithmeticError) as error:
            log.warning("real-time item skipped: cannot read a %s (%s)",
                        type(item).__name__, type(error).__name__)
            return
        if value is not None:
            _call(callback, value)

    queue.push = direct  # type: ignore[method-assign]  # the sink the stream pushes to
    try:
        end = await queue.get()
    finally:
        del queue.push
    if isinstance(end, ex.KISError):
        await watch.aclose()
        raise end


def _call(callback: Callable[[T], Any], item: T) -> None:
    try:
        callback(item)
    except Exception:
        log.exception("a real-time callback failed on %r", item)


class _Cancellable:
    """A coroutine run on the stream's loop that another thread can cancel there, before
    or after it started."""

    def __init__(self) -> None:
        self._task: asyncio.Task[Any] | None = None
        self._cancelled = False

    async def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self._cancelled:
            coroutine.close()
            raise asyncio.CancelledError
        self._task = asyncio.current_task()
        return await coroutine

    def cancel(self) -> None:  # on the loop
        self._cancelled = True
        if self._task is not None:
            self._task.cancel()


class SyncWatch(Generic[T]):
    """A blocking iterator over a ``Watch``; ``close()`` (or ``with``) releases it."""

    def __init__(self, owner: SyncRealtime, watch: Watch[T]) -> None:
        self._owner, self.watch = owner, watch

    @property
    def dropped(self) -> int:
        return self.watch.dropped

    def __iter__(self) -> SyncWatch[T]:
        return self

    def __next__(self) -> T:
        try:
            return self._owner._call(self.watch.__anext__())
        except StopAsyncIteration:
            raise StopIteration from None

    def next(self, timeout: float | None = None) -> T:
        """The next item; ``TimeoutError`` if none comes within ``timeout`` seconds."""
        try:
            return self._owner._call(self.watch.__anext__(), timeout)
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        if self._owner._closed:
            return
        try:
            # Bounded: telling KIS to stop sending waits on the connection, and a close
            # after Ctrl-C must end; the client's own close ends the connection anyway.
            self._owner._call(self.watch.aclose(), timeout=CLOSE_TIMEOUT)
        except TimeoutError:
            log.warning("the real-time stream did not release a watch within %.0f s",
                        CLOSE_TIMEOUT)

    def __enter__(self) -> SyncWatch[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Subscription:
    """A callback registered with ``KIS.on_*``; ``close()`` stops it."""

    def __init__(self, watch: SyncWatch[Any], task: Future[None]) -> None:
        self._watch, self._task = watch, task

    @property
    def running(self) -> bool:
        return not self._task.done()

    def exception(self) -> BaseException | None:
        """Why it stopped (a refused subscription, a closed stream), if it did."""
        if not self._task.done() or self._task.cancelled():
            return None
        return self._task.exception()

    def close(self) -> None:
        self._watch.close()
        self._task.cancel()
