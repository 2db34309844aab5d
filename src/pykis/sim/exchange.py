"""The matching engine: orders in, fills out, cash and positions booked. No I/O.

An incoming order that can trade does so against the synthetic book at once; what is
left rests and fills against later market trades: a resting limit order at its own
price when the market trades through it, a price-less order at the trade price, and
every order at the single price of the opening and closing auctions. Day orders expire
at 15:30. Price-less buys are margined at the upper limit, as at KIS.

Refusals raise ``SimError`` with the environment's own code for the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from pykis.market import (
    PriceLimits,
    Session,
    Side,
    TradingCosts,
    is_on_grid,
)
from pykis.sim.accounts import Account, CashMovement, Fill, Order, OrderKind
from pykis.sim.env import Reason
from pykis.sim.errors import SimError
from pykis.sim.market import Book, MarketState, Quote

__all__ = ["Exchange", "OrderRequest", "ORDER_TYPES", "OrderType"]


@dataclass(frozen=True, slots=True)
class OrderType:
    name: str  # ord_dvsn_name
    priced: bool  # carries a limit price (ORD_UNPR)
    best: str | None = None  # "opposite" (최유리) or "same" (최우선): price taken from the book
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


@dataclass(frozen=True, slots=True)
class OrderRequest:
    code: str
    side: Side
    dvsn: str
    qty: int
    price: int
    tr_id: str
    exchange: str = "KRX"


Listener = Callable[[str, Order, Fill | None], None]


class Exchange:
    def __init__(self, market: MarketState, costs: TradingCosts) -> None:
        self.market, self.costs = market, costs
        self.listeners: list[Listener] = []
        self._next_order = 1001
        self._next_fill = 1

    # --- entry points ------------------------------------------------------------------
    def place(self, account: Account, request: OrderRequest, now: dt.datetime) -> Order:
        quote = self._tradable(account, request.code, now)
        kind = self._order_type(request.dvsn)
        price = self._checked_price(account, kind, request.price, quote)
        if request.side is Side.BUY:
            self._check_cash(account, request.qty, price or quote.limits.upper, quote)
        elif account.sellable(request.code) < request.qty:
            raise self._refusal(account, Reason.NOTHING_TO_SELL)
        order = Order(
            number=self._take_number(), account=account, code=request.code,
            side=request.side, dvsn=request.dvsn, qty=request.qty, price=price,
            ts=now.timestamp(), day=quote.day, tr_id=request.tr_id, exchange=request.exchange,
        )
        return self._accept(order, kind, quote, now)

    def amend(
        self, account: Account, original: int, qty: int | None, dvsn: str, price: int,
        now: dt.datetime, tr_id: str,
    ) -> Order:
        """Move ``qty`` (None: all) of the open remainder to a new price or type."""
        source = self._amendable(account, original, qty, now)
        moved = source.remaining if qty is None else qty
        quote = self.market.quote(source.code, now)
        kind = self._order_type(dvsn)
        new_price = self._checked_price(account, kind, price, quote)
        if source.side is Side.BUY:
            freed = self._reservation(source, quote.limits, moved)
            self._check_cash(account, moved, new_price or quote.limits.upper, quote, freed)
        source.amended += moved
        order = Order(
            number=self._take_number(), account=account, code=source.code, side=source.side,
            dvsn=dvsn, qty=moved, price=new_price, ts=now.timestamp(), day=quote.day,
            tr_id=tr_id, exchange=source.exchange, kind=OrderKind.AMEND, original=source.number,
        )
        self._emit("amended", source, None)
        return self._accept(order, kind, quote, now)

    def cancel(
        self, account: Account, original: int, qty: int | None, now: dt.datetime, tr_id: str
    ) -> Order:
        """Cancel ``qty`` (None: all) of an order's open remainder."""
        source = self._amendable(account, original, qty, now)
        cancelled = source.remaining if qty is None else qty
        source.cancelled += cancelled
        record = Order(
            number=self._take_number(), account=account, code=source.code, side=source.side,
            dvsn=source.dvsn, qty=cancelled, price=source.price, ts=now.timestamp(),
            day=source.day, tr_id=tr_id, exchange=source.exchange, kind=OrderKind.CANCEL,
            original=source.number,
        )
        account.orders[record.number] = record
        self._emit("cancelled", source, None)
        return record

    def sync(self, accounts: list[Account], now: dt.datetime) -> None:
        """Match every resting order against the market's trades up to ``now``."""
        now_ts = now.timestamp()
        for account in accounts:
            for order in account.open_orders():
                self._catch_up(order, now_ts)

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
        while qty > 0 and self._buy_cost(account, qty * unit, quote) > cash:
            qty -= 1
        return cash, unit, qty

    def orderable_cash(self, account: Account) -> int:
        """Cash after every booked trade, less what open buy orders hold back."""
        reserved = 0
        for order in account.open_orders():
            if order.side is Side.BUY:
                limits = self.market.limits(order.code, order.day)
                reserved += self._reservation(order, limits, order.remaining)
        return account.cash() - reserved

    # --- checks ----------------------------------------------------------------------
    def _tradable(self, account: Account, code: str, now: dt.datetime) -> Quote:
        if code not in self.market.universe:
            raise self._refusal(account, Reason.UNKNOWN_SYMBOL)
        self._check_session(account, now)
        return self.market.quote(code, now)

    def _check_session(self, account: Account, now: dt.datetime) -> None:
        calendar = self.market.calendar
        if not calendar.is_trading_day(now.date()):
            raise self._refusal(account, Reason.NOT_A_BUSINESS_DAY)
        session = calendar.session_at(now)
        if session in (Session.REGULAR, Session.CLOSING_AUCTION):
            return
        if session is Session.PRE_MARKET and account.profile.accepts_pre_market:
            return
        schedule = calendar.schedule(now.date())
        before_open = schedule is not None and now < schedule.regular_open
        raise self._refusal(account, Reason.BEFORE_OPEN if before_open else Reason.MARKET_CLOSED)

    def _order_type(self, dvsn: str) -> OrderType:
        if dvsn in ORDER_TYPES:
            return ORDER_TYPES[dvsn]
        if dvsn in KNOWN_UNSIMULATED:
            raise SimError("SIM00501", text=f"시뮬레이터가 지원하지 않는 주문구분입니다 ({dvsn})")
        raise SimError("OPSQ2001", text="ERROR INVALID ORD_DVSN")

    def _checked_price(
        self, account: Account, kind: OrderType, price: int, quote: Quote
    ) -> int:
        if not kind.priced:
            return 0  # best-price types take their price from the book when they match
        if price <= 0 or not is_on_grid(price, quote.inst.kind):
            raise self._refusal(account, Reason.OFF_TICK)
        if price > quote.limits.upper:
            raise self._refusal(account, Reason.ABOVE_UPPER_LIMIT)
        if price < quote.limits.lower:
            raise self._refusal(account, Reason.BELOW_LOWER_LIMIT)
        return price

    def _check_cash(
        self, account: Account, qty: int, unit: int, quote: Quote, freed: int = 0
    ) -> None:
        needed = self._buy_cost(account, qty * unit, quote)
        if needed > self.orderable_cash(account) + freed:
            raise self._refusal(account, Reason.INSUFFICIENT_CASH)

    def _amendable(
        self, account: Account, original: int, qty: int | None, now: dt.datetime
    ) -> Order:
        self._check_session(account, now)
        source = account.orders.get(original)
        if source is None or source.kind == OrderKind.CANCEL:
            raise self._refusal(account, Reason.UNKNOWN_ORDER)
        self._catch_up(source, now.timestamp())
        if not source.is_open or (qty is not None and not 0 < qty <= source.remaining):
            raise self._refusal(account, Reason.NOTHING_TO_CANCEL)
        return source

    # --- matching --------------------------------------------------------------------
    def _accept(self, order: Order, kind: OrderType, quote: Quote, now: dt.datetime) -> Order:
        account = order.account
        account.orders[order.number] = order
        order.seen = self.market.path(order.code, order.day).index_at(now.timestamp())
        self._emit("accepted", order, None)
        if quote.session is Session.REGULAR and quote.last_ts is not None:
            self._match_book(order, kind, self.market.book(quote), now.timestamp())
        if order.is_open and (kind.ioc or kind.fok):
            order.cancelled += order.remaining
            self._emit("cancelled", order, None)
        if order.is_open:
            account.working[order.number] = order
        return order

    def _match_book(self, order: Order, kind: OrderType, book: Book, ts: float) -> None:
        buying = order.side is Side.BUY
        levels = book.asks if buying else book.bids
        if kind.best:
            same = book.bids if buying else book.asks
            order.price = (levels if kind.best == "opposite" else same)[0][0]
        takes = []
        wanted = order.remaining
        for price, qty in levels:
            if price == 0 or wanted == 0:
                break
            if order.price and (price > order.price if buying else price < order.price):
                break
            take = min(qty, wanted)
            takes.append((take, price))
            wanted -= take
        if kind.fok and wanted:
            return  # not all at once: the whole order is cancelled by _accept
        for take, price in takes:
            self._book_fill(order, take, price, ts)

    def _catch_up(self, order: Order, now_ts: float) -> None:
        close_ts = self.market.schedule(order.day).regular_close.timestamp()
        for index, trade in self.market.trades(order.code, order.day, order.seen,
                                               min(now_ts, close_ts)):
            order.seen = index
            if self._crosses(order, trade.price):
                at_trade = not order.price or trade.auction
                qty = min(order.remaining, trade.volume)
                self._book_fill(order, qty, trade.price if at_trade else order.price, trade.ts)
                if not order.is_open:
                    break
        if now_ts >= close_ts and order.is_open:
            order.expired = True
            self._emit("expired", order, None)

    @staticmethod
    def _crosses(order: Order, price: int) -> bool:
        if not order.price:
            return True
        return price <= order.price if order.side is Side.BUY else price >= order.price

    def _book_fill(self, order: Order, qty: int, price: int, ts: float) -> None:
        account, inst = order.account, self.market.universe[order.code]
        value = qty * price
        costs = self.costs.of(order.side, value, order.day, inst.market, inst.kind)
        fill = Fill(
            number=self._next_fill, odno=order.number, code=order.code, side=order.side,
            qty=qty, price=price, ts=ts, day=order.day, commission=costs.commission,
            transaction_tax=costs.transaction_tax, rural_tax=costs.rural_tax,
        )
        self._next_fill += 1
        order.filled += qty
        order.filled_value += value
        order.fills.append(fill)
        position = account.position(order.code)
        if order.side is Side.BUY:
            position.buy(qty, price)
            amount = -(value + costs.total)
        else:
            position.sell(qty)
            amount = value - costs.total
        settle = self.market.calendar.add_trading_days(order.day, 2)
        account.movements.append(CashMovement(order.day, settle, amount))
        self._emit("filled", order, fill)

    # --- helpers ---------------------------------------------------------------------
    def _reservation(self, order: Order, limits: PriceLimits, qty: int) -> int:
        unit = order.price or limits.upper
        inst = self.market.universe[order.code]
        value = qty * unit
        return value + self.costs.commission.amount(value, inst.kind)

    def _buy_cost(self, account: Account, value: int, quote: Quote) -> int:
        return value + self.costs.commission.amount(value, quote.inst.kind)

    def _refusal(self, account: Account, reason: Reason) -> SimError:
        return SimError(account.profile.rejections[reason])

    def _take_number(self) -> int:
        number = self._next_order
        self._next_order += 1
        return number

    def _emit(self, event: str, order: Order, fill: Fill | None) -> None:
        for listener in list(self.listeners):
            listener(event, order, fill)

