"""NoticeBook: execution notices and ledger snapshots in, order updates and fills out,
each fill once (pykis.websocket.notices). No I/O: events are built from documented
notice records and snapshots are ``Order`` models as ``fetch_orders`` returns them."""

from __future__ import annotations

import datetime as dt

from pykis.market import KST
from pykis.models import Order
from pykis.websocket.fields import FIELDS
from pykis.websocket.notices import NoticeBook
from pykis.websocket.protocol import NoticeEvent

MORNING = dt.datetime(2026, 11, 20, 10, 30, tzinfo=KST)


class Clock:
    def __init__(self) -> None:
        self.now = MORNING

    def __call__(self) -> dt.datetime:
        return self.now


def notice(**changes: str) -> NoticeEvent:
    values = dict.fromkeys(FIELDS["H0STCNI0"], "")
    values.update({
        "CUST_ID": "simuser1", "ACNT_NO": "6123456701", "ODER_NO": "0000001001",
        "SELN_BYOV_CLS": "02", "RCTF_CLS": "0", "ODER_KIND": "00", "ODER_COND": "0",
        "STCK_SHRN_ISCD": "005930", "CNTG_QTY": "10", "CNTG_UNPR": "70000",
        "STCK_CNTG_HOUR": "103005", "RFUS_YN": "0", "CNTG_YN": "1", "ACPT_YN": "1",
        "BRNC_NO": "06010", "ODER_QTY": "10", "ODER_PRC": "70000",
    })
    values.update(changes)
    return NoticeEvent("H0STCNI0", list(values.values()), lambda: MORNING.date())


def fill(qty: int, price: int, number: str = "0000001001") -> NoticeEvent:
    return notice(ODER_NO=number, CNTG_YN="2", ACPT_YN="2", CNTG_QTY=str(qty),
                  CNTG_UNPR=str(price))


def ledger(number: str = "1001", amount: int = 10, filled: int = 0, cost: int = 0,
           status: str = "open") -> Order:
    return Order(id=number, org_no="06010", symbol="005930", side="buy", type="limit",
                 status=status, price=70000, amount=amount, filled=filled,
                 remaining=amount - filled if status == "open" else 0,
                 average=round(cost / filled) if filled else None, cost=cost,
                 timestamp=0, datetime=MORNING)


def test_acceptance_fills_and_the_order_they_make() -> None:
    book = NoticeBook(Clock())
    [accepted] = book.apply_notice(notice())
    assert accepted.trade is None
    assert (accepted.order.id, accepted.order.status, accepted.order.remaining) == ("1001",
                                                                                 "open", 10)
    assert book.apply_notice(notice()) == []  # the same acceptance again changes nothing
    [first] = book.apply_notice(fill(4, 70000))
    assert (first.trade.id, first.trade.amount, first.trade.cost) == ("1001-1", 4, 280000)
    assert (first.order.filled, first.order.remaining, first.order.status) == (4, 6, "open")
    [second] = book.apply_notice(fill(6, 69900))
    assert second.trade.id == "1001-2" and second.trade.price == 69900
    order = second.order
    assert (order.filled, order.remaining, order.status, order.cost) == (10, 0, "closed",
                                                                        280000 + 6 * 69900)
    assert order.average == round((280000 + 6 * 69900) / 10)
    assert second.trade.datetime == dt.datetime(2026, 11, 20, 10, 30, 5, tzinfo=KST)


def test_a_fill_of_an_order_never_seen_accepted() -> None:
    book = NoticeBook(Clock())
    [update] = book.apply_notice(fill(3, 70100, number="0000002002"))
    assert update.order.id == "2002" and update.order.amount == 10
    assert update.trade.amount == 3 and update.order.filled == 3


def test_more_fill_than_the_order_holds_is_cut_to_what_is_left() -> None:
    book = NoticeBook(Clock())
    book.apply_notice(notice())
    book.apply_notice(fill(8, 70000))
    [last] = book.apply_notice(fill(8, 70000))  # KIS cannot fill 16 of 10
    assert last.trade.amount == 2 and last.order.filled == 10
    assert book.apply_notice(fill(1, 70000)) == []


def test_cancellations_amendments_expiries_and_refusals() -> None:
    book = NoticeBook(Clock())
    book.apply_notice(notice())
    [partly] = book.apply_notice(notice(ODER_NO="0000001002", OODER_NO="0000001001",
                                        RCTF_CLS="2", CNTG_QTY="4"))
    assert (partly.order.id, partly.order.status, partly.order.remaining) == ("1001", "open", 6)
    moved = book.apply_notice(notice(ODER_NO="0000001003", OODER_NO="0000001001",
                                      RCTF_CLS="1", CNTG_QTY="6", ODER_QTY="6",
                                      ODER_PRC="69000"))
    assert [(u.order.id, u.order.status) for u in moved] == [("1001", "canceled"),
                                                             ("1003", "open")]
    assert moved[1].order.original_id == "1001" and moved[1].order.price == 69000
    [gone] = book.apply_notice(notice(ODER_NO="0000001003", ACPT_YN="3"))
    assert (gone.order.status, gone.order.remaining) == ("canceled", 0)
    book.apply_notice(notice(ODER_NO="0000001004"))
    [refused] = book.apply_notice(notice(ODER_NO="0000001004", RFUS_YN="1"))
    assert refused.order.status == "rejected"


def test_a_snapshot_delivers_what_the_notices_missed_once() -> None:
    book = NoticeBook(Clock())
    book.baseline([ledger(filled=2, cost=140000)])  # history: not delivered
    book.apply_notice(fill(3, 70000))  # delivered live: 5 of 10 now
    [caught_up] = book.apply_snapshot([ledger(filled=9, cost=140000 + 3 * 70000 + 4 * 70100)])
    trade = caught_up.trade
    assert (trade.amount, trade.cost, trade.price) == (4, 4 * 70100, 70100)
    assert trade.info["source"] == "snapshot" and trade.id == "1001-2"
    assert book.apply_snapshot([ledger(filled=9, cost=140000 + 3 * 70000 + 4 * 70100)]) == []


def test_merged_fills_keep_their_exact_value() -> None:
    book = NoticeBook(Clock())
    book.baseline([ledger()])
    [update] = book.apply_snapshot([ledger(filled=3, cost=70000 + 70100 + 70100)])
    assert update.trade.cost == 210200  # not 3 × a rounded price
    assert update.trade.price == 70067


def test_a_snapshot_shows_new_orders_and_changed_states() -> None:
    book = NoticeBook(Clock())
    book.baseline([ledger()])
    updates = book.apply_snapshot([ledger(status="canceled"), ledger("1005")])
    assert [(u.order.id, u.order.status, u.trade) for u in updates] == [
        ("1001", "canceled", None), ("1005", "open", None)]


def test_a_verified_fill_delivers_up_to_the_ledger_and_no_further() -> None:
    book = NoticeBook(Clock())
    book.baseline([ledger()])
    [update] = book.apply_fill_verified(fill(3, 70000), ledger(filled=3, cost=210000))
    assert (update.trade.amount, update.trade.info["source"]) == (3, "notice")
    # The same fill seen again: the ledger shows nothing more, so nothing is delivered.
    assert book.apply_fill_verified(fill(3, 70000), ledger(filled=3, cost=210000)) == []
    # A notice behind a fill that was missed: both, as one delivery at their average.
    [both] = book.apply_fill_verified(fill(2, 70000), ledger(filled=7, cost=490200))
    assert (both.trade.amount, both.trade.cost) == (4, 280200)


def test_a_new_day_starts_a_new_book() -> None:
    clock = Clock()
    book = NoticeBook(clock)
    book.apply_notice(notice())
    book.apply_notice(fill(10, 70000))
    clock.now = MORNING + dt.timedelta(days=3)
    [fresh] = book.apply_notice(fill(10, 71000))  # same number, another day's order
    assert fresh.trade.amount == 10 and fresh.trade.id == "1001-1"
