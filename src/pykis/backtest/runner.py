"""The backtest's loop: the monitor's decisions, tick by tick, on a simulated clock.

For each tick of the tape (``pykis.history.ticks``: the ticks the replaying simulator
streams to a live monitor), in time order, as ``Monitor._decide`` / ``_act`` do:

1. the symbol's working orders fill, or not, by the fill model of recorded trades
   (``pykis.history.fills``, through :mod:`.fills`), the tick being the market's next
   trade; a fill is booked with the engine's costs
   (``pnl.execution``: commission and the sale tax of the settlement date) in the
   engine's ``Portfolio``;
2. outside the regular session (``TradingCalendar``'s schedule; ``sessions="always"``:
   never) nothing is decided, as the monitor decides nothing;
3. a held position marks its high, and the risk rules' exits (``risk.check_exit``) sell
   it unless a sale is already working;
4. otherwise the strategy sees the tick and what is held; its signals go through the
   engine's rules (:mod:`.rules`) into orders, or are refused as the engine refuses them.
   A buy by amount is a limit at the best ask the replaying simulator's book shows after
   the tick (``pykis.history.ticks.quoted_ask``: the tick rule is kept per symbol and day).

Nothing reads the wall clock: "now" is the tick's time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from pykis import exceptions as ex
from pykis.backtest.data import TickTape
from pykis.backtest.fills import SimOrder, fills_on
from pykis.backtest.rules import buy_plan, entry_rules, memo_costs, quote, sell_plan
from pykis.engine.planning import Refusal
from pykis.engine.pnl import execution
from pykis.engine.portfolio import Portfolio
from pykis.engine.risk import PositionState, RiskLimits, check_exit
from pykis.engine.strategy import Buy, Holding, Sell, Strategy, Tick
from pykis.history.fills import is_marketable
from pykis.history.ticks import quoted_ask
from pykis.market import (
    KST,
    InstrumentKind,
    Market,
    PriceLimits,
    Session,
    TradingCalendar,
    TradingCosts,
    price_limits,
)

__all__ = ["Fill", "Ledger", "run_tape"]


@dataclass(frozen=True, slots=True)
class Fill:
    index: int  # the tape index of the tick it filled on
    order: int
    ticker: str
    side: str
    quantity: int
    price: int
    commission: int
    tax: int
    cash: int  # the portfolio's cash after it
    position: int  # shares of ``ticker`` held after it
    pnl: int | None  # what a sale realized


@dataclass
class Ledger:
    """What a run did: its orders (refused ones too) and fills, and what it ends with."""

    orders: list[SimOrder] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    portfolio: Portfolio | None = None
    decisions: int = 0
    in_session: np.ndarray | None = None


@dataclass
class _Settings:
    limits: RiskLimits
    budget_krw: int
    sessions: str
    costs: TradingCosts
    calendar: TradingCalendar
    instruments: dict[str, tuple[Market, InstrumentKind]]


def session_mask(tape: TickTape, sessions: str, calendar: TradingCalendar) -> np.ndarray:
    """Whether each tick is in the regular session, as ``Monitor._in_session`` asks:
    ``schedule.session_at(now) is Session.REGULAR``. A day's regular ticks are one run
    (sessions follow each other in time), found from the schedule's bounds and then
    confirmed with ``session_at`` itself on the ticks at both edges of the run and just
    outside it; a day where that fails is asked tick by tick."""
    if sessions == "always":
        return np.ones(len(tape.time), dtype=bool)
    mask = np.zeros(len(tape.time), dtype=bool)
    bounds = np.searchsorted(tape.day, np.arange(len(tape.days) + 1))
    for index, day in enumerate(tape.days):
        schedule = calendar.schedule(day)
        first, last = int(bounds[index]), int(bounds[index + 1])
        if schedule is None or first == last:
            continue
        times = tape.time[first:last]
        opens, closes = (_ns(schedule.regular_open), _ns(schedule.closing_auction_start))
        day_mask = (times >= opens) & (times < closes)
        if not _confirmed(schedule, times, day_mask):
            day_mask = np.array([schedule.session_at(_moment(t)) is Session.REGULAR
                                 for t in times.tolist()], dtype=bool)
        mask[first:last] = day_mask
    return mask


def _confirmed(schedule, times: np.ndarray, day_mask: np.ndarray) -> bool:
    inside = np.flatnonzero(day_mask)
    edges = [] if not len(inside) else [int(inside[0]), int(inside[-1])]
    if len(inside) and inside[-1] - inside[0] + 1 != len(inside):
        return False
    outside = ([int(inside[0]) - 1] if len(inside) and inside[0] > 0 else []) + \
        ([int(inside[-1]) + 1] if len(inside) and inside[-1] + 1 < len(times) else [])
    if not len(inside):
        outside = [0, len(times) - 1]
    return all(schedule.session_at(_moment(int(times[k]))) is Session.REGULAR for k in edges) \
        and all(schedule.session_at(_moment(int(times[k]))) is not Session.REGULAR
                for k in outside)


def _ns(moment: dt.datetime) -> int:
    return int(moment.timestamp()) * 10**9 + moment.microsecond * 1000


def _moment(ns: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ns // 10**9, KST) + dt.timedelta(microseconds=ns % 10**9 // 1000)


class _Run:
    def __init__(self, strategy: Strategy, tape: TickTape, previous: dict[str, int],
                 cash: int, settings: _Settings) -> None:
        self.strategy, self.tape, self.settings = strategy, tape, settings
        self.portfolio = Portfolio(cash, costs=settings.costs)
        self.ledger = Ledger(portfolio=self.portfolio)
        self.previous_close = dict(previous)  # the base of each day's price limits
        self.day_limits: dict[str, PriceLimits | None] = {}
        self.working: dict[str, list[SimOrder]] = {}
        self.holdings: dict[str, Holding] = {}
        self.last: dict[str, int] = {}
        self.upticks: dict[str, bool] = {}  # whether each symbol's last tick was an uptick
        self.day_start: dict[dt.date, int] = {}
        self.exits = any(getattr(settings.limits, r) is not None
                         for r in ("stop_loss", "take_profit", "trailing_stop"))
        self.weighs_equity = entry_rules(settings.limits)

    # --- the loop ------------------------------------------------------------------------
    def run(self) -> Ledger:
        tape, settings = self.tape, self.settings
        mask = session_mask(tape, settings.sessions, settings.calendar)
        self.ledger.in_session = mask
        symbols, prices = tape.symbols, tape.price.tolist()
        volumes, owners, days = tape.volume.tolist(), tape.symbol.tolist(), tape.day.tolist()
        moments, regular = tape.moments, mask.tolist()
        on_tick, exits, holdings = self.strategy.on_tick, self.exits, self.holdings
        working, last, upticks = self.working, self.last, self.upticks
        current, decisions = -1, 0
        for i in range(len(prices)):
            if days[i] != current:
                current = days[i]
                self._new_day(tape.days[current])
                today = {}
            ticker, price = symbols[owners[i]], prices[i]
            before = today.get(ticker)  # the tick rule, as the simulator's book follows it
            if before is None or price > before:
                upticks[ticker] = True
            elif price < before:
                upticks[ticker] = False
            today[ticker] = last[ticker] = price
            if working.get(ticker):
                self._fill(i, ticker, price, volumes[i])
            if not regular[i]:
                continue
            decisions += 1
            held = holdings.get(ticker)
            if held is not None:
                high = held.high_price
                if high is None or price > high:
                    held = holdings[ticker] = Holding(ticker, held.quantity, held.entry_price,
                                                      price)
                    high = price
                if exits and not self._selling(ticker):
                    decision = check_exit(PositionState(held.entry_price, price, high),
                                          settings.limits)
                    if decision.sell:
                        self._act(i, Sell(ticker, reason=decision.reason))
                        continue
            signals = on_tick(Tick(ticker, price, moments[i], volumes[i], "stream", 0.0), held)
            for signal in signals:
                self._act(i, signal)
        self.ledger.decisions = decisions
        self._expire()
        return self.ledger

    def _new_day(self, day: dt.date) -> None:
        self._expire()
        self.previous_close.update(self.last)  # each symbol's last price: its close
        self.day_limits = {}
        self.quotes: dict[tuple[str, int], object] = {}
        for ticker, close in self.previous_close.items():
            if close > 0:
                self.day_limits[ticker] = price_limits(close, self._instrument(ticker)[1])
        self.today = day

    def _expire(self) -> None:
        """Day orders: KIS cancels what has not filled at the close."""
        for orders in self.working.values():
            for order in orders:
                order.state = "expired" if not order.filled else "partly filled, expired"
                order.message = f"{order.remaining} of {order.quantity} unfilled at the close"
        self.working.clear()

    def _selling(self, ticker: str) -> bool:
        return any(o.side == "sell" for o in self.working.get(ticker, ()))

    def _instrument(self, ticker: str) -> tuple[Market, InstrumentKind]:
        return self.settings.instruments.get(ticker, (Market.KOSPI, InstrumentKind.STOCK))

    # --- orders --------------------------------------------------------------------------
    def _act(self, i: int, signal: Buy | Sell) -> None:
        """``Monitor._act`` and the engine's ``_trade``: the signal becomes an order, or a
        refusal that is recorded as the engine records it."""
        ticker = signal.ticker
        price = self.last.get(ticker)
        if price is None:  # a signal for a ticker with no price yet: nothing to quote
            return self._refused(i, signal, "no price of it has traded yet")
        last = self.quotes.get((ticker, price))
        if last is None:  # the same price today is the same quote (its time aside)
            market, kind = self._instrument(ticker)
            last = self.quotes[ticker, price] = quote(
                ticker, price, self.day_limits.get(ticker), self.tape.moments[i], market, kind)
        try:
            if isinstance(signal, Buy):
                if signal.quantity is None and signal.amount_krw is None:
                    signal = Buy(ticker, self.settings.budget_krw, None, signal.price,
                                 signal.reason)
                ask = quoted_ask(price, self.upticks[ticker], self._instrument(ticker)[1],
                                 self.day_limits.get(ticker))
                plan, market, kind = self._plan_buy(signal, last, ask)
            else:
                plan, market, kind = self._plan_sell(signal, last)
        except (Refusal, ex.KISError) as error:
            return self._refused(i, signal, str(error))
        side = "buy" if isinstance(signal, Buy) else "sell"
        limit = plan.limit_price
        marketable = is_marketable(side == "buy", limit, price)
        order = SimOrder(len(self.ledger.orders) + 1, ticker, side, plan.order_type,
                         plan.quantity, limit, i, self.tape.moments[i], signal.reason, market,
                         kind, marketable)
        self.ledger.orders.append(order)
        self.working.setdefault(ticker, []).append(order)

    def _plan_buy(self, signal: Buy, last, ask: int | None):
        ticker = signal.ticker
        busy = [o for o in self.working.get(ticker, ()) if o.side == "buy"]
        if busy:
            raise Refusal(f"a buy of {ticker} is still open or unresolved (order "
                          f"{busy[0].id}, working): one at a time")
        equity = day_start = 0
        if self.weighs_equity:
            equity = self._equity()
            day_start = self.day_start.setdefault(self.today, equity)
        buying = {t for t, orders in self.working.items() if any(o.side == "buy" for o in orders)}
        return buy_plan(signal, self.strategy.name, last, ask, self.portfolio,
                        self.settings.limits,
                        equity=equity, day_start=day_start, pending=buying,
                        reserved=self._reserved(), trade_date=self.today)

    def _plan_sell(self, signal: Sell, last):
        ticker = signal.ticker
        held = self.holdings.get(ticker)
        if held is None:
            raise Refusal(f"the engine holds no {ticker}")
        pending = sum(o.remaining for o in self.working.get(ticker, ()) if o.side == "sell")
        return sell_plan(signal, last, held=held.quantity, pending=pending)

    def _equity(self) -> int:
        """The account's equity as KIS values it: cash and the holdings at last prices."""
        held = {t: self.last[t] for t in self.holdings}
        return self.portfolio.valuation(held, self.today).equity

    def _reserved(self) -> int:
        """Cash the working buys hold back (value and commission), as KIS's buying power
        leaves it out."""
        commission = self.settings.costs.commission
        total = 0
        for orders in self.working.values():
            for o in orders:
                if o.side == "buy":
                    value = o.remaining * (o.limit_price or self.last[o.ticker])
                    total += value + commission.amount(value, o.kind)
        return total

    def _refused(self, i: int, signal: Buy | Sell, message: str) -> None:
        side = "buy" if isinstance(signal, Buy) else "sell"
        quantity = signal.quantity if type(signal.quantity) is int else 0
        self.ledger.orders.append(SimOrder(
            len(self.ledger.orders) + 1, signal.ticker, side,
            "limit" if signal.price or getattr(signal, "amount_krw", None) else "market", quantity, None, i, self.tape.moments[i], signal.reason, Market.KOSPI,
            InstrumentKind.STOCK, False, state="refused", message=message))

    # --- fills ---------------------------------------------------------------------------
    def _fill(self, i: int, ticker: str, price: int, volume: int) -> None:
        orders = self.working[ticker]
        for order, quantity, at in fills_on([o for o in orders if o.decided_at < i], price,
                                            volume):
            self._book(i, order, quantity, at)
            if not order.remaining:
                order.state = "filled"
                orders.remove(order)

    def _book(self, i: int, order: SimOrder, quantity: int, price: int) -> None:
        fill = execution(order.side, quantity, price, self.today, market=order.market,
                         kind=order.kind, costs=self.settings.costs)
        realized = self.portfolio.apply(order.ticker, fill, market=order.market, kind=order.kind)
        order.filled += quantity
        order.fills.append((quantity, price))
        position = self.portfolio.positions.get(order.ticker)
        held = position.cost.quantity if position else 0
        self.ledger.fills.append(Fill(i, order.id, order.ticker, order.side, quantity, price,
                                      fill.commission, fill.tax, self.portfolio.cash, held,
                                      realized.pnl if realized else None))
        if position is None:
            self.holdings.pop(order.ticker, None)
            return
        # As Monitor._refresh: the average price of the shares held; the high carries on
        # (a new trade starts with none).
        before = self.holdings.get(order.ticker)
        self.holdings[order.ticker] = Holding(
            order.ticker, held, position.cost.average_price or Decimal(0),
            before.high_price if before else None)


def run_tape(strategy: Strategy, tape: TickTape, previous: dict[str, int], cash: int,
             *, limits: RiskLimits, budget_krw: int, sessions: str, costs: TradingCosts,
             calendar: TradingCalendar,
             instruments: dict[str, tuple[Market, InstrumentKind]]) -> Ledger:
    """Run ``strategy`` over ``tape`` from ``cash``; ``previous``: each symbol's close
    before the tape (0: unknown, no price limits on the first day)."""
    return _Run(strategy, tape, previous, cash, _Settings(
        limits, budget_krw, sessions, memo_costs(costs), calendar, instruments)).run()
