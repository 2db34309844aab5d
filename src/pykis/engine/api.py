"""``KISAPIClient``: the seed's API client. What the engine asks of KIS (quotes, the
balance, orders sent once, KIS's books), over :class:`pykis.KIS` (tokens, rate limits
and safe retries come from there), and the seed's four calls.

    client = KISAPIClient()                          # KIS_APP_KEY, KIS_APP_SECRET, KIS_ACCOUNT_NO
    client.get_access_token()
    client.get_current_price("005930")               # 71500.0
    client.execute_buy_order(ticker="005930", amount_krw=100_000)
    client.get_current_positions()
    client.execute_sell_order(ticker="005930", quantity=1, reason="take_profit")

One implementation of trading: ``execute_buy_order``, ``execute_sell_order`` and
``get_current_positions`` are those of the :class:`~.engine.KISTradingEngine` that owns
this client (its ledger records every order before it is sent, and no order is sent
twice). A client made on its own gets its engine on the first trading call, on the
default ledger (``pykis.engine.store.default_database_path``) or ``database``.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any, Self

from pykis.api import order as order_api
from pykis.client import KIS
from pykis.exceptions import InvalidInputError
from pykis.models import Balance, BuyingPower, ModelList, Order, OrderBook, Ticker

if TYPE_CHECKING:  # the engine imports this module
    from pykis.engine.engine import KISTradingEngine
    from pykis.engine.results import PositionReport, TradeResult

__all__ = ["KISAPIClient"]


class KISAPIClient:
    """The broker as the engine sees it, and the seed's client. KIS calls raise the
    typed errors of :mod:`pykis.exceptions`; the trading calls return ``TradeResult``
    (``success=False`` and the cause, never an exception, for whatever went wrong)."""

    def __init__(self, kis: KIS | None = None, *,
                 database: str | os.PathLike[str] | None = None) -> None:
        if kis is None:  # the seed's KISAPIClient(): credentials from the environment
            kis = KIS.from_env()
        if not isinstance(kis, KIS):
            raise InvalidInputError("kis", type(kis).__name__, "a pykis.KIS client")
        self.kis = kis
        self._database = database
        self._engine: KISTradingEngine | None = None
        self._made: KISTradingEngine | None = None  # the engine made for this client

    @classmethod
    def from_env(cls, env_file: str | os.PathLike[str] | None = ".env", **overrides: Any
                 ) -> Self:
        """A client from ``KIS_APP_KEY``, ``KIS_APP_SECRET``, ``KIS_ACCOUNT_NO`` (and
        ``KIS_PAPER``, ``KIS_BASE_URL``, ...) in the environment or ``env_file``."""
        return cls(KIS.from_env(env_file, **overrides))

    def __repr__(self) -> str:
        return f"KISAPIClient({self.kis!r})"

    @property
    def is_paper(self) -> bool:
        return self.kis.is_paper

    @property
    def engine(self) -> KISTradingEngine:
        """The engine that trades through this client: the one that owns it, or, for a
        client made on its own, one made now on its ledger."""
        if self._engine is None:
            from pykis.engine.engine import KISTradingEngine  # it imports this module

            self._made = KISTradingEngine(self, self._database)  # attaches itself
        return self._engine or self._made

    def attach(self, engine: KISTradingEngine) -> None:
        """Called by the engine that owns this client (one engine per client)."""
        if self._engine is not None and self._engine is not engine:
            raise InvalidInputError("api", self, "a client no other engine owns")
        self._engine = engine

    # --- the seed's calls ------------------------------------------------------------------
    def get_access_token(self) -> str:
        """The access token in force (issued only if none is cached and valid). It is a
        secret: never log or print it."""
        ctx = self.kis._ctx
        return self.kis._run(ctx.auth.token())

    def get_current_price(self, ticker: str) -> float:
        return float(self.kis.fetch_ticker(ticker).last)

    def execute_buy_order(self, ticker: str, quantity: int | None = None,
                          price: float | int | None = None, amount_krw: int | None = None,
                          **options: Any) -> TradeResult:
        """Buy ``quantity`` shares, or as many as ``amount_krw`` pays for (see
        :meth:`KISTradingEngine.execute_buy_order`)."""
        return self.engine.execute_buy_order(ticker, quantity, price, amount_krw, **options)

    def execute_sell_order(self, ticker: str, quantity: int | None = None,
                           price: float | int | None = None, *, reason: str = "manual",
                           **options: Any) -> TradeResult:
        """Sell ``quantity`` shares (default: all) of the open trade of ``ticker``."""
        return self.engine.execute_sell_order(ticker, quantity, price, reason=reason,
                                              **options)

    def get_current_positions(self) -> list[PositionReport]:
        """The open trades, valued at live prices."""
        return self.engine.get_current_positions()

    # --- what the engine asks of KIS -------------------------------------------------------

    def get_ticker(self, ticker: str) -> Ticker:
        return self.kis.fetch_ticker(ticker)

    def get_tickers(self, tickers: list[str]) -> ModelList[Ticker]:
        return self.kis.fetch_tickers(tickers)

    def get_order_book(self, ticker: str) -> OrderBook:
        return self.kis.fetch_order_book(ticker)

    def get_balance(self) -> Balance:
        return self.kis.fetch_balance()

    def get_buying_power(self, ticker: str, price: int | None = None) -> BuyingPower:
        return self.kis.fetch_buying_power(ticker, price)

    def place_order(self, ticker: str, order_type: str, side: str, quantity: int,
                    price: int | None = None, time_in_force: str | None = None) -> Order:
        """Send one order, once. ``OrderOutcomeUnknownError`` if no answer came back."""
        return self.kis.create_order(ticker, order_type, side, quantity, price,
                                     time_in_force=time_in_force)

    def cancel_order(self, order_id: str) -> Order:
        return self.kis.cancel_order(order_id)

    def get_order(self, order_id: str, day: dt.date | None = None) -> Order:
        """Order ``order_id`` of ``day`` (default today) as KIS's books show it
        (``NotFoundError`` if none): one row, not the day's whole list."""
        return self.kis._run(order_api.fetch_order(self.kis._ctx, order_id, day))

    def get_orders(self, since_ms: int | None = None) -> ModelList[Order]:
        """The account's orders from the day of ``since_ms`` (default today) to today."""
        return self.kis.fetch_orders(since=since_ms)

    def close(self) -> None:
        """Closes the client, and the ledger of an engine made for it."""
        made, self._made = self._made, None
        if made is not None:
            made.store.close()
        self.kis.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
