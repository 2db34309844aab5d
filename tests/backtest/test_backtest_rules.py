"""The backtester applies the live engine's rules: fills no earlier than the next tick and
never better than recorded, the tick grid, the day's price limits, the sale tax of the
settlement date, commission, stop-loss exits, the regular session, one buy at a time.
Bars come from the simulator through the client (conftest) and from a KIS capture."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

import pytest

from backtest.scripted import Script, ticks_of
from pykis.backtest import Backtest
from pykis.engine.risk import RiskLimits
from pykis.engine.strategy import Buy, Sell
from pykis.exceptions import InvalidInputError
from pykis.market import Session, TradingCalendar

MONDAY = dt.date(2024, 6, 10)


def run(data, plan, **options):
    options.setdefault("start", MONDAY)
    options.setdefault("end", dt.date(2024, 6, 14))
    result = Backtest(Script(plan), data, options.pop("symbols", ["005930"]), **options).run()
    return result, result.strategy.seen


def week_ticks(minutes, symbol="005930"):
    frame = minutes[symbol]
    return [t for t in ticks_of(frame) if t[0].date() >= MONDAY]


def won(value: Decimal) -> int:
    return int(value.to_integral_value(ROUND_DOWN))


def test_a_market_order_fills_at_the_next_ticks_price(minutes):
    result, seen = run(minutes, {10: [Buy("005930", quantity=3)]})
    tape = week_ticks(minutes)
    decided = seen[9][0]
    position = [t[0] for t in tape].index(decided.time)
    order = result.orders.iloc[0]
    fill = result.fills.iloc[0]
    assert (order["type"], order["state"], order["quantity"]) == ("market", "filled", 3)
    assert fill["time"] == tape[position + 1][0] and fill["price"] == tape[position + 1][1]
    assert fill["time"] > decided.time


def test_a_limit_moves_down_onto_the_grid_and_fills_only_when_traded_through(minutes):
    result, seen = run(minutes, {5: [Buy("005930", quantity=1, price=seen_price(minutes) - 151)]})
    decided = seen[4][0]
    limit = decided.price - 200  # 50,000-200,000 KRW: a 100 KRW grid, rounded down for a buy
    order = result.orders.iloc[0]
    assert (order["type"], order["limit_price"]) == ("limit", limit)
    tape = week_ticks(minutes)
    after = [t for t in tape if t[0] > decided.time and t[0].date() == decided.time.date()]
    through = next(t for t in after if t[1] < limit)  # the first trade below the limit
    fill = result.fills.iloc[0]
    assert fill["time"] == through[0] and fill["price"] == limit  # at the limit, not better


def seen_price(minutes) -> int:
    """The price of the 5th tick of the week (what the script sees 5th)."""
    return week_ticks(minutes)[4][1]


def test_a_limit_outside_todays_price_limits_is_refused(minutes):
    friday = minutes["005930"]
    close = int(friday[friday["time"].dt.date == dt.date(2024, 6, 7)]["close"].iloc[-1])
    assert 50_000 <= close * 13 // 10 < 200_000 and 20_000 <= close * 7 // 10 < 50_000
    upper = close * 13 // 10 // 100 * 100  # +30 %, down onto the 100 KRW grid
    lower = -(-(-(-close * 7 // 10)) // 50) * 50  # -30 %, up onto the 50 KRW grid
    result, _ = run(minutes, {3: [Buy("005930", quantity=1, price=upper + 100)],
                              4: [Buy("005930", quantity=1, price=upper)]})
    refused, accepted = result.orders.iloc[0], result.orders.iloc[1]
    assert refused["state"] == "refused"
    assert f"{lower:,}-{upper:,}" in refused["message"]
    assert accepted["state"] in ("filled", "working", "expired") and accepted["limit_price"] == upper


def test_costs_are_the_engines_commission_and_the_tax_of_the_settlement_date(history):
    # A sale on Thursday 2024-12-26 settles on 12-30 (2024's rate: 0.03 % + 0.15 % rural);
    # one on Friday 12-27 settles on 2025-01-02 (2025's: 0 % + 0.15 %), past the year-end
    # closing day and New Year's Day.
    plan = {dt.date(2024, 12, 23): [Buy("005930", quantity=10)],
            dt.date(2024, 12, 26): [Sell("005930", quantity=4)],
            dt.date(2024, 12, 27): [Sell("005930")]}
    result, _ = run(history, plan, timeframe="1d", start=dt.date(2024, 12, 20),
                    end=dt.date(2024, 12, 30))
    fills = result.fills.set_index(result.fills["time"].dt.date)
    for day, rate in ((dt.date(2024, 12, 26), Decimal("0.0003")),
                      (dt.date(2024, 12, 27), Decimal("0"))):
        sale = fills.loc[day]
        value = Decimal(int(sale["quantity"]) * int(sale["price"]))
        assert sale["tax"] == won(value * rate) + won(value * Decimal("0.0015"))
        assert sale["commission"] == won(value * Decimal("0.000140527"))
    assert result.fills["tax"].iloc[2] < result.fills["tax"].iloc[1] * 6 // 4  # 2025 is cheaper
    trip = result.trades.iloc[0]
    bought, sold = result.fills.iloc[0], result.fills.iloc[1:]
    assert trip["pnl"] == int((sold["quantity"] * sold["price"]).sum()) - 10 * bought["price"] \
        - int(result.fills["commission"].sum()) - int(result.fills["tax"].sum())


def test_genuine_daily_bars_of_2022_pay_that_years_tax(captured_daily):
    result, _ = run(captured_daily, {1: [Buy("000660", quantity=7)],
                                     dt.date(2022, 4, 25): [Sell("000660")]},
                    symbols=["000660"], timeframe="1d", start=None, end=None)
    sale = result.fills.iloc[1]
    assert sale["time"].date() == dt.date(2022, 4, 25) and sale["quantity"] == 7
    value = Decimal(int(sale["quantity"]) * int(sale["price"]))
    assert sale["tax"] == won(value * Decimal("0.0008")) + won(value * Decimal("0.0015"))


def test_a_stop_loss_sells_on_the_first_tick_at_or_under_the_stop(minutes):
    limits = RiskLimits(stop_loss=Decimal("0.01"))
    result, _ = run(minutes, {2: [Buy("005930", quantity=2)]}, limits=limits)
    entry = Decimal(int(result.fills.iloc[0]["price"]))
    stop = entry * (1 - Decimal("0.01"))
    tape = [t for t in week_ticks(minutes) if t[0] > result.fills.iloc[0]["time"]]
    regular = TradingCalendar()
    first = next(t for t in tape if t[1] <= stop
                 and regular.session_at(t[0]) is Session.REGULAR)
    sale = result.orders.iloc[1]
    assert sale["side"] == "sell" and sale["reason"].startswith("stop-loss")
    assert sale["time"] == first[0] and sale["state"] == "filled"


def test_decisions_only_in_the_regular_session_unless_always(minutes):
    _, seen = run(minutes, {})
    calendar = TradingCalendar()
    assert seen and all(calendar.session_at(t.time) is Session.REGULAR for t, _ in seen)
    closing = [t for t in week_ticks(minutes) if t[0].time() >= dt.time(15, 20)]
    assert closing  # the data has the closing auction's bars: they were not decided on
    _, everything = run(minutes, {}, sessions="always")
    assert len(everything) == len(week_ticks(minutes)) > len(seen)


def test_one_buy_at_a_time_and_day_orders_expire(minutes):
    far = 50_000  # within the limits, far under any price of the week: it never fills
    result, _ = run(minutes, {3: [Buy("005930", quantity=1, price=far)],
                              6: [Buy("005930", amount_krw=100_000)]},
                    end=MONDAY)
    first, second = result.orders.iloc[0], result.orders.iloc[1]
    assert first["state"] == "expired" and first["filled"] == 0
    assert second["state"] == "refused" and "one at a time" in second["message"]
    assert result.fills.empty


def test_a_buy_by_amount_is_sized_with_commission_at_the_last_price(minutes):
    result, seen = run(minutes, {4: [Buy("005930", amount_krw=1_000_000)]})
    price = seen[3][0].price
    order = result.orders.iloc[0]
    assert (order["type"], order["limit_price"]) == ("limit", price)
    quantity = 1_000_000 // price
    while quantity * price + won(Decimal(quantity * price) * Decimal("0.000140527")) > 1_000_000:
        quantity -= 1
    assert order["quantity"] == quantity


def test_short_volume_fills_in_parts(minutes):
    frame = minutes["005930"].copy()
    first = frame.index[frame["time"].dt.date == MONDAY][0]
    frame.loc[first, "volume"] = 2  # Monday's first minute traded two shares only
    result, _ = run({"005930": frame}, {1: [Buy("005930", quantity=5)]})
    tape = week_ticks({"005930": frame})
    wanted, parts = 5, []
    for _, _, volume in tape[1:]:  # the ticks after the deciding one, each its own volume
        if volume:
            parts.append(min(volume, wanted))
            wanted -= parts[-1]
        if not wanted:
            break
    assert list(result.fills["quantity"]) == parts and len(parts) > 1
    assert result.orders.iloc[0]["state"] == "filled"


def test_equity_costs_and_benchmark_add_up(minutes):
    result, _ = run(minutes, {2: [Buy("005930", quantity=10)], 200: [Sell("005930", quantity=4)],
                              300: [Buy("000660", quantity=1)]},
                    symbols=["005930", "000660"], cash=5_000_000)
    fills = result.fills
    last = result.prices.iloc[-1]
    held = {"005930": 6, "000660": 1}
    assert result.equity.iloc[-1] == fills["cash"].iloc[-1] + sum(
        q * int(last[s]) for s, q in held.items())
    assert result.metrics.costs == int(fills["commission"].sum() + fills["tax"].sum())
    assert result.metrics.trades == 0  # nothing went back to zero shares
    opens = [int(minutes[s][minutes[s]["time"].dt.date == MONDAY]["open"].iloc[0])
             for s in ("005930", "000660")]
    spent = sum((2_500_000 // p) * p for p in opens)
    assert result.benchmark.iloc[0] < 5_000_000 and result.benchmark.iloc[-1] == pytest.approx(
        5_000_000 - spent + sum((2_500_000 // p) * int(last[s]) for p, s in
                                zip(opens, ("005930", "000660"), strict=True)), abs=2_000)


@pytest.mark.parametrize(("options", "argument"), [
    ({"timeframe": "5m"}, "timeframe"),
    ({"symbols": ["069500"]}, "symbols"),
    ({"cash": 0}, "cash"),
    ({"end": dt.date(2024, 6, 1)}, "end"),
    ({"start": "June"}, "start"),
    ({"sessions": "sometimes"}, "sessions"),
])
def test_bad_input_is_refused_naming_the_argument(minutes, options, argument):
    with pytest.raises(InvalidInputError) as error:
        run(minutes, {}, **options)
    assert error.value.argument == argument


def test_bars_without_the_columns_are_refused(minutes):
    broken = {"005930": minutes["005930"].drop(columns="volume")}
    with pytest.raises(InvalidInputError) as error:
        run(broken, {})
    assert error.value.argument == "data" and "volume" in str(error.value)
