"""The seed's "Portfolio Manager": cash and positions, valued at live prices, and the
size of a new buy under the risk rules.

The engine builds one from its ledger (``Portfolio.of``: the open trades, and KIS's
orderable cash) whenever it values positions (``get_current_positions``, ``status``,
``pykis engine status``), checks a buy against the risk rules, or sizes one; the
monitor reads its holdings from the same. A runtime without a ledger (a backtest, say)
can keep one in memory and feed it fills (``apply``).

Equity is cash plus the market value of the positions at the given prices (or KIS's
own total, where the account holds more than the engine knows); unrealized P&L is net of
the commission and tax a sale would cost now (see :mod:`.pnl`). Exposure is the market
value held, and its share of equity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Protocol

from pykis.engine.pnl import (
    DEFAULT_COSTS,
    Execution,
    PositionCost,
    Realized,
    Unrealized,
    fit_buy,
    unrealized,
)
from pykis.engine.risk import AccountState, EntryDecision, RiskLimits, check_entry
from pykis.exceptions import InvalidInputError
from pykis.market import InstrumentKind, Market, TradingCosts, validate_symbol
from pykis.models import OrderSide

__all__ = ["HeldTrade", "Portfolio", "Position", "PositionValue", "Sizing", "Valuation"]


class HeldTrade(Protocol):
    """What :meth:`Position.of` reads: an open trade of the store has these."""

    id: int
    ticker: str
    open_quantity: int
    open_cost: int
    open_fees: int
    market: str
    kind: str


@dataclass(frozen=True, slots=True)
class Position:
    ticker: str
    cost: PositionCost
    market: Market = Market.KOSPI
    kind: InstrumentKind = InstrumentKind.STOCK
    trade_ids: tuple[int, ...] = ()  # the ledger's open trades that hold it

    def __post_init__(self) -> None:
        validate_symbol(self.ticker, "ticker")
        if not isinstance(self.cost, PositionCost):
            raise InvalidInputError("cost", self.cost, "a PositionCost")
        object.__setattr__(self, "market", Market(self.market))
        object.__setattr__(self, "kind", InstrumentKind(self.kind))

    @classmethod
    def of(cls, trade: HeldTrade) -> Position:
        """The position an open trade holds."""
        cost = PositionCost(trade.open_quantity, trade.open_cost, trade.open_fees)
        trade_id = getattr(trade, "id", None)
        return cls(trade.ticker, cost, Market(trade.market), InstrumentKind(trade.kind),
                   (trade_id,) if trade_id is not None else ())


@dataclass(frozen=True, slots=True)
class PositionValue:
    ticker: str
    price: int
    unrealized: Unrealized

    @property
    def market_value(self) -> int:
        return self.unrealized.market_value


@dataclass(frozen=True, slots=True)
class Valuation:
    cash: int
    positions: tuple[PositionValue, ...]

    @property
    def market_value(self) -> int:
        """Exposure in KRW: the market value of every position."""
        return sum(p.market_value for p in self.positions)

    @property
    def equity(self) -> int:
        return self.cash + self.market_value

    @property
    def exposure(self) -> Decimal | None:
        """Market value held / equity (None when equity is not positive)."""
        if self.equity <= 0:
            return None
        return (Decimal(self.market_value) / self.equity).quantize(Decimal("0.0001"),
                                                                    ROUND_HALF_EVEN)

    @property
    def unrealized_pnl(self) -> int:
        return sum(p.unrealized.pnl for p in self.positions)

    def value_of(self, ticker: str) -> int:
        return sum(p.market_value for p in self.positions if p.ticker == ticker)


@dataclass(frozen=True, slots=True)
class Sizing:
    """A buy sized by :meth:`Portfolio.size_buy`: ``quantity`` 0 means do not buy."""

    quantity: int
    value: int  # quantity x price
    commission: int
    reason: str
    bound: str = ""  # what bounds it: "budget", "cash" or "position size"
    cap: int = 0  # that bound, in KRW


class Portfolio:
    """Cash and positions; the runtime applies each fill once, as it is recorded."""

    def __init__(self, cash: int, positions: Iterable[Position] = (), *,
                 costs: TradingCosts = DEFAULT_COSTS) -> None:
        if isinstance(cash, bool) or not isinstance(cash, int):
            raise InvalidInputError("cash", cash, "a whole number of KRW")
        self.cash = cash
        self.realized_pnl = 0
        self.costs = costs
        self._positions: dict[str, Position] = {}
        for position in positions:
            self._hold(_merged(self._positions.get(position.ticker), position))

    @classmethod
    def of(cls, trades: Iterable[HeldTrade], cash: int = 0, *,
           costs: TradingCosts = DEFAULT_COSTS) -> Portfolio:
        """The portfolio the ledger's open ``trades`` hold, beside ``cash``."""
        return cls(cash, (Position.of(t) for t in trades if t.open_quantity > 0), costs=costs)

    @property
    def positions(self) -> Mapping[str, Position]:
        return dict(self._positions)

    def value(self, ticker: str, price: int, trade_date: dt.date) -> PositionValue:
        """The position in ``ticker`` at ``price``, exit costs as of a sale on ``trade_date``."""
        held = self._positions.get(ticker)
        if held is None:
            raise InvalidInputError("ticker", ticker, "a ticker the portfolio holds")
        return PositionValue(ticker, price, unrealized(held.cost, price, trade_date,
                                                       market=held.market, kind=held.kind,
                                                       costs=self.costs))

    def entry(self, ticker: str, price: int, limits: RiskLimits, *, equity: int,
              day_start_equity: int, pending: Iterable[str] = ()) -> EntryDecision:
        """Whether the risk rules allow buying ``ticker`` now (at ``price``), and how much
        more of it they allow. ``equity``: the account's, as KIS values it; ``pending``:
        tickers with buys in flight, which count as positions (they may fill any moment)."""
        held = self._positions.get(ticker)
        value = held.cost.quantity * price if held else 0
        positions = len(set(self._positions) | set(pending))
        return check_entry(AccountState(equity, max(day_start_equity, 0), positions, value),
                           limits)

    def apply(self, ticker: str, fill: Execution, *, market: Market = Market.KOSPI,
              kind: InstrumentKind = InstrumentKind.STOCK) -> Realized | None:
        """Book a fill: cash moves by its value and costs; a sale returns what it realized."""
        held = self._positions.get(ticker)
        if fill.side is OrderSide.BUY:
            cost = held.cost if held else PositionCost()
            self._hold(Position(ticker, cost.bought(fill), market, kind,
                                held.trade_ids if held else ()))
            self.cash -= fill.value + fill.commission
            return None
        if held is None:
            raise InvalidInputError("ticker", ticker, "a ticker the portfolio holds")
        left, realized = held.cost.sold(fill)
        self._hold(Position(ticker, left, held.market, held.kind, held.trade_ids))
        self.cash += fill.value - fill.commission - fill.tax
        self.realized_pnl += realized.pnl
        return realized

    def valuation(self, prices: Mapping[str, int], trade_date: dt.date) -> Valuation:
        """Everything at ``prices`` (one for every ticker held); exit costs as of a sale on
        ``trade_date``."""
        missing = sorted(set(self._positions) - set(prices))
        if missing:
            raise InvalidInputError("prices", missing, "a price for every ticker held")
        values = tuple(
            PositionValue(p.ticker, prices[p.ticker], unrealized(
                p.cost, prices[p.ticker], trade_date, market=p.market, kind=p.kind,
                costs=self.costs))
            for p in self._positions.values())
        return Valuation(self.cash, values)

    def size_buy(self, ticker: str, price: int, *, budget: int, limits: RiskLimits,
                 trade_date: dt.date, day_start_equity: int,
                 prices: Mapping[str, int] | None = None, equity: int | None = None,
                 reserved_cash: int = 0,
                 kind: InstrumentKind = InstrumentKind.STOCK) -> Sizing:
        """How many shares of ``ticker`` to buy at ``price``: as many as fit in the
        smallest of ``budget``, the cash not ``reserved_cash`` (buy orders working) and
        what the position-size rule leaves, commission included; none if a rule refuses.
        Equity for the rules: ``equity`` (KIS's total) when given, else the valuation at
        ``prices`` (one for every ticker held)."""
        for name, value in (("budget", budget), ("reserved_cash", reserved_cash)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidInputError(name, value, "a whole number of KRW >= 0")
        if equity is None:
            equity = self.valuation({ticker: price, **(prices or {})}, trade_date).equity
        decision = self.entry(ticker, price, limits, equity=equity,
                              day_start_equity=day_start_equity)
        if not decision.allowed:
            return Sizing(0, 0, 0, decision.reason)
        caps = {"budget": budget, "cash": max(self.cash - reserved_cash, 0)}
        if decision.max_value is not None:
            caps["position size"] = decision.max_value
        quantity, bound = fit_buy(caps, price, kind=kind, costs=self.costs)
        value = quantity * price
        commission = self.costs.commission.amount(value, kind)
        return Sizing(quantity, value, commission,
                      f"{quantity} shares: the {bound} of {caps[bound]:,} KRW bounds the buy",
                      bound, caps[bound])

    def _hold(self, position: Position) -> None:
        if position.cost.quantity:
            self._positions[position.ticker] = position
        else:
            self._positions.pop(position.ticker, None)


def _merged(held: Position | None, more: Position) -> Position:
    """Two trades of one ticker (two strategies, say) are one position at the broker."""
    if held is None:
        return more
    cost = PositionCost(held.cost.quantity + more.cost.quantity, held.cost.cost + more.cost.cost,
                        held.cost.fees + more.cost.fees)
    return Position(held.ticker, cost, held.market, held.kind, held.trade_ids + more.trade_ids)
