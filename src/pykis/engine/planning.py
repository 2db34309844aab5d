"""How big an order is and at what price, decided before anything is recorded: pure
functions of the quote, the cash, the shares held and the risk rules' decision.

Limit prices move onto the tick grid in the direction that never costs more than asked
(a buy down, a sale up) and must lie within today's limits. A buy by KRW amount is a
limit order at the best ask, sized so that its value and commission fit the amount: a
market order could fill above the quote and spend more than the amount.

``buy_order_plan`` / ``sell_order_plan`` are the engine's whole decision of an order
from what it read (the quote, the best ask, the cash, what is held and working): the
live engine (``KISTradingEngine._buy_intent`` / ``_sell_intent``) reads those over the
network, the backtester (``pykis.backtest.rules``) from its own books, and both then
call these, so the same inputs make the same order.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from pykis.api.validate import MAX_ORDER_QUANTITY
from pykis.engine.instruments import instrument_of
from pykis.engine.pnl import order_price
from pykis.engine.portfolio import Portfolio, Sizing
from pykis.engine.risk import EntryDecision, RiskLimits
from pykis.exceptions import InvalidInputError
from pykis.market import InstrumentKind, Market, PriceLimits
from pykis.models import OrderBook, OrderSide, Ticker

__all__ = ["OrderPlan", "Refusal", "best_ask", "buy_order_plan", "check_arguments", "plan_buy",
           "plan_sell", "sell_order_plan"]

MAX_QUANTITY = MAX_ORDER_QUANTITY  # the client's bound (see pykis.api.validate)
MAX_AMOUNT_KRW = 10**13  # ten trillion KRW: more than any one account's order can be
MAX_WAIT = 86_400.0  # a day: a fill_timeout past it is a unit mistake (ms for s)


class Refusal(Exception):
    """The order should not be made (nothing was recorded); the message says why and
    ``kind`` what said no: ``"risk"`` (a risk rule) or ``"refused"`` (the engine's own
    rules: nothing to sell, one buy at a time)."""

    def __init__(self, message: str, kind: str = "refused") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class OrderPlan:
    order_type: str  # "market" or "limit"
    quantity: int
    limit_price: int | None
    note: str = ""


def _count(value: object, argument: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInputError(argument, value, "a positive whole number")
    return value


def check_arguments(*, quantity: object = None, price: object = None,
                    amount_krw: object = None, fill_timeout: object = None,
                    reason: object = "", strategy: object = "", buy: bool = False) -> None:
    """Every argument of an order request, before anything is read, recorded or sent: a
    mistake is an ``InvalidInputError`` naming it, never an order with a wrong figure.
    A ``buy`` takes exactly one of ``quantity`` and ``amount_krw``."""
    if buy and (quantity is None) == (amount_krw is None):
        raise InvalidInputError("amount_krw", amount_krw,
                                "exactly one of quantity and amount_krw")
    if quantity is not None:
        _bounded(quantity, "quantity", MAX_QUANTITY)
    if amount_krw is not None:
        _bounded(amount_krw, "amount_krw", MAX_AMOUNT_KRW)
    if price is not None and (isinstance(price, bool) or not isinstance(price, (int, float, Decimal))
                              or not math.isfinite(price) or not 0 < price < 10**12):
        raise InvalidInputError("price", price, "a positive, finite price in KRW")
    if fill_timeout is not None and (
            isinstance(fill_timeout, bool) or not isinstance(fill_timeout, (int, float))
            or not 0 <= fill_timeout <= MAX_WAIT):  # NaN fails both comparisons
        raise InvalidInputError("fill_timeout", fill_timeout,
                                f"a number of seconds from 0 to {MAX_WAIT:,.0f}, or None")
    for name, text in (("reason", reason), ("strategy", strategy)):
        if not isinstance(text, str) or len(text) > 200:
            raise InvalidInputError(name, text, "a text of at most 200 characters")


def _bounded(value: object, argument: str, most: int) -> int:
    count = _count(value, argument)
    if count > most:
        raise InvalidInputError(argument, value, f"a positive whole number up to {most:,}")
    return count


def _limits(ticker: Ticker) -> PriceLimits | None:
    if ticker.lower_limit > 0 and ticker.upper_limit >= ticker.lower_limit:
        return PriceLimits(int(ticker.lower_limit), int(ticker.upper_limit))
    return None


def best_ask(book: OrderBook | None) -> int | None:
    """The book's lowest ask (None: no book, or no ask in it)."""
    return (book.best_ask[0] or None) if book is not None and book.best_ask else None


def plan_buy(ticker: Ticker, ask: int | None, kind: InstrumentKind, *,
             quantity: int | None, price: float | int | None, amount_krw: int | None,
             entry: EntryDecision, size: Callable[[int, int], Sizing]) -> OrderPlan:
    """A buy of ``quantity`` shares or of at most ``amount_krw`` KRW (exactly one), at
    ``price`` (a limit) or at the market; ``ask``: the book's best ask (a buy by amount
    is a limit there). ``size(budget, price)`` sizes a buy by amount
    (the portfolio's :meth:`~.portfolio.Portfolio.size_buy`: cash, risk rules)."""
    if (quantity is None) == (amount_krw is None):
        raise InvalidInputError("amount_krw", amount_krw,
                                "exactly one of quantity and amount_krw")
    if not entry.allowed:
        raise Refusal(f"risk: {entry.reason}", "risk")
    limit = None if price is None else order_price(OrderSide.BUY, price, _limits(ticker), kind=kind)
    if quantity is not None:
        quantity = _count(quantity, "quantity")
        unit = limit or int(ticker.upper_limit or ticker.last)
        if entry.max_value is not None and quantity * unit > entry.max_value:
            raise Refusal(f"risk: {quantity} x {unit:,} KRW is more than the "
                          f"{entry.max_value:,} KRW the position may still take", "risk")
        return OrderPlan("limit" if limit else "market", quantity, limit)
    amount = _count(amount_krw, "amount_krw")
    if limit is None:  # at the best ask; without one, at the last price on the grid
        limit = ask or order_price(OrderSide.BUY, ticker.last, _limits(ticker), kind=kind)
    sized = size(amount, limit)
    if sized.quantity == 0:
        if not sized.bound:  # a risk rule said no
            raise Refusal(f"risk: {sized.reason}", "risk")
        raise Refusal(f"{sized.cap:,} KRW ({sized.bound}) does not buy one share at "
                      f"{limit:,} KRW with its commission")
    return OrderPlan("limit", sized.quantity, limit,
                     f"{sized.quantity} shares at {limit:,} fit the {sized.bound}")


def plan_sell(ticker: Ticker, kind: InstrumentKind, *, quantity: int | None,
              price: float | int | None, available: int, sellable: int | None) -> OrderPlan:
    """A sale of ``quantity`` shares (default: all the trade holds and no other sale is
    selling) at ``price`` or at the market, never more than KIS says is sellable."""
    most = available if sellable is None else min(available, sellable)
    if quantity is None:
        quantity = most
        if quantity <= 0:
            raise Refusal("nothing to sell: the shares held are already being sold"
                          if available <= 0 or sellable is None else
                          "KIS shows none of the shares as sellable")
    quantity = _count(quantity, "quantity")
    if quantity > most:
        raise Refusal(f"cannot sell {quantity} shares: {most} can be sold "
                      f"({available} held by the engine and not being sold"
                      + ("" if sellable is None else f", {sellable} sellable at KIS") + ")")
    limit = None if price is None else order_price(OrderSide.SELL, price, _limits(ticker), kind=kind)
    return OrderPlan("limit" if limit else "market", quantity, limit)


def buy_order_plan(ticker: str, quote: Ticker, ask: int | None, portfolio: Portfolio,
                   limits: RiskLimits, *, quantity: int | None, price: float | int | None,
                   amount_krw: int | None, equity: int, day_start: int,
                   pending: Iterable[str], trade_date: dt.date, reserved_cash: int = 0
                   ) -> tuple[OrderPlan, Market, InstrumentKind]:
    """The engine's buy: the instrument from ``quote``, the entry rules on ``portfolio``
    (the engine's positions beside the cash it may spend; ``reserved_cash``: what working
    buys hold of that cash, where it is not net of them already), the sizing, the order.
    ``equity`` and ``day_start``: the account's equity and the day's opening equity (0
    when no rule weighs them); ``pending``: tickers with buys in flight."""
    market, kind = instrument_of(quote)
    entry = portfolio.entry(ticker, int(quote.last), limits, equity=equity,
                            day_start_equity=day_start, pending=pending)

    def size(budget: int, unit: int) -> Sizing:
        return portfolio.size_buy(ticker, unit, budget=budget, limits=limits,
                                  trade_date=trade_date, day_start_equity=day_start,
                                  equity=equity, kind=kind, reserved_cash=reserved_cash)

    plan = plan_buy(quote, ask, kind, quantity=quantity, price=price, amount_krw=amount_krw,
                    entry=entry, size=size)
    return plan, market, kind


def sell_order_plan(quote: Ticker, *, quantity: int | None, price: float | int | None,
                    available: int, sellable: int | None
                    ) -> tuple[OrderPlan, Market, InstrumentKind]:
    """The engine's sale: the instrument from ``quote`` and the order (``available``: the
    trade's shares not being sold already; ``sellable``: KIS's sellable quantity, None if
    not checked)."""
    market, kind = instrument_of(quote)
    plan = plan_sell(quote, kind, quantity=quantity, price=price, available=available,
                     sellable=sellable)
    return plan, market, kind
