"""Commission (both sides) and sale taxes (by settlement date), in whole won."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pykis.exceptions import InvalidInputError
from pykis.market import (
    Commission,
    InstrumentKind,
    Market,
    TaxBasis,
    TradeCosts,
    TradingCosts,
    TransactionTax,
)
from pykis.models import OrderSide

D = dt.date
STOCK, ETF, ETN = InstrumentKind.STOCK, InstrumentKind.ETF, InstrumentKind.ETN
KOSPI, KOSDAQ, KONEX = Market.KOSPI, Market.KOSDAQ, Market.KONEX
COSTS = TradingCosts()
MID_2026 = D(2026, 3, 3)
TEN_MILLION = 10_000_000


# ------------------------------------------------------------------------------- commission


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (TEN_MILLION, STOCK, 1_405),  # 1,405.27
        (TEN_MILLION, ETF, 1_465),  # 1,465.27
        (TEN_MILLION, ETN, 1_465),
        (1_000_000, STOCK, 140),  # 140.527
        (1_000_000, ETF, 146),  # 146.527
        (1_234_567, STOCK, 173),  # 1,234,567 x 140,527 = 173,489,996,809 -> 173.489...
        (7_116, STOCK, 0),  # 7,116 x 140,527 = 999,990,132 -> 0.99999...
        (7_117, STOCK, 1),  # 7,117 x 140,527 = 1,000,130,659 -> 1.00013...
        (0, STOCK, 0),
        (1, STOCK, 0),
    ],
)
def test_commission(value, kind, expected):
    assert Commission().amount(value, kind) == expected
    for side in OrderSide:
        assert COSTS.of(side, value, MID_2026, KOSPI, kind).commission == expected


def test_commission_rates():
    assert Commission().rate(STOCK) == Decimal("0.000140527")
    assert Commission().rate(ETF) == Decimal("0.000146527")
    assert Commission().rate(ETN) == Decimal("0.000146527")


@given(st.integers(0, 10**60))
def test_costs_are_exact_truncations_at_any_size(value):
    """Past Decimal's 28 digits a product could not be made whole (it raised); costs are
    whole-won truncations of the exact product, however large the value."""
    costs = COSTS.of(OrderSide.SELL, value, MID_2026, KOSPI)
    assert costs.commission == value * 140_527 // 10**9
    assert costs.transaction_tax == value * 5 // 10**4
    assert costs.rural_tax == value * 15 // 10**4


def test_custom_commission_rate():
    costs = TradingCosts(commission=Commission(stock_rate=Decimal("0.00015")))
    assert costs.of(OrderSide.BUY, TEN_MILLION, MID_2026).commission == 1_500


# -------------------------------------------------------------------------------------- tax


@pytest.mark.parametrize(
    ("value", "trade_date", "market", "kind", "transaction", "rural"),
    [
        # 2026: KOSPI 0.05 % + 0.15 % rural, KOSDAQ 0.20 %, KONEX 0.10 %
        (TEN_MILLION, MID_2026, KOSPI, STOCK, 5_000, 15_000),
        (TEN_MILLION, MID_2026, KOSDAQ, STOCK, 20_000, 0),
        (TEN_MILLION, MID_2026, KONEX, STOCK, 10_000, 0),
        # each component truncated on its own: 617.2835 -> 617 and 1,851.8505 -> 1,851
        # (a single 0.20 % would give 2,469.134 -> 2,469, one won more)
        (1_234_567, MID_2026, KOSPI, STOCK, 617, 1_851),
        (1_234_567, MID_2026, KOSDAQ, STOCK, 2_469, 0),  # 2,469.134
        (999, MID_2026, KOSPI, STOCK, 0, 1),  # 0.4995 -> 0, 1.4985 -> 1
        # ETF / ETN: exempt everywhere
        (TEN_MILLION, MID_2026, KOSPI, ETF, 0, 0),
        (TEN_MILLION, MID_2026, KOSDAQ, ETF, 0, 0),
        (TEN_MILLION, MID_2026, KOSPI, ETN, 0, 0),
        # earlier years
        (TEN_MILLION, D(2023, 6, 1), KOSPI, STOCK, 5_000, 15_000),
        (TEN_MILLION, D(2023, 6, 1), KOSDAQ, STOCK, 20_000, 0),
        (TEN_MILLION, D(2024, 6, 3), KOSPI, STOCK, 3_000, 15_000),
        (TEN_MILLION, D(2024, 6, 3), KOSDAQ, STOCK, 18_000, 0),
        (TEN_MILLION, D(2025, 6, 2), KOSPI, STOCK, 0, 15_000),
        (TEN_MILLION, D(2025, 6, 2), KOSDAQ, STOCK, 15_000, 0),
        (TEN_MILLION, D(2025, 6, 2), KONEX, STOCK, 10_000, 0),
        # the settlement rule at the 2024/2025 turn: 2024-12-27 (Fri) settles T+2 on
        # 2025-01-02 (12-31 year-end closing, 01-01 holiday), so the 2025 rate applies
        (TEN_MILLION, D(2024, 12, 27), KOSPI, STOCK, 0, 15_000),
        (TEN_MILLION, D(2024, 12, 27), KOSDAQ, STOCK, 15_000, 0),
        # 2024-12-26 settles 2024-12-30: still the 2024 rate
        (TEN_MILLION, D(2024, 12, 26), KOSPI, STOCK, 3_000, 15_000),
        (TEN_MILLION, D(2024, 12, 26), KOSDAQ, STOCK, 18_000, 0),
        # the same rule at the 2025/2026 turn: 2025-12-29 settles 2026-01-02
        (TEN_MILLION, D(2025, 12, 29), KOSPI, STOCK, 5_000, 15_000),
        (TEN_MILLION, D(2025, 12, 26), KOSPI, STOCK, 0, 15_000),  # settles 2025-12-30
        # first dates of the table (2021: KOSPI 0.08 % + 0.15 %): 2020-12-29 settles 2021-01-04
        (TEN_MILLION, D(2020, 12, 29), KOSPI, STOCK, 8_000, 15_000),
    ],
)
def test_sale_tax(value, trade_date, market, kind, transaction, rural):
    costs = COSTS.of(OrderSide.SELL, value, trade_date, market, kind)
    assert (costs.transaction_tax, costs.rural_tax) == (transaction, rural)
    assert costs.tax == transaction + rural
    assert costs.total == costs.commission + transaction + rural
    assert TransactionTax().amounts(value, trade_date, market, kind) == (transaction, rural)


@pytest.mark.parametrize(
    ("trade_date", "transaction", "rural"),
    [
        (D(2024, 12, 26), 3_000, 15_000),
        (D(2024, 12, 27), 3_000, 15_000),  # the trade date is still in 2024
        (D(2024, 12, 30), 3_000, 15_000),
        (D(2025, 1, 2), 0, 15_000),
        (D(2025, 12, 29), 0, 15_000),
        (D(2025, 12, 30), 0, 15_000),
        (D(2026, 1, 2), 5_000, 15_000),
    ],
)
def test_trade_date_basis(trade_date, transaction, rural):
    costs = TradingCosts(tax=TransactionTax(basis=TaxBasis.TRADE))
    sale = costs.of(OrderSide.SELL, TEN_MILLION, trade_date, KOSPI)
    assert (sale.transaction_tax, sale.rural_tax) == (transaction, rural)


def test_rate_lookup_follows_settlement():
    tax = TransactionTax()
    assert tax.rate(D(2024, 12, 27), KOSPI).effective == D(2025, 1, 1)
    assert tax.rate(D(2024, 12, 26), KOSPI).effective == D(2024, 1, 1)
    assert tax.rate(MID_2026, KOSPI).total == Decimal("0.0020")
    assert tax.rate(MID_2026, KOSDAQ).total == Decimal("0.0020")
    assert tax.rate(MID_2026, KONEX).total == Decimal("0.0010")


@pytest.mark.parametrize(
    "kind_market", [(STOCK, KOSPI), (STOCK, KOSDAQ), (STOCK, KONEX), (ETF, KOSPI), (ETN, KOSPI)]
)
def test_buys_pay_no_tax(kind_market):
    kind, market = kind_market
    costs = COSTS.of(OrderSide.BUY, TEN_MILLION, MID_2026, market, kind)
    assert (costs.transaction_tax, costs.rural_tax, costs.tax) == (0, 0, 0)
    assert costs.total == costs.commission


def test_sides_as_strings():
    assert COSTS.of("sell", TEN_MILLION, MID_2026) == TradeCosts(1_405, 5_000, 15_000)
    assert COSTS.of("buy", TEN_MILLION, MID_2026) == TradeCosts(1_405, 0, 0)


@pytest.mark.parametrize(
    ("trade_date", "basis"),
    [
        (D(2019, 5, 29), TaxBasis.SETTLEMENT),  # settles 2019-05-31, before the table
        (D(2018, 6, 1), TaxBasis.SETTLEMENT),
        (D(2019, 6, 2), TaxBasis.TRADE),
        (D(2019, 1, 2), TaxBasis.TRADE),
    ],
)
def test_dates_before_the_table_are_rejected(trade_date, basis):
    """The table starts with the cut of 2019-06-03 (KOSPI 0.10 % + 0.15 %)."""
    costs = TradingCosts(tax=TransactionTax(basis=basis))
    with pytest.raises(InvalidInputError) as caught:
        costs.of(OrderSide.SELL, TEN_MILLION, trade_date, KOSPI)
    assert caught.value.argument == "trade_date"


@pytest.mark.parametrize("side", ["hold", "", None, 1])
def test_bad_side_is_rejected(side):
    with pytest.raises(InvalidInputError) as caught:
        COSTS.of(side, TEN_MILLION, MID_2026)
    assert caught.value.argument == "side"


@pytest.mark.parametrize("value", [-1, 1.5, 10_000.0, True, "10000", None, Decimal("10000")])
@pytest.mark.parametrize("side", list(OrderSide))
def test_bad_value_is_rejected(side, value):
    with pytest.raises(InvalidInputError) as caught:
        COSTS.of(side, value, MID_2026)
    assert caught.value.argument == "value"


# ----------------------------------------------------------------------------- properties

values = st.integers(min_value=0, max_value=10_000_000_000)
dates = st.dates(min_value=D(2023, 1, 1), max_value=D(2026, 12, 31))
sides = st.sampled_from(list(OrderSide))
markets = st.sampled_from(list(Market))
kinds = st.sampled_from(list(InstrumentKind))


def _parts(costs: TradeCosts) -> tuple[int, int, int, int]:
    return (costs.commission, costs.transaction_tax, costs.rural_tax, costs.total)


@given(a=values, b=values, side=sides, trade_date=dates, market=markets, kind=kinds)
def test_costs_are_non_negative_and_never_decrease_with_value(a, b, side, trade_date, market, kind):
    low, high = sorted((a, b))
    cheap = COSTS.of(side, low, trade_date, market, kind)
    dear = COSTS.of(side, high, trade_date, market, kind)
    assert all(part >= 0 for part in _parts(cheap))
    for small, large in zip(_parts(cheap), _parts(dear), strict=True):
        assert small <= large


@given(value=values, side=sides, trade_date=dates, market=markets, kind=kinds)
def test_total_is_commission_plus_tax(value, side, trade_date, market, kind):
    costs = COSTS.of(side, value, trade_date, market, kind)
    assert costs.tax == costs.transaction_tax + costs.rural_tax
    assert costs.total == costs.commission + costs.tax
    # exact integer arithmetic for the commission: value x 0.000140527 (or 0.000146527)
    per_billion = 146_527 if kind is not STOCK else 140_527
    assert costs.commission == value * per_billion // 10**9
    if side is OrderSide.BUY or kind is not STOCK:
        assert costs.tax == 0
    if market is not KOSPI:
        assert costs.rural_tax == 0
    # no year in 2023-2026 charges more than 0.20 % in total
    assert costs.tax * 10_000 <= value * 20


@pytest.mark.parametrize(("trade_date", "kospi", "kosdaq"), [
    (D(2019, 5, 30), (10_000, 15_000), 25_000),  # settles 2019-06-03
    (D(2020, 6, 15), (10_000, 15_000), 25_000),
    (D(2020, 12, 28), (10_000, 15_000), 25_000),  # settles 2020-12-30
    (D(2020, 12, 29), (8_000, 15_000), 23_000),  # settles 2021-01-04 (12-31 closed)
    (D(2022, 6, 15), (8_000, 15_000), 23_000),
])
def test_older_rates_cover_the_simulator_history(trade_date, kospi, kosdaq):
    sale = COSTS.of("sell", TEN_MILLION, trade_date, KOSPI, STOCK)
    assert (sale.transaction_tax, sale.rural_tax) == kospi
    assert COSTS.of("sell", TEN_MILLION, trade_date, KOSDAQ, STOCK).tax == kosdaq


def test_commission_truncation_unit_is_configurable():
    assert Commission(unit=10).amount(TEN_MILLION) == 1_400
    assert Commission().amount(TEN_MILLION) == 1_405
