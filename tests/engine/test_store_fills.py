"""Fills and trades in the store, on SQLite and PostgreSQL: each execution recorded once,
the trade's money kept with it (figures computed by hand as in test_pnl: commission
0.0140527 % truncated; 2026 KOSPI sale tax 0.05 % + 0.15 %, each truncated)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pykis.engine.portfolio import Position
from pykis.engine.store import (
    Fill,
    FillConflictError,
    OrderIntent,
    OrderStateError,
    Store,
    Trade,
)
from pykis.engine.store.schema import Order
from pykis.exceptions import InvalidInputError
from pykis.market import KST, Commission, TradeCosts, TradingCosts

SAMSUNG = "005930"


def placed(store: Store, side: str, quantity: int, price: int, number: str,
           trade_id: int | None = None, reason: str = "") -> Order:
    intent = OrderIntent(SAMSUNG, side, quantity, limit_price=price, trade_id=trade_id,
                         reason=reason, strategy="momentum")
    order = store.record_intent(intent)
    store.mark_sent(order.id)
    return store.mark_accepted(order.id, number, "06010")


def test_a_full_cycle_buy_then_sell_in_two_fills(store, clock):
    bought = placed(store, "buy", 10, 70_000, "101", reason="breakout")
    fill = store.record_fill(bought.id, key="100512:10@70000", quantity=10, price=70_000,
                             filled_at=clock.now)
    # 700,000 x 0.000140527 = 98.37 -> 98
    assert (fill.value, fill.commission, fill.tax, fill.realized_pnl) == (700_000, 98, 0, None)
    order = store.get_order(bought.id)
    assert (order.state, order.filled_quantity, order.filled_value) == ("filled", 10, 700_000)
    trade = store.get_trade(order.trade_id)
    assert (trade.trade_status, trade.ticker, trade.strategy, trade.entry_reason) == (
        "OPEN", SAMSUNG, "momentum", "breakout")
    assert (trade.quantity, trade.open_quantity, trade.entry_price, trade.fees) == (
        10, 10, Decimal("70000.0000"), 98)

    clock.advance(hours=1)
    sold = placed(store, "sell", 10, 72_000, "102", trade_id=trade.id, reason="take-profit")
    first = store.record_fill(sold.id, key="a", quantity=4, price=72_000, filled_at=clock.now)
    # 288,000: commission 40 (40.47); tax 144 + 432 = 576; held cost taken 280,000 and
    # fees 98 - 98 x 6 // 10 = 40: 288,000 - 280,000 - 40 - 40 - 576 = 7,344
    assert (first.commission, first.tax, first.realized_pnl) == (40, 576, 7_344)
    half = store.get_trade(trade.id)
    assert (half.trade_status, half.open_quantity, half.pnl) == ("OPEN", 6, 7_344)
    assert store.get_order(sold.id).state == "partially_filled"

    clock.advance(minutes=3)
    last = store.record_fill(sold.id, key="b", quantity=6, price=73_000, filled_at=clock.now)
    # 438,000: commission 61 (61.55); tax 219 + 657 = 876; the rest of the cost 420,000
    # and fees 58: 438,000 - 420,000 - 58 - 61 - 876 = 17,005
    assert last.realized_pnl == 17_005
    closed = store.get_trade(trade.id)
    assert (closed.trade_status, closed.open_quantity, closed.closed_at) == (
        "CLOSED", 0, clock.now)
    # 7,344 + 17,005 = 24,349 = sales 726,000 - buys 700,000 - commissions 199 - tax 1,452
    assert (closed.pnl, closed.fees, closed.tax) == (24_349, 199, 1_452)
    assert closed.exit_price == Decimal("72600.0000")  # 726,000 / 10
    assert closed.pnl_percent == Decimal("3.4779")  # 24,349 / 700,098 = 3.47794...%
    assert closed.reason == "take-profit"
    assert store.open_trades() == [] and store.get_order(sold.id).state == "filled"


def test_the_same_fill_is_recorded_once(store, make_store, clock):
    order = placed(store, "buy", 10, 70_000, "103")
    assert store.record_fill(order.id, key="k1", quantity=3, price=70_000,
                             filled_at=clock.now) is not None
    # the notice again, and the same notice read by another process
    assert store.record_fill(order.id, key="k1", quantity=3, price=70_000,
                             filled_at=clock.now) is None
    assert make_store().record_fill(order.id, key="k1", quantity=3, price=70_000,
                                    filled_at=clock.now) is None
    assert [f.quantity for f in store.fills_of(order.id)] == [3]
    trade = store.get_trade(store.get_order(order.id).trade_id)
    assert (trade.quantity, trade.buy_value) == (3, 210_000)
    with pytest.raises(FillConflictError):
        store.record_fill(order.id, key="k1", quantity=4, price=70_000, filled_at=clock.now)


def test_the_database_refuses_a_duplicate_fill_key(store, clock):
    order = placed(store, "buy", 10, 70_000, "104")
    store.record_fill(order.id, key="dup", quantity=1, price=70_000, filled_at=clock.now)
    with pytest.raises(IntegrityError), store.transaction() as session:
        session.add(Fill(order_id=order.id, fill_key="dup", source="notice", quantity=1,
                         price=Decimal(70_000), value=70_000, commission=9, tax=0,
                         filled_at=clock.now, recorded_at=clock.now))
    assert len(store.fills_of(order.id)) == 1


@pytest.mark.parametrize("before", [[], ["sent"], ["sent", "unknown"], ["sent", "rejected"]])
def test_fills_need_an_order_the_broker_accepted(store, clock, before):
    order = store.record_intent(OrderIntent(SAMSUNG, "buy", 10, limit_price=70_000))
    for step in before:
        {"sent": lambda: store.mark_sent(order.id),
         "unknown": lambda: store.mark_unknown(order.id, "timeout"),
         "rejected": lambda: store.mark_rejected(order.id, "refused")}[step]()
    with pytest.raises(OrderStateError):
        store.record_fill(order.id, key="x", quantity=1, price=70_000, filled_at=clock.now)
    assert store.fills_of(order.id) == [] and store.open_trades() == []


def test_a_fill_beyond_the_order_quantity_is_refused(store, clock):
    order = placed(store, "buy", 10, 70_000, "105")
    store.record_fill(order.id, key="a", quantity=8, price=70_000, filled_at=clock.now)
    with pytest.raises(FillConflictError):
        store.record_fill(order.id, key="b", quantity=3, price=70_000, filled_at=clock.now)
    assert store.get_order(order.id).filled_quantity == 8
    assert store.open_trades()[0].quantity == 8


def test_a_fill_that_beat_the_cancellation_is_still_recorded(store, clock):
    order = placed(store, "buy", 10, 70_000, "106")
    store.record_fill(order.id, key="a", quantity=4, price=70_000, filled_at=clock.now)
    store.mark_canceled(order.id)
    # executed before the cancellation, reported after it
    store.record_fill(order.id, key="b", quantity=2, price=70_000, filled_at=clock.now)
    final = store.get_order(order.id)
    assert (final.state, final.filled_quantity, final.remaining) == ("canceled", 6, 4)
    assert store.open_trades()[0].open_quantity == 6


def test_rest_totals_fill_in_what_the_notices_missed(store, clock):
    order = placed(store, "buy", 10, 70_000, "107")
    store.record_fill(order.id, key="n1", quantity=3, price=70_000, filled_at=clock.now)
    # KIS: tot_ccld_qty 10, tot_ccld_amt 700,500 -> 7 more shares for 490,500
    clock.advance(minutes=1)
    synced = store.sync_fills(order.id, total_quantity=10, total_value=700_500,
                              filled_at=clock.now)
    assert (synced.quantity, synced.value, synced.source) == (7, 490_500, "rest")
    assert synced.price == Decimal("70071.4286")  # 490,500 / 7 = 70,071.428571...
    assert synced.commission == 68  # 490,500 x 0.000140527 = 68.93 -> 68
    # the same totals again: nothing is missing
    assert store.sync_fills(order.id, total_quantity=10, total_value=700_500,
                            filled_at=clock.now) is None
    assert store.get_order(order.id).state == "filled"
    trade = store.open_trades()[0]
    assert (trade.quantity, trade.buy_value, trade.entry_price) == (
        10, 700_500, Decimal("70050.0000"))
    # totals below what is recorded contradict the ledger
    with pytest.raises(FillConflictError):
        store.sync_fills(order.id, total_quantity=9, total_value=630_000, filled_at=clock.now)


def test_averaging_into_an_open_trade(store, clock):
    first = placed(store, "buy", 10, 70_000, "108")
    store.record_fill(first.id, key="a", quantity=10, price=70_000, filled_at=clock.now)
    trade_id = store.get_order(first.id).trade_id
    more = placed(store, "buy", 5, 68_000, "109", trade_id=trade_id)
    store.record_fill(more.id, key="a", quantity=5, price=68_000, filled_at=clock.now)
    trade = store.get_trade(trade_id)
    # 1,040,000 / 15; commissions 98 + 47 (47.78)
    assert trade.entry_price == Decimal("69333.3333")
    assert (trade.quantity, trade.open_cost, trade.open_fees, trade.fees) == (
        15, 1_040_000, 145, 145)
    assert Position.of(trade).cost.quantity == 15
    assert len(store.open_trades()) == 1


def test_a_buy_for_a_trade_closed_meanwhile_opens_a_new_one(store, clock):
    first = placed(store, "buy", 2, 70_000, "110")
    store.record_fill(first.id, key="a", quantity=2, price=70_000, filled_at=clock.now)
    trade_id = store.get_order(first.id).trade_id
    more = placed(store, "buy", 1, 70_000, "111", trade_id=trade_id)
    out = placed(store, "sell", 2, 70_000, "112", trade_id=trade_id)
    store.record_fill(out.id, key="a", quantity=2, price=70_000, filled_at=clock.now)
    store.record_fill(more.id, key="a", quantity=1, price=70_000, filled_at=clock.now)
    relinked = store.get_order(more.id).trade_id
    assert relinked != trade_id
    assert [t.id for t in store.open_trades()] == [relinked]


def test_the_tax_rate_is_that_of_the_kst_trading_day(store, clock):
    # 00:30 KST on Monday 2025-12-29 is Sunday in UTC. The KST day settles on 2026-01-02
    # (2026 rate: 0.05 % + 0.15 %); the UTC day would settle on 12-30 (2025: 0 % + 0.15 %).
    clock.now = dt.datetime(2025, 12, 29, 0, 30, tzinfo=KST)
    bought = placed(store, "buy", 100, 50_000, "113")
    store.record_fill(bought.id, key="a", quantity=100, price=50_000, filled_at=clock.now)
    sold = placed(store, "sell", 100, 50_000, "114", trade_id=store.get_order(bought.id).trade_id)
    fill = store.record_fill(sold.id, key="a", quantity=100, price=50_000, filled_at=clock.now)
    assert fill.tax == 2_500 + 7_500  # of 5,000,000


def test_costs_the_broker_charged_win_over_the_schedule(make_store, clock):
    store = make_store(costs=TradingCosts(commission=Commission(stock_rate=Decimal("0.00015"))))
    order = placed(store, "buy", 10, 70_000, "115")
    fill = store.record_fill(order.id, key="a", quantity=10, price=70_000, filled_at=clock.now)
    assert fill.commission == 105  # 700,000 x 0.015 %
    other = placed(store, "buy", 10, 70_000, "116")
    fill = store.record_fill(other.id, key="a", quantity=10, price=70_000, filled_at=clock.now,
                             charged=TradeCosts(commission=99, transaction_tax=0, rural_tax=0))
    assert fill.commission == 99


def test_realized_pnl_of_a_day(store, clock):
    bought = placed(store, "buy", 10, 70_000, "117")
    store.record_fill(bought.id, key="a", quantity=10, price=70_000, filled_at=clock.now)
    trade_id = store.get_order(bought.id).trade_id
    sold = placed(store, "sell", 10, 72_000, "118", trade_id=trade_id)
    store.record_fill(sold.id, key="a", quantity=4, price=72_000, filled_at=clock.now)
    tomorrow = clock.now + dt.timedelta(days=1)
    store.record_fill(sold.id, key="b", quantity=6, price=73_000, filled_at=tomorrow)
    day = dt.datetime(2026, 3, 3, tzinfo=KST)
    next_day = day + dt.timedelta(days=1)
    assert store.realized_pnl(day, next_day) == 7_344  # the first sale (see the full cycle)
    assert store.realized_pnl(next_day, next_day + dt.timedelta(days=1)) == 17_005
    assert store.realized_pnl(next_day + dt.timedelta(days=1), next_day + dt.timedelta(days=2)) == 0


@pytest.mark.parametrize(
    ("fields", "argument"),
    [({"key": ""}, "key"), ({"key": "k" * 65}, "key"), ({"quantity": 0}, "quantity"),
     ({"price": 70_000.0}, "price"), ({"order_id": 999}, "order_id"),
     ({"source": "fax"}, "source")],
)
def test_bad_fills_are_refused_by_name(store, clock, fields, argument):
    order = placed(store, "buy", 10, 70_000, "119")
    arguments = {"order_id": order.id, "key": "a", "quantity": 1, "price": 70_000,
                 "filled_at": clock.now, **fields}
    with pytest.raises(InvalidInputError) as raised:
        store.record_fill(arguments.pop("order_id"), **arguments)
    assert raised.value.argument == argument


def test_naive_timestamps_are_refused(store, clock):
    order = placed(store, "buy", 10, 70_000, "120")
    with pytest.raises(InvalidInputError) as raised:
        store.record_fill(order.id, key="a", quantity=1, price=70_000,
                          filled_at=dt.datetime(2026, 3, 3, 10, 30))
    assert raised.value.argument == "filled_at"
    assert store.fills_of(order.id) == []


def test_a_naive_clock_is_refused(make_store):
    store = make_store(clock=lambda: dt.datetime(2026, 3, 3, 10, 30))
    with pytest.raises(InvalidInputError) as raised:
        store.record_intent(OrderIntent(SAMSUNG, "buy", 1, order_type="market"))
    assert raised.value.argument == "clock"
    assert store.unresolved_orders() == []


def test_the_ledger_survives_a_restart(database_url, clock):
    with Store(database_url, clock=clock) as store:
        order = placed(store, "buy", 10, 70_000, "121")
        store.record_fill(order.id, key="a", quantity=10, price=70_000, filled_at=clock.now)
    with Store(database_url, clock=clock) as reopened:
        assert reopened.revision() == "0004"
        trade = reopened.open_trades()[0]
        assert (trade.open_quantity, trade.entry_price, trade.opened_at) == (
            10, Decimal("70000.0000"), clock.now)
        assert trade.opened_at.utcoffset() == dt.timedelta(0)  # read back in UTC


def test_the_schema_forbids_ghost_positions(store, clock):
    # An open trade holds shares and a closed one holds none, whatever code writes it.
    with pytest.raises(IntegrityError), store.transaction() as session:
        session.add(Trade(ticker=SAMSUNG, market="KOSPI", kind="STOCK", trade_status="OPEN",
                          quantity=10, open_quantity=0, entry_price=Decimal(70_000),
                          buy_value=700_000, open_cost=0, open_fees=0, opened_at=clock.now,
                          updated_at=clock.now))
    assert store.trades() == []


def test_foreign_keys_are_enforced(store, clock):
    with pytest.raises(IntegrityError), store.transaction() as session:
        session.add(Fill(order_id=424242, fill_key="x", source="rest", quantity=1,
                         price=Decimal(1), value=1, commission=0, tax=0, filled_at=clock.now,
                         recorded_at=clock.now))
    with store.transaction() as session:
        assert session.scalars(select(Fill)).all() == []
