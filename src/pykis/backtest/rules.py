"""The engine's rules, called as the live engine calls them, for a backtest's account.

The live engine (``KISTradingEngine._buy_intent`` / ``_sell_intent`` / ``_trade``) reads
its inputs over the network (the quote, the order book, the buying power, the balance)
and then decides with ``check_arguments`` and ``buy_order_plan`` / ``sell_order_plan``
(``pykis.engine.planning``: entry rules, sizing, tick grid, price limits). Here the very
same functions get the same inputs from the backtest's own books: the quote is the
tick's price with the day's limits (from the previous close, by ``price_limits``); the
best ask is the one the replaying simulator's book shows after that tick
(``pykis.history.ticks.quoted_ask``: the tick's price on an uptick, one tick above
otherwise); the buying power is the cash not held by working buys; the balance is what
the portfolio holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pykis.engine.planning import OrderPlan, buy_order_plan, check_arguments, sell_order_plan
from pykis.engine.portfolio import Portfolio
from pykis.engine.risk import RiskLimits
from pykis.engine.strategy import Buy, Sell
from pykis.market import (
    InstrumentKind,
    Market,
    PriceLimits,
    TaxRate,
    TradingCosts,
    TransactionTax,
    validate_symbol,
)
from pykis.models import Ticker

__all__ = ["MemoTax", "buy_plan", "entry_rules", "memo_costs", "quote", "sell_plan"]

_MARKET_NAMES = {Market.KOSPI: "KOSPI", Market.KOSDAQ: "KOSDAQ", Market.KONEX: "KONEX"}
_SECTORS = {InstrumentKind.ETF: "ETF", InstrumentKind.ETN: "ETN"}


def quote(ticker: str, price: int, limits: PriceLimits | None, moment: dt.datetime,
          market: Market, kind: InstrumentKind) -> Ticker:
    """The quote the engine would read now: the last price, today's limits and what the
    quote says of the instrument (its market and kind, as KIS names them). Built from
    values of the right types already, so pydantic's validation is skipped (a backtest
    makes one per decision to trade)."""
    info = {"rprs_mrkt_kor_name": _MARKET_NAMES.get(market, "KOSPI"),
            "bstp_kor_isnm": _SECTORS.get(kind, "")}
    value = float(price)
    return Ticker.model_construct(
        symbol=ticker, timestamp=int(moment.timestamp() * 1000), datetime=moment,
        open=value, high=value, low=value, close=value, last=value, volume=0, change=0.0,
        change_percent=0.0, upper_limit=float(limits.upper) if limits else 0.0,
        lower_limit=float(limits.lower) if limits else 0.0, info=info)


class MemoTax(TransactionTax):
    """The engine's dated sale tax, its rate looked up once per trade date and market
    (the look-up walks the calendar to the settlement date; a backtest asks thousands of
    times a day)."""

    def __init__(self, tax: TransactionTax) -> None:
        super().__init__(tax.table, tax.basis, tax.calendar)
        object.__setattr__(self, "_rates", {})

    def rate(self, trade_date: dt.date, market: Market) -> TaxRate:
        key = (trade_date, market)
        found = self._rates.get(key)
        if found is None:
            found = self._rates[key] = super().rate(trade_date, market)
        return found


def memo_costs(costs: TradingCosts) -> TradingCosts:
    """``costs`` with the tax rate remembered (see :class:`MemoTax`)."""
    if isinstance(costs.tax, MemoTax):
        return costs
    return TradingCosts(costs.commission, MemoTax(costs.tax))


def entry_rules(limits: RiskLimits) -> bool:
    """Whether a rule weighs a buy against equity (else the engine asks for none)."""
    return not (limits.max_position_fraction is None and limits.max_open_positions is None
                and limits.daily_loss_limit is None and limits.daily_loss_fraction is None)


def buy_plan(signal: Buy, strategy: str, last: Ticker, ask: int | None, portfolio: Portfolio,
             limits: RiskLimits, *, equity: int, day_start: int, pending: Iterable[str],
             reserved: int, trade_date: dt.date) -> tuple[OrderPlan, Market, InstrumentKind]:
    """``KISTradingEngine._buy_intent`` without its reads: the same checks and plan."""
    validate_symbol(signal.ticker, "ticker")
    check_arguments(quantity=signal.quantity, price=signal.price,
                    amount_krw=signal.amount_krw, reason=signal.reason, strategy=strategy,
                    buy=True)
    return buy_order_plan(signal.ticker, last, ask, portfolio, limits,
                          quantity=signal.quantity, price=signal.price,
                          amount_krw=signal.amount_krw, equity=equity, day_start=day_start,
                          pending=pending, trade_date=trade_date, reserved_cash=reserved)


def sell_plan(signal: Sell, last: Ticker, *, held: int, pending: int
              ) -> tuple[OrderPlan, Market, InstrumentKind]:
    """``KISTradingEngine._sell_intent`` without its reads (KIS's sellable quantity is
    what the backtest's account holds)."""
    validate_symbol(signal.ticker, "ticker")
    check_arguments(quantity=signal.quantity, price=signal.price, reason=signal.reason)
    return sell_order_plan(last, quantity=signal.quantity, price=signal.price,
                           available=held - pending, sellable=held)
