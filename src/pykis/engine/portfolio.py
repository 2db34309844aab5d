"""The portfolio in memory: cash and positions, fed with fills by the runtime, valued at
live prices, and the size of a new buy from a budget and the risk rules.

Equity is cash plus the market value of the positions at the given prices; unrealized
P&L is net of the commission and tax a sale would cost now (see :mod:`.pnl`).
Exposure is the market value held, and its share of equity.
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
from pykis.engine.risk import AccountState, RiskLimits, check_entry
from pykis.exceptions import InvalidInputError
from pykis.market import InstrumentKind, Market, Side, TradingCosts, validate_symbol

__all__ = ["HeldTrade", "Portfolio", "Position", "PositionValue", "Sizing", "Valuation"]


class HeldTrade(Protocol):
    """What :meth:`Position.of` reads: an open trade of the store has these."""

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
        return cls(trade.ticker, cost, Market(trade.market), InstrumentKind(trade.kind))


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

    @property
    def positions(self) -> Mapping[str, Position]:
        return dict(self._positions)

    def apply(self, ticker: str, fill: Execution, *, market: Market = Market.KOSPI,
              kind: InstrumentKind = InstrumentKind.STOCK) -> Realized | None:
        """Book a fill: cash moves by its value and costs; a sale returns what it realized."""
        held = self._positions.get(ticker)
        if fill.side is Side.BUY:
            cost = held.cost if held else PositionCost()
            self._hold(Position(ticker, cost.bought(fill), market, kind))
            self.cash -= fill.value + fill.commission
            return None
        if held is None:
            raise InvalidInputError("ticker", ticker, "a ticker the portfolio holds")
        left, realized = held.cost.sold(fill)
        self._hold(Position(ticker, left, held.market, held.kind))
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
                 prices: Mapping[str, int], trade_date: dt.date, day_start_equity: int,
                 reserved_cash: int = 0,
                 kind: InstrumentKind = InstrumentKind.STOCK) -> Sizing:
        """How many shares of ``ticker`` to buy at ``price``: as many as fit in the
        smallest of ``budget``, the cash not ``reserved_cash`` (buy orders working) and
        what the position-size rule leaves, commission included; none if a rule refuses."""
        for name, value in (("budget", budget), ("reserved_cash", reserved_cash)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidInputError(name, value, "a whole number of KRW >= 0")
        valuation = self.valuation({ticker: price, **prices}, trade_date)
        account = AccountState(valuation.equity, day_start_equity, len(self._positions),
                               valuation.value_of(ticker))
        decision = check_entry(account, limits)
        if not decision.allowed:
            return Sizing(0, 0, 0, decision.reason)
        caps = {"budget": budget, "cash": max(self.cash - reserved_cash, 0)}
        if decision.max_value is not None:
            caps["position size"] = decision.max_value
        quantity, bound = fit_buy(caps, price, kind=kind, costs=self.costs)
        value = quantity * price
        commission = self.costs.commission.amount(value, kind)
        return Sizing(quantity, value, commission,
                      f"{quantity} shares: the {bound} of {caps[bound]:,} KRW bounds the buy")

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
    return Position(held.ticker, cost, held.market, held.kind)
