"""The monitor: ticks from KIS's real-time trades (REST quotes while the stream is down),
the risk rules' exits, the strategy's signals, and the engine's orders.

Two threads, and what runs on each:

* **Decisions** run where the tick arrives: a stream tick on the stream's own event loop,
  as it is read (``SyncRealtime.on(..., on_loop=True)``: no hop to a callback thread, no
  queue), a polled tick on the loop's thread. Every tick is decided, in the order it came
  (no tick replaces another), one decision at a time (``Monitor``'s lock). A decision
  reads only memory (what is held, its trailing high, what is being sent): no database,
  no REST; a decision to trade is queued for the loop thread and the tick path goes on.
* **The loop** (``run()``, a loop around ``step()``) does everything that waits on KIS or
  the database: sends the orders decided (and awaits their fills, ``fill_timeout``, short
  by default: fills that come later are recorded from notices or the read-back), records
  execution notices, polls the quotes, and every ``sync_interval`` seconds stores the
  trailing highs and reads working orders back over REST. It is the only sender, so no
  intent is in flight during a sync.

Guarantees kept across the two:

* No duplicate order: a symbol with an order queued or being sent is "pending"; a signal
  for it meanwhile is recorded as ``"wait"`` and not sent. The engine's decision lock
  (``engine/store/locks.py``) still makes each order's read and record one step for every
  engine on the account.
* Without a stream tick for ``stale_after`` seconds since the last one (or since the
  trades were subscribed), or with no stream at all, it polls the quotes every
  ``poll_interval`` seconds; the stream is subscribed again meanwhile.
* It acts only in the regular session (``sessions="always"``: at any time, for a
  simulator that never closes); outside it ticks are counted and decided ``"closed"``.
* A rate limit pauses new orders for ``rate_limit_pause`` seconds (decisions meanwhile
  are ``"wait"``, orders queued are not sent); credentials KIS refuses stop the loop
  (``report.stopped == "authentication"``: nothing will work until a person fixes them).
* The highest price of each open trade (the trailing stop's reference) is kept in
  memory and stored with the sync and when the monitor closes; a crash forgets at most
  ``sync_interval`` of it.
* With an HTS ID the execution notices take one of the session's registrations: the
  client's default cap of 40 then leaves room for 39 symbols
  (``StreamSettings(max_subscriptions=41)``, KIS's own limit, for 40).
* SIGINT and SIGTERM stop ``run()`` after the current step (when run on the main thread).

Time is an input (``clock=``, a :class:`pykis.utils.clock.Clock`; default: the engine's,
else the machine's): the monitor reads no time of its own. On a ``ManualClock``, with
``feed()`` for the ticks and ``step()`` for the rest, a test or a backtest runs the very
code the live monitor runs, deterministically:

    clock = ManualClock()
    monitor = Monitor(engine, ["005930"], strategy, settings, clock=clock)
    with monitor:                      # start(): subscribe (settings.stream), read holdings
        for tick in ticks:
            monitor.feed(tick)         # what the stream's callback does
            monitor.step()             # decide, send, poll and sync as due
            clock.advance(1.0)

``on_decision`` is called on the thread that decided (the stream's loop for stream
ticks) for ``"hold"``, ``"closed"`` and ``"wait"``, and on the loop thread once an order
decided is done (the ``Decision`` then carries its ``result``); never two at once. Keep it
quick: a stream tick's callback holds up the stream while it runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from collections import Counter, deque
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
from pykis.utils.clock import SYSTEM, Clock, SystemClock

__all__ = ["Decision", "Monitor", "MonitorReport", "MonitorSettings"]

log = logging.getLogger("pykis.engine")
SESSIONS = ("regular", "always")
STOP_CHECK = 0.2  # the longest run() waits before looking at its stop event again
STREAM_RETRY = 30.0  # seconds between attempts to subscribe what KIS did not confirm


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
    # (a rate limit paused orders, or an order for the symbol is still being sent)
    reason: str
    decided: float  # the clock's perf_counter() when decided, before any order
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
                 calendar: TradingCalendar | None = None, clock: Clock | None = None) -> None:
        if not symbols:
            raise ex.InvalidInputError("symbols", symbols, "at least one ticker to watch")
        self.engine, self.symbols = engine, list(dict.fromkeys(symbols))
        self._watched = frozenset(self.symbols)
        self.strategy = strategy or Hold()
        self.settings = settings or MonitorSettings()
        self.on_decision = on_decision
        self.calendar = calendar or TradingCalendar()
        self.clock: Clock = clock if clock is not None else _clock_of(engine)
        self._perf, self._wait = _stamps(self.clock), _waiter(self.clock)
        self.report = MonitorReport()
        # One decision at a time, and the decision state below swapped under it.
        self._lock = threading.RLock()
        self._inbox: deque[tuple[str, Any]] = deque()  # ticks and notices for step()
        self._orders: deque[tuple[Decision, Signal]] = deque()  # decided, not yet sent
        self._pending: set[str] = set()  # tickers with an order queued or being sent
        self._wake = threading.Event()  # something for the loop thread to do
        self._held: dict[str, _Held] = {}
        self._selling: set[str] = set()
        self._highs: dict[int, int] = {}  # trade id -> a new high not yet stored
        self._trades: Any = None  # the subscriptions, once KIS confirmed them
        self._notices: Any = None
        self._last_stream_tick = float("-inf")
        self._stream_retry = 0.0
        self._next_sync = self._next_poll = 0.0
        self._schedule: tuple[dt.date, DaySchedule | None] | None = None  # today's
        self._halt = ""  # why the loop must stop (credentials refused), once known
        self._paused_until = float("-inf")  # the clock's monotonic(): no order before
        self._started = False

    # --- the life of a monitor -------------------------------------------------------------
    def start(self) -> None:
        """Subscribe the streams (``settings.stream``) and read what the engine holds;
        the first ``step()`` then syncs and, without a stream, polls. ``run()`` does this
        itself; ``with monitor:`` does it and ``close()``."""
        if self._started:
            return
        self._started = True
        if self.settings.stream:
            self._subscribe()
        self._refresh()
        self._next_sync = self._next_poll = self.clock.monotonic()

    def close(self) -> None:
        """Stop the streams, drop the orders decided but not sent, store the highs."""
        if not self._started:
            return
        self._started = False
        for subscription in (self._trades, self._notices):
            try:
                if subscription is not None:
                    subscription.close()
            except ex.KISError:
                pass
        self._trades = self._notices = None
        self._drop_orders("the monitor stopped")
        self._store_highs()

    def __enter__(self) -> Monitor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def feed(self, item: Tick | Order) -> None:
        """Queue a tick (or an execution notice's ``Order``) for the next ``step()``: what
        the stream's callback does for a stream that is not on the monitor's path, and what
        a test or a backtest does with ticks of its own."""
        self._inbox.append(("order" if isinstance(item, Order) else "tick", item))
        self._wake.set()

    def step(self) -> int:
        """Do what is due at the clock's now, and return without waiting for anything:
        decide the queued ticks in order and record the queued execution notices; send
        the orders decided (each awaits its fills up to ``fill_timeout``); poll the quotes
        if the stream is stale and a poll is due (and decide on them); sync if due.
        Returns how many of these it did: 0 means nothing was due."""
        if not self._started:
            self.start()
        done = self._drain() + self._send_decided()
        now = self.clock.monotonic()
        if now >= self._next_sync:
            self._next_sync = now + self.settings.sync_interval
            self._sync()
            done += 1
        if now >= self._next_poll and self._stale(now):
            self._next_poll = now + self.settings.poll_interval
            self._poll()
            done += 1 + self._drain() + self._send_decided()
        return done

    def run(self, *, seconds: float | None = None, stop: threading.Event | None = None,
            until: Callable[[Monitor], bool] | None = None) -> MonitorReport:
        """Watch and trade until ``seconds`` pass (on the monitor's clock), ``stop`` is
        set, ``until(monitor)`` is true after a step, or SIGINT/SIGTERM: ``step()`` in a
        loop that waits, between steps, for work (a decided order, a notice) or the next
        sync or poll."""
        stop = stop or threading.Event()
        clock = self.clock
        deadline = None if seconds is None else clock.monotonic() + seconds
        with self._signals(stop):
            try:
                self.start()
                while True:
                    if stop.is_set():
                        self.report.stopped = self.report.stopped or "stopped"
                        break
                    if self._halt:
                        self.report.stopped = "authentication"
                        log.error("monitor stopping: %s", self._halt)
                        break
                    if deadline is not None and clock.monotonic() >= deadline:
                        self.report.stopped = "time"
                        break
                    self._wake.clear()
                    self.step()
                    if until is not None and until(self):
                        self.report.stopped = "done"
                        break
                    if not self._halt:
                        self._wait(self._wake, self._idle(deadline))
            finally:
                self.close()
        log.info("monitor stopped (%s): %s ticks, %d decisions, %d orders",
                 self.report.stopped, dict(self.report.ticks), self.report.decisions,
                 len(self.report.orders))
        return self.report

    def _idle(self, deadline: float | None) -> float:
        """Seconds until the next thing due (a sync, a poll, the deadline), at most
        ``STOP_CHECK``; 0 if work is queued."""
        if self._inbox or self._orders:
            return 0.0
        now = self.clock.monotonic()
        due = [self._next_sync, now + STOP_CHECK]
        if deadline is not None:
            due.append(deadline)
        poll = self._next_poll
        if self._trades is not None and self._trades.running:
            poll = max(poll, self._last_stream_tick + self.settings.stale_after)
        due.append(poll)
        return max(0.0, min(due) - now)

    @contextmanager
    def _signals(self, stop: threading.Event) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(number: int, _frame: object) -> None:
            self.report.stopped = signal.Signals(number).name
            stop.set()
            self._wake.set()

        previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for number, old in previous.items():
                signal.signal(number, old)

    # --- the streams -------------------------------------------------------------------------
    def _subscribe(self) -> None:
        """Execution notices first (fills matter more than any one symbol), then the
        trades; each that KIS does not confirm is tried again later. Both call back on the
        stream's loop: a trade is decided there, a notice queued for the loop thread."""
        kis, wait = self.engine.api.kis, self.settings.stream_timeout
        self._stream_retry = self.clock.monotonic() + STREAM_RETRY
        if kis.hts_id and (self._notices is None or not self._notices.running):
            try:
                self._notices = kis.realtime.on(kis.watch_orders(), self.feed, wait,
                                                on_loop=True)
            except (ex.KISError, TimeoutError, OSError) as error:
                self._notices = None
                log.warning("no execution notices (%s): fills are read back from KIS "
                            "every %s s", describe(error), self.settings.sync_interval)
        if self._trades is None or not self._trades.running:
            try:
                self._trades = kis.realtime.on(kis.watch_trades_for_symbols(self.symbols),
                                               self.on_trade, wait, on_loop=True)
                # Fresh from now: polling starts only if no trade comes for stale_after.
                self._last_stream_tick = self.clock.monotonic()
            except (ex.KISError, TimeoutError, OSError) as error:
                self._trades = None
                log.warning("no real-time trades (%s): polling quotes every %s s instead",
                            describe(error), self.settings.poll_interval)

    def on_trade(self, trade: Trade) -> None:
        """Decide on a real-time trade now, on the caller's thread (the stream's loop)."""
        self._take(Tick(trade.symbol, trade.price, trade.datetime, trade.amount, "stream",
                        self._perf()))

    def on_tick(self, tick: Tick) -> None:
        """Decide on ``tick`` now, on the caller's thread, as a stream tick is (``feed``
        queues it for the next ``step`` instead); an order it decides waits for a step."""
        self._take(tick)

    def _stale(self, now: float) -> bool:
        if not self.settings.stream:
            return True
        running = self._trades is not None and self._trades.running
        notices = self._notices is not None and self._notices.running
        if (not running or (self.engine.api.kis.hts_id and not notices)) \
                and now >= self._stream_retry:
            self._subscribe()
            running = self._trades is not None and self._trades.running
        return not running or now - self._last_stream_tick > self.settings.stale_after

    # --- deciding ----------------------------------------------------------------------------
    def _drain(self) -> int:
        done = 0
        while self._inbox:
            kind, item = self._inbox.popleft()
            if kind == "order":
                self._on_order(item)
            else:
                self._take(item)
            done += 1
        return done

    def _take(self, tick: Tick) -> None:
        with self._lock:
            self.report.ticks[tick.source] += 1
            if tick.source == "stream":
                self._last_stream_tick = self.clock.monotonic()
            self._decide(tick)

    def _poll(self) -> None:
        try:
            quotes = self.engine.api.get_tickers(self.symbols)
        except ex.KISError as error:
            log.warning("could not poll quotes: %s", describe(error))
            self._failed(error.kind, describe(error))
            return
        now = self._perf()
        for quote in quotes:
            self._inbox.append(("tick", Tick(quote.symbol, int(quote.last), quote.datetime, 0,
                                             "poll", now)))

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
        """One tick, under the lock, from memory only: what the loop thread must do to act
        on it (an order) is queued."""
        if tick.ticker not in self._watched:
            return
        if not self._in_session():
            return self._record(Decision(tick, "closed", "outside the regular session",
                                         self._perf()))
        if self._halt:
            return self._record(Decision(tick, "wait", "stopping: " + self._halt,
                                         self._perf()))
        if self.clock.monotonic() < self._paused_until:
            return self._record(Decision(tick, "wait", "KIS's rate limit: orders paused",
                                         self._perf()))
        held = self._held.get(tick.ticker)
        if held is not None:
            high = self._mark_high(held, tick.price)
            held = self._held[tick.ticker]
            if tick.ticker not in self._selling and tick.ticker not in self._pending:
                exit_ = check_exit(PositionState(held.holding.entry_price, tick.price, high),
                                   self.engine.limits)
                if exit_.sell:
                    decision = Decision(tick, "sell", exit_.reason, self._perf())
                    return self._queue(decision, Sell(tick.ticker, reason=exit_.reason))
        signals = self.strategy.on_tick(tick, held.holding if held else None)
        decided = self._perf()
        if not signals:
            return self._record(Decision(tick, "hold", "", decided))
        for signal_ in signals:
            action = "buy" if isinstance(signal_, Buy) else "sell"
            if signal_.ticker in self._pending:
                self._record(Decision(tick, "wait", f"{action} {signal_.ticker}: an order "
                                      "for it is still being sent", decided))
                continue
            self._queue(Decision(tick, action, signal_.reason, decided), signal_)

    def _queue(self, decision: Decision, signal_: Signal) -> None:
        self.report.decisions += 1
        self._pending.add(signal_.ticker)
        self._orders.append((decision, signal_))
        self._wake.set()

    def _mark_high(self, held: _Held, price: int) -> int:
        high = held.holding.high_price
        if high is None or price > high:
            high = price
            self._highs[held.trade_id] = price  # stored with the next sync
            holding = Holding(held.holding.ticker, held.holding.quantity,
                              held.holding.entry_price, high)
            self._held[holding.ticker] = _Held(held.trade_id, holding)
        return high

    def _record(self, decision: Decision, *, counted: bool = False) -> None:
        with self._lock:
            if not counted:
                self.report.decisions += 1
            if self.on_decision is not None:
                self.on_decision(decision)

    # --- acting (the loop thread) --------------------------------------------------------------
    def _send_decided(self) -> int:
        done = 0
        while self._orders:
            decision, signal_ = self._orders.popleft()
            done += 1
            try:
                if self._halt or self.clock.monotonic() < self._paused_until:
                    why = ("stopping: " + self._halt if self._halt
                           else "KIS's rate limit: orders paused")
                    self._record(Decision(decision.tick, "wait", why, decision.decided),
                                 counted=True)
                    continue
                self._act(decision, signal_)
            finally:
                with self._lock:
                    self._pending.discard(signal_.ticker)
        return done

    def _drop_orders(self, why: str) -> None:
        while self._orders:
            decision, signal_ = self._orders.popleft()
            log.warning("%s %s not sent: %s", decision.action, signal_.ticker, why)
            with self._lock:
                self._pending.discard(signal_.ticker)

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
        self._failed(result.error, result.message)
        self._refresh()
        self._record(Decision(decision.tick, decision.action, reason, decision.decided, result),
                     counted=True)

    def _failed(self, kind: str | None, message: str) -> None:
        """Act on what stopped an order or a look-up (an error ``kind``)."""
        if kind == ex.AuthenticationError.kind:
            self._halt = f"KIS refused the credentials ({message}); fix them and restart"
            self._wake.set()
        elif kind == ex.RateLimitError.kind:
            self._paused_until = self.clock.monotonic() + self.settings.rate_limit_pause
            log.warning("KIS's rate limit: no new order for %s s", self.settings.rate_limit_pause)

    # --- the store and KIS (the loop thread) ---------------------------------------------------
    def _refresh(self) -> None:
        """What the engine holds and is selling, from the store, swapped in under the
        lock with the highs seen since they were last stored."""
        store = self.engine.store
        trades = {t.id: t for t in store.open_trades()}
        positions = self.engine.portfolio(trades=list(trades.values())).positions.values()
        selling = {o.ticker for o in store.active_orders() if o.side == OrderSide.SELL}
        with self._lock:
            held = {}
            for position in positions:
                first = trades[position.trade_ids[0]]  # the trade that keeps its trailing high
                high = max(filter(None, (first.high_price, self._highs.get(first.id))),
                           default=None)
                held[position.ticker] = _Held(first.id, Holding(
                    position.ticker, position.cost.quantity,
                    position.cost.average_price or Decimal(0), high))
            self._held, self._selling = held, selling

    def _store_highs(self) -> None:
        with self._lock:
            highs, self._highs = self._highs, {}
        for trade_id, price in highs.items():
            try:
                self.engine.store.mark_high(trade_id, price)
            except ex.KISError as error:  # e.g. the trade is gone: nothing to keep
                log.debug("high of trade %s not kept: %s", trade_id, describe(error))

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
            # (no intent is in flight here: this thread is the only sender)
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


def _clock_of(engine: KISTradingEngine) -> Clock:
    """The engine's clock, when it has one: one clock for the engine and its monitor."""
    clock = getattr(engine, "clock", None)
    return clock if isinstance(clock, Clock) else SYSTEM


def _stamps(clock: Clock) -> Callable[[], float]:
    """What stamps ticks and decisions: ``perf_counter`` on the machine's clock (or the
    clock's own, if it has one), else the clock's ``monotonic``."""
    own = getattr(clock, "perf_counter", None)
    if own is not None:
        return own
    return time.perf_counter if isinstance(clock, SystemClock) else clock.monotonic


def _waiter(clock: Clock) -> Callable[[threading.Event, float], Any]:
    """How ``run()`` waits for work or the next thing due: on the event on the machine's
    clock, else ``clock.wait(event, timeout)`` or, lacking it, ``clock.sleep(timeout)``
    (simulated time moves on; work queued meanwhile is seen at the next step)."""
    if isinstance(clock, SystemClock):
        return lambda event, timeout: event.wait(timeout)
    own = getattr(clock, "wait", None)
    if own is not None:
        return own

    def sleeping(event: threading.Event, timeout: float) -> bool:
        if not event.is_set():
            clock.sleep(timeout)
        return event.is_set()

    return sleeping


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
