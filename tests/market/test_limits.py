"""Daily price limits: ±30 % of the base price, inside the band and on the tick grid."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pykis.exceptions import InvalidInputError
from pykis.market import (
    DEFAULT_LIMIT_RATE,
    InstrumentKind,
    PriceLimits,
    is_on_grid,
    price_limits,
    shift_ticks,
)

STOCK = InstrumentKind.STOCK
ETF = InstrumentKind.ETF
ETN = InstrumentKind.ETN


@pytest.mark.parametrize(
    ("base", "upper", "lower"),
    [
        # stck_sdpr (base) -> stck_mxpr / stck_llam, from genuine KIS inquire-price answers
        (78_600, 102_100, 55_100),
        (66_000, 85_800, 46_200),
        (169_400, 220_000, 118_600),
    ],
)
def test_limits_match_kis_captures(base, upper, lower):
    assert price_limits(base) == PriceLimits(lower=lower, upper=upper)


@pytest.mark.parametrize(
    ("base", "kind", "upper", "lower"),
    [
        # 1.3 x 1,000 = 1,300 and 0.7 x 1,000 = 700, both in the 1 KRW band
        (1_000, STOCK, 1_300, 700),
        # 2,005 x 1.3 = 2,606.5 -> 2,605 (5 KRW band); x 0.7 = 1,403.5 -> 1,404 (1 KRW band)
        (2_005, STOCK, 2_605, 1_404),
        # 9,990 x 1.3 = 12,987 -> 12,980 (10 KRW); x 0.7 = 6,993 -> 7,000 (10 KRW)
        (9_990, STOCK, 12_980, 7_000),
        # 400,000 x 1.3 = 520,000 (1,000 KRW band); x 0.7 = 280,000
        (400_000, STOCK, 520_000, 280_000),
        # 450,500 x 1.3 = 585,650 -> 585,000; x 0.7 = 315,350 -> 315,500 (500 KRW band)
        (450_500, STOCK, 585_000, 315_500),
        # ETF grid: 31,415 x 1.3 = 40,839.5 -> 40,835; x 0.7 = 21,990.5 -> 21,995
        (31_415, ETF, 40_835, 21_995),
        # the same base on the stock grid (50 KRW ticks at both limits)
        (31_415, STOCK, 40_800, 22_000),
        # ETN: 10,005 x 1.3 = 13,006.5 -> 13,005; x 0.7 = 7,003.5 -> 7,005
        (10_005, ETN, 13_005, 7_005),
        # ETF below 2,000: 1,500 x 1.3 = 1,950; x 0.7 = 1,050
        (1_500, ETF, 1_950, 1_050),
        # ETF crossing 2,000: 1,999 x 1.3 = 2,598.7 -> 2,595; x 0.7 = 1,399.3 -> 1,400
        (1_999, ETF, 2_595, 1_400),
    ],
)
def test_limits_by_hand(base, kind, upper, lower):
    assert price_limits(base, kind) == PriceLimits(lower=lower, upper=upper)


@pytest.mark.parametrize(
    ("base", "upper", "lower"),
    [
        (1, 1, 1),  # 0.7 rounds up to 1; 1.3 rounds down to 1
        (2, 2, 2),  # 2.6 -> 2, 1.4 -> 2
        (3, 3, 3),  # 3.9 -> 3, 2.1 -> 3
        (4, 5, 3),  # 5.2 -> 5, 2.8 -> 3
        (10, 13, 7),
    ],
)
def test_limits_of_tiny_prices(base, upper, lower):
    assert price_limits(base) == PriceLimits(lower=lower, upper=upper)


def test_custom_rate():
    # ±15 % (the rule before 2015-06-15): 10,000 -> 11,500 / 8,500
    assert price_limits(10_000, rate=Decimal("0.15")) == PriceLimits(lower=8_500, upper=11_500)


@pytest.mark.parametrize(
    "base", [0, -1, -78_600, 1.0, 78_600.0, Decimal("78600"), "78600", True, None]
)
def test_invalid_base_prices_are_rejected(base):
    with pytest.raises(InvalidInputError) as caught:
        price_limits(base)
    assert caught.value.argument == "base_price"


@pytest.mark.parametrize(
    ("price", "inside"),
    [(55_100, True), (102_100, True), (78_600, True), (55_000, False), (102_200, False)],
)
def test_contains(price, inside):
    assert (price in price_limits(78_600)) is inside


# ----------------------------------------------------------------------------- properties

bases = st.integers(min_value=1, max_value=5_000_000)
kinds = st.sampled_from([STOCK, ETF])


def test_default_rate_is_thirty_percent():
    # The properties below check ±30 % exactly in integers: x * 13 / 10 and x * 7 / 10.
    assert DEFAULT_LIMIT_RATE == Decimal("0.30")


@given(base=bases, kind=kinds)
def test_limits_are_on_the_grid_and_inside_the_band(base, kind):
    limits = price_limits(base, kind)
    assert is_on_grid(limits.upper, kind)
    assert is_on_grid(limits.lower, kind)
    assert 1 <= limits.lower <= base <= limits.upper
    assert limits.upper * 10 <= base * 13  # upper <= base x 1.3, exactly
    assert limits.lower * 10 >= base * 7  # lower >= base x 0.7, exactly


@given(base=bases, kind=kinds)
def test_limits_are_the_extreme_grid_prices_inside_the_band(base, kind):
    limits = price_limits(base, kind)
    # The next grid price above the upper limit is beyond base x 1.3 ...
    assert shift_ticks(limits.upper, 1, kind) * 10 > base * 13
    # ... and the next one below the lower limit is below base x 0.7 (or below 1 KRW).
    if limits.lower > 1:
        assert shift_ticks(limits.lower, -1, kind) * 10 < base * 7
