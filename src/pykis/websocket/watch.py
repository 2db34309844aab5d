"""CCXT Pro-style watchers: async iterators of tickers, trades, order books, orders and
the account's fills, over one ``AsyncStream``.

    async with kis.watch_trades("005930") as trades:
        async for trade in trades:
            print(trade.price, trade.amount)

A watcher registers its subscriptions when it is created (so the subscription cap is
checked at once), waits for KIS's answer on its first ``__anext__`` (a refusal raises
``SubscriptionError`` there), and releases them on ``aclose`` or at the end of an
``async with``. Market items a slow reader falls behind by are kept up to
``StreamSettings.queue_size`` (then the oldest go, counted in ``dropped``); tickers and
order books keep only the newest per symbol, since an older one is of no use; orders
and fills are never dropped.

A watcher ends in one of two ways. Closed by its owner (``aclose``, the end of its
``async with``), it stops like any iterator, even while another task waits on it. Left
by the stream (the client was closed, KIS refused a subscription, the stream gave up),
it raises what happened, a ``StreamError`` or a more precise ``KISError``: it never just
stops. A record the stream hands on that cannot be turned into a model is logged and
skipped; the stream checks every record before that, so this is only a last guard.

Trades and order books are yielded as live models (``pykis.websocket.live``): each field
is converted when first read, so a reader pays for what it looks at. That cannot fail
later either: the codec checked every number of the record when it decoded it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Generic, TypeVar

from pykis import exceptions as ex
from pykis.api import quote, validate
from pykis.api.flow import Flow
from pykis.models import Order, OrderBook, Ticker, Trade
from pykis.websocket.client import AsyncStream, Key
from pykis.websocket.events import BookEvent, TradeEvent
from pykis.websocket.live import live_book, live_trade
from pykis.websocket.notices import Update

__all__ = ["Realtime", "Watch"]

log = logging.getLogger("pykis.websocket")
T = TypeVar("T")
TRADES, BOOKS = "H0STCNT0", "H0STASP0"


CLOSED = object()  # what a closed queue gives


class _Queue:
    """What a watcher has not read yet; ``push`` comes from the stream's reader."""

    def __init__(self, maxsize: int | None, conflate: bool) -> None:
        self._items: deque[Any] = deque()
        self._latest: OrderedDict[Any, Any] = OrderedDict()  # conflated: key -> newest
        self._maxsize, self._conflate = maxsize, conflate
        self._waiter: asyncio.Future[None] | None = None
        self.dropped = 0
        self.closed = False

    def push(self, item: Any) -> None:
        if self.closed:
            return
        if self._conflate and isinstance(item, (TradeEvent, BookEvent)):
            self._latest[item.key] = item
        else:
            if self._maxsize is not None and len(self._items) >= self._maxsize:
                self._items.popleft()
                self.dropped += 1
            self._items.append(item)
        self._wake()

    def close(self) -> None:
        """No more items: a ``get`` waiting now, or later, returns ``CLOSED``."""
        self.closed = True
        self._items.clear()
        self._latest.clear()
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self) -> Any:
        while not self._items and not self._latest:
            if self.closed:
                return CLOSED
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        if self._items:
            return self._items.popleft()
        return self._latest.popitem(last=False)[1]


class Watch(Generic[T]):
    """An async iterator of one kind of real-time item."""

    def __init__(self, stream: AsyncStream, keys: list[Key], convert: Callable[[Any], T | None],
                 *, conflate: bool = False, bounded: bool = True,
                 prime: Callable[[], Awaitable[list[T]]] | None = None) -> None:
        self._stream, self._keys, self._convert, self._prime = stream, keys, convert, prime
        self._queue = _Queue(stream.settings.queue_size if bounded else None, conflate)
        self._registrations = stream.reserve(keys, self._queue)
        self._primed: deque[T] | None = None
        self._starting: asyncio.Task[None] | None = None  # _begin, once, for every caller
        self._closed = False

    @property
    def dropped(self) -> int:
        """Items dropped because this watcher fell too far behind."""
        return self._queue.dropped

    def __aiter__(self) -> Watch[T]:
        return self

    async def __anext__(self) -> T:
        if self._primed is None:
            await self._start()  # raises why it could not start, to every caller
        if self._closed:
            raise StopAsyncIteration
        if self._primed:
            return self._primed.popleft()
        while True:
            item = await self._queue.get()
            if item is CLOSED:  # closed by its owner, maybe from another task
                raise StopAsyncIteration
            if isinstance(item, ex.KISError):  # the stream left it: say why, never just stop
                await self.aclose()
                raise item
            try:
                value = self._convert(item)
            except (ValueError, TypeError, LookupError, ArithmeticError) as error:
                # The item's kind only: a notice's values are the account's business.
                log.warning("real-time item skipped: cannot read a %s (%s)",
                            type(item).__name__, type(error).__name__)
                continue
            if value is not None:
                return value

    async def _start(self) -> None:
        """Wait until KIS confirmed every subscription and the snapshot is in.

        The work is one task for every caller, awaited through a shield: a caller that
        stops waiting (``next(timeout=...)``, ``wait_for``, a cancelled task) leaves it
        running for the next one. Awaited directly, a timed-out wait would cancel what
        it awaits: a registration's ``ready``, shared and answered once (every later
        wait then raised CancelledError), or the snapshot's REST call halfway, perhaps
        while it issued the token (its lease then held off the next issuance a minute)."""
        starting = self._starting
        if starting is None:
            if self._closed:
                raise StopAsyncIteration
            starting = self._starting = asyncio.get_running_loop().create_task(self._begin())
            starting.add_done_callback(_retrieve)
        try:
            await asyncio.shield(starting)
        except asyncio.CancelledError:
            if starting.cancelled() and not _cancelling():
                raise StopAsyncIteration from None  # closed by its owner meanwhile
            raise

    async def _begin(self) -> None:
        try:
            for registration in self._registrations:
                await registration.ready  # KIS's answer: a refusal raises here
            self._primed = deque(await self._prime() if self._prime else [])
        except Exception:  # refused, or the snapshot failed (not a cancelled wait)
            await self.aclose()
            raise

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            starting = self._starting
            if starting is not None and starting is not asyncio.current_task():
                starting.cancel()  # a snapshot for nobody
            self._queue.close()
            await self._stream.release(self._keys, self._queue)

    async def __aenter__(self) -> Watch[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class Realtime:
    """The watchers of one client, over its stream."""

    def __init__(self, stream: AsyncStream, rest: Callable[[Flow[Any]], Awaitable[Any]]) -> None:
        self.stream, self._rest = stream, rest

    def watch_ticker(self, symbol: str) -> Watch[Ticker]:
        """The symbol's ticker, now (from REST) and after every trade."""
        return self.watch_tickers([symbol])

    def watch_tickers(self, symbols: Iterable[str]) -> Watch[Ticker]:
        codes = _symbols(symbols)
        state: dict[str, Ticker] = {}

        async def prime() -> list[Ticker]:
            for code in codes:
                state[code] = await self._rest(quote.fetch_ticker(self.stream._ctx, code))
            return [state[code] for code in codes]

        return Watch(self.stream, [(TRADES, c) for c in codes],
                     lambda event: _ticker(state, event), conflate=True, prime=prime)

    def watch_trades(self, symbol: str) -> Watch[Trade]:
        """Every trade of the symbol on KRX."""
        return self.watch_trades_for_symbols([symbol])

    def watch_trades_for_symbols(self, symbols: Iterable[str]) -> Watch[Trade]:
        return Watch(self.stream, [(TRADES, c) for c in _symbols(symbols)], _trade)

    def watch_order_book(self, symbol: str) -> Watch[OrderBook]:
        """The symbol's ten best levels a side, after every change."""
        return Watch(self.stream, [(BOOKS, c) for c in _symbols([symbol])], _book,
                     conflate=True)

    def watch_orders(self) -> Watch[Order]:
        """The account's orders, each time one changes (accepted, filled, amended,
        cancelled, refused), from KIS's execution notices."""
        return Watch(self.stream, [self._notice_key()], _order_of, bounded=False)

    def watch_my_trades(self) -> Watch[Trade]:
        """The account's fills, each once, in order, across reconnects."""
        return Watch(self.stream, [self._notice_key()], _fill_of, bounded=False)

    def _notice_key(self) -> Key:
        if self.stream.notice_key is None:
            raise ex.InvalidInputError(
                "hts_id", None, "the account's HTS ID (KIS sends execution notices by HTS "
                "ID): pass hts_id= to the client or set KIS_HTS_ID")
        return self.stream.notice_key


def _retrieve(task: asyncio.Task[None]) -> None:
    """A start that failed while nobody waited: its error is raised to the next caller,
    not logged as never retrieved."""
    if not task.cancelled():
        task.exception()


def _cancelling() -> bool:
    """Whether the current task is being cancelled (and must not carry on)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _symbols(symbols: Iterable[str]) -> list[str]:
    if isinstance(symbols, str):
        symbols = [symbols]
    codes = [validate.symbol(s) for s in symbols]
    if not codes:
        raise ex.InvalidInputError("symbols", codes, "at least one symbol")
    return list(dict.fromkeys(codes))


# --- events to models -------------------------------------------------------------------------
# A trade's or a book's fields are converted when first read (pykis.websocket.live): a
# reader pays for what it looks at, and the model is otherwise the one it always was.
_trade: Callable[[TradeEvent], Trade] = live_trade
_book: Callable[[BookEvent], OrderBook] = live_book


def _ticker(state: dict[str, Ticker], event: TradeEvent) -> Ticker | None:
    current = state.get(event.symbol)
    if current is None or event.cumulative_volume < current.volume:
        return None  # older than the snapshot the watcher started from
    moment, timestamp = event.when
    updated = current.model_copy(update={
        "last": event.price, "close": event.price, "open": event.open, "high": event.high,
        "low": event.low, "change": event.change,
        "change_percent": event.change_percent, "volume": event.cumulative_volume,
        "value": event.cumulative_value, "bid": event.bid, "ask": event.ask,
        "timestamp": timestamp, "datetime": moment, "info": event.info,
    })
    state[event.symbol] = updated
    return updated


def _order_of(update: Update) -> Order:
    return update.order


def _fill_of(update: Update) -> Trade | None:
    return update.trade
