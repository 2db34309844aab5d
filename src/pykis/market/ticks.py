"""KRX tick sizes (호가가격단위) and moving prices onto the tick grid.

Stocks use the unified KOSPI/KOSDAQ table in force since 2023-01-25; ETFs and ETNs trade
in 1 KRW below 2,000 KRW and 5 KRW from 2,000 KRW. The tick depends on the price itself,
and every band boundary is a multiple of the ticks on both sides of it, so flooring or
ceiling within the band of the input always lands on the grid.
"""

from __future__ import annotations

import math
from decimal import Decimal
from enum import StrEnum

from pykis.exceptions import InvalidInputError
from pykis.market.instruments import InstrumentKind

__all__ = [
    "Rounding",
    "is_on_grid",
    "round_to_tick",
    "shift_ticks",
    "tick_size",
    "tick_table",
]

# (upper bound exclusive, tick); the last band has no upper bound.
STOCK_TICKS: tuple[tuple[int | None, int], ...] = (
    (2_000, 1),
    (5_000, 5),
    (20_000, 10),
    (50_000, 50),
    (200_000, 100),
    (500_000, 500),
    (None, 1_000),
)
FUND_TICKS: tuple[tuple[int | None, int], ...] = ((2_000, 1), (None, 5))


class Rounding(StrEnum):
    """Direction for moving a price onto the grid."""

    UP = "up"
    DOWN = "down"
    NEAREST = "nearest"  # ties go up


Price = int | float | Decimal


def tick_table(kind: InstrumentKind) -> tuple[tuple[int | None, int], ...]:
    """The (exclusive upper bound, tick) bands of ``kind``, lowest first."""
    if kind is InstrumentKind.STOCK:  # identity first: this runs on the simulator's hot path
        return STOCK_TICKS
    return FUND_TICKS if InstrumentKind(kind).is_fund_like else STOCK_TICKS


def _checked(price: object, argument: str = "price") -> int | float | Decimal:
    # int and float are the common cases and stay free of Decimal arithmetic.
    if type(price) is int or type(price) is float:
        if not 0 < price < math.inf:
            raise InvalidInputError(argument, price, "a positive number of KRW")
        return price
    if isinstance(price, bool) or not isinstance(price, (int, float, Decimal)):
        raise InvalidInputError(argument, price, "a positive number of KRW (int, float or Decimal)")
    value = Decimal(str(price)) if isinstance(price, float) else Decimal(price)
    if not value.is_finite() or value <= 0:
        raise InvalidInputError(argument, price, "a positive number of KRW")
    return value


def _floor_ceil(value: int | float | Decimal, tick: int) -> tuple[int, int]:
    if type(value) is int:
        return value // tick * tick, -(-value // tick) * tick
    if type(value) is float:
        return math.floor(value / tick) * tick, math.ceil(value / tick) * tick
    # divmod is exact for Decimal; value / tick would round to the context precision.
    whole, rest = divmod(value, tick)
    down = int(whole) * tick
    return down, down + tick if rest else down


def _band_tick(value: int | float | Decimal, kind: InstrumentKind) -> int:
    for upper, tick in tick_table(kind):
        if upper is None or value < upper:
            return tick
    raise AssertionError("unreachable: the last band is open-ended")


def tick_size(price: Price, kind: InstrumentKind = InstrumentKind.STOCK) -> int:
    """Tick of the band ``price`` falls in."""
    return _band_tick(_checked(price), kind)


def is_on_grid(price: Price, kind: InstrumentKind = InstrumentKind.STOCK) -> bool:
    """True if ``price`` is a valid order price: a whole multiple of its own tick."""
    value = _checked(price)
    return value % _band_tick(value, kind) == 0


def _rounding(value: object) -> Rounding:
    try:
        return Rounding(value)
    except ValueError:
        raise InvalidInputError("rounding", value, "'up', 'down' or 'nearest'") from None


def round_to_tick(
    price: Price,
    rounding: Rounding | str = Rounding.NEAREST,
    kind: InstrumentKind = InstrumentKind.STOCK,
) -> int:
    """Move ``price`` onto the grid; the result is within one tick of ``price``."""
    value = _checked(price)
    down, up = _floor_ceil(value, _band_tick(value, kind))
    mode = rounding if isinstance(rounding, Rounding) else _rounding(rounding)
    if mode is Rounding.DOWN:
        result = down
    elif mode is Rounding.UP:
        result = up
    else:
        result = up if value - down >= up - value else down
    if result < 1:
        raise InvalidInputError("price", price, "a price of at least 1 KRW after rounding")
    return result


def shift_ticks(price: int, steps: int, kind: InstrumentKind = InstrumentKind.STOCK) -> int:
    """The grid price ``steps`` ticks above (or below, if negative) grid price ``price``.

    Crossing a band boundary changes the step, as on the exchange's order book.
    """
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise InvalidInputError("steps", steps, "a whole number of ticks")
    if not is_on_grid(price, kind):
        raise InvalidInputError("price", price, "a price on the tick grid")
    current = int(price)
    for _ in range(abs(steps)):
        if steps > 0:
            current += _band_tick(current, kind)
        else:
            below = current - 1
            if below < 1:
                raise InvalidInputError("steps", steps, "a shift that stays above 0 KRW")
            current = round_to_tick(below, Rounding.DOWN, kind)
    return current
