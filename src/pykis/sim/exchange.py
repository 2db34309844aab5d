"""Order entry and booking: checks each order as KIS does, matches it (``matching``),
and books fills into cash and positions. No I/O.

Refusals raise ``SimError`` with the environment's own code for the reason. Price-less
buys are margined at the upper limit, as at KIS. Day orders expire at the close.
The simulated accounts are price takers: their fills consume the displayed book until
the next market trade, but do not move the synthetic market's prices or volumes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pykis.market import PriceLimits, Session, TradingCosts, is_on_grid
from pykis.models import OrderSide
from pykis.sim.accounts import Account, CashMovement, Fill, Order, OrderKind
from pykis.sim.env import Reason
from pykis.sim.errors import SimError
from pykis.sim.intraday import Trade
from pykis.sim.market import MarketState, Quote
from pykis.sim.matching import allocate, allocate_replayed, sweep
from pykis.sim.replay import replay_arrival

__all__ = ["Exchange", "ORDER_TYPES", "OrderRequest", "OrderType"]


@dataclass(frozen=True, slots=True)
class OrderType:
    name: str  # ord_dvsn_name
    priced: bool  # carries a limit price (ORD_UNPR)
    best: str | None = None  # "opposite" (최유리) or "same" (최우선): price from the book
    ioc: bool = False
    fok: bool = False


ORDER_TYPES: dict[str, OrderType] = {
    "00": OrderType("지정가", priced=True),
    "01": OrderType("시장가", priced=False),
    "03": OrderType("최유리지정가", priced=False, best="opposite"),
    "04": OrderType("최우선지정가", priced=False, best="same"),
    "11": OrderType("IOC지정가", priced=True, ioc=True),
    "12": OrderType("FOK지정가", priced=True, fok=True),
    "13": OrderType("IOC시장가", priced=False, ioc=True),
    "14": OrderType("FOK시장가", priced=False, fok=True),
}
# Valid at KIS but not simulated (after-hours, conditional, mid-point, stop types).
KNOWN_UNSIMULATED = frozenset({"02", "05", "06", "07", "15", "16", "21", "22", "23", "24"})
# What the single-price auctions (pre-market, closing) take: plain limit and market.
AUCTION_TYPES = frozenset({"00", "01"})


@dataclass(frozen=True, slots=True)
class OrderRequest:
    code: str
    side: OrderSide
    dvsn: str
    qty: int
    price: int
    tr_id: str
    exchange: str = "KRX"


Listener = Callable[[str, Order, Fill | None], None]


class Exchange:
    """``listeners`` hear what KIS notifies in real time: "accepted" (a new order or an
    amendment), "canceled" (a cancellation's record), "expired" (an IOC/FOK remainder
    cancelled by the exchange) and "filled" (with the fill)."""

    def __init__(self, market: MarketState, costs: TradingCosts) -> None:
        self.market, self.costs = market, costs
        self.listeners: list[Listener] = []
        # Called first by ``sync`` (reserved orders are sent at the open, before matching).
        self.before_sync: list[Callable[[list[Account], dt.datetime], None]] = []
        self._next_order = 1001
        self._next_fill = 1

    # --- entry points ------------------------------------------------------------------
    def place(self, account: Account, request: OrderRequest, now: dt.datetime) -> Order:
        quote = self._tradable(account, request.code, request.dvsn, now)
        kind = ORDER_TYPES[request.dvsn]
        price = self._checked_price(account, kind, request.price, quote)
        if request.side is OrderSide.BUY:
            self._check_cash(account, request.qty, price or quote.limits.upper, quote)
        elif account.sellable(request.code) < request.qty:
            raise self._refusal(account, Reason.NOTHING_TO_SELL)
        order = Order(
            number=self._take_number(), account=account, code=request.code,
            side=request.side, dvsn=request.dvsn, qty=request.qty, price=price,
            ts=now.timestamp(), day=quote.day, tr_id=request.tr_id, exchange=request.exchange,
        )
        return self._accept(order, kind, quote)

    def amend(
        self, account: Account, original: int, qty: int | None, dvsn: str, price: int,
        now: dt.datetime, tr_id: str,
    ) -> Order:
        """Move ``qty`` (None: all) of the open remainder to a new price or type."""
        source = self._amendable(account, original, qty, now)
        quote = self._tradable(account, source.code, dvsn, now)
        kind = ORDER_TYPES[dvsn]
        new_price = self._checked_price(account, kind, price, quote)
        moved = source.remaining if qty is None else qty
        if source.side is OrderSide.BUY:
            freed = self._reservation(source, quote.limits, moved)
            self._check_cash(account, moved, new_price or quote.limits.upper, quote, freed)
        source.amended += moved
        order = Order(
            number=self._take_number(), account=account, code=source.code, side=source.side,
            dvsn=dvsn, qty=moved, price=new_price, ts=now.timestamp(), day=quote.day,
            tr_id=tr_id, exchange=source.exchange, kind=OrderKind.AMEND, original=source.number,
        )
        return self._accept(order, kind, quote)

    def cancel(
        self, account: Account, original: int, qty: int | None, now: dt.datetime, tr_id: str
    ) -> Order:
        """Cancel ``qty`` (None: all) of an order's open remainder."""
        source = self._amendable(account, original, qty, now)
        canceled = source.remaining if qty is None else qty
        source.canceled += canceled
        record = Order(
            number=self._take_number(), account=account, code=source.code, side=source.side,
            dvsn=source.dvsn, qty=canceled, price=source.price, ts=now.timestamp(),
            day=source.day, tr_id=tr_id, exchange=source.exchange, kind=OrderKind.CANCEL,
            original=source.number,
        )
        account.orders[record.number] = record
        self._emit("canceled", record, None)
        return record

    def sync(self, accounts: list[Account], now: dt.datetime) -> None:
        """Match the resting orders of every account against the market's trades up to
        ``now``, each symbol's trades shared by price and time priority."""
        for hook in self.before_sync:
            hook(accounts, now)
        books: dict[tuple[str, dt.date], list[Order]] = defaultdict(list)
        for account in accounts:
            for order in account.open_orders():
                books[(order.code, order.day)].append(order)
        for (code, day), orders in books.items():
            self._catch_up(code, day, orders, now.timestamp())

    def buying_power(
        self, account: Account, code: str | None, price: int, now: dt.datetime
    ) -> tuple[int, int, int]:
        """(orderable cash, unit price used, maximum quantity) for a buy of ``code``."""
        cash = self.orderable_cash(account)
        if code is None or code not in self.market.universe:
            return cash, 0, 0
        quote = self.market.quote(code, now)
        unit = price or quote.limits.upper
        qty = cash // unit
        if qty > 0 and self._buy_cost(qty * unit, quote) > cash:
            # The cost rises with the quantity: the largest one within the cash, halving
            # the range (a 1-won price starts millions of shares up, one at a time).
            low, high = 0, qty  # cost(low) <= cash < cost(high)
            while high - low > 1:
                middle = (low + high) // 2
                if self._buy_cost(middle * unit, quote) > cash:
                    high = middle
                else:
                    low = middle
            qty = low
        return cash, unit, qty

    def orderable_cash(self, account: Account) -> int:
        """Cash after every booked trade, less what open buy orders hold back."""
        reserved = 0
        for order in account.open_orders():
            if order.side is OrderSide.BUY:
                limits = self.market.limits(order.code, order.day)
                reserved += self._reservation(order, limits, order.remaining)
        return account.cash() - reserved

    # --- checks ----------------------------------------------------------------------
    def _tradable(self, account: Account, code: str, dvsn: str, now: dt.datetime) -> Quote:
        if code not in self.market.universe:
            raise self._refusal(account, Reason.UNKNOWN_SYMBOL)
        if dvsn not in ORDER_TYPES:
            if dvsn in KNOWN_UNSIMULATED:
                raise SimError("SIM00501", text=f"시뮬레이터가 지원하지 않는 주문구분입니다 ({dvsn})")
            raise SimError("OPSQ2001", text="ERROR INVALID ORD_DVSN")
        session = self._check_session(account, now)
        if session is not Session.REGULAR and dvsn not in AUCTION_TYPES:
            raise self._refusal(account, Reason.SINGLE_PRICE_SESSION)
        return self.market.quote(code, now)

    def _check_session(self, account: Account, now: dt.datetime) -> Session:
        calendar = self.market.calendar
        if not calendar.is_trading_day(now.date()):
            raise self._refusal(account, Reason.NOT_A_BUSINESS_DAY)
        session = calendar.session_at(now)
        if session in (Session.REGULAR, Session.CLOSING_AUCTION):
            return session
        if session is Session.PRE_MARKET and account.profile.accepts_pre_market:
            return session
        schedule = calendar.schedule(now.date())
        before_open = schedule is not None and now < schedule.regular_open
        raise self._refusal(account, Reason.BEFORE_OPEN if before_open else Reason.MARKET_CLOSED)

    def _checked_price(self, account: Account, kind: OrderType, price: int, quote: Quote
                       ) -> int:
        if not kind.priced:
            return 0  # best-price types take their price from the book when they arrive
        if price <= 0 or not is_on_grid(price, quote.inst.kind):
            raise self._refusal(account, Reason.OFF_TICK)
        if price > quote.limits.upper:
            raise self._refusal(account, Reason.ABOVE_UPPER_LIMIT)
        if price < quote.limits.lower:
            raise self._refusal(account, Reason.BELOW_LOWER_LIMIT)
        return price

    def _check_cash(self, account: Account, qty: int, unit: int, quote: Quote, freed: int = 0
                    ) -> None:
        if self._buy_cost(qty * unit, quote) > self.orderable_cash(account) + freed:
            raise self._refusal(account, Reason.INSUFFICIENT_CASH)

    def _amendable(self, account: Account, original: int, qty: int | None, now: dt.datetime
                   ) -> Order:
        self._check_session(account, now)
        source = account.orders.get(original)
        if source is None or source.kind is OrderKind.CANCEL:
            raise self._refusal(account, Reason.UNKNOWN_ORDER)
        # The simulator matched every resting order up to now before this request.
        if not source.is_open or (qty is not None and not 0 < qty <= source.remaining):
            raise self._refusal(account, Reason.NOTHING_TO_CANCEL)
        return source

    # --- matching --------------------------------------------------------------------
    def _accept(self, order: Order, kind: OrderType, quote: Quote) -> Order:
        account = order.account
        account.orders[order.number] = order
        account.working[order.number] = order
        order.seen = quote.index
        self._emit("accepted", order, None)
        # A replayed listing has no book to trade against: its orders wait for the
        # recorded trades (``matching.allocate_replayed``).
        if quote.session is Session.REGULAR and quote.index >= 0 \
                and not self.market.replayed(order.code):
            self._arrive(order, kind, quote)
        if order.is_open and (kind.ioc or kind.fok):
            order.canceled += order.remaining
            self._emit("expired", order, None)
        return order

    def _arrive(self, order: Order, kind: OrderType, quote: Quote) -> None:
        """Trade what the displayed book allows, right now."""
        book = self.market.book(quote)
        buying = order.side is OrderSide.BUY
        opposite, same = (book.asks, book.bids) if buying else (book.bids, book.asks)
        if kind.best:
            best = (opposite if kind.best == "opposite" else same)[0][0]
            edge = quote.limits.upper if buying else quote.limits.lower
            order.price = best or edge  # an empty side: the day's limit
        side = "ask" if buying else "bid"
        for qty, price in sweep(order, opposite, all_or_none=kind.fok):
            self.market.take(quote, side, price, qty)
            self._book_fill(order, qty, price, order.ts)

    def _catch_up(self, code: str, day: dt.date, orders: list[Order], now_ts: float) -> None:
        close_ts = self.market.schedule(day).regular_close.timestamp()
        first = min(order.seen for order in orders)
        start, times, prices, volumes, auction = self.market.trade_window(
            code, day, first, min(now_ts, close_ts))
        # A liquid day has 100,000+ trades: only those at a price some order takes can
        # fill anything, so only they are looked at one by one.
        arrival = replay_arrival(self.market.path(code, day)) \
            if self.market.replayed(code) else None
        for n in np.flatnonzero(_reachable(orders, prices)).tolist():
            index = start + n
            trade = Trade(float(times[n]), int(prices[n]), int(volumes[n]), bool(auction[n]))
            waiting = [o for o in orders if o.seen < index and o.is_open]
            fills = allocate(waiting, trade) if arrival is None else \
                allocate_replayed(waiting, trade, index, arrival)
            for order, qty, price in fills:
                self._book_fill(order, qty, price, trade.ts)
            for order in waiting:
                order.seen = index
        if len(times):
            last = start + len(times) - 1
            for order in orders:
                order.seen = max(order.seen, last)
        if now_ts >= close_ts:
            for order in orders:
                order.expired = order.expired or order.is_open

    def _book_fill(self, order: Order, qty: int, price: int, ts: float) -> None:
        account, inst = order.account, self.market.universe[order.code]
        value = qty * price
        costs = self.costs.of(order.side, value, order.day, inst.market, inst.kind)
        fill = Fill(
            number=self._next_fill, odno=order.number, code=order.code, side=order.side,
            qty=qty, price=price, ts=ts, day=order.day, commission=costs.commission,
            transaction_tax=costs.transaction_tax, rural_tax=costs.rural_tax,
        )
        order.fills.append(fill)
        self._next_fill += 1
        order.filled += qty
        order.filled_value += value
        position = account.position(order.code)
        if order.side is OrderSide.BUY:
            position.buy(qty, price)
            amount = -(value + costs.total)
        else:
            position.sell(qty)
            amount = value - costs.total
        settle = self.market.calendar.add_trading_days(order.day, 2)
        account.book(CashMovement(order.day, settle, amount), fill)
        self._emit("filled", order, fill)

    # --- helpers ---------------------------------------------------------------------
    def _reservation(self, order: Order, limits: PriceLimits, qty: int) -> int:
        value = qty * (order.price or limits.upper)
        return value + self.costs.commission.amount(value, self.market.universe[order.code].kind)

    def _buy_cost(self, value: int, quote: Quote) -> int:
        return value + self.costs.commission.amount(value, quote.inst.kind)

    @staticmethod
    def _refusal(account: Account, reason: Reason) -> SimError:
        return SimError(account.profile.rejections[reason])

    def _emit(self, event: str, order: Order, fill: Fill | None) -> None:
        for listener in list(self.listeners):
            listener(event, order, fill)

    def _take_number(self) -> int:
        number = self._next_order
        self._next_order += 1
        return number


def _reachable(orders: list[Order], prices: np.ndarray) -> np.ndarray:
    """Which trade prices reach at least one of ``orders`` (``matching.crosses``)."""
    reach = np.zeros(len(prices), dtype=bool)
    for side, beyond in ((OrderSide.BUY, np.less_equal), (OrderSide.SELL, np.greater_equal)):
        open_orders = [o for o in orders if o.side is side and o.is_open]
        if any(not o.price for o in open_orders):
            return np.ones(len(prices), dtype=bool)
        if open_orders:
            limits = [o.price for o in open_orders]
            reach |= beyond(prices, max(limits) if side is OrderSide.BUY else min(limits))
    return reach
