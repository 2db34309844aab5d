"""Tick sizes and the tick grid (unified KRX table since 2023-01-25; ETF/ETN 1/5 KRW)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pykis.exceptions import InvalidInputError
from pykis.market import InstrumentKind, Rounding, is_on_grid, round_to_tick, shift_ticks, tick_size

STOCK = InstrumentKind.STOCK
ETF = InstrumentKind.ETF
ETN = InstrumentKind.ETN


@pytest.mark.parametrize(
    ("price", "kind", "tick"),
    [
        (1, STOCK, 1),
        (1_999, STOCK, 1),
        (1_999.99, STOCK, 1),
        (2_000, STOCK, 5),
        (4_999, STOCK, 5),
        (4_999.5, STOCK, 5),
        (5_000, STOCK, 10),
        (19_990, STOCK, 10),
        (20_000, STOCK, 50),
        (49_950, STOCK, 50),
        (50_000, STOCK, 100),
        (199_900, STOCK, 100),
        (200_000, STOCK, 500),
        (499_500, STOCK, 500),
        (500_000, STOCK, 1_000),
        (5_000_000, STOCK, 1_000),
        (Decimal("1999.5"), STOCK, 1),
        (Decimal("2000"), STOCK, 5),
        (1, ETF, 1),
        (1_999, ETF, 1),
        (2_000, ETF, 5),
        (50_000, ETF, 5),
        (1_000_000, ETF, 5),
        (1_999, ETN, 1),
        (2_000, ETN, 5),
        (600_000, ETN, 5),
    ],
)
def test_tick_size_at_band_boundaries(price, kind, tick):
    assert tick_size(price, kind) == tick


def test_tick_size_defaults_to_the_stock_table():
    assert tick_size(50_000) == 100


@pytest.mark.parametrize(
    ("price", "kind", "expected"),
    [
        (1, STOCK, True),
        (1_999, STOCK, True),
        (1_999.5, STOCK, False),
        (2_000, STOCK, True),
        (2_000.0, STOCK, True),
        (2_001, STOCK, False),
        (2_005, STOCK, True),
        (4_995, STOCK, True),
        (5_005, STOCK, False),
        (5_010, STOCK, True),
        (19_995, STOCK, False),
        (20_010, STOCK, False),
        (20_050, STOCK, True),
        (49_950, STOCK, True),
        (50_050, STOCK, False),
        (50_100, STOCK, True),
        (199_900, STOCK, True),
        (200_100, STOCK, False),
        (200_500, STOCK, True),
        (499_500, STOCK, True),
        (500_500, STOCK, False),
        (501_000, STOCK, True),
        (Decimal("2005"), STOCK, True),
        (Decimal("2005.5"), STOCK, False),
        (1_999, ETF, True),
        (2_001, ETF, False),
        (2_005, ETF, True),
        (20_010, ETF, True),  # off the stock grid, on the ETF grid
        (501_005, ETF, True),
        (501_003, ETN, False),
    ],
)
def test_is_on_grid(price, kind, expected):
    assert is_on_grid(price, kind) is expected


@pytest.mark.parametrize(
    ("price", "rounding", "kind", "expected"),
    [
        # 1 KRW band
        (1_234.4, Rounding.NEAREST, STOCK, 1_234),
        (1_234.5, Rounding.NEAREST, STOCK, 1_235),  # tie goes up
        (1_234.5, Rounding.DOWN, STOCK, 1_234),
        (1_234.2, Rounding.UP, STOCK, 1_235),
        (1_999.5, Rounding.UP, STOCK, 2_000),  # up into the 5 KRW band
        (1_999.5, Rounding.NEAREST, STOCK, 2_000),
        (1_999.5, Rounding.DOWN, STOCK, 1_999),
        # 5 KRW band
        (2_002, Rounding.DOWN, STOCK, 2_000),
        (2_002, Rounding.UP, STOCK, 2_005),
        (2_002, Rounding.NEAREST, STOCK, 2_000),
        (2_002.5, Rounding.NEAREST, STOCK, 2_005),  # tie
        (2_003, Rounding.NEAREST, STOCK, 2_005),
        (4_999, Rounding.UP, STOCK, 5_000),
        (4_997.5, Rounding.NEAREST, STOCK, 5_000),  # tie at the band edge
        (4_997.4, Rounding.NEAREST, STOCK, 4_995),
        # 10 KRW band
        (5_004, Rounding.NEAREST, STOCK, 5_000),
        (5_005, Rounding.NEAREST, STOCK, 5_010),  # tie
        (19_995, Rounding.NEAREST, STOCK, 20_000),  # tie into the 50 KRW band
        (19_995, Rounding.DOWN, STOCK, 19_990),
        # 50 KRW band
        (20_024, Rounding.NEAREST, STOCK, 20_000),
        (20_025, Rounding.NEAREST, STOCK, 20_050),  # tie
        (49_951, Rounding.UP, STOCK, 50_000),
        # 100 KRW band
        (50_050, Rounding.NEAREST, STOCK, 50_100),  # tie
        (50_049, Rounding.NEAREST, STOCK, 50_000),
        (199_950, Rounding.NEAREST, STOCK, 200_000),  # tie into the 500 KRW band
        # 500 KRW band
        (200_250, Rounding.NEAREST, STOCK, 200_500),  # tie
        (200_249, Rounding.NEAREST, STOCK, 200_000),
        (499_999, Rounding.UP, STOCK, 500_000),
        (499_750, Rounding.NEAREST, STOCK, 500_000),  # tie into the 1,000 KRW band
        # 1,000 KRW band
        (500_500, Rounding.NEAREST, STOCK, 501_000),  # tie
        (500_499, Rounding.NEAREST, STOCK, 500_000),
        (1_234_567, Rounding.DOWN, STOCK, 1_234_000),
        (1_234_567, Rounding.UP, STOCK, 1_235_000),
        # sub-won prices that still round to at least 1 KRW
        (0.5, Rounding.NEAREST, STOCK, 1),
        (0.3, Rounding.UP, STOCK, 1),
        # string rounding names
        (2_002, "up", STOCK, 2_005),
        (2_002, "down", STOCK, 2_000),
        (2_002.5, "nearest", STOCK, 2_005),
        # Decimal input
        (Decimal("2002.5"), Rounding.NEAREST, STOCK, 2_005),
        (Decimal("2002.4"), Rounding.NEAREST, STOCK, 2_000),
        # ETF / ETN grid
        (1_999.5, Rounding.UP, ETF, 2_000),
        (2_002, Rounding.NEAREST, ETF, 2_000),
        (2_002.5, Rounding.NEAREST, ETF, 2_005),  # tie
        (12_347, Rounding.UP, ETF, 12_350),
        (12_347, Rounding.DOWN, ETF, 12_345),
        (12_347.5, Rounding.NEAREST, ETN, 12_350),  # tie
        (600_003, Rounding.NEAREST, ETN, 600_005),
    ],
)
def test_round_to_tick(price, rounding, kind, expected):
    result = round_to_tick(price, rounding, kind)
    assert result == expected
    assert type(result) is int


def test_round_to_tick_defaults_to_nearest_on_the_stock_grid():
    assert round_to_tick(2_002.5) == 2_005
    assert round_to_tick(20_010) == 20_000


def test_round_down_of_a_high_precision_decimal_stays_at_or_below_the_price():
    # 30 significant digits: more than the default Decimal context (28) keeps in a division.
    price = Decimal("1999.99999999999999999999999999")
    assert round_to_tick(price, Rounding.DOWN) == 1_999
    assert round_to_tick(price, Rounding.UP) == 2_000


@pytest.mark.parametrize(
    ("price", "steps", "kind", "expected"),
    [
        (1_999, 3, STOCK, 2_010),  # 1,999 -> 2,000 -> 2,005 -> 2,010
        (2_005, -2, STOCK, 1_999),  # 2,005 -> 2,000 -> 1,999
        (1_998, 1, STOCK, 1_999),
        (4_995, 1, STOCK, 5_000),
        (5_000, -1, STOCK, 4_995),
        (5_000, 1, STOCK, 5_010),
        (19_990, 1, STOCK, 20_000),
        (20_000, -1, STOCK, 19_990),
        (20_000, 1, STOCK, 20_050),
        (49_950, 1, STOCK, 50_000),
        (50_000, -1, STOCK, 49_950),
        (199_900, 1, STOCK, 200_000),
        (200_000, -1, STOCK, 199_900),
        (499_500, 1, STOCK, 500_000),
        (500_000, -1, STOCK, 499_500),
        (500_000, 1, STOCK, 501_000),
        (498_500, 5, STOCK, 502_000),  # 499,000 / 499,500 / 500,000 / 501,000 / 502,000
        (2_000, 0, STOCK, 2_000),
        (2, -1, STOCK, 1),
        (1_999, 1, ETF, 2_000),
        (2_000, 1, ETF, 2_005),
        (2_000, -1, ETF, 1_999),
        (100_000, 1, ETF, 100_005),
        (100_000, -3, ETN, 99_985),
    ],
)
def test_shift_ticks(price, steps, kind, expected):
    assert shift_ticks(price, steps, kind) == expected


BAD_PRICES = [
    0,
    -1,
    -0.5,
    0.0,
    math.nan,
    math.inf,
    -math.inf,
    True,
    False,
    "5000",
    None,
    Decimal("NaN"),
    Decimal("Infinity"),
    Decimal("-1"),
    Decimal("0"),
]


@pytest.mark.parametrize("price", BAD_PRICES, ids=repr)
@pytest.mark.parametrize(
    "call",
    [
        lambda p: tick_size(p),
        lambda p: is_on_grid(p),
        lambda p: round_to_tick(p, Rounding.UP),
        lambda p: shift_ticks(p, 1),
    ],
    ids=["tick_size", "is_on_grid", "round_to_tick", "shift_ticks"],
)
def test_invalid_prices_are_rejected(call, price):
    with pytest.raises(InvalidInputError) as caught:
        call(price)
    assert caught.value.argument == "price"


@pytest.mark.parametrize("rounding", ["sideways", "", None, 1])
def test_invalid_rounding_is_rejected(rounding):
    with pytest.raises(InvalidInputError) as caught:
        round_to_tick(2_002, rounding)
    assert caught.value.argument == "rounding"


@pytest.mark.parametrize(("price", "rounding"), [(0.4, Rounding.NEAREST), (0.7, Rounding.DOWN)])
def test_rounding_below_one_won_is_rejected(price, rounding):
    with pytest.raises(InvalidInputError) as caught:
        round_to_tick(price, rounding)
    assert caught.value.argument == "price"


@pytest.mark.parametrize(
    ("price", "kind"), [(2_001, STOCK), (20_010, STOCK), (2_003, ETF), (1.5, STOCK)]
)
def test_shift_ticks_needs_a_grid_price(price, kind):
    with pytest.raises(InvalidInputError) as caught:
        shift_ticks(price, 1, kind)
    assert caught.value.argument == "price"


@pytest.mark.parametrize(("price", "steps"), [(1, -1), (3, -3), (2_000, -2_000)])
def test_shift_ticks_cannot_go_below_one_won(price, steps):
    with pytest.raises(InvalidInputError) as caught:
        shift_ticks(price, steps)
    assert caught.value.argument == "steps"


@pytest.mark.parametrize("steps", [1.5, "1", None, True])
def test_shift_ticks_rejects_non_integer_steps(steps):
    with pytest.raises(InvalidInputError) as caught:
        shift_ticks(2_000, steps)
    assert caught.value.argument == "steps"


def test_other_real_numbers_are_computed_or_rejected_cleanly():
    # Fraction is a numbers.Real, which the price check lets through; it must then either
    # work (1,999.5 KRW is in the 1 KRW band) or raise InvalidInputError, never TypeError.
    try:
        result = tick_size(Fraction(3_999, 2))
    except InvalidInputError as error:
        assert error.argument == "price"
    else:
        assert result == 1


# ----------------------------------------------------------------------------- properties

prices = st.one_of(
    st.integers(min_value=1, max_value=5_000_000),
    st.floats(min_value=1, max_value=5_000_000, allow_nan=False, allow_infinity=False),
)
kinds = st.sampled_from([STOCK, ETF])


@given(price=prices, kind=kinds)
def test_rounded_prices_are_on_the_grid_and_bracket_the_price(price, kind):
    exact = Fraction(price)  # exact arithmetic, no float error in the checks below
    tick = tick_size(price, kind)
    down = round_to_tick(price, Rounding.DOWN, kind)
    up = round_to_tick(price, Rounding.UP, kind)
    nearest = round_to_tick(price, Rounding.NEAREST, kind)

    for result in (down, up, nearest):
        assert is_on_grid(result, kind)
        # Within one tick of the *input's* band: UP may land on the next band's lower
        # boundary (1,999.5 -> 2,000), whose own tick is larger, but the boundary is a
        # multiple of the lower band's tick, so the distance is still below that tick.
        assert abs(result - exact) < tick

    assert down <= exact <= up
    assert nearest in (down, up)
    # Nearest really is the nearer one, ties going up.
    if exact - down >= up - exact:
        assert nearest == up
    else:
        assert nearest == down


@given(price=prices, kind=kinds)
def test_up_and_down_are_the_adjacent_grid_prices(price, kind):
    exact = Fraction(price)
    down = round_to_tick(price, Rounding.DOWN, kind)
    up = round_to_tick(price, Rounding.UP, kind)
    if down == up:
        assert down == exact
    else:
        # No grid price lies strictly between them: they are neighbours on the grid.
        assert shift_ticks(down, 1, kind) == up
        assert shift_ticks(up, -1, kind) == down


@given(price=prices, kind=kinds)
def test_rounding_a_grid_price_leaves_it_unchanged(price, kind):
    on_grid = round_to_tick(price, Rounding.DOWN, kind)
    assert is_on_grid(on_grid, kind)
    for rounding in Rounding:
        assert round_to_tick(on_grid, rounding, kind) == on_grid
        assert round_to_tick(float(on_grid), rounding, kind) == on_grid


@given(
    price=st.integers(min_value=1, max_value=5_000_000),
    kind=kinds,
    steps=st.integers(min_value=-50, max_value=50),
)
def test_shift_ticks_round_trips(price, kind, steps):
    start = round_to_tick(price, Rounding.DOWN, kind)
    try:
        moved = shift_ticks(start, steps, kind)
    except InvalidInputError as error:
        assert steps < 0 and error.argument == "steps"
        return
    assert is_on_grid(moved, kind)
    assert (moved > start) == (steps > 0) and (moved < start) == (steps < 0)
    assert shift_ticks(moved, -steps, kind) == start
