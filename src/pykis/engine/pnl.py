"""Money of a trade: fills with their costs, average cost, realized and unrealized P&L,
buy sizing by a KRW amount and limit prices on the tick grid.

Everything is whole KRW (``int``); only averages and percentages are ``Decimal``.
Commission and sale taxes come from :class:`pykis.market.TradingCosts` (tax by
settlement date, T+2 on the KRX calendar), one fill at a time, as the broker books them.

Average cost: buys add their traded value and their commission to the cost of the
shares held; a sale takes the held cost in proportion to the shares sold (rounded down),
and the last sale takes whatever is left, so the parts always add up to the whole.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from pykis.exceptions import InvalidInputError
from pykis.market import (
    InstrumentKind,
    Market,
    PriceLimits,
    Rounding,
    TradingCosts,
    round_to_tick,
)
from pykis.models import OrderSide

__all__ = [
    "DEFAULT_COSTS",
    "Execution",
    "PositionCost",
    "Realized",
    "Unrealized",
    "average",
    "execution",
    "fit_buy",
    "max_buy_quantity",
    "order_price",
    "percent",
    "unrealized",
]

_PLACES = Decimal("0.0001")  # averages and percentages
DEFAULT_COSTS = TradingCosts()


def _whole(value: object, argument: str, *, positive: bool = True) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < (1 if positive else 0):
        expected = "a positive whole number" if positive else "a non-negative whole number"
        raise InvalidInputError(argument, value, expected)
    return value


def _side(side: object) -> OrderSide:
    if side not in (OrderSide.BUY, OrderSide.SELL):
        raise InvalidInputError("side", side, "'buy' or 'sell'")
    return OrderSide(side)  # type: ignore[arg-type]


def average(value: int, quantity: int) -> Decimal:
    """Price per share of ``value`` KRW over ``quantity`` shares, to four places."""
    return (Decimal(value) / quantity).quantize(_PLACES, ROUND_HALF_EVEN)


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to four places; None when ``whole`` is 0."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(_PLACES, ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Execution:
    """One fill as the money sees it: shares, traded value and what the broker charged."""

    side: OrderSide
    quantity: int
    value: int  # quantity x price, KRW
    commission: int = 0
    tax: int = 0  # transaction tax + rural special tax (sales only)

    def __post_init__(self) -> None:
        object.__setattr__(self, "side", _side(self.side))
        _whole(self.quantity, "quantity")
        _whole(self.value, "value")
        _whole(self.commission, "commission", positive=False)
        _whole(self.tax, "tax", positive=False)
        if self.side is OrderSide.BUY and self.tax:
            raise InvalidInputError("tax", self.tax, "0 on a buy (tax is charged on sales)")

    @property
    def price(self) -> Decimal:
        return Decimal(self.value) / self.quantity


def execution(
    side: OrderSide | str,
    quantity: int,
    price: int,
    trade_date: dt.date,
    *,
    market: Market = Market.KOSPI,
    kind: InstrumentKind = InstrumentKind.STOCK,
    costs: TradingCosts = DEFAULT_COSTS,
) -> Execution:
    """A fill of ``quantity`` shares at ``price`` on ``trade_date``, with its commission
    and (for a sale) the tax of the rate in force at settlement."""
    side = _side(side)
    quantity, price = _whole(quantity, "quantity"), _whole(price, "price")
    charged = costs.of(side, quantity * price, trade_date, market, kind)
    return Execution(side, quantity, quantity * price, charged.commission, charged.tax)


@dataclass(frozen=True, slots=True)
class Realized:
    """What one sale realized; ``cost`` and ``buy_fees`` are the held cost it took."""

    quantity: int
    proceeds: int
    cost: int
    buy_fees: int
    sell_fees: int
    tax: int

    @property
    def pnl(self) -> int:
        return self.proceeds - self.cost - self.buy_fees - self.sell_fees - self.tax

    @property
    def basis(self) -> int:
        """What the sold shares cost, buy commission included: the base of pnl_percent."""
        return self.cost + self.buy_fees

    @property
    def pnl_percent(self) -> Decimal | None:
        return percent(self.pnl, self.basis)


@dataclass(frozen=True, slots=True)
class PositionCost:
    """Shares held and what they cost: traded value and the buy commission paid on them."""

    quantity: int = 0
    cost: int = 0
    fees: int = 0

    def __post_init__(self) -> None:
        for name in ("quantity", "cost", "fees"):
            _whole(getattr(self, name), name, positive=False)
        if self.quantity == 0 and (self.cost or self.fees):
            raise InvalidInputError("cost", self.cost, "0 for a position of 0 shares")

    @property
    def average_price(self) -> Decimal | None:
        """Average buy price, commission excluded (what brokers show as 매입평균가)."""
        return Decimal(self.cost) / self.quantity if self.quantity else None

    def bought(self, fill: Execution) -> PositionCost:
        if fill.side is not OrderSide.BUY:
            raise InvalidInputError("fill", fill, "a buy")
        return PositionCost(
            self.quantity + fill.quantity, self.cost + fill.value, self.fees + fill.commission
        )

    def sold(self, fill: Execution) -> tuple[PositionCost, Realized]:
        """The position left after ``fill`` and what the sale realized."""
        if fill.side is not OrderSide.SELL:
            raise InvalidInputError("fill", fill, "a sale")
        if fill.quantity > self.quantity:
            raise InvalidInputError(
                "quantity", fill.quantity, f"at most the {self.quantity} shares held"
            )
        left = self.quantity - fill.quantity
        # Rounding the part sold down and leaving the rest with the shares still held
        # makes the last sale take exactly what remains: nothing is lost or counted twice.
        cost = self.cost - self.cost * left // self.quantity
        fees = self.fees - self.fees * left // self.quantity
        realized = Realized(fill.quantity, fill.value, cost, fees, fill.commission, fill.tax)
        return PositionCost(left, self.cost - cost, self.fees - fees), realized


@dataclass(frozen=True, slots=True)
class Unrealized:
    """A position valued at a live price, as if sold now (commission and tax estimated)."""

    quantity: int
    market_value: int
    cost: int
    buy_fees: int
    exit_costs: int

    @property
    def pnl(self) -> int:
        return self.market_value - self.exit_costs - self.cost - self.buy_fees

    @property
    def pnl_percent(self) -> Decimal | None:
        return percent(self.pnl, self.cost + self.buy_fees)


def unrealized(
    position: PositionCost,
    price: int,
    trade_date: dt.date,
    *,
    market: Market = Market.KOSPI,
    kind: InstrumentKind = InstrumentKind.STOCK,
    costs: TradingCosts = DEFAULT_COSTS,
) -> Unrealized:
    """``position`` valued at ``price``; the exit costs are those of a sale on
    ``trade_date`` (tax rate of its settlement date)."""
    value = position.quantity * _whole(price, "price")
    exit_costs = costs.of(OrderSide.SELL, value, trade_date, market, kind).total
    return Unrealized(position.quantity, value, position.cost, position.fees, exit_costs)


def max_buy_quantity(
    amount: int,
    price: int,
    *,
    kind: InstrumentKind = InstrumentKind.STOCK,
    costs: TradingCosts = DEFAULT_COSTS,
) -> int:
    """The most whole shares at ``price`` whose value plus commission fits in ``amount``
    KRW (0 when not even one share does)."""
    amount, price = _whole(amount, "amount", positive=False), _whole(price, "price")
    commission = costs.commission

    def total(quantity: int) -> int:
        return quantity * price + commission.amount(quantity * price, kind)

    # Truncated commission never exceeds value x rate, so this estimate always fits; at
    # most a share or two more may fit too, thanks to the truncation.
    quantity = int(Decimal(amount) / (price * (1 + commission.rate(kind))))
    while total(quantity + 1) <= amount:
        quantity += 1
    while quantity and total(quantity) > amount:  # defensive: a custom Commission
        quantity -= 1
    return quantity


def fit_buy(caps: dict[str, int], price: int, *, kind: InstrumentKind = InstrumentKind.STOCK,
            costs: TradingCosts = DEFAULT_COSTS) -> tuple[int, str]:
    """The most whole shares at ``price`` that fit the smallest of ``caps`` (KRW by what
    sets them: a budget, the cash, a risk rule), commission included, and that cap's name."""
    bound = min(caps, key=lambda name: caps[name])
    return max_buy_quantity(max(caps[bound], 0), price, kind=kind, costs=costs), bound


def order_price(
    side: OrderSide | str,
    price: Decimal | float,
    limits: PriceLimits | None = None,
    *,
    kind: InstrumentKind = InstrumentKind.STOCK,
    argument: str = "price",
) -> int:
    """A limit price moved onto the tick grid in the direction that never costs more than
    asked: a buy down (never pays more), a sale up (never sells for less); then checked
    against today's ``limits``."""
    if isinstance(price, bool) or not isinstance(price, (int, Decimal, float)):
        raise InvalidInputError(argument, price, "a positive price in KRW")
    rounding = Rounding.DOWN if _side(side) is OrderSide.BUY else Rounding.UP
    try:
        on_grid = round_to_tick(price, rounding, kind)
    except InvalidInputError as error:
        raise InvalidInputError(argument, price, error.allowed) from None
    if limits is not None and on_grid not in limits:
        raise InvalidInputError(
            argument, price, f"a price within today's limits {limits.lower:,}-{limits.upper:,} KRW"
        )
    return on_grid
