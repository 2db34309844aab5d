"""The fill model of recorded trades (``pykis.history.fills``), which the backtester and
the replaying simulator both follow (tests/parity holds them to it end to end)."""

from __future__ import annotations

from pykis.history.fills import Resting, allocate, fill_price, is_marketable


def buy(limit, remaining=10, *, first=True, marketable=True, sequence=1) -> Resting:
    return Resting(True, limit, remaining, first, marketable, sequence)


def sell(limit, remaining=10, *, first=True, marketable=True, sequence=1) -> Resting:
    return Resting(False, limit, remaining, first, marketable, sequence)


def test_a_marketable_limit_fills_at_its_limit_on_its_first_trade_at_or_beyond_it():
    assert is_marketable(True, 100, 100) and not is_marketable(True, 99, 100)
    assert is_marketable(False, 100, 100) and not is_marketable(False, 101, 100)
    assert fill_price(True, 100, 100, first=True, marketable=True) == 100
    assert fill_price(True, 100, 95, first=True, marketable=True) == 100  # never better
    assert fill_price(True, 100, 101, first=True, marketable=True) is None
    assert fill_price(False, 100, 100, first=True, marketable=True) == 100


def test_a_resting_limit_needs_a_trade_through_it():
    for first, marketable in ((False, True), (True, False), (False, False)):
        assert fill_price(True, 100, 100, first=first, marketable=marketable) is None
        assert fill_price(True, 100, 99, first=first, marketable=marketable) == 100
        assert fill_price(False, 100, 100, first=first, marketable=marketable) is None
        assert fill_price(False, 100, 101, first=first, marketable=marketable) == 100


def test_a_market_order_fills_at_the_trade_price():
    assert is_marketable(True, None, None)
    assert fill_price(True, None, 123, first=False, marketable=True) == 123
    assert allocate([sell(None, 5)], 123, 100) == [(0, 5, 123)]


def test_each_side_shares_the_volume_market_first_then_price_then_time():
    orders = [buy(100, 6, sequence=1), buy(101, 6, sequence=2), buy(None, 6, sequence=3),
              sell(None, 4, sequence=4), buy(100, 6, sequence=0, first=False)]
    fills = allocate(orders, 99, 10)
    assert fills == [(2, 6, 99), (1, 4, 101), (3, 4, 99)]
    assert allocate(orders, 99, 0) == []  # a tick without volume is no trade
