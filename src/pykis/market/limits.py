"""Daily price limits (가격제한폭): ±30 % of the base price, on the tick grid.

The upper limit is rounded down and the lower limit up, so both stay inside the band;
this reproduces KIS's ``stck_mxpr`` / ``stck_llam`` (e.g. base 78,600 → 102,100 / 55,100).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pykis.exceptions import InvalidInputError
from pykis.market.instruments import InstrumentKind
from pykis.market.ticks import Rounding, round_to_tick

__all__ = ["DEFAULT_LIMIT_RATE", "PriceLimits", "price_limits"]

DEFAULT_LIMIT_RATE = Decimal("0.30")


@dataclass(frozen=True, slots=True)
class PriceLimits:
    """Lowest and highest price an order may carry today."""

    lower: int
    upper: int

    def __contains__(self, price: object) -> bool:
        return isinstance(price, (int, float, Decimal)) and self.lower <= price <= self.upper


def price_limits(
    base_price: int,
    kind: InstrumentKind = InstrumentKind.STOCK,
    rate: Decimal = DEFAULT_LIMIT_RATE,
) -> PriceLimits:
    """Limits for a day whose base price (usually the previous close) is ``base_price``."""
    if isinstance(base_price, bool) or not isinstance(base_price, int) or base_price < 1:
        raise InvalidInputError("base_price", base_price, "a positive whole number of KRW")
    if rate == DEFAULT_LIMIT_RATE:
        # Exact integer arithmetic for the common case: grid prices are whole numbers, so
        # flooring base × 1.3 first and then to the grid is the same as flooring once.
        upper = round_to_tick(base_price * 13 // 10, Rounding.DOWN, kind)
        lower = round_to_tick(max(-(-base_price * 7 // 10), 1), Rounding.UP, kind)
        return PriceLimits(lower=lower, upper=upper)
    upper = round_to_tick(Decimal(base_price) * (1 + rate), Rounding.DOWN, kind)
    lower = round_to_tick(max(Decimal(base_price) * (1 - rate), Decimal(1)), Rounding.UP, kind)
    return PriceLimits(lower=lower, upper=upper)
