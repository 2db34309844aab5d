"""The Donchian breakout, the second built-in strategy: it trades on crafted ticks, the
config file can name it, and it runs in a backtest."""

from __future__ import annotations

import datetime as dt

import pytest

from pykis.backtest import Backtest
from pykis.engine.strategy import Buy, DonchianBreakout, Holding, Sell, Tick, strategy_named
from pykis.exceptions import InvalidInputError
from pykis.market import KST

START = dt.datetime(2024, 6, 10, 9, 0, tzinfo=KST)


def feed(strategy, prices, holding=None):
    out = []
    for k, price in enumerate(prices):
        tick = Tick("005930", price, START + dt.timedelta(seconds=15 * k))
        out.append(list(strategy.on_tick(tick, holding)))
    return out


def test_it_buys_a_break_above_the_channel_high():
    signals = feed(DonchianBreakout(entry=3, exit=2), [100, 102, 101, 102, 103])
    assert signals[:4] == [[], [], [], []]  # 102 only equals the high: no breakout
    (buy,) = signals[4]
    assert isinstance(buy, Buy) and buy.ticker == "005930" and "103" in buy.reason


def test_it_sells_a_break_below_the_exit_channel_low_when_holding():
    held = Holding("005930", 3, 100)
    signals = feed(DonchianBreakout(entry=3, exit=2), [105, 104, 106, 104, 103], held)
    assert signals[:4] == [[], [], [], []]
    (sale,) = signals[4]
    assert isinstance(sale, Sell) and "104" in sale.reason


def test_it_is_a_built_in_with_checked_parameters():
    assert strategy_named("donchian_breakout", entry=30, exit=10) == DonchianBreakout(30, 10)
    with pytest.raises(InvalidInputError) as error:
        strategy_named("donchian_breakout", entry=0)
    assert error.value.argument == "entry"
    with pytest.raises(InvalidInputError):
        strategy_named("donchian_breakout", window=3)


def test_it_trades_in_a_backtest(minutes):
    result = Backtest(DonchianBreakout(entry=60, exit=30), minutes, ["005930"],
                      start="2024-06-10").run()
    assert len(result.trades) > 0
    assert result.trades["entry_reason"].str.contains("broke above").all()
    assert result.warmup_end is not None and result.warmup_end.date() == dt.date(2024, 6, 10)
