"""``KIS`` and ``AsyncKIS``: the KIS Open API for domestic stocks, with CCXT-style names.

Both have the same methods with the same arguments; ``AsyncKIS``'s are awaited. Each
method is one line that runs a flow of ``pykis.api`` with the client's driver, so the
two clients share every behaviour: tokens, rate limits, retries, validation, parsing.

    with KIS(app_key, app_secret, "12345678-01", is_paper=True) as kis:
        kis.fetch_ticker("005930")

    kis = KIS(creds.app_key, creds.app_secret, creds.account_no, base_url=server.base_url)

Rate limits: by default at most 20 calls in any 1.05 s per app key (2 in 1.25 s on paper),
shared by every process of the machine. ``rate="spaced"`` spaces calls evenly instead (19/s,
1.6/s); ``rate=Window(calls, seconds)`` or ``rate=Rate(per_second)`` sets a limit of your
own; ``rate_store`` says where it is shared (``pykis.utils.ratelimit``, which also says why
the window is the default).

The seed's surface comes first in each group (its names, its positional arguments);
what PyKIS adds follows it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from pykis import exceptions as ex
from pykis.api import account as account_api
from pykis.api import listing as listing_api
from pykis.api import order as order_api
from pykis.api import quote as quote_api
from pykis.api import validate
from pykis.api.base import Context, RetryPolicy, rate_key
from pykis.api.flow import Flow
from pykis.auth import AuthManager, TokenStore
from pykis.config import cache_dir, from_environment
from pykis.constants import BaseURL
from pykis.methods.account import AccountExtraMethods
from pykis.methods.market import MarketDataMethods
from pykis.models import (
    OHLCV,
    Balance,
    BuyingPower,
    Listing,
    ModelList,
    Order,
    OrderBook,
    Position,
    Ticker,
    Trade,
)
from pykis.utils.drivers import run_async, run_sync
from pykis.utils.ratelimit import FileStore, Rate, RateLimiter, RateStore, Window
from pykis.utils.tls import default_context
from pykis.websocket.client import AsyncStream, StreamSettings
from pykis.websocket.sync import Subscription, SyncRealtime, SyncWatch
from pykis.websocket.watch import Realtime, Watch

__all__ = ["AsyncKIS", "KIS", "websocket_url"]

class _Surface(MarketDataMethods, AccountExtraMethods):
    """The public methods, written once; ``_run`` makes them sync or async. The trading
    core is here; the groups beyond it are in ``pykis.methods``."""

    _ctx: Context

    def __init__(
        self,
        app_key: str,
        app_secret: str,
        account_no: str,
        is_paper: bool = False,
        *,
        base_url: str | None = None,
        token_path: str | os.PathLike[str] | None = None,
        token_store: TokenStore | None = None,
        hts_id: str | None = None,
        rate: Rate | Window | str | None = None,
        rate_store: RateStore | None = None,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        token_interval: float = 60.0,
        clock: Callable[[], float] | None = None,
        ws_url: str | None = None,
        stream_settings: StreamSettings | None = None,
        master_url: str | None = None,
    ) -> None:
        _require_text(app_key, "app_key")
        _require_text(app_secret, "app_secret")
        cano, product = validate.account_number(account_no)
        self._account_no = account_no
        environment = "paper" if is_paper else "real"
        limit = validate.rate_limit(environment, rate)
        # KIS_BASE_URL points every client that names no host at a simulator, so code
        # written for KIS runs on one unchanged.
        base_url = base_url or os.environ.get("KIS_BASE_URL") or None
        url = str(base_url or (BaseURL.PAPER if is_paper else BaseURL.PRODUCTION)).rstrip("/")
        timeouts = httpx.Timeout(timeout)
        kwargs = {"clock": clock} if clock else {}
        auth = AuthManager(app_key, app_secret, url, is_paper, token_path, store=token_store,
                           interval=token_interval, timeout=timeouts, **kwargs)
        names = listing_api.ListingCache(master_url or listing_api.master_url(url),
                                         cache_dir() / "listings")
        self._ctx = Context(app_key=app_key, app_secret=app_secret, cano=cano, product=product,
                            paper=bool(is_paper), base_url=url, auth=auth,
                            rate_key=rate_key(environment, app_key), timeout=timeouts,
                            retry=retry or RetryPolicy(), listings=names, **kwargs)
        self._limiter = RateLimiter(limit, rate_store or FileStore(cache_dir() / "rate"))
        self.hts_id = hts_id
        url = ws_url or os.environ.get("KIS_WS_URL") or websocket_url(base_url, is_paper)
        self._stream_settings = replace(stream_settings or StreamSettings(), url=url)

    @classmethod
    def from_env(cls, env_file: str | os.PathLike[str] | None = ".env", **overrides: Any):
        """A client from ``KIS_APP_KEY``, ``KIS_APP_SECRET``, ``KIS_ACCOUNT_NO`` and
        ``KIS_PAPER`` (and optionally ``KIS_BASE_URL``, ``KIS_HTS_ID``, ``KIS_TOKEN_PATH``)
        in the environment or ``env_file``; keyword arguments take precedence."""
        return cls(**{**from_environment(env_file), **overrides})

    def __repr__(self) -> str:
        ctx = self._ctx
        return (f"{type(self).__name__}(app_key='{ctx.app_key[:4]}…', "
                f"account_no='{self._account_no}', is_paper={ctx.paper}, "
                f"base_url={ctx.base_url!r})")

    @property
    def app_key(self) -> str:
        return self._ctx.app_key

    @property
    def app_secret(self) -> str:
        """The app secret: a secret, never shown by repr, logs or errors."""
        return self._ctx.app_secret

    @property
    def account_no(self) -> str:
        """As it was given ("12345678-01" or "1234567801")."""
        return self._account_no

    @property
    def is_paper(self) -> bool:
        return self._ctx.paper

    @property
    def base_url(self) -> str:
        return self._ctx.base_url

    @property
    def auth(self) -> AuthManager:
        """The token manager (``get_token()``, ``get_headers()``), shared with
        ``pykis.utils.http.HTTPClient`` for the APIs this client does not wrap."""
        return self._ctx.auth

    def _run(self, flow: Flow) -> Any:
        raise NotImplementedError  # KIS and AsyncKIS define how flows run

    # --- market data -----------------------------------------------------------------
    def fetch_ticker(self, symbol: str) -> Ticker:
        return self._run(quote_api.fetch_ticker(self._ctx, symbol))

    def fetch_order_book(self, symbol: str) -> OrderBook:
        return self._run(quote_api.fetch_order_book(self._ctx, symbol))

    def fetch_ohlcv(self, symbol: str, timeframe: str = "1d", limit: int | None = None, *,
                    since: int | None = None) -> ModelList[OHLCV]:
        """Candles, oldest first: the ``limit`` most recent, or from ``since``
        (milliseconds) on. Timeframes: 1m 3m 5m 10m 15m 30m 60m 1d 1w 1M 1y."""
        return self._run(quote_api.fetch_ohlcv(self._ctx, symbol, timeframe, limit, since))

    def fetch_tickers(self, symbols: Iterable[str]) -> ModelList[Ticker]:
        return self._run(quote_api.fetch_tickers(self._ctx, validate.symbols(symbols)))

    def fetch_trades(self, symbol: str, limit: int | None = None) -> ModelList[Trade]:
        return self._run(quote_api.fetch_trades(self._ctx, symbol, limit))

    def fetch_markets(self, english: bool = False) -> ModelList[Listing]:
        """Every listing of KOSPI, KOSDAQ and KONEX (KIS's master files, read once a
        day). ``english=True`` fills in English names (real accounts: one call per
        listing the first time, then kept 30 days)."""
        return self._run(listing_api.fetch_markets(self._ctx, english))

    def search_markets(self, query: str, limit: int = 20) -> ModelList[Listing]:
        """Listings by code or name, Korean or (where known) English: ``"삼성전자"``,
        ``"samsung"``, ``"KODEX 200"``; best matches first."""
        return self._run(listing_api.search_markets(self._ctx, query, limit))

    # --- trading -----------------------------------------------------------------------
    def create_limit_order(self, symbol: str, side: str, amount: int, price: int, **kw: Any
                           ) -> Order:
        return self.create_order(symbol, "limit", side, amount, price, **kw)

    def create_market_order(self, symbol: str, side: str, amount: int, **kw: Any) -> Order:
        return self.create_order(symbol, "market", side, amount, None, **kw)

    def cancel_order(self, order_id: Order | str, symbol: str | None = None, *,
                     amount: int | None = None) -> Order:
        """Cancel what is left of order ``order_id`` (its number or the ``Order``), or
        ``amount`` shares of it. ``symbol``, as the seed passes it, must be the order's."""
        return self._run(order_api.cancel_order(self._ctx, order_id, symbol, amount))

    def fetch_open_orders(self, symbol: str | None = None) -> ModelList[Order]:
        return self._run(order_api.fetch_open_orders(self._ctx, symbol))

    def create_order(self, symbol: str, type: str, side: str, amount: int,
                     price: int | None = None, *, time_in_force: str | None = None,
                     exchange: str = "KRX") -> Order:
        return self._run(order_api.create_order(self._ctx, symbol, type, side, amount, price,
                                                time_in_force, exchange))

    def edit_order(self, order: Order | str, amount: int | None = None,
                   price: int | None = None, *, type: str = "limit",
                   time_in_force: str | None = None) -> Order:
        return self._run(order_api.edit_order(self._ctx, order, amount, price, type,
                                               time_in_force))

    def fetch_order(self, order_id: str, symbol: str | None = None) -> Order:
        """Today's order ``order_id``; ``symbol``, when given, must be the order's."""
        return self._run(order_api.fetch_order(self._ctx, order_id, symbol=symbol))

    def fetch_orders(self, symbol: str | None = None, since: int | None = None,
                     until: int | None = None) -> ModelList[Order]:
        return self._run(order_api.fetch_orders(self._ctx, symbol, since, until))

    def fetch_my_trades(self, symbol: str | None = None, since: int | None = None
                        ) -> ModelList[Trade]:
        return self._run(order_api.fetch_my_trades(self._ctx, symbol, since))

    def find_order(self, error: ex.OrderOutcomeUnknownError) -> Order | None:
        """After ``OrderOutcomeUnknownError``: the order KIS booked for that request, or
        None if it booked none (then, and only then, send it again)."""
        return self._run(order_api.find_order(self._ctx, error))

    # --- account -----------------------------------------------------------------------
    def fetch_balance(self) -> Balance:
        return self._run(account_api.fetch_balance(self._ctx))

    def get_position(self, symbol: str) -> Position | None:
        validate.symbol(symbol)
        return self._run(_position(self._ctx, symbol))

    def fetch_buying_power(self, symbol: str, price: int | None = None) -> BuyingPower:
        return self._run(account_api.fetch_buying_power(self._ctx, symbol, price))

    def revoke_token(self) -> None:
        """Revoke the access token at KIS (the next call issues a new one)."""
        return self._run(self._ctx.auth.revoke())


def _position(ctx: Context, symbol: str) -> Flow[Position | None]:
    balance = yield from account_api.fetch_balance(ctx)
    return balance.get_position(symbol)


def websocket_url(base_url: str | None, is_paper: bool) -> str:
    """KIS's WebSocket for the environment, or the same host as a simulator's REST URL."""
    if base_url is None or str(base_url).rstrip("/") in (BaseURL.PRODUCTION, BaseURL.PAPER):
        host = BaseURL.WS_PAPER if is_paper else BaseURL.WS_PRODUCTION
        return f"{host}/tryitout"  # one socket carries every TR
    parts = urlsplit(str(base_url))
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}/tryitout"


def _require_text(value: object, argument: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise validate.refuse(argument, "<hidden>" if isinstance(value, str) else value,
                              "a non-empty string")


class KIS(_Surface):
    """The synchronous client. Real-time data comes as blocking iterators (``watch_*``)
    or callbacks (``on_*``), from a stream on a background thread."""

    def __init__(self, *args: Any, transport: httpx.BaseTransport | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._http = httpx.Client(transport=transport, timeout=self._ctx.timeout,
                                  verify=default_context())
        # The stream's own REST calls run on its event loop: they can share an in-process
        # transport only if it is async too (the simulator's is both).
        self._async_transport = transport if isinstance(transport, httpx.AsyncBaseTransport) \
            else None
        self._stream_lock = threading.Lock()
        self._realtime: SyncRealtime | None = None

    def _run(self, flow: Flow) -> Any:
        return run_sync(flow, self._http, self._limiter, self._ctx.sleeper)

    @property
    def realtime(self) -> SyncRealtime:
        """The real-time stream, connected on first use."""
        with self._stream_lock:
            if self._realtime is None:
                self._realtime = SyncRealtime(self._ctx, self._limiter, hts_id=self.hts_id,
                                              settings=self._stream_settings,
                                              transport=self._async_transport)
            return self._realtime

    # --- real time ------------------------------------------------------------------------
    def watch_ticker(self, symbol: str) -> SyncWatch[Ticker]:
        return self.realtime.watch_ticker(symbol)

    def watch_tickers(self, symbols: Iterable[str]) -> SyncWatch[Ticker]:
        return self.realtime.watch_tickers(symbols)

    def watch_trades(self, symbol: str) -> SyncWatch[Trade]:
        return self.realtime.watch_trades(symbol)

    def watch_trades_for_symbols(self, symbols: Iterable[str]) -> SyncWatch[Trade]:
        return self.realtime.watch_trades_for_symbols(symbols)

    def watch_order_book(self, symbol: str) -> SyncWatch[OrderBook]:
        return self.realtime.watch_order_book(symbol)

    def watch_orders(self) -> SyncWatch[Order]:
        return self.realtime.watch_orders()

    def watch_my_trades(self) -> SyncWatch[Trade]:
        return self.realtime.watch_my_trades()

    def on_ticker(self, symbol: str, callback: Callable[[Ticker], Any]) -> Subscription:
        return self.realtime.on(self.watch_ticker(symbol), callback)

    def on_trades(self, symbol: str, callback: Callable[[Trade], Any]) -> Subscription:
        return self.realtime.on(self.watch_trades(symbol), callback)

    def on_order_book(self, symbol: str, callback: Callable[[OrderBook], Any]) -> Subscription:
        return self.realtime.on(self.watch_order_book(symbol), callback)

    def on_orders(self, callback: Callable[[Order], Any]) -> Subscription:
        return self.realtime.on(self.watch_orders(), callback)

    def on_my_trades(self, callback: Callable[[Trade], Any]) -> Subscription:
        return self.realtime.on(self.watch_my_trades(), callback)

    def close(self) -> None:
        if self._realtime is not None:
            self._realtime.close()
        self._http.close()
        self._ctx.auth.close()

    def __enter__(self) -> KIS:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncKIS(_Surface):
    """The asynchronous client: the same methods, awaited; real-time data as async
    iterators (``watch_*``)."""

    def __init__(self, *args: Any, transport: httpx.AsyncBaseTransport | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._http = httpx.AsyncClient(transport=transport, timeout=self._ctx.timeout,
                                       verify=default_context())
        self._realtime: Realtime | None = None

    def _run(self, flow: Flow) -> Any:
        return run_async(flow, self._http, self._limiter, self._ctx.sleeper)

    @property
    def realtime(self) -> Realtime:
        """The real-time stream, connected on first use."""
        if self._realtime is None:
            stream = AsyncStream(self._ctx, self._run, hts_id=self.hts_id,
                                 settings=self._stream_settings)
            self._realtime = Realtime(stream, self._run)
        return self._realtime

    # --- real time ------------------------------------------------------------------------
    def watch_ticker(self, symbol: str) -> Watch[Ticker]:
        return self.realtime.watch_ticker(symbol)

    def watch_tickers(self, symbols: Iterable[str]) -> Watch[Ticker]:
        return self.realtime.watch_tickers(symbols)

    def watch_trades(self, symbol: str) -> Watch[Trade]:
        return self.realtime.watch_trades(symbol)

    def watch_trades_for_symbols(self, symbols: Iterable[str]) -> Watch[Trade]:
        return self.realtime.watch_trades_for_symbols(symbols)

    def watch_order_book(self, symbol: str) -> Watch[OrderBook]:
        return self.realtime.watch_order_book(symbol)

    def watch_orders(self) -> Watch[Order]:
        return self.realtime.watch_orders()

    def watch_my_trades(self) -> Watch[Trade]:
        return self.realtime.watch_my_trades()

    async def aclose(self) -> None:
        if self._realtime is not None:
            await self._realtime.stream.aclose()
        await self._http.aclose()
        await self._ctx.auth.aclose()

    async def __aenter__(self) -> AsyncKIS:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
