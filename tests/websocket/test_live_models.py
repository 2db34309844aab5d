"""The models the watchers yield (pykis.websocket.live): built from a record without
converting it, each field converted on its first read, and otherwise the public model:
equal to it, dumped, printed, copied and pickled the same, on KIS's own frames."""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from pykis.market import KST
from pykis.models import OrderBook, OrderSide, Trade
from pykis.models.base import millis
from pykis.websocket.fields import FIELDS
from pykis.websocket.notices import NoticeBook
from pykis.websocket.protocol import BookEvent, Codec, NoticeEvent, TradeEvent
from pykis.websocket.watch import _book, _trade

CAPTURES = Path(__file__).parent.parent / "fixtures" / "captures" / "ws"
TODAY = dt.date(2026, 11, 20)
STORED = BaseModel.__dict__["__dict__"]  # where pydantic keeps a model's field values


def capture(name: str) -> str:
    return (CAPTURES / name).read_text(encoding="utf-8").strip()


TRADES = [capture("H0STCNT0.066570.20241014.true-project.txt"),
          capture("H0STCNT0.005930.20230324.kinvest-go.txt")]
BOOK = capture("H0STASP0.066570.true-project.txt")


def decoded(frame: str) -> Any:
    [event] = Codec(lambda: TODAY).decode(frame)
    return event


def eager_trade(event: TradeEvent) -> Trade:
    """The Trade of an event with every field converted, as the watchers built it."""
    moment, price, volume = event.time, event.price, event.volume
    return Trade.model_construct(
        symbol=event.symbol, timestamp=millis(moment), datetime=moment, price=price,
        amount=volume, cost=price * volume, side=event.side, id=None, order_id=None,
        info=event.info)


def eager_book(event: BookEvent) -> OrderBook:
    moment = event.time
    return OrderBook.model_construct(
        symbol=event.symbol, timestamp=millis(moment), datetime=moment,
        bids=[b for b in event.bids if b[0]], asks=[a for a in event.asks if a[0]],
        info=event.info)


CASES = [(frame, _trade, eager_trade) for frame in TRADES] + [(BOOK, _book, eager_book)]
IDS = ["trade 066570", "trade 005930", "book 066570"]


@pytest.mark.parametrize(("frame", "live", "eager"), CASES, ids=IDS)
def test_a_live_model_is_the_public_model(frame, live, eager) -> None:
    event = decoded(frame)
    expected = eager(event)
    model = live(event)
    assert isinstance(model, type(expected))
    assert model == expected and expected == model and not model != expected
    assert live(event) == live(event)
    assert repr(live(event)) == repr(expected) and str(live(event)) == str(expected)
    assert live(event).model_dump() == expected.model_dump()
    assert live(event).model_dump_json() == expected.model_dump_json()  # order included
    assert live(event).to_dict() == expected.to_dict()
    assert dict(live(event)) == dict(expected) and vars(live(event)) == vars(expected)
    assert live(event).model_fields_set == expected.model_fields_set
    adapter = TypeAdapter(list[type(expected)])
    assert adapter.dump_json([live(event)]) == adapter.dump_json([expected])


@pytest.mark.parametrize(("frame", "live", "eager"), CASES, ids=IDS)
def test_a_live_model_dumps_in_field_order_whatever_was_read_first(frame, live,
                                                                   eager) -> None:
    event = decoded(frame)
    model = live(event)
    model.info, model.timestamp  # noqa: B018  (read out of order)
    assert json.loads(model.model_dump_json()) == json.loads(eager(event).model_dump_json())
    assert list(model.model_dump()) == list(type(model).model_fields)


@pytest.mark.parametrize(("frame", "live", "eager"), CASES, ids=IDS)
def test_a_live_model_copies_pickles_and_takes_assignment(frame, live, eager) -> None:
    event = decoded(frame)
    expected = eager(event)
    loaded = pickle.loads(pickle.dumps(live(event)))
    assert type(loaded) is type(expected) and loaded == expected  # loads as the public class
    assert copy.copy(live(event)) == expected and copy.deepcopy(live(event)) == expected
    changed = live(event).model_copy(update={"symbol": "000660"})
    assert changed.symbol == "000660" and changed.info == expected.info
    model = live(event)
    model.symbol = "000660"
    assert model.symbol == "000660" and model.model_dump()["symbol"] == "000660"
    assert model.timestamp == expected.timestamp


def test_a_trade_converts_only_what_is_read() -> None:
    trade = _trade(decoded(TRADES[0]))
    assert STORED.__get__(trade) == {}  # nothing converted, not even the info dict
    assert (trade.price, trade.amount) == (98900, 45)
    assert STORED.__get__(trade) == {"price": 98900, "amount": 45}
    assert trade.price is trade.price  # read once, then kept
    assert trade.datetime == dt.datetime(2024, 10, 14, 15, 5, 50, tzinfo=KST)
    assert "info" not in STORED.__get__(trade)
    assert trade.info["STCK_PRPR"] == "98900" and trade.info is trade.info


def test_a_book_converts_only_what_is_read() -> None:
    book = _book(decoded(BOOK))
    assert STORED.__get__(book) == {}
    assert book.best_ask == (99100, 1244)
    assert set(STORED.__get__(book)) == {"asks"}


def test_a_frame_of_one_second_converts_its_time_once() -> None:
    record = TRADES[0].split("|", 3)[3]
    trades = [_trade(e) for e in Codec(lambda: TODAY).decode(f"0|H0STCNT0|003|{record}^"
                                                             f"{record}^{record}")]
    first = trades[0].datetime
    assert all(t.datetime is first for t in trades)
    assert {t.timestamp for t in trades} == {millis(first)}


def test_a_live_trade_of_a_bad_record_cannot_be_made() -> None:
    """Laziness moves no failure to the reader: a record whose numbers do not convert is
    no event (the codec checked it), so no model is ever made of it."""
    values = TRADES[0].split("|", 3)[3].split("^")
    values[FIELDS["H0STCNT0"].index("CNTG_VOL")] = "4x5"
    [record] = Codec(lambda: TODAY).decode("0|H0STCNT0|001|" + "^".join(values))
    assert not isinstance(record, TradeEvent)


def notice(**changes: str) -> NoticeEvent:
    values = dict.fromkeys(FIELDS["H0STCNI0"], "")
    values.update({
        "CUST_ID": "simuser1", "ACNT_NO": "6123456701", "ODER_NO": "0000001001",
        "SELN_BYOV_CLS": "02", "RCTF_CLS": "0", "ODER_KIND": "00", "ODER_COND": "0",
        "STCK_SHRN_ISCD": "005930", "CNTG_QTY": "4", "CNTG_UNPR": "70000",
        "STCK_CNTG_HOUR": "103005", "RFUS_YN": "0", "CNTG_YN": "2", "ACPT_YN": "2",
        "BRNC_NO": "06010", "ODER_QTY": "10", "ODER_PRC": "70000",
    })
    values.update(changes)
    return NoticeEvent("H0STCNI0", list(values.values()), lambda: TODAY)


def test_a_fill_is_a_lazy_trade_equal_to_the_eager_one() -> None:
    book = NoticeBook(lambda: dt.datetime(2026, 11, 20, 10, 30, tzinfo=KST))
    event = notice()
    [update] = book.apply_notice(event)
    trade = update.trade
    assert STORED.__get__(trade) == {}
    moment = dt.datetime(2026, 11, 20, 10, 30, 5, tzinfo=KST)
    expected = Trade.model_construct(
        symbol="005930", timestamp=millis(moment), datetime=moment, price=70000, amount=4,
        cost=280000, side=OrderSide.BUY, id="1001-1", order_id="1001",
        info={**event.info, "source": "notice"})
    assert trade == expected and trade.model_dump_json() == expected.model_dump_json()
    assert type(pickle.loads(pickle.dumps(trade))) is Trade


@pytest.mark.parametrize("field", ["ODER_QTY", "ODER_PRC"])
def test_a_notice_of_an_order_too_large_for_a_model_is_refused(field: str) -> None:
    """As ``Order`` validation refused it: the stream logs the notice and skips it."""
    book = NoticeBook(lambda: dt.datetime(2026, 11, 20, 10, 30, tzinfo=KST))
    with pytest.raises(ValueError):
        book.apply_notice(notice(CNTG_YN="1", **{field: "1" + "0" * 18}))
    assert book.orders == {}
