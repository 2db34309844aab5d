"""The real-time codec (pykis.websocket.protocol) on KIS's own frames and on every
documented frame shape: data (one and several records), encrypted notices, control
answers, PINGPONG, errors, extra trailing fields, and frames that cannot be read."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from pykis.market import KST
from pykis.websocket.fields import FIELDS
from pykis.websocket.protocol import (
    BookEvent,
    Codec,
    ControlEvent,
    Heartbeat,
    NoticeEvent,
    ProtocolError,
    TradeEvent,
    UnreadableRecord,
    subscribe_message,
)

CAPTURES = Path(__file__).parent.parent / "fixtures" / "captures" / "ws"
TODAY = dt.date(2026, 11, 20)
KEY, IV = "aodbeofjbfqbecrhgknoobaflnzgdabd", "4509de06db7218b5"


def capture(name: str) -> str:
    return (CAPTURES / name).read_text(encoding="utf-8").strip()


def codec() -> Codec:
    return Codec(lambda: TODAY)


def encrypt(text: str, key: str = KEY, iv: str = IV) -> str:
    padder = padding.PKCS7(128).padder()
    data = padder.update(text.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key.encode()), modes.CBC(iv.encode())).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def answer(tr_id: str, tr_key: str, *, encrypt_flag: str = "N", key: str = KEY) -> str:
    return json.dumps({"header": {"tr_id": tr_id, "tr_key": tr_key, "encrypt": encrypt_flag},
                       "body": {"rt_cd": "0", "msg_cd": "OPSP0000", "msg1": "SUBSCRIBE SUCCESS",
                                "output": {"iv": IV, "key": key}}})


def notice_values(**changes: str) -> list[str]:
    """A notice record in the documented order (kis-reference/websocket.md §12)."""
    values = dict.fromkeys(FIELDS["H0STCNI0"], "")
    values.update({
        "CUST_ID": "simuser1", "ACNT_NO": "6123456701", "ODER_NO": "0000001001",
        "OODER_NO": "", "SELN_BYOV_CLS": "02", "RCTF_CLS": "0", "ODER_KIND": "00",
        "ODER_COND": "0", "STCK_SHRN_ISCD": "005930", "CNTG_QTY": "10",
        "CNTG_UNPR": "70000", "STCK_CNTG_HOUR": "103005", "RFUS_YN": "0", "CNTG_YN": "1",
        "ACPT_YN": "1", "BRNC_NO": "06010", "ODER_QTY": "10", "ACNT_NAME": "SIM",
        "ORD_EXG_GB": "1", "CNTG_ISNM40": "삼성전자", "ODER_PRC": "70000",
    })
    values.update(changes)
    return list(values.values())


# --- KIS's own frames ----------------------------------------------------------------------
def test_trade_frames_from_kis() -> None:
    [trade] = codec().decode(capture("H0STCNT0.066570.20241014.true-project.txt"))
    assert isinstance(trade, TradeEvent)
    assert (trade.symbol, trade.price, trade.volume, trade.change) == ("066570", 98900, 45, 400)
    assert trade.change_percent == pytest.approx(0.41)
    assert (trade.open, trade.high, trade.low) == (99000, 99400, 98300)
    assert (trade.ask, trade.bid) == (99000, 98900)
    assert (trade.cumulative_volume, trade.cumulative_value) == (246334, 24344205800)
    assert trade.side == "sell"  # CCLD_DVSN 5: the seller took the bid
    # The record carries its business day, so the time does not depend on "today".
    assert trade.time == dt.datetime(2024, 10, 14, 15, 5, 50, tzinfo=KST)
    assert trade.extra == [] and len(trade.values) == 46

    [other] = codec().decode(capture("H0STCNT0.005930.20230324.kinvest-go.txt"))
    assert (other.symbol, other.price, other.side) == ("005930", 62700, "buy")
    assert other.info["VI_STND_PRC"] == "62700" and other.info["extra"] == []


def test_book_frames_from_kis() -> None:
    [book] = codec().decode(capture("H0STASP0.066570.true-project.txt"))
    assert isinstance(book, BookEvent)
    assert book.symbol == "066570"
    assert book.asks[0] == (99100, 1244) and book.asks[9] == (100000, 7314)
    assert book.bids[0] == (98900, 1108) and book.bids[9] == (98000, 4068)
    assert (book.total_ask, book.total_bid) == (33178, 24488)
    assert book.time == dt.datetime(2026, 11, 20, 12, 15, 23, tzinfo=KST)  # today's date


def test_book_frames_with_three_appended_fields_keep_them() -> None:
    """KIS appended three values to H0STASP0 in 2026: parsed, and kept in ``extra``."""
    for line in capture("H0STASP0.005930.team10.txt").splitlines():
        [book] = codec().decode(line)
        assert book.symbol == "005930"
        assert len(book.values) == 62 and len(book.extra) == 3
        assert book.info["extra"] == book.extra
        assert book.info["STCK_DEAL_CLS_CODE"] == book.values[58]
        assert all(price > 0 for price, _ in book.asks + book.bids)


def test_a_record_without_its_prefix_reads_once_prefixed() -> None:
    payload = capture("H0STASP0.005930.payload-only.python-practice.txt")
    with pytest.raises(ProtocolError):
        codec().decode(payload)  # a bare record is not a frame
    [book] = codec().decode("0|H0STASP0|001|" + payload)
    assert book.asks[0] == (80100, 77855) and book.bids[0] == (80000, 481698)


@pytest.mark.parametrize("name", ["PINGPONG.20240627145359.python-practice.txt",
                                  "PINGPONG.20241011121818.true-project.txt"])
def test_pingpong_is_a_heartbeat_to_echo(name: str) -> None:
    text = capture(name)
    [beat] = codec().decode(text)
    assert beat == Heartbeat(text)


@pytest.mark.parametrize("name", [
    "subscribe-response.H0STASP0.005930.python-practice.json",
    "subscribe-response.H0STASP0.005930.team10.json",
    "subscribe-response.H0STASP0.066570.true-project.json",
    "subscribe-response.H0STCNT0.005930.true-project.pretty.json",
])
def test_subscription_answers_from_kis(name: str) -> None:
    [event] = codec().decode(capture(name))
    assert isinstance(event, ControlEvent)
    assert event.ok and event.msg_cd == "OPSP0000" and event.msg1 == "SUBSCRIBE SUCCESS"
    assert event.tr_id in ("H0STASP0", "H0STCNT0") and event.tr_key in ("005930", "066570")
    assert not event.encrypted


def test_error_answer_from_kis() -> None:
    [event] = codec().decode(capture("error.OPSP9999.invalid-json-format.python-practice.json"))
    assert event == ControlEvent("(null)", "", "9", "OPSP9999",
                                 "JSON PARSING ERROR : invalid json format", False)
    assert not event.ok


# --- every documented shape -------------------------------------------------------------------
def test_several_records_in_one_frame_are_cut_by_the_frame_count() -> None:
    first = capture("H0STCNT0.066570.20241014.true-project.txt").split("|", 3)[3]
    second = capture("H0STCNT0.005930.20230324.kinvest-go.txt").split("|", 3)[3]
    trades = codec().decode(f"0|H0STCNT0|003|{first}^{second}^{first}")
    assert [t.symbol for t in trades] == ["066570", "005930", "066570"]
    assert [t.price for t in trades] == [98900, 62700, 98900]
    assert all(len(t.values) == 46 for t in trades)


def test_several_records_with_extra_fields_each() -> None:
    record = capture("H0STCNT0.005930.20230324.kinvest-go.txt").split("|", 3)[3]
    trades = codec().decode(f"0|H0STCNT0|002|{record}^x^y^{record}^x^y")
    assert [t.extra for t in trades] == [["x", "y"], ["x", "y"]]
    assert [t.price for t in trades] == [62700, 62700]


@pytest.mark.parametrize("frame", [
    "", "x", "0", "0|H0STCNT0", "0|H0STCNT0|001", "0|H0STCNT0|abc|1^2",
    "0|H0STCNT0|002|" + "^".join(["1"] * 47),  # 47 values cannot be 2 records
    "0|H0STCNT0|001|" + "^".join(["1"] * 45),  # fewer than the documented 46
    "0|H0STCNT0|000|",
    "0|H9ZZZZZ0|001|a^b",  # a TR this codec does not know
    "{not json", '{"body": {}}', "[1, 2]",
])
def test_frames_that_cannot_be_read_raise_protocol_error(frame: str) -> None:
    with pytest.raises(ProtocolError):
        codec().decode(frame)


def test_encrypted_notices_decrypt_with_the_key_of_their_subscription() -> None:
    c = codec()
    payload = "^".join(notice_values())
    frame = "1|H0STCNI0|001|" + encrypt(payload)
    with pytest.raises(ProtocolError, match="before its subscription"):
        c.decode(frame)
    [ack] = c.decode(answer("H0STCNI0", "simuser1", encrypt_flag="Y"))
    assert ack.ok and ack.encrypted
    [notice] = c.decode(frame)
    assert isinstance(notice, NoticeEvent)
    assert notice.kind == "accepted" and notice.order_id == "1001"
    assert (notice.symbol, notice.side, notice.quantity, notice.price) == ("005930", "buy",
                                                                          10, 70000)
    assert notice.order_quantity == 10 and notice.original_id is None
    assert notice.time == dt.datetime(2026, 11, 20, 10, 30, 5, tzinfo=KST)
    assert notice.account == "6123456701"


def test_a_new_subscription_answer_replaces_the_key() -> None:
    c = codec()
    other = "z" * 32
    c.decode(answer("H0STCNI9", "simuser2", encrypt_flag="Y"))
    c.decode(answer("H0STCNI9", "simuser2", encrypt_flag="Y", key=other))
    payload = "^".join(notice_values(CNTG_YN="2", CNTG_QTY="3", CNTG_UNPR="70100"))
    [fill] = c.decode("1|H0STCNI9|001|" + encrypt(payload, key=other))
    assert fill.kind == "filled" and (fill.quantity, fill.price) == (3, 70100)
    with pytest.raises(ProtocolError, match="cannot decrypt"):
        c.decode("1|H0STCNI9|001|" + encrypt(payload))  # the old key no longer applies
    with pytest.raises(ProtocolError):
        c.decode("1|H0STCNI9|001|not base64 at all!")


@pytest.mark.parametrize(("changes", "kind"), [
    ({"CNTG_YN": "1"}, "accepted"),
    ({"CNTG_YN": "2"}, "filled"),
    ({"CNTG_YN": "1", "RFUS_YN": "1"}, "rejected"),
    ({"CNTG_YN": "1", "ACPT_YN": "3"}, "expired"),
    ({"CNTG_YN": "1", "RCTF_CLS": "1", "OODER_NO": "0000001001"}, "amended"),
    ({"CNTG_YN": "1", "RCTF_CLS": "2", "OODER_NO": "0000001001"}, "canceled"),
])
def test_notice_kinds(changes: dict[str, str], kind: str) -> None:
    c = codec()
    c.decode(answer("H0STCNI0", "simuser1", encrypt_flag="Y"))
    [notice] = c.decode("1|H0STCNI0|001|" + encrypt("^".join(notice_values(**changes))))
    assert notice.kind == kind
    if "OODER_NO" in changes:
        assert notice.original_id == "1001"


def test_notices_with_extra_fields_keep_them() -> None:
    c = codec()
    c.decode(answer("H0STCNI0", "simuser1", encrypt_flag="Y"))
    values = notice_values() + ["new1", "new2"]
    [notice] = c.decode("1|H0STCNI0|001|" + encrypt("^".join(values)))
    assert notice.extra == ["new1", "new2"] and notice.order_id == "1001"


def test_subscribe_and_unsubscribe_messages_are_as_documented() -> None:
    on = json.loads(subscribe_message("approval-123", "H0STCNT0", "005930"))
    assert on == {"header": {"approval_key": "approval-123", "custtype": "P", "tr_type": "1",
                             "content-type": "utf-8"},
                  "body": {"input": {"tr_id": "H0STCNT0", "tr_key": "005930"}}}
    off = json.loads(subscribe_message("approval-123", "H0STCNT0", "005930", subscribe=False))
    assert off["header"]["tr_type"] == "2" and off["body"] == on["body"]


# --- properties ----------------------------------------------------------------------------------
values = st.text(alphabet="0123456789-.ABCYN", max_size=12)


def reads(event: TradeEvent) -> bool:
    """Whether every property of the trade converts (what the models read)."""
    try:
        (event.time, event.price, event.volume, event.change, event.change_percent,
         event.open, event.high, event.low, event.cumulative_volume, event.cumulative_value,
         event.bid, event.ask)
    except ValueError:
        return False
    return True


@given(records=st.lists(st.lists(values, min_size=46, max_size=46), min_size=1, max_size=20),
       extra=st.integers(0, 5))
def test_any_records_come_back_value_for_value(records: list[list[str]], extra: int) -> None:
    """Each record comes back as it was sent, or, if a number in it does not convert, as
    an UnreadableRecord in its place; the frame's other records are kept."""
    rows = [row + [f"e{n}" for n in range(extra)] for row in records]
    for event in decoded_as_read(rows):
        if isinstance(event, TradeEvent):
            assert event.extra == [f"e{n}" for n in range(extra)]


def decoded_as_read(rows: list[list[str]]) -> list[TradeEvent | UnreadableRecord]:
    """The events of a frame of ``rows``, each checked: the record as sent when every
    property reads it, an UnreadableRecord in its place when one does not."""
    frame = f"0|H0STCNT0|{len(rows):03d}|" + "^".join(v for row in rows for v in row)
    events = codec().decode(frame)
    assert len(events) == len(rows)
    for event, row in zip(events, rows):
        if reads(TradeEvent("H0STCNT0", row, lambda: TODAY)):
            assert isinstance(event, TradeEvent) and event.values == row
            assert event.key == row[0]
        else:
            assert isinstance(event, UnreadableRecord) and event.tr_id == "H0STCNT0"
    return events


# Texts at the edge of what the codec's fast check passes: signs, points, spaces,
# underscores, exponents, non-ASCII digits int() reads ("٥") and one it does not ("²").
EDGES = ["", "-", "+", ".", "-.", "+.", "-0", "+0", "0.", ".0", "1.2.3", "1-2", "1+2", "--1",
         "1_0", "_1", "1e3", "nan", "inf", " 1", "1 ", "٤٥", "²", "9" * 640, "9" * 641,
         "-" + "9" * 640, "0." + "9" * 301]
edgy = st.text(alphabet="0123456789-+._ en٥²", max_size=8) | st.sampled_from(EDGES)


GENUINE = capture("H0STCNT0.066570.20241014.true-project.txt").split("|", 3)[3].split("^")


@pytest.mark.parametrize("text", EDGES)
def test_the_fast_check_agrees_with_reading_each_number(text: str) -> None:
    """Every edge in every one of a trade's first 15 values, in a frame of one record
    and as the middle one of three."""
    for index in range(15):
        for count in (1, 3):
            changes = [(index, text) if n == count // 2 else (0, GENUINE[0])
                       for n in range(count)]
            comes_back_exactly_when_it_reads(changes)


@given(changes=st.lists(st.tuples(st.integers(0, 14), edgy), min_size=1, max_size=5))
def test_the_fast_check_agrees_with_reading_the_record(changes: list[tuple[int, str]]) -> None:
    comes_back_exactly_when_it_reads(changes)


def comes_back_exactly_when_it_reads(changes: list[tuple[int, str]]) -> None:
    """Genuine records, each with one of its first 15 values (where every number of a
    trade sits) replaced, in one frame: each comes back as its event exactly when every
    property reads it."""
    rows = []
    for index, text in changes:
        row = list(GENUINE)
        row[index] = text
        rows.append(row)
    decoded_as_read(rows)
