"""The in-memory portfolio: cash, positions, valuation at live prices, buy sizing.

Costs as in test_pnl: commission 0.0140527 % truncated; 2026 KOSPI sale tax 0.05 % +
0.15 %, each truncated.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from pykis.engine.pnl import PositionCost, execution
from pykis.engine.portfolio import Portfolio, Position
from pykis.engine.risk import RiskLimits
from pykis.exceptions import InvalidInputError
from pykis.models import OrderSide

TUESDAY = dt.date(2026, 3, 3)
SAMSUNG, HYNIX = "005930", "000660"
BUY, SELL = OrderSide.BUY, OrderSide.SELL


@pytest.fixture
def invested() -> Portfolio:
    portfolio = Portfolio(10_000_000)
    # 700,000 + 98 commission, then 2,000,000 + 281 (281.054)
    portfolio.apply(SAMSUNG, execution(BUY, 10, 70_000, TUESDAY))
    portfolio.apply(HYNIX, execution(BUY, 100, 20_000, TUESDAY))
    return portfolio


def test_buys_take_their_value_and_commission_from_cash(invested):
    # 10,000,000 - 700,098 - 2,000,281
    assert invested.cash == 7_299_621
    assert invested.positions[SAMSUNG].cost == PositionCost(10, 700_000, 98)
    assert invested.positions[HYNIX].cost == PositionCost(100, 2_000_000, 281)


def test_valuation_at_live_prices(invested):
    valued = invested.valuation({SAMSUNG: 75_000, HYNIX: 19_000}, TUESDAY)
    # 750,000 + 1,900,000 held; equity 7,299,621 + 2,650,000
    assert valued.market_value == 2_650_000
    assert valued.equity == 9_949_621
    assert valued.exposure == Decimal("0.2663")  # 2,650,000 / 9,949,621 = 0.26634...
    # SAMSUNG: 750,000 - (105 + 1,500) - 700,098 = 48,297
    # HYNIX: 1,900,000 - (267 + 950 + 2,850) - 2,000,281 = -104,348
    assert [p.unrealized.pnl for p in valued.positions] == [48_297, -104_348]
    assert valued.unrealized_pnl == 48_297 - 104_348


def test_a_partial_sale_returns_cash_net_of_costs_and_realizes_pnl(invested):
    # 4 x 72,000 = 288,000: commission 40 (40.47), tax 144 + 432 = 576
    realized = invested.apply(SAMSUNG, execution(SELL, 4, 72_000, TUESDAY))
    assert invested.cash == 7_299_621 + 288_000 - 40 - 576
    # cost taken: 700,000 - 700,000 x 6 // 10 = 280,000; fees 98 - 98 x 6 // 10 = 40
    # 288,000 - 280,000 - 40 - 40 - 576 = 7,344
    assert realized.pnl == 7_344 and invested.realized_pnl == 7_344
    assert invested.positions[SAMSUNG].cost == PositionCost(6, 420_000, 58)


def test_selling_everything_removes_the_position(invested):
    invested.apply(HYNIX, execution(SELL, 100, 20_000, TUESDAY))
    assert set(invested.positions) == {SAMSUNG}
    with pytest.raises(InvalidInputError) as raised:
        invested.apply(HYNIX, execution(SELL, 1, 20_000, TUESDAY))
    assert raised.value.argument == "ticker"


def test_valuation_needs_a_price_for_every_holding(invested):
    with pytest.raises(InvalidInputError) as raised:
        invested.valuation({SAMSUNG: 75_000}, TUESDAY)
    assert (raised.value.argument, raised.value.value) == ("prices", [HYNIX])


def test_positions_from_trades_of_one_ticker_are_merged():
    # two strategies' open trades of one ticker, as the store holds them
    trades = [SimpleNamespace(ticker=SAMSUNG, open_quantity=q, open_cost=c, open_fees=f,
                              market="KOSPI", kind="STOCK")
              for q, c, f in ((10, 700_000, 98), (5, 340_000, 47))]
    portfolio = Portfolio(0, [Position.of(t) for t in trades])
    assert portfolio.positions[SAMSUNG].cost == PositionCost(15, 1_040_000, 145)


# ---------------------------------------------------------------------------------- sizing

FIFTH = RiskLimits(max_position_fraction=Decimal("0.2"))
NO_LIMITS = RiskLimits()


def size(portfolio: Portfolio, budget: int, limits: RiskLimits = NO_LIMITS, **options):
    defaults = {"prices": {}, "trade_date": TUESDAY, "day_start_equity": 10_000_000}
    return portfolio.size_buy(SAMSUNG, 70_000, budget=budget, limits=limits,
                              **{**defaults, **options})


def test_sizing_bounded_by_the_budget():
    sized = size(Portfolio(10_000_000), 1_000_000)
    # 14 x 70,000 = 980,000 + 137 (137.72) fits 1,000,000; 15 shares do not
    assert (sized.quantity, sized.value, sized.commission) == (14, 980_000, 137)
    assert "budget" in sized.reason


def test_sizing_bounded_by_the_position_share_of_equity():
    sized = size(Portfolio(10_000_000), 3_000_000, FIFTH)
    # 20 % of 10,000,000 = 2,000,000: 28 x 70,000 = 1,960,000 + 275 fits, 29 is 2,030,000
    assert (sized.quantity, sized.value, sized.commission) == (28, 1_960_000, 275)
    assert "position size" in sized.reason


def test_sizing_counts_what_is_already_held(invested):
    # equity at 70,000 and 20,000: 7,299,621 + 700,000 + 2,000,000 = 9,999,621;
    # 20 % = 1,999,924 (floor), less 700,000 held = 1,299,924 -> 18 shares
    # (1,260,000 + 177; 19 shares would be 1,330,000)
    sized = size(invested, 5_000_000, FIFTH, prices={SAMSUNG: 70_000, HYNIX: 20_000})
    assert sized.quantity == 18


def test_sizing_bounded_by_cash_less_reserved():
    # 500,000: 7 x 70,000 + 68 fits, 8 shares are 560,000
    assert size(Portfolio(500_000), 1_000_000).quantity == 7
    # 1,000,000 - 600,000 reserved for working buy orders = 400,000: 5 shares
    assert size(Portfolio(1_000_000), 1_000_000, reserved_cash=600_000).quantity == 5


def test_sizing_refused_by_a_rule(invested):
    one = RiskLimits(max_open_positions=2)
    sized = invested.size_buy("035720", 50_000, budget=1_000_000, limits=one,
                              prices={SAMSUNG: 70_000, HYNIX: 20_000}, trade_date=TUESDAY,
                              day_start_equity=10_000_000)
    assert (sized.quantity, sized.value) == (0, 0)
    assert "open positions" in sized.reason


def test_sizing_halted_by_the_daily_loss_limit():
    # equity 10,000,000 against 10,500,000 at the open: 500,000 lost >= 300,000
    sized = size(Portfolio(10_000_000), 1_000_000, RiskLimits(daily_loss_limit=300_000),
                 day_start_equity=10_500_000)
    assert sized.quantity == 0 and "daily loss" in sized.reason


@pytest.mark.parametrize(("fields", "argument"),
                         [({"budget": -1}, "budget"), ({"reserved_cash": 1.0}, "reserved_cash")])
def test_sizing_rejects_bad_amounts(fields, argument):
    with pytest.raises(InvalidInputError) as raised:
        size(Portfolio(1_000_000), **{"budget": 1_000, **fields})
    assert raised.value.argument == argument


def test_a_portfolio_needs_whole_won_of_cash():
    with pytest.raises(InvalidInputError) as raised:
        Portfolio(1e6)
    assert raised.value.argument == "cash"
