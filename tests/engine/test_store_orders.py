"""Orders in the store, on SQLite and PostgreSQL: the intent written before sending, the
state machine, the broker's numbers, and no sale of shares not held."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from pykis.engine.store import (
    OrderIntent,
    OrderState,
    OrderStateError,
    OversellError,
    Store,
)
from pykis.engine.store.schema import Order
from pykis.exceptions import InvalidInputError
from pykis.market import KST

SAMSUNG = "005930"
S = OrderState


def buy(quantity: int = 10, price: int = 70_000, **fields) -> OrderIntent:
    return OrderIntent(SAMSUNG, "buy", quantity, limit_price=price, **fields)


def sell(trade_id: int, quantity: int, price: int = 72_000, **fields) -> OrderIntent:
    return OrderIntent(SAMSUNG, "sell", quantity, limit_price=price, trade_id=trade_id, **fields)


def accepted(store: Store, intent: OrderIntent, number: str) -> Order:
    order = store.record_intent(intent)
    store.mark_sent(order.id)
    return store.mark_accepted(order.id, number, "06010")


def holding(store: Store, clock, quantity: int = 10) -> int:
    """An open trade of ``quantity`` shares bought at 70,000; its id."""
    order = accepted(store, buy(quantity), "900")
    store.record_fill(order.id, key="fill", quantity=quantity, price=70_000,
                      filled_at=clock.now)
    return store.get_order(order.id).trade_id


def test_the_intent_is_committed_before_anything_is_sent(store, make_store, clock):
    intent = buy(reason="breakout", strategy="momentum", client_order_id="c-1")
    order = store.record_intent(intent)
    # another process (another store on the same database) sees it at once
    seen = make_store().find_order("c-1")
    assert (seen.id, seen.state, seen.sent_at) == (order.id, "intent", None)
    assert (seen.ticker, seen.side, seen.order_type, seen.quantity, seen.limit_price) == (
        SAMSUNG, "buy", "limit", 10, 70_000)
    assert (seen.reason, seen.strategy, seen.market, seen.kind) == (
        "breakout", "momentum", "KOSPI", "STOCK")
    assert seen.created_at == clock.now and seen.created_at.tzinfo is not None
    assert seen.broker_order_id is None and seen.filled_quantity == 0


def test_an_order_through_its_states(store, clock):
    order = store.record_intent(buy())
    clock.advance(seconds=1)
    assert store.mark_sent(order.id).sent_at == clock.now
    clock.advance(seconds=1)
    # KIS answers with a zero-padded ODNO; the store keeps it without the zeros
    done = store.mark_accepted(order.id, "0000012345", "06010")
    assert (done.state, done.broker_order_id, done.broker_org_no) == ("accepted", "12345", "06010")
    assert done.broker_order_date == dt.date(2026, 3, 3)
    assert store.find_broker_order("12345", dt.date(2026, 3, 3)).id == order.id
    assert store.find_broker_order("0000012345", dt.date(2026, 3, 3)).id == order.id
    assert store.find_broker_order("12345", dt.date(2026, 3, 4)) is None


def test_the_broker_date_is_the_kst_day(store, clock):
    # 00:30 KST on the 4th is still the 3rd in UTC: KIS numbers orders by its own day
    clock.now = dt.datetime(2026, 3, 4, 0, 30, tzinfo=KST)
    order = accepted(store, buy(), "7")
    assert order.broker_order_date == dt.date(2026, 3, 4)


# What it takes to bring a fresh order into each state.
PATHS = {
    S.INTENT: [],
    S.SENT: ["sent"],
    S.UNKNOWN: ["sent", "unknown"],
    S.ACCEPTED: ["sent", "accepted"],
    S.REJECTED: ["sent", "rejected"],
    S.DROPPED: ["dropped"],
    S.CANCELED: ["sent", "accepted", "canceled"],
}


def move(store: Store, order_id: int, step: str) -> Order:
    return {
        "sent": lambda: store.mark_sent(order_id),
        "accepted": lambda: store.mark_accepted(order_id, str(order_id), "06010"),
        "rejected": lambda: store.mark_rejected(order_id, "APBK0952 not enough cash"),
        "unknown": lambda: store.mark_unknown(order_id, "read timeout"),
        "dropped": lambda: store.mark_dropped(order_id, "dry run"),
        "canceled": lambda: store.mark_canceled(order_id),
    }[step]()


@pytest.mark.parametrize(
    ("state", "step", "allowed"),
    [
        (S.INTENT, "sent", True),
        (S.INTENT, "dropped", True),
        (S.INTENT, "accepted", False),  # an order must be marked sent before it is sent
        (S.INTENT, "unknown", False),
        (S.SENT, "accepted", True),
        (S.SENT, "rejected", True),
        (S.SENT, "unknown", True),
        (S.SENT, "dropped", False),  # it may have reached KIS
        (S.UNKNOWN, "accepted", True),  # found in today's orders
        (S.UNKNOWN, "rejected", True),  # not found
        (S.UNKNOWN, "sent", False),  # never resent
        (S.ACCEPTED, "canceled", True),
        (S.ACCEPTED, "rejected", False),
        (S.ACCEPTED, "sent", False),
        (S.REJECTED, "accepted", False),
        (S.REJECTED, "sent", False),
        (S.DROPPED, "sent", False),
        (S.CANCELED, "rejected", False),
        (S.CANCELED, "sent", False),
    ],
)
def test_the_state_machine(store, state, step, allowed):
    order = store.record_intent(buy())
    for earlier in PATHS[state]:
        move(store, order.id, earlier)
    if allowed:
        assert move(store, order.id, step).state == step
    else:
        with pytest.raises(OrderStateError) as raised:
            move(store, order.id, step)
        assert (raised.value.state, raised.value.wanted) == (state.value, step)
        assert store.get_order(order.id).state == state  # nothing was written


@pytest.mark.parametrize(
    ("before", "step"),
    [([], "sent"), (["sent"], "accepted"), (["sent"], "unknown"), (["sent"], "rejected"),
     (["sent", "accepted"], "canceled"), ([], "dropped")],
)
def test_repeating_a_report_changes_nothing(store, clock, before, step):
    order = store.record_intent(buy())
    for earlier in before:
        move(store, order.id, earlier)
    first = move(store, order.id, step)
    clock.advance(minutes=5)
    again = move(store, order.id, step)
    assert again.state == step
    assert (again.updated_at, again.error, again.sent_at) == (first.updated_at, first.error,
                                                              first.sent_at)


def test_a_late_acceptance_report_leaves_a_finished_order_alone(store):
    order = accepted(store, buy(), "31")
    store.mark_canceled(order.id, "expired at the close")
    again = store.mark_accepted(order.id, "0000000031", "06010")
    assert (again.state, again.error) == ("canceled", "expired at the close")


def test_errors_are_kept(store):
    order = store.record_intent(buy())
    store.mark_sent(order.id)
    assert store.mark_unknown(order.id, "read timeout").error == "read timeout"
    assert store.mark_rejected(order.id, "not in today's orders").error == "not in today's orders"


def test_an_accepted_order_keeps_its_number(store):
    order = accepted(store, buy(), "12345")
    assert store.mark_accepted(order.id, "0000012345", "06010").broker_order_id == "12345"
    with pytest.raises(InvalidInputError) as raised:
        store.mark_accepted(order.id, "12346", "06010")
    assert raised.value.argument == "broker_order_id"


def test_a_broker_number_belongs_to_one_order_a_day(store, clock):
    accepted(store, buy(), "12345")
    other = store.record_intent(buy())
    store.mark_sent(other.id)
    with pytest.raises(InvalidInputError) as raised:
        store.mark_accepted(other.id, "12345", "06010")
    assert raised.value.argument == "broker_order_id"
    assert store.get_order(other.id).state == "sent"
    # KIS numbers each day afresh: the same number tomorrow is another order
    clock.advance(days=1)
    assert store.mark_accepted(other.id, "12345", "06010").broker_order_date == dt.date(2026, 3, 4)


def test_the_database_itself_refuses_a_number_twice_a_day(store, clock):
    # the schema's own guard, below the store's check
    with pytest.raises(IntegrityError), store.transaction() as session:
        for client in ("a", "b"):
            session.add(Order(
                client_order_id=client, ticker=SAMSUNG, market="KOSPI", kind="STOCK", side="buy",
                order_type="limit", quantity=1, limit_price=70_000, created_at=clock.now,
                state="accepted", updated_at=clock.now, filled_quantity=0, filled_value=0,
                broker_order_id="5", broker_order_date=dt.date(2026, 3, 3)))
    assert store.unresolved_orders() == [] and store.working_orders() == []


def test_a_client_order_id_is_recorded_once(store):
    store.record_intent(buy(client_order_id="same"))
    with pytest.raises(InvalidInputError) as raised:
        store.record_intent(buy(client_order_id="same"))
    assert raised.value.argument == "client_order_id"
    assert len(store.unresolved_orders()) == 1


def test_unresolved_and_working_orders(store):
    ids = {}
    for state, path in PATHS.items():
        order = store.record_intent(buy())
        for step in path:
            move(store, order.id, step)
        ids[state] = order.id
    assert [o.id for o in store.unresolved_orders()] == [ids[S.INTENT], ids[S.SENT],
                                                         ids[S.UNKNOWN]]
    assert [o.id for o in store.working_orders()] == [ids[S.ACCEPTED]]
    assert store.working_orders(ticker="000660") == []


def test_the_broker_report_is_kept_apart(store, clock):
    order = accepted(store, buy(), "77")
    clock.advance(seconds=30)
    report = store.record_broker_report(order.id, status="open", filled_quantity=4,
                                        average_price=Decimal("70012.5"))
    assert (report.broker_status, report.broker_filled_quantity) == ("open", 4)
    assert report.broker_average_price == Decimal("70012.5000")
    assert report.broker_updated_at == clock.now
    # the engine's own view moves only with recorded fills
    assert (report.state, report.filled_quantity) == ("accepted", 0)
    with pytest.raises(InvalidInputError) as raised:
        store.record_broker_report(order.id, status="open", filled_quantity=4,
                                   average_price=70012.5)
    assert raised.value.argument == "average_price"


# ------------------------------------------------------------------------- no oversell


def test_sells_never_exceed_the_shares_held(store, clock):
    trade_id = holding(store, clock, 10)
    first = store.record_intent(sell(trade_id, 6))
    with pytest.raises(OversellError) as raised:
        store.record_intent(sell(trade_id, 5))  # 6 of the 10 are already being sold
    assert (raised.value.quantity, raised.value.available) == (5, 4)
    assert store.record_intent(sell(trade_id, 4)).quantity == 4
    # once the first sale is refused by KIS its shares are free again
    store.mark_sent(first.id)
    store.mark_rejected(first.id, "market closed")
    assert store.record_intent(sell(trade_id, 6)).quantity == 6


def test_a_sale_of_a_closed_or_other_trade_is_refused(store, clock):
    trade_id = holding(store, clock, 2)
    with pytest.raises(InvalidInputError) as raised:
        store.record_intent(OrderIntent("000660", "sell", 1, limit_price=20_000,
                                        trade_id=trade_id))
    assert raised.value.argument == "trade_id"
    order = accepted(store, sell(trade_id, 2), "901")
    store.record_fill(order.id, key="all", quantity=2, price=72_000, filled_at=clock.now)
    assert not store.get_trade(trade_id).is_open
    with pytest.raises(InvalidInputError):
        store.record_intent(sell(trade_id, 1))


def test_racing_sells_cannot_both_take_the_same_shares(make_store, clock):
    """Two processes try to sell 7 of 10 shares at the same moment: one wins."""
    first, second = make_store(), make_store()
    trade_id = holding(first, clock, 10)
    start, outcomes = threading.Barrier(2), []

    def attempt(store: Store) -> None:
        start.wait()
        try:
            store.record_intent(sell(trade_id, 7))
            outcomes.append("recorded")
        except OversellError:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["recorded", "refused"]


# ------------------------------------------------------------------------- checked intents


@pytest.mark.parametrize(
    ("fields", "argument"),
    [
        ({"ticker": "5930"}, "ticker"),
        ({"side": "short"}, "side"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 2.0}, "quantity"),
        ({"order_type": "stop"}, "order_type"),
        ({"time_in_force": "GTC"}, "time_in_force"),
        ({"limit_price": None}, "limit_price"),  # a limit order needs a price
        ({"limit_price": 70_050}, "limit_price"),  # off the 100-won grid
        ({"order_type": "market"}, "limit_price"),  # a market order takes none
        ({"side": "sell"}, "trade_id"),  # a sale says what it sells
        ({"trade_id": 0}, "trade_id"),
        ({"market": "NASDAQ"}, "market"),
        ({"kind": "BOND"}, "kind"),
        ({"reason": None}, "reason"),
        ({"client_order_id": ""}, "client_order_id"),
        ({"client_order_id": "x" * 41}, "client_order_id"),
    ],
)
def test_intents_are_checked_before_anything_is_written(fields, argument):
    with pytest.raises(InvalidInputError) as raised:
        OrderIntent(**{"ticker": SAMSUNG, "side": "buy", "quantity": 10,
                       "limit_price": 70_000, **fields})
    assert raised.value.argument == argument


def test_intent_variants():
    market = OrderIntent(SAMSUNG, "buy", 3, order_type="market")
    assert market.limit_price is None and market.side == "buy"
    ioc = OrderIntent(SAMSUNG, "buy", 3, limit_price=70_000, time_in_force="IOC")
    assert ioc.time_in_force == "IOC"
    etf = OrderIntent("069500", "buy", 3, limit_price=35_005, kind="ETF")  # 5-won ticks
    assert etf.kind == "ETF"
    assert len({OrderIntent(SAMSUNG, "buy", 1, order_type="market").client_order_id
                for _ in range(50)}) == 50
