"""``KISTradingEngine``: buys and sells through KIS with every order persisted before
it is sent, positions and P&L kept in the store, and risk rules checked first.

    engine = KISTradingEngine.from_env("sqlite:///bot.sqlite3",
                                       limits=RiskLimits(stop_loss=Decimal("0.03")))
    engine.reconcile()                                   # at start-up: catch up with KIS
    result = engine.execute_buy_order("005930", amount_krw=100_000)
    engine.execute_sell_order("005930", reason="take profit")

Every method that trades returns a :class:`TradeResult`; whatever went wrong (KIS's
refusal, the network, a risk rule, an invalid argument) is ``success=False`` with the
cause in ``message``, and logged with its context. One engine per account: its orders
are recognised in KIS's books by their figures (see :func:`.broker.match_booked`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Self

from pykis import exceptions as ex
from pykis.client import KIS
from pykis.engine.api import KISAPIClient
from pykis.engine.execution import ExecutionSettings, Executor, describe
from pykis.engine.planning import (
    OrderPlan,
    Refusal,
    best_ask,
    buy_order_plan,
    check_arguments,
    sell_order_plan,
)
from pykis.engine.pnl import percent
from pykis.engine.portfolio import Portfolio
from pykis.engine.reconcile import reconcile, sync_working
from pykis.engine.reports import position_reports, trade_record, trade_result
from pykis.engine.results import (
    EngineStatus,
    PositionReport,
    ReconcileReport,
    TradeRecord,
    TradeResult,
)
from pykis.engine.risk import RiskLimits
from pykis.engine.store import Order as StoredOrder
from pykis.engine.store import OrderIntent, OrderState, Store, TradeStatus
from pykis.engine.store import Trade as StoredTrade
from pykis.engine.store.states import UNANSWERED_STATES, WORKING_STATES
from pykis.market import KST, validate_symbol
from pykis.models import OrderSide, Ticker
from pykis.utils.clock import SYSTEM, Clock

__all__ = ["EngineSettings", "KISTradingEngine"]

log = logging.getLogger("pykis.engine")


@dataclass(frozen=True, slots=True)
class EngineSettings:
    dry_run: bool = False  # record decisions as dropped intents; send nothing
    verify_holdings: bool = True  # cap sales at what KIS says is sellable
    execution: ExecutionSettings = field(default_factory=ExecutionSettings)


class KISTradingEngine:
    def __init__(self, api: KISAPIClient | KIS, store: Store | str | os.PathLike[str] | None
                 = None, *, limits: RiskLimits | None = None,
                 settings: EngineSettings | None = None, clock: Clock = SYSTEM) -> None:
        self.api = api if isinstance(api, KISAPIClient) else KISAPIClient(api)
        if not isinstance(store, Store):
            # The client's clock: "today" and order times agree with KIS's (or a
            # simulator's) for the store as they do for the client.
            wall = self.api.kis._ctx.clock
            store = Store(store, clock=lambda: dt.datetime.fromtimestamp(wall(), dt.UTC))
        self.store = store
        self.limits = limits or RiskLimits()
        self.settings = settings or EngineSettings()
        self.executor = Executor(self.api, self.store, self.settings.execution, clock=clock)
        self._reconciled = False  # a reconciliation has run in this process
        self.api.attach(self)  # the seed's client.execute_buy_order(...) trades through here

    @classmethod
    def from_env(cls, database: str | os.PathLike[str] | None = None,
                 env_file: str | os.PathLike[str] | None = ".env", *,
                 limits: RiskLimits | None = None, settings: EngineSettings | None = None,
                 **client: Any) -> Self:
        """An engine on ``KIS_APP_KEY``, ``KIS_APP_SECRET``, ``KIS_ACCOUNT_NO`` (environment
        or ``env_file``) and ``database`` (a URL or a SQLite path; default: a file in the
        user's data directory)."""
        return cls(KISAPIClient.from_env(env_file, **client), database, limits=limits,
                   settings=settings)

    def __repr__(self) -> str:
        return f"KISTradingEngine({self.api.kis!r}, {self.store!r})"

    def close(self) -> None:
        self.api.close()
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the seed's calls ------------------------------------------------------------------
    def get_access_token(self) -> str:
        """The access token in force (a secret: never log it)."""
        return self.api.get_access_token()

    def get_current_price(self, ticker: str) -> float:
        return self.api.get_current_price(ticker)

    def execute_buy_order(self, ticker: str, quantity: int | None = None,
                          price: float | int | None = None, amount_krw: int | None = None,
                          *, reason: str = "manual", strategy: str = "",
                          fill_timeout: float | None = None) -> TradeResult:
        """Buy ``quantity`` shares, or as many as ``amount_krw`` pays for with commission;
        at ``price`` (a limit, moved down onto the tick grid) or at the market. Fills are
        waited for up to ``fill_timeout`` seconds (default: the settings')."""
        arguments = dict(quantity=quantity, price=price, amount_krw=amount_krw,
                         fill_timeout=fill_timeout, reason=reason, strategy=strategy,
                         buy=True)
        return self._trade(OrderSide.BUY, ticker, quantity, lambda: self._buy_intent(
            ticker, quantity, price, amount_krw, reason, strategy), fill_timeout, arguments)

    def execute_sell_order(self, ticker: str, quantity: int | None = None,
                           price: float | int | None = None, *, reason: str = "manual",
                           fill_timeout: float | None = None) -> TradeResult:
        """Sell ``quantity`` shares of the engine's open trade of ``ticker`` (default: all
        of it), at ``price`` (a limit, moved up onto the grid) or at the market."""
        arguments = dict(quantity=quantity, price=price, fill_timeout=fill_timeout,
                         reason=reason)
        return self._trade(OrderSide.SELL, ticker, quantity, lambda: self._sell_intent(
            ticker, quantity, price, reason), fill_timeout, arguments)

    def cancel_order(self, order_id: int) -> TradeResult:
        """Cancel what is left of the engine's working order ``order_id`` (the store's
        id); the result shows what filled before the cancellation took."""
        try:
            if isinstance(order_id, bool) or not isinstance(order_id, int) \
                    or not 0 < order_id < 2**63:
                raise ex.InvalidInputError("order_id", order_id, "the id of a recorded order")
            row = self.store.get_order(order_id)
            if row.state not in WORKING_STATES:
                raise Refusal(f"order {order_id} is {row.state}: nothing to cancel")
            try:
                self.api.cancel_order(row.broker_order_id)
            except ex.OrderOutcomeUnknownError as error:  # KIS's books will tell
                log.warning("order %s: the cancellation got no answer (%s)", order_id,
                            describe(error))
            row = self.executor.await_fill(row)
            return self._outcome(row)
        except (Refusal, ex.KISError) as error:
            log.warning("cancel of order %s not done: %s", order_id, describe(error))
            return _failed("", "", 0, error)

    def get_current_positions(self) -> list[PositionReport]:
        """The engine's open trades, valued at live prices (by its portfolio)."""
        self._catch_up()
        trades = self.store.open_trades()
        return position_reports(trades, self.portfolio(trades=trades), self._prices,
                                self._today())

    def portfolio(self, cash: int = 0, *, trades: list | None = None) -> Portfolio:
        """The engine's portfolio: its open trades (from the ledger) beside ``cash``."""
        if trades is not None and (not isinstance(trades, (list, tuple)) or not all(
                isinstance(t, StoredTrade) for t in trades)):
            raise ex.InvalidInputError("trades", trades, "None or a list of the store's trades")
        held = self.store.open_trades() if trades is None else trades
        return Portfolio.of(held, cash, costs=self.store.costs)

    # --- more ------------------------------------------------------------------------------
    def reconcile(self, *, wait: bool = True) -> ReconcileReport:
        """Bring the store in line with KIS: intents never sent are dropped, orders of
        unknown outcome looked up, working orders' fills and cancellations recorded,
        holdings compared. Run it at start-up, before trading (the engine runs one itself
        before its first trade or valuation if it has not)."""
        # Under the decision lock: an intent another engine is about to send must not
        # be taken for one left behind by a crash.
        with self.store.decision_lock(self._account):
            return self._reconcile(wait)

    def _reconcile(self, wait: bool) -> ReconcileReport:
        report = reconcile(self.executor, self.store, self.api, wait=wait)
        self._reconciled = True
        return report

    def status(self) -> EngineStatus:
        self._catch_up()
        balance = self.api.get_balance()
        cash, equity = int(balance.free), int(balance.total)  # whole KRW, as KIS counts
        trades = self.store.open_trades()
        positions = position_reports(trades, self.portfolio(cash, trades=trades),
                                     self._prices, self._today())
        day = self._today()
        start = dt.datetime(day.year, day.month, day.day, tzinfo=KST)
        value = sum(p.market_value or 0 for p in positions)
        return EngineStatus(
            cash=cash, positions=tuple(positions), market_value=value,
            equity=equity, exposure=percent(value, equity) / 100 if equity > 0 else None,
            unrealized_pnl=sum(p.unrealized_pnl or 0 for p in positions),
            realized_pnl_today=self.store.realized_pnl(start, start + dt.timedelta(days=1)),
            realized_pnl_total=self.store.total_pnl(),
            open_orders=len(self.store.active_orders()),
            day_start_equity=self.store.opening_equity(day, equity))

    def trades(self, status: str | None = None) -> list[TradeRecord]:
        """The ledger's trades, oldest first; ``status``: "open" or "closed" (any case)."""
        allowed = [s.value for s in TradeStatus]
        if status is not None and (not isinstance(status, str) or status.upper() not in allowed):
            raise ex.InvalidInputError("status", status, f"None or one of {allowed} (any case)")
        wanted = None if status is None else TradeStatus(status.upper())
        return [trade_record(t) for t in self.store.trades(status=wanted)]

    # --- internals -------------------------------------------------------------------------
    @property
    def _account(self) -> str:
        kis = self.api.kis
        return f"{'paper' if kis.is_paper else 'real'}:{kis.account_no}"

    def _catch_up(self, ticker: str | None = None, *, strict: bool = False,
                  locked: bool = False) -> None:
        """The engine's orders as KIS's books have them now, before a decision or a
        valuation: an order that filled, or was cancelled at KIS, after its caller
        stopped waiting must not block the next one. The first time in a process, a
        whole reconciliation; later, only the working and unanswered orders (of
        ``ticker``), and no call at all when there are none. ``strict`` (before an
        order): a failure is raised, as no order should go out while KIS cannot say
        where the last ones stand; otherwise it is logged, and the ledger as it stands
        is the best knowledge there is."""
        try:
            if not self._reconciled:
                if locked:  # the caller holds the decision lock
                    self._reconcile(wait=False)
                else:
                    with self.store.decision_lock(self._account):
                        self._reconcile(wait=False)
                return
            rows = self.store.active_orders(ticker)
            unanswered = [r for r in rows if r.state in UNANSWERED_STATES]
            if unanswered:
                self.executor.resolve(unanswered)
            if any(r.state in WORKING_STATES for r in rows):
                sync_working(self.store, self.api, ticker)
        except ex.KISError as error:
            if strict:
                raise
            log.warning("could not bring the ledger up to date with KIS: %s", describe(error))

    def _today(self) -> dt.date:
        return self.store.now().astimezone(KST).date()

    def _prices(self, tickers: list[str]) -> dict[str, int]:
        if not tickers:
            return {}
        return {t.symbol: int(t.last) for t in self.api.get_tickers(tickers)}

    def _trade(self, side: OrderSide, ticker: str, quantity: int | None, make,
               fill_timeout: float | None, arguments: dict[str, Any]) -> TradeResult:
        # What the logs show of the request: the caller's values may be anything.
        label = ticker if isinstance(ticker, str) else f"<{type(ticker).__name__}>"
        context = {"ticker": label, "side": side.value,
                   "quantity": quantity if type(quantity) is int and quantity < 2**63 else None}
        try:
            validate_symbol(ticker, "ticker")
            check_arguments(**arguments)
            # The decision and its intent are one step for every engine on the account
            # (threads, processes): the next decider sees this intent in the ledger.
            with self.store.decision_lock(self._account):
                self._catch_up(ticker, strict=True, locked=True)
                intent, note = make()
                if self.settings.dry_run:
                    return self._dry_run(intent, note)
                row = self.executor.record(intent)
                # Sent, as far as the ledger knows, before another decider can look:
                # an intent left behind is then one whose engine died (and is dropped).
                row = self.store.mark_sent(row.id)
            row = self.executor.send(row)
            if row.state in WORKING_STATES:
                row = self.executor.await_fill(row, fill_timeout)
            return self._outcome(row)
        except (Refusal, ex.KISError) as error:
            log.warning("%s %s (%s) not done: %s", side.value, label,
                        arguments.get("reason") if isinstance(arguments.get("reason"), str)
                        else "?", describe(error), extra=context)
            return _failed(ticker, side.value, quantity, error)
        except Exception as error:  # a bug must not take the caller down mid-trade
            log.exception("%s %s failed", side.value, label, extra=context)
            return _failed(ticker, side.value, quantity, error)

    def _dry_run(self, intent: OrderIntent, note: str) -> TradeResult:
        row = self.store.record_intent(intent)
        what = (f"{intent.side.value} {intent.quantity} {intent.ticker} "
                + (f"at {intent.limit_price:,}" if intent.limit_price else "at the market"))
        row = self.store.mark_dropped(row.id, f"dry run: {what}")
        log.info("dry run: would %s (%s)", what, intent.reason)
        return trade_result(self.store, row, True, f"dry run: would {what}; nothing sent"
                            + (f" ({note})" if note else ""))

    def _outcome(self, row: StoredOrder) -> TradeResult:
        state = OrderState(row.state)
        if state is OrderState.REJECTED:
            error = self.executor.refusal(row.id)
            result = trade_result(self.store, row, False, row.error or "KIS refused the order")
            return result.model_copy(update={
                "error": _error_kind(error) or "not_booked",
                "error_code": error.code if isinstance(error, ex.KISError) else None})
        if state in UNANSWERED_STATES:
            return trade_result(self.store, row, False, "no answer from KIS and the order "
                                "is not in its books yet: reconciliation will settle it; "
                                "it was not sent again").model_copy(
                                    update={"error": ex.OrderOutcomeUnknownError.kind})
        if state is OrderState.FILLED:
            message = f"filled {_shares(row.filled_quantity)}"
        elif state is OrderState.CANCELED:
            message = (f"{row.filled_quantity} of {_shares(row.quantity)} filled; "
                       "KIS cancelled the rest")
        else:
            message = (f"accepted by KIS; {row.filled_quantity} of {_shares(row.quantity)} "
                       "filled so far, the rest is working")
        return trade_result(self.store, row, True, message)

    def _quote(self, ticker: str) -> Ticker:
        return self.api.get_ticker(ticker)

    def _buy_intent(self, ticker: str, quantity: int | None, price: float | int | None,
                    amount_krw: int | None, reason: str, strategy: str
                    ) -> tuple[OrderIntent, str]:
        busy = [o for o in self.store.active_orders(ticker) if o.side == OrderSide.BUY]
        if busy:
            raise Refusal(f"a buy of {ticker} is still open or unresolved (order "
                          f"{busy[0].id}, {busy[0].state}): one at a time")
        quote = self._quote(ticker)
        book = self.api.get_order_book(ticker) if price is None and amount_krw else None
        # KIS's buying power is net of the working buys already: nothing more to reserve.
        cash = self.api.get_buying_power(ticker).cash if amount_krw is not None else 0
        equity, day_start = self._equity()
        buying = {o.ticker for o in self.store.active_orders() if o.side == OrderSide.BUY}
        plan, market, kind = buy_order_plan(
            ticker, quote, best_ask(book), self.portfolio(cash), self.limits,
            quantity=quantity, price=price, amount_krw=amount_krw, equity=equity,
            day_start=day_start, pending=buying, trade_date=self._today())
        held = self.store.open_trades(ticker=ticker)
        return self._intent(ticker, OrderSide.BUY, plan, market, kind, reason, strategy,
                            held[0].id if held else None), plan.note

    def _sell_intent(self, ticker: str, quantity: int | None, price: float | int | None,
                     reason: str) -> tuple[OrderIntent, str]:
        held = self.store.open_trades(ticker=ticker)
        if not held:
            raise Refusal(f"the engine holds no {ticker}")
        trade = held[0]
        pending = sum(o.remaining for o in self.store.active_orders(ticker)
                      if o.side == OrderSide.SELL and o.trade_id == trade.id)
        sellable = None
        if self.settings.verify_holdings:
            position = self.api.get_balance().get_position(ticker)
            sellable = position.sellable if position is not None else 0
        plan, market, kind = sell_order_plan(
            self._quote(ticker), quantity=quantity, price=price,
            available=trade.open_quantity - pending, sellable=sellable)
        return self._intent(ticker, OrderSide.SELL, plan, market, kind, reason, trade.strategy,
                            trade.id), plan.note

    def _intent(self, ticker: str, side: OrderSide, plan: OrderPlan, market, kind, reason: str,
                strategy: str, trade_id: int | None) -> OrderIntent:
        return OrderIntent(ticker, side, plan.quantity, order_type=plan.order_type,
                           limit_price=plan.limit_price, trade_id=trade_id, reason=reason,
                           strategy=strategy, market=market, kind=kind)

    def _equity(self) -> tuple[int, int]:
        """The account's equity as KIS values it, and the day's opening equity: what the
        entry rules weigh a buy against (not asked for when no such rule is set)."""
        limits = self.limits
        if (limits.max_position_fraction is None and limits.max_open_positions is None
                and limits.daily_loss_limit is None and limits.daily_loss_fraction is None):
            return 0, 0
        equity = int(self.api.get_balance().total)
        return equity, self.store.opening_equity(self._today(), equity)


def _shares(count: int) -> str:
    return f"{count:,} share" + ("" if count == 1 else "s")


def _failed(ticker: object, side: str, quantity: object, error: BaseException) -> TradeResult:
    """A request that ended before an order was recorded (or on an unexpected error).
    Built from anything the caller passed, so that a bad argument is still a result."""
    known = isinstance(error, (Refusal, ex.KISError))
    message = describe(error) if known else f"unexpected error: {describe(error)}"
    requested = quantity if type(quantity) is int and 0 <= quantity < 2**63 else 0
    return TradeResult(success=False, ticker=ticker[:40] if isinstance(ticker, str) else "",
                       side=side,
                       requested_quantity=requested, message=message,
                       error=_error_kind(error),
                       error_code=error.code if isinstance(error, ex.KISError) else None)


def _error_kind(error: BaseException | None) -> str | None:
    """What stopped an order, in a word a program can branch on (see ``TradeResult``)."""
    if error is None:
        return None
    if isinstance(error, Refusal):
        return error.kind
    if isinstance(error, ex.KISError):
        return error.kind
    return "bug"
