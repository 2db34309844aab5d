"""Risk rules as tables: (state, limits) -> decision."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pykis.engine.risk import (
    AccountState,
    PositionState,
    RiskLimits,
    Rule,
    check_entry,
    check_exit,
)
from pykis.exceptions import InvalidInputError

D = Decimal
SL5 = RiskLimits(stop_loss=D("0.05"))  # 70,000 entry -> stop at 66,500
TP10 = RiskLimits(take_profit=D("0.10"))  # 70,000 entry -> goal at 77,000
TR3 = RiskLimits(trailing_stop=D("0.03"))  # 3 % under the high
ALL = RiskLimits(stop_loss=D("0.05"), take_profit=D("0.10"), trailing_stop=D("0.03"))


@pytest.mark.parametrize(
    ("entry", "price", "highest", "limits", "rule"),
    [
        # stop-loss: 70,000 x 0.95 = 66,500
        (70_000, 66_600, 70_000, SL5, None),
        (70_000, 66_500, 70_000, SL5, Rule.STOP_LOSS),  # at the stop
        (70_000, 60_000, 70_000, SL5, Rule.STOP_LOSS),
        # an averaged entry: 69,333.3333 x 0.95 = 65,866.67 -> 65,900 holds, 65,800 sells
        (D("69333.3333"), 65_900, 69_400, SL5, None),
        (D("69333.3333"), 65_800, 69_400, SL5, Rule.STOP_LOSS),
        # take-profit: 70,000 x 1.10 = 77,000
        (70_000, 76_900, 76_900, TP10, None),
        (70_000, 77_000, 77_000, TP10, Rule.TAKE_PROFIT),
        (70_000, 80_000, 80_000, TP10, Rule.TAKE_PROFIT),
        # trailing stop: high 80,000 x 0.97 = 77,600
        (70_000, 77_700, 80_000, TR3, None),
        (70_000, 77_600, 80_000, TR3, Rule.TRAILING_STOP),
        # ... from the entry price when the price never rose: 70,000 x 0.97 = 67,900
        (70_000, 67_900, 70_000, TR3, Rule.TRAILING_STOP),
        # a new high not yet folded into ``highest`` counts: 90,000 is the high itself
        (70_000, 90_000, 80_000, TR3, None),
        # several rules at once: the stops come first
        (70_000, 66_000, 70_000, ALL, Rule.STOP_LOSS),  # stop-loss and trailing
        (70_000, 80_000, 85_000, ALL, Rule.TRAILING_STOP),  # trailing (82,450) and profit
        (70_000, 78_000, 78_000, ALL, Rule.TAKE_PROFIT),
        (70_000, 71_000, 72_000, ALL, None),
        # no rule configured: never sells
        (70_000, 1_000, 200_000, RiskLimits(), None),
    ],
)
def test_exit_rules(entry, price, highest, limits, rule):
    decision = check_exit(PositionState(entry, price, highest), limits)
    assert (decision.sell, decision.rule) == (rule is not None, rule)
    assert decision.reason


def test_exit_reasons_say_the_threshold():
    decision = check_exit(PositionState(70_000, 66_400, 70_000), SL5)
    assert decision.reason == "stop-loss: 66,400 is at or below 66,500 (5% under the entry 70,000)"
    decision = check_exit(PositionState(70_000, 77_600, 80_000), TR3)
    assert "77,600" in decision.reason and "80,000" in decision.reason


EQUITY = 10_000_000


@pytest.mark.parametrize(
    ("account", "limits", "allowed", "rule", "max_value"),
    [
        # no rules: allowed, uncapped
        (AccountState(EQUITY, EQUITY, 0), RiskLimits(), True, None, None),
        # position size 20 % of 10,000,000 = 2,000,000
        (AccountState(EQUITY, EQUITY, 0), RiskLimits(max_position_fraction=D("0.2")),
         True, Rule.MAX_POSITION_SIZE, 2_000_000),
        # ... less the 1,500,000 already held of that ticker
        (AccountState(EQUITY, EQUITY, 1, 1_500_000), RiskLimits(max_position_fraction=D("0.2")),
         True, Rule.MAX_POSITION_SIZE, 500_000),
        (AccountState(EQUITY, EQUITY, 1, 2_000_000), RiskLimits(max_position_fraction=D("0.2")),
         False, Rule.MAX_POSITION_SIZE, 0),
        # 10,000,001 x 0.15 = 1,500,000.15 -> 1,500,000 (rounded down, never above the share)
        (AccountState(10_000_001, EQUITY, 0), RiskLimits(max_position_fraction=D("0.15")),
         True, Rule.MAX_POSITION_SIZE, 1_500_000),
        # max open positions 3
        (AccountState(EQUITY, EQUITY, 2), RiskLimits(max_open_positions=3), True, None, None),
        (AccountState(EQUITY, EQUITY, 3), RiskLimits(max_open_positions=3),
         False, Rule.MAX_OPEN_POSITIONS, 0),
        # ... adding to a position already held opens none
        (AccountState(EQUITY, EQUITY, 3, 500_000), RiskLimits(max_open_positions=3),
         True, None, None),
        # daily loss limit 300,000 KRW: lost 299,999 -> buys go on; 300,000 -> halted
        (AccountState(9_700_001, EQUITY, 0), RiskLimits(daily_loss_limit=300_000),
         True, None, None),
        (AccountState(9_700_000, EQUITY, 0), RiskLimits(daily_loss_limit=300_000),
         False, Rule.DAILY_LOSS_LIMIT, 0),
        # daily loss 2 % of 10,000,000 = 200,000
        (AccountState(9_800_001, EQUITY, 0), RiskLimits(daily_loss_fraction=D("0.02")),
         True, None, None),
        (AccountState(9_800_000, EQUITY, 0), RiskLimits(daily_loss_fraction=D("0.02")),
         False, Rule.DAILY_LOSS_LIMIT, 0),
        # both: the tighter one (200,000) halts
        (AccountState(9_750_000, EQUITY, 0),
         RiskLimits(daily_loss_limit=300_000, daily_loss_fraction=D("0.02")),
         False, Rule.DAILY_LOSS_LIMIT, 0),
        # a gain is no loss
        (AccountState(11_000_000, EQUITY, 0), RiskLimits(daily_loss_limit=1), True, None, None),
        # the halt comes before the other rules
        (AccountState(9_000_000, EQUITY, 5),
         RiskLimits(daily_loss_limit=300_000, max_open_positions=3), False,
         Rule.DAILY_LOSS_LIMIT, 0),
    ],
)
def test_entry_rules(account, limits, allowed, rule, max_value):
    decision = check_entry(account, limits)
    assert (decision.allowed, decision.rule, decision.max_value) == (allowed, rule, max_value)
    assert decision.reason


def test_entry_reasons_name_the_figures():
    decision = check_entry(AccountState(9_700_000, EQUITY, 0), RiskLimits(daily_loss_limit=300_000))
    assert "300,000" in decision.reason and "no new buys" in decision.reason


@given(equity=st.integers(0, 10**11), held=st.integers(0, 10**10),
       share=st.decimals(D("0.01"), D("1.5"), places=2))
def test_the_position_cap_never_exceeds_its_share_of_equity(equity, held, share):
    decision = check_entry(AccountState(equity, equity, 1, held),
                           RiskLimits(max_position_fraction=share))
    if decision.allowed:
        assert held + decision.max_value <= equity * share
    else:
        assert held >= equity * share - 1


@pytest.mark.parametrize(
    ("fields", "argument"),
    [
        ({"stop_loss": D("0")}, "stop_loss"),
        ({"stop_loss": D("1")}, "stop_loss"),
        ({"stop_loss": 0.05}, "stop_loss"),  # a float: spell fractions as Decimal
        ({"take_profit": D("-0.1")}, "take_profit"),
        ({"trailing_stop": D("NaN")}, "trailing_stop"),
        ({"max_position_fraction": D(0)}, "max_position_fraction"),
        ({"max_open_positions": 0}, "max_open_positions"),
        ({"daily_loss_limit": -5}, "daily_loss_limit"),
        ({"daily_loss_fraction": D("1.5")}, "daily_loss_fraction"),
    ],
)
def test_bad_limits_are_refused(fields, argument):
    with pytest.raises(InvalidInputError) as raised:
        RiskLimits(**fields)
    assert raised.value.argument == argument


@pytest.mark.parametrize(
    ("make", "argument"),
    [
        (lambda: PositionState(0, 70_000, 70_000), "entry_price"),
        (lambda: PositionState(70_000, -1, 70_000), "price"),
        (lambda: PositionState(70_000, 70_000, 7e4), "highest_price"),
        (lambda: AccountState(1.5, 0, 0), "equity"),
        (lambda: AccountState(0, 0, -1), "open_positions"),
    ],
)
def test_bad_states_are_refused(make, argument):
    with pytest.raises(InvalidInputError) as raised:
        make()
    assert raised.value.argument == argument
