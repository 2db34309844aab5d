"""Money of a trade, checked against figures computed by hand.

Commission: 0.0140527 % of each fill's value, truncated to whole won. Sale tax (2026,
by settlement date T+2): KOSPI 0.05 % transaction + 0.15 % rural, KOSDAQ 0.20 %, each
truncated on its own. 2026-03-03 is a Tuesday; it settles on Thursday 2026-03-05.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pykis.engine.pnl import (
    Execution,
    PositionCost,
    average,
    execution,
    max_buy_quantity,
    order_price,
    percent,
    unrealized,
)
from pykis.exceptions import InvalidInputError
from pykis.market import Commission, InstrumentKind, Market, TradingCosts, price_limits
from pykis.models import OrderSide

TUESDAY = dt.date(2026, 3, 3)
WEDNESDAY = dt.date(2026, 3, 4)
BUY, SELL = OrderSide.BUY, OrderSide.SELL


def test_a_buy_pays_commission_and_no_tax():
    # 10 x 70,000 = 700,000; 700,000 x 0.000140527 = 98.3689 -> 98
    assert execution(BUY, 10, 70_000, TUESDAY) == Execution(BUY, 10, 700_000, 98, 0)


def test_a_sale_pays_commission_and_the_tax_of_its_settlement_date():
    # 6 x 72,000 = 432,000; commission 60.707664 -> 60
    # tax 432,000 x 0.05 % = 216 plus 432,000 x 0.15 % = 648 -> 864
    assert execution(SELL, 6, 72_000, TUESDAY) == Execution(SELL, 6, 432_000, 60, 864)


@pytest.mark.parametrize(
    ("trade_date", "market", "tax"),
    [
        # Fri 2025-12-26 settles Tue 12-30: the 2025 rates (KOSPI 0 % + 0.15 %)
        (dt.date(2025, 12, 26), Market.KOSPI, 0 + 7_500),
        # Mon 12-29 settles Fri 2026-01-02 (12-31 and 01-01 closed): 2026 (0.05 % + 0.15 %)
        (dt.date(2025, 12, 29), Market.KOSPI, 2_500 + 7_500),
        (dt.date(2025, 12, 26), Market.KOSDAQ, 7_500),  # 0.15 % of 5,000,000
        (dt.date(2025, 12, 29), Market.KOSDAQ, 10_000),  # 0.20 %
    ],
)
def test_the_tax_rate_follows_the_settlement_date(trade_date, market, tax):
    # 100 x 50,000 = 5,000,000; commission 702.635 -> 702
    sale = execution(SELL, 100, 50_000, trade_date, market=market)
    assert (sale.commission, sale.tax) == (702, tax)


def test_etf_sales_are_tax_free_and_pay_the_fund_commission():
    # 1,000 x 10,000 = 10,000,000; 0.0146527 % = 1,465.27 -> 1,465
    sale = execution(SELL, 1_000, 10_000, TUESDAY, kind=InstrumentKind.ETF)
    assert (sale.commission, sale.tax) == (1_465, 0)


def test_average_price_over_several_buys():
    # 10 x 70,000 (fee 98) + 5 x 68,000 = 340,000 (fee 47.77918 -> 47)
    held = PositionCost().bought(execution(BUY, 10, 70_000, TUESDAY))
    held = held.bought(execution(BUY, 5, 68_000, TUESDAY))
    assert held == PositionCost(quantity=15, cost=1_040_000, fees=145)
    assert average(held.cost, held.quantity) == Decimal("69333.3333")  # 1,040,000 / 15


def test_a_partial_sale_realizes_its_share_of_the_cost_and_fees():
    held = PositionCost(quantity=15, cost=1_040_000, fees=145)
    left, realized = held.sold(execution(SELL, 6, 72_000, TUESDAY))
    # The 9 shares left keep 1,040,000 x 9 // 15 = 624,000 and 145 x 9 // 15 = 87;
    # the 6 sold take 416,000 and 58.
    assert left == PositionCost(quantity=9, cost=624_000, fees=87)
    assert (realized.cost, realized.buy_fees) == (416_000, 58)
    # 432,000 - 416,000 - 58 - 60 - 864 = 15,018 on a basis of 416,058: 3.60959...%
    assert realized.pnl == 15_018
    assert realized.pnl_percent == Decimal("3.6096")


def test_the_last_sale_takes_what_is_left_so_the_parts_add_up():
    held = PositionCost(quantity=9, cost=624_000, fees=87)
    # 9 x 66,000 = 594,000 on Wednesday: commission 83.473038 -> 83;
    # tax 297 + 891 = 1,188
    left, realized = held.sold(execution(SELL, 9, 66_000, WEDNESDAY))
    assert left == PositionCost()
    # 594,000 - 624,000 - 87 - 83 - 1,188 = -31,358 on 624,087: -5.02462...%
    assert realized.pnl == -31_358
    assert realized.pnl_percent == Decimal("-5.0246")
    # The whole trade: sales 1,026,000 - buys 1,040,000 - commissions (98 + 47 + 60 + 83)
    # - taxes (864 + 1,188) = -16,340, which is what the two sales realized together.
    assert 15_018 + realized.pnl == -16_340


def test_selling_more_than_held_is_refused():
    with pytest.raises(InvalidInputError) as raised:
        PositionCost(5, 350_000, 49).sold(execution(SELL, 6, 70_000, TUESDAY))
    assert raised.value.argument == "quantity"


@given(
    buys=st.lists(st.tuples(st.integers(1, 500), st.integers(1_000, 300_000)), min_size=1,
                  max_size=5),
    cuts=st.lists(st.integers(1, 100), max_size=6),
)
def test_partial_sales_never_lose_or_invent_cost(buys, cuts):
    held = PositionCost()
    for quantity, price in buys:
        held = held.bought(Execution(BUY, quantity, quantity * price, quantity * price // 7_000))
    total_cost, total_fees, taken_cost, taken_fees = held.cost, held.fees, 0, 0
    for cut in [*cuts, held.quantity]:  # the last sale sells whatever is left
        quantity = min(cut, held.quantity)
        if quantity == 0:
            break
        held, realized = held.sold(Execution(SELL, quantity, quantity * 1_000))
        taken_cost, taken_fees = taken_cost + realized.cost, taken_fees + realized.buy_fees
    assert held == PositionCost()
    assert (taken_cost, taken_fees) == (total_cost, total_fees)


def test_unrealized_pnl_counts_what_a_sale_now_would_cost():
    held = PositionCost(quantity=10, cost=700_000, fees=98)
    live = unrealized(held, 75_000, TUESDAY)
    # 750,000 at market; a sale would pay 105.39525 -> 105 commission and 375 + 1,125 tax
    assert (live.market_value, live.exit_costs) == (750_000, 1_605)
    # 750,000 - 1,605 - 700,000 - 98 = 48,297 on 700,098: 6.89860...%
    assert live.pnl == 48_297
    assert live.pnl_percent == Decimal("6.8986")


def test_percent_of_nothing_is_none():
    assert percent(5, 0) is None
    assert percent(1, 3) == Decimal("33.3333")


# ----------------------------------------------------------------------------- buy sizing


@pytest.mark.parametrize(
    ("amount", "price", "quantity"),
    [
        (100_000, 70_000, 1),  # 70,000 + 9 fits; 140,000 does not
        (1_000_000, 70_000, 14),  # 980,000 + 137 fits; 15 shares are 1,050,000
        (700_000, 70_000, 9),  # 10 shares cost 700,000 + 98
        (700_098, 70_000, 10),  # ... which is exactly this
        (700_097, 70_000, 9),
        (7_116, 7_116, 1),  # 7,116 x 0.000140527 = 0.99999 -> no commission
        (7_117, 7_117, 0),  # 1.00013 -> 1 won of commission does not fit
        (69_999, 70_000, 0),
        (0, 70_000, 0),
    ],
)
def test_buy_by_amount_fits_commission_in_the_amount(amount, price, quantity):
    assert max_buy_quantity(amount, price) == quantity


@given(amount=st.integers(0, 10**10), price=st.integers(1, 3_000_000),
       rate=st.sampled_from(["0.000140527", "0.00015", "0.003", "0.5"]))
def test_buy_by_amount_is_the_largest_quantity_that_fits(amount, price, rate):
    costs = TradingCosts(commission=Commission(stock_rate=Decimal(rate)))
    quantity = max_buy_quantity(amount, price, costs=costs)

    def total(q: int) -> int:
        return q * price + costs.commission.amount(q * price)

    assert total(quantity) <= amount < total(quantity + 1)


@pytest.mark.parametrize("bad", [-1, 1.5, "100000", None, True])
def test_buy_by_amount_rejects_a_bad_amount(bad):
    with pytest.raises(InvalidInputError) as raised:
        max_buy_quantity(bad, 70_000)
    assert raised.value.argument == "amount"


# ---------------------------------------------------------------------------- limit price


@pytest.mark.parametrize(
    ("side", "price", "kind", "expected"),
    [
        (BUY, 70_120, InstrumentKind.STOCK, 70_100),  # 100-won ticks: a buy never pays more
        (SELL, 70_120, InstrumentKind.STOCK, 70_200),  # a sale never sells for less
        (BUY, 70_100, InstrumentKind.STOCK, 70_100),  # on the grid already
        (SELL, 49_990, InstrumentKind.STOCK, 50_000),  # 50-won ticks up to the 50,000 band
        (BUY, 50_020, InstrumentKind.STOCK, 50_000),
        (BUY, Decimal("1999.9"), InstrumentKind.STOCK, 1_999),
        (SELL, 10_003, InstrumentKind.ETF, 10_005),  # ETF: 5-won ticks from 2,000
        (SELL, 10_003.5, InstrumentKind.STOCK, 10_010),
    ],
)
def test_limit_prices_move_to_the_grid_in_the_safe_direction(side, price, kind, expected):
    assert order_price(side, price, kind=kind) == expected


@pytest.mark.parametrize(
    ("side", "price", "expected"),
    [
        (BUY, 91_050, 91_000),  # base 70,000: limits 49,000 - 91,000
        (SELL, 48_990, 49_000),
        (BUY, 49_000, 49_000),
        (SELL, 91_000, 91_000),
    ],
)
def test_limit_prices_inside_the_daily_limits(side, price, expected):
    assert order_price(side, price, price_limits(70_000)) == expected


@pytest.mark.parametrize(
    ("side", "price"),
    [
        (SELL, 91_050),  # up to 91,100: above the upper limit 91,000
        (BUY, 48_990),  # down to 48,950: below the lower limit 49,000
        (BUY, 100_000),
        (SELL, 30_000),
    ],
)
def test_limit_prices_outside_the_daily_limits_are_refused(side, price):
    with pytest.raises(InvalidInputError) as raised:
        order_price(side, price, price_limits(70_000), argument="limit_price")
    assert raised.value.argument == "limit_price"
    assert "49,000-91,000" in raised.value.allowed


@pytest.mark.parametrize("bad", [0, -5, 0.4, float("nan"), float("inf"), "70000", None, True])
def test_limit_price_rejects_bad_prices_by_name(bad):
    with pytest.raises(InvalidInputError) as raised:
        order_price(BUY, bad, argument="limit_price")
    assert raised.value.argument == "limit_price"


def test_limit_price_rejects_a_bad_side():
    with pytest.raises(InvalidInputError) as raised:
        order_price("hold", 70_000)
    assert raised.value.argument == "side"


@pytest.mark.parametrize(
    ("fields", "argument"),
    [
        ({"side": "short"}, "side"),
        ({"quantity": 0}, "quantity"),
        ({"value": -1}, "value"),
        ({"commission": 1.5}, "commission"),
        ({"tax": 3}, "tax"),  # a buy pays no tax
    ],
)
def test_executions_are_checked(fields, argument):
    with pytest.raises(InvalidInputError) as raised:
        Execution(**{"side": BUY, "quantity": 1, "value": 70_000, **fields})
    assert raised.value.argument == argument
