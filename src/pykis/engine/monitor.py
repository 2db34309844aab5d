"""The monitor loop: ticks from KIS's real-time trades (REST quotes while the stream is
down), the risk rules' exits, the strategy's signals, and the engine's orders, one at a
time on one thread.

* Ticks arrive on the stream's callback thread and are queued; the loop takes what is
  queued, keeps the newest tick of each ticker (a decision on an older price is
  worthless once a newer one is known) and decides on each.
* Without a stream tick for ``stale_after`` seconds (or no stream at all) it polls the
  quotes every ``poll_interval`` seconds; the stream reconnects by itself meanwhile.
* It acts only in the regular session (``sessions="always"``: at any time, for a
  simulator that never closes); outside it ticks are counted, not acted on.
* Execution notices, when the client has an HTS ID, record fills as they happen; every
  ``sync_interval`` seconds working orders are also read back over REST, and orders of
  unknown outcome looked up.
* Orders are sent on the loop's thread, one at a time: while one is sent and its fills
  awaited (``fill_timeout``, short by default; fills that come later are recorded from
  notices or the read-back) the ticks wait, and only the newest of each is decided on.
* The highest price of each open trade (the trailing stop's reference) is kept in
  memory and written to the store every ``sync_interval`` and when the loop stops, not
  on the decision path; a crash forgets at most that much of it.
* With an HTS ID the execution notices take one of the session's registrations: the
  client's default cap of 40 then leaves room for 39 symbols
  (``StreamSettings(max_subscriptions=41)``, KIS's own limit, for 40).
* SIGINT and SIGTERM stop it after the current step (when run on the main thread).
* It acts on what stopped an order (``TradeResult.error``): credentials KIS refuses stop
  the loop (``report.stopped == "authentication"``: nothing will work until a person
  fixes them); a rate limit pauses new orders for ``rate_limit_pause`` seconds (ticks are
  still counted and exits still watched, decisions meanwhile are ``"wait"``).
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pykis import exceptions as ex
from pykis.engine.broker import apply_report
from pykis.engine.engine import KISTradingEngine
from pykis.engine.execution import describe
from pykis.engine.reconcile import sync_working
from pykis.engine.results import TradeResult
from pykis.engine.risk import PositionState, check_exit
from pykis.engine.store import FillSource, OrderState
from pykis.engine.store.states import UNANSWERED_STATES, WORKING_STATES
from pykis.engine.strategy import Buy, Hold, Holding, Sell, Signal, Strategy, Tick
from pykis.market import KST, DaySchedule, Session, TradingCalendar
from pykis.models import Order, OrderSide, Trade

__all__ = ["Decision", "Monitor", "MonitorReport", "MonitorSettings"]

log = logging.getLogger("pykis.engine")
SESSIONS = ("regular", "always")


@dataclass(frozen=True, slots=True)
class MonitorSettings:
    sessions: str = "regular"  # "regular": act in the regular session only; "always"
    budget_krw: int = 100_000  # a Buy without a size buys this much
    stream: bool = True  # False: REST polling only
    stale_after: float = 10.0  # seconds without a stream tick before polling
    poll_interval: float = 2.0
    sync_interval: float = 5.0
    stream_timeout: float = 10.0  # for KIS to confirm the subscriptions at start
    fill_timeout: float = 2.0  # waited for an order's fills before the loop goes on
    rate_limit_pause: float = 1.0  # no new order for this long after KIS's rate limit

    def __post_init__(self) -> None:
        if self.sessions not in SESSIONS:
            raise ex.InvalidInputError("sessions", self.sessions, f"one of {SESSIONS}")
        for name in ("stale_after", "poll_interval", "sync_interval", "stream_timeout",
                     "fill_timeout", "rate_limit_pause"):
            value = getattr(self, name)
            least = 0 if name in ("fill_timeout", "rate_limit_pause") else 1e-9  # 0: no wait
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < least:
                raise ex.InvalidInputError(name, value, "a positive number of seconds")
        if isinstance(self.budget_krw, bool) or not isinstance(self.budget_krw, int) \
                or self.budget_krw <= 0:
            raise ex.InvalidInputError("budget_krw", self.budget_krw, "a positive whole KRW")


@dataclass(frozen=True, slots=True)
class Decision:
    tick: Tick
    action: str  # "hold", "buy", "sell", "closed" (outside trading sessions) or "wait"
    # (a rate limit paused orders)
    reason: str
    decided: float  # time.perf_counter() when the decision was made, before any order
    result: TradeResult | None = None


@dataclass
class MonitorReport:
    ticks: Counter[str] = field(default_factory=Counter)  # by source: stream, poll
    decisions: int = 0
    orders: list[TradeResult] = field(default_factory=list)
    stopped: str = ""


@dataclass(frozen=True, slots=True)
class _Held:
    trade_id: int
    holding: Holding


class Monitor:
    def __init__(self, engine: KISTradingEngine, symbols: list[str],
                 strategy: Strategy | None = None, settings: MonitorSettings | None = None,
                 *, on_decision: Callable[[Decision], Any] | None = None,
                 calendar: TradingCalendar | None = None) -> None:
        if not symbols:
            raise ex.InvalidInputError("symbols", symbols, "at least one ticker to watch")
        self.engine, self.symbols = engine, list(dict.fromkeys(symbols))
        self._watched = frozenset(self.symbols)
        self.strategy = strategy or Hold()
        self.settings = settings or MonitorSettings()
        self.on_decision = on_decision
        self.calendar = calendar or TradingCalendar()
        self.report = MonitorReport()
        self._queue: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._held: dict[str, _Held] = {}
        self._selling: set[str] = set()
        self._trades: Any = None  # the subscriptions, once KIS confirmed them
        self._notices: Any = None
        self._highs: dict[int, int] = {}  # trade id -> a new high not yet stored
        self._last_stream_tick = 0.0
        self._stream_retry = 0.0
        self._schedule: tuple[dt.date, DaySchedule | None] | None = None  # today's
        self._halt = ""  # why the loop must stop (credentials refused), once known
        self._paused_until = 0.0  # time.monotonic() before which no order is sent

    # --- running -------------------------------------------------------------------------
    def run(self, *, seconds: float | None = None, stop: threading.Event | None = None,
            until: Callable[[Monitor], bool] | None = None) -> MonitorReport:
        """Watch and trade until ``seconds`` pass, ``stop`` is set, ``until(monitor)`` is
        true after a step, or SIGINT/SIGTERM."""
        stop = stop or threading.Event()
        deadline = None if seconds is None else time.monotonic() + seconds
        with self._signals(stop), self._streams(), self._keeping_highs():
            self._refresh()
            next_sync = next_poll = time.monotonic()
            while True:
                if stop.is_set():
                    self.report.stopped = self.report.stopped or "stopped"
                    break
                if self._halt:
                    self.report.stopped = "authentication"
                    log.error("monitor stopping: %s", self._halt)
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    self.report.stopped = "time"
                    break
                self._step(0.2)
                now = time.monotonic()
                if now >= next_sync:
                    self._sync()
                    next_sync = now + self.settings.sync_interval
                if self._stale() and now >= next_poll:
                    self._poll()
                    next_poll = now + self.settings.poll_interval
                if until is not None and until(self):
                    self.report.stopped = "done"
                    break
        log.info("monitor stopped (%s): %s ticks, %d decisions, %d orders",
                 self.report.stopped, dict(self.report.ticks), self.report.decisions,
                 len(self.report.orders))
        return self.report

    @contextmanager
    def _signals(self, stop: threading.Event) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(number: int, _frame: object) -> None:
            self.report.stopped = signal.Signals(number).name
            stop.set()

        previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for number, old in previous.items():
                signal.signal(number, old)

    @contextmanager
    def _streams(self) -> Iterator[None]:
        if self.settings.stream:
            self._subscribe()
        try:
            yield
        finally:
            for subscription in (self._trades, self._notices):
                try:
                    if subscription is not None:
                        subscription.close()
                except ex.KISError:
                    pass

    @contextmanager
    def _keeping_highs(self) -> Iterator[None]:
        try:
            yield
        finally:
            self._store_highs()

    def _subscribe(self) -> None:
        """Execution notices first (fills matter more than any one symbol), then the
        trades; each that KIS does not confirm is tried again later."""
        kis, wait = self.engine.api.kis, self.settings.stream_timeout
        self._stream_retry = time.monotonic() + 30.0
        if kis.hts_id and (self._notices is None or not self._notices.running):
            try:
                self._notices = kis.realtime.on(kis.watch_orders(), self._on_notice, wait)
            except (ex.KISError, TimeoutError, OSError) as error:
                self._notices = None
                log.warning("no execution notices (%s): fills are read back from KIS "
                            "every %s s", describe(error), self.settings.sync_interval)
        if self._trades is None or not self._trades.running:
            try:
                self._trades = kis.realtime.on(kis.watch_trades_for_symbols(self.symbols),
                                               self._on_trade, wait)
            except (ex.KISError, TimeoutError, OSError) as error:
                self._trades = None
                log.warning("no real-time trades (%s): polling quotes every %s s instead",
                            describe(error), self.settings.poll_interval)

    def _on_trade(self, trade: Trade) -> None:  # the stream's callback thread
        self._queue.put(("tick", Tick(trade.symbol, trade.price, trade.datetime, trade.amount,
                                      "stream", time.perf_counter())))

    def _on_notice(self, order: Order) -> None:  # the stream's callback thread
        self._queue.put(("order", order))

    def _stale(self) -> bool:
        if not self.settings.stream:
            return True
        running = self._trades is not None and self._trades.running
        notices = self._notices is not None and self._notices.running
        if (not running or (self.engine.api.kis.hts_id and not notices)) \
                and time.monotonic() >= self._stream_retry:
            self._subscribe()
        return not running or time.perf_counter() - self._last_stream_tick > \
            self.settings.stale_after

    # --- one step ------------------------------------------------------------------------
    def _step(self, timeout: float) -> None:
        try:
            items = [self._queue.get(timeout=timeout)]
        except queue.Empty:
            return
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        latest: dict[str, Tick] = {}
        for kind, item in items:
            if kind == "order":
                self._on_order(item)
            else:
                self.report.ticks[item.source] += 1
                if item.source == "stream":
                    self._last_stream_tick = time.perf_counter()
                latest[item.ticker] = item
        for tick in latest.values():
            self._decide(tick)

    def _poll(self) -> None:
        try:
            quotes = self.engine.api.get_tickers(self.symbols)
        except ex.KISError as error:
            log.warning("could not poll quotes: %s", describe(error))
            self._failed(error.kind, describe(error))
            return
        now = time.perf_counter()
        for quote in quotes:
            self._queue.put(("tick", Tick(quote.symbol, int(quote.last), quote.datetime, 0, "poll",
                                          now)))

    def _in_session(self) -> bool:
        if self.settings.sessions == "always":
            return True
        now = self.engine.store.now().astimezone(KST)
        if self._schedule is None or self._schedule[0] != now.date():
            # Once a day, not once a tick: the calendar's look-ups cost more than deciding.
            self._schedule = (now.date(), self.calendar.schedule(now.date()))
        schedule = self._schedule[1]
        return schedule is not None and schedule.session_at(now) is Session.REGULAR

    def _decide(self, tick: Tick) -> None:
        if tick.ticker not in self._watched:
            return
        if not self._in_session():
            return self._record(Decision(tick, "closed", "outside the regular session",
                                         time.perf_counter()))
        if time.monotonic() < self._paused_until:
            return self._record(Decision(tick, "wait", "KIS's rate limit: orders paused",
                                         time.perf_counter()))
        held = self._held.get(tick.ticker)
        if held is not None:
            high = self._mark_high(held, tick.price)
            if tick.ticker not in self._selling:
                exit_ = check_exit(PositionState(held.holding.entry_price, tick.price, high),
                                   self.engine.limits)
                if exit_.sell:
                    decision = Decision(tick, "sell", exit_.reason, time.perf_counter())
                    return self._act(decision, Sell(tick.ticker, reason=exit_.reason))
        signals = self.strategy.on_tick(tick, held.holding if held else None)
        decided = time.perf_counter()
        if not signals:
            return self._record(Decision(tick, "hold", "", decided))
        for signal_ in signals:
            action = "buy" if isinstance(signal_, Buy) else "sell"
            self._act(Decision(tick, action, signal_.reason, decided), signal_)

    def _mark_high(self, held: _Held, price: int) -> int:
        high = held.holding.high_price
        if high is None or price > high:
            high = price
            self._highs[held.trade_id] = price  # stored with the next sync
            holding = Holding(held.holding.ticker, held.holding.quantity,
                              held.holding.entry_price, high)
            self._held[holding.ticker] = _Held(held.trade_id, holding)
        return high

    def _store_highs(self) -> None:
        highs, self._highs = self._highs, {}
        for trade_id, price in highs.items():
            try:
                self.engine.store.mark_high(trade_id, price)
            except ex.KISError as error:  # e.g. the trade is gone: nothing to keep
                log.debug("high of trade %s not kept: %s", trade_id, describe(error))

    def _act(self, decision: Decision, signal_: Signal) -> None:
        engine = self.engine
        reason = signal_.reason or decision.reason
        # Every line of a decision to trade says why: the engine's own lines that follow
        # (recorded, accepted, refused) name the order, this one names the reason.
        log.info("%s %s: %s", decision.action, signal_.ticker, reason or "no reason given")
        if isinstance(signal_, Buy):
            if signal_.quantity is None and signal_.amount_krw is None:
                signal_ = Buy(signal_.ticker, self.settings.budget_krw, None, signal_.price,
                              signal_.reason)
            result = engine.execute_buy_order(signal_.ticker, signal_.quantity, signal_.price,
                                              signal_.amount_krw, reason=reason,
                                              strategy=self.strategy.name,
                                              fill_timeout=self.settings.fill_timeout)
        else:
            result = engine.execute_sell_order(signal_.ticker, signal_.quantity, signal_.price,
                                               reason=reason,
                                               fill_timeout=self.settings.fill_timeout)
        self.report.orders.append(result)
        _log_outcome(decision.action, signal_.ticker, reason, result)
        self._record(Decision(decision.tick, decision.action, reason, decision.decided, result))
        self._failed(result.error, result.message)
        self._refresh()

    def _failed(self, kind: str | None, message: str) -> None:
        """Act on what stopped an order or a look-up (an error ``kind``)."""
        if kind == ex.AuthenticationError.kind:
            self._halt = f"KIS refused the credentials ({message}); fix them and restart"
        elif kind == ex.RateLimitError.kind:
            self._paused_until = time.monotonic() + self.settings.rate_limit_pause
            log.warning("KIS's rate limit: no new order for %s s", self.settings.rate_limit_pause)

    def _record(self, decision: Decision) -> None:
        self.report.decisions += 1
        if self.on_decision is not None:
            self.on_decision(decision)

    # --- the store and KIS -----------------------------------------------------------------
    def _refresh(self) -> None:
        """What the engine holds and is selling, from the store (with the highs seen
        since they were last stored)."""
        store = self.engine.store
        trades = {t.id: t for t in store.open_trades()}
        held = {}
        for position in self.engine.portfolio(trades=list(trades.values())).positions.values():
            first = trades[position.trade_ids[0]]  # the trade that keeps its trailing high
            high = max(filter(None, (first.high_price, self._highs.get(first.id))),
                       default=None)
            held[position.ticker] = _Held(first.id, Holding(
                position.ticker, position.cost.quantity, position.cost.average_price or Decimal(0),
                high))
        self._held = held
        self._selling = {o.ticker for o in store.active_orders() if o.side == OrderSide.SELL}

    def _on_order(self, order: Order) -> None:
        store = self.engine.store
        row = store.find_broker_order(order.id, order.datetime.astimezone(KST).date())
        if row is None or OrderState(row.state) not in WORKING_STATES:
            return  # not ours, not booked yet (the sender records it), or finished
        _, changed = apply_report(store, row, order, FillSource.NOTICE)
        if changed:
            self._refresh()

    def _sync(self) -> None:
        engine = self.engine
        self._store_highs()
        try:
            # (no intent is in flight here: this loop is the only sender)
            unresolved = [o for o in engine.store.unresolved_orders()
                          if o.state in UNANSWERED_STATES]
            if unresolved:
                engine.executor.resolve(unresolved)
            synced, _ = sync_working(engine.store, engine.api)
        except ex.KISError as error:
            log.warning("could not read orders back: %s", describe(error))
            self._failed(error.kind, describe(error))
            return
        if unresolved or synced:
            self._refresh()


def _log_outcome(action: str, ticker: str, reason: str, result: TradeResult) -> None:
    """One line for what became of a decision to trade, with the reason it was taken."""
    why = reason or "no reason given"
    if not result.success:
        log.warning("%s %s not done (%s): %s", action, ticker, why, result.message)
        return
    done = "bought" if action == "buy" else "sold"
    if not result.quantity:
        log.info("%s %s (%s): %s", action, ticker, why, result.message)
        return
    pnl = f"; P&L {result.pnl:+,} KRW" if result.pnl is not None else ""
    log.info("%s %s x%d at %s (%s)%s", done, ticker, result.quantity,
             f"{result.price:,.0f}" if result.price is not None else "?", why, pnl)
