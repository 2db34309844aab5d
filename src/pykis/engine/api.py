"""``KISAPIClient``: the seed's API client, the few calls the engine needs from KIS,
over :class:`pykis.KIS` (tokens, rate limits and safe retries come from there).

    api = KISAPIClient.from_env()          # KIS_APP_KEY, KIS_APP_SECRET, KIS_ACCOUNT_NO
    api.get_current_price("005930")        # 71500.0
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any, Self

from pykis.api import orders
from pykis.client import KIS
from pykis.models import Balance, BuyingPower, ModelList, Order, OrderBook, Position, Ticker

__all__ = ["KISAPIClient"]


class KISAPIClient:
    """The broker as the engine sees it. Every call raises the typed errors of
    :mod:`pykis.exceptions`; the engine turns them into ``TradeResult`` messages."""

    def __init__(self, kis: KIS) -> None:
        if not isinstance(kis, KIS):
            from pykis.exceptions import InvalidInputError

            raise InvalidInputError("kis", type(kis).__name__, "a pykis.KIS client")
        self.kis = kis

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

    def get_access_token(self) -> str:
        """The access token in force (issued only if none is cached and valid). It is a
        secret: never log or print it."""
        ctx = self.kis._ctx
        return self.kis._run(ctx.auth.token())

    def get_current_price(self, ticker: str) -> float:
        return float(self.kis.fetch_ticker(ticker).last)

    def get_ticker(self, ticker: str) -> Ticker:
        return self.kis.fetch_ticker(ticker)

    def get_tickers(self, tickers: list[str]) -> ModelList[Ticker]:
        return self.kis.fetch_tickers(tickers)

    def get_order_book(self, ticker: str) -> OrderBook:
        return self.kis.fetch_order_book(ticker)

    def get_balance(self) -> Balance:
        return self.kis.fetch_balance()

    def get_current_positions(self) -> list[Position]:
        """What KIS says the account holds (every page of the balance)."""
        return list(self.kis.fetch_balance().positions)

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
        return self.kis._run(orders.fetch_order(self.kis._ctx, order_id, day))

    def get_orders(self, since_ms: int | None = None) -> ModelList[Order]:
        """The account's orders from the day of ``since_ms`` (default today) to today."""
        return self.kis.fetch_orders(since=since_ms)

    def close(self) -> None:
        self.kis.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
