"""Frames KIS garbles, at the codec (pykis.websocket.protocol): a frame that cannot be read
raises ProtocolError and nothing else; a record whose numbers do not convert comes back
as an UnreadableRecord in its place, so the reader skips it and keeps the frame's other
records; every event that does come back reads without error, down to the models the
watchers build; and no error text carries a key, an iv, an approval key or a notice's
values. Checked on hand-picked frames of every kind and, with hypothesis, on any text or
bytes and on frames built to get past the structural checks."""

from __future__ import annotations

import base64
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pykis.market import KST
from pykis.models import Ticker
from pykis.websocket.fields import FIELDS
from pykis.websocket.notices import NoticeBook
from pykis.websocket.protocol import (
    EVENTS,
    BookEvent,
    Codec,
    ControlEvent,
    Event,
    Heartbeat,
    NoticeEvent,
    ProtocolError,
    TradeEvent,
    UnreadableRecord,
)
from pykis.websocket.watch import _book, _ticker, _trade

CAPTURES = Path(__file__).parent.parent / "fixtures" / "captures" / "ws"
TODAY = dt.date(2026, 11, 20)
KEY, IV = "aodbeofjbfqbecrhgknoobaflnzgdabd", "4509de06db7218b5"
NOTICE_TRS = ("H0STCNI0", "H0STCNI9")


def capture(name: str) -> str:
    return (CAPTURES / name).read_text(encoding="utf-8").strip()


TRADE = capture("H0STCNT0.066570.20241014.true-project.txt").split("|", 3)[3].split("^")
BOOK = capture("H0STASP0.066570.true-project.txt").split("|", 3)[3].split("^")


def encrypt(text: str, key: str = KEY, iv: str = IV) -> str:
    padder = padding.PKCS7(128).padder()
    data = padder.update(text.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key.encode()), modes.CBC(iv.encode())).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def answer(tr_id: str, tr_key: str) -> str:
    return json.dumps({"header": {"tr_id": tr_id, "tr_key": tr_key, "encrypt": "Y"},
                       "body": {"rt_cd": "0", "msg_cd": "OPSP0000", "msg1": "SUBSCRIBE SUCCESS",
                                "output": {"iv": IV, "key": KEY}}})


def subscribed() -> Codec:
    """A codec that holds the key and iv of both notice TRs and of the market TRs."""
    codec = Codec(lambda: TODAY)
    for tr_id in (*NOTICE_TRS, "H0STCNT0", "H0STASP0"):
        codec.decode(answer(tr_id, "simuser1"))
    return codec


def record(base: list[str], tr_id: str, **changes: str) -> list[str]:
    values = list(base)
    for name, value in changes.items():
        values[FIELDS[tr_id].index(name)] = value
    return values


def trade(**changes: str) -> str:
    return "0|H0STCNT0|001|" + "^".join(record(TRADE, "H0STCNT0", **changes))


def book(**changes: str) -> str:
    return "0|H0STASP0|001|" + "^".join(record(BOOK, "H0STASP0", **changes))


def notice_values(**changes: str) -> list[str]:
    values = dict.fromkeys(FIELDS["H0STCNI0"], "")
    values.update({
        "CUST_ID": "simuser1", "ACNT_NO": "6123456701", "ODER_NO": "0000001001",
        "SELN_BYOV_CLS": "02", "RCTF_CLS": "0", "ODER_KIND": "00", "ODER_COND": "0",
        "STCK_SHRN_ISCD": "005930", "CNTG_QTY": "10", "CNTG_UNPR": "70000",
        "STCK_CNTG_HOUR": "103005", "RFUS_YN": "0", "CNTG_YN": "2", "ACPT_YN": "2",
        "BRNC_NO": "06010", "ODER_QTY": "10", "ACNT_NAME": "SIM", "ODER_PRC": "70000",
    })
    values.update(changes)
    return list(values.values())


def notice(tr_id: str = "H0STCNI0", encrypted: bool = True, **changes: str) -> str:
    payload = "^".join(notice_values(**changes))
    return f"1|{tr_id}|001|{encrypt(payload)}" if encrypted else f"0|{tr_id}|001|{payload}"


# --- what a reader does with every event: read it whole, as the watchers and the book do ---
def read_all(event: Any) -> None:
    """Every property and every model built from ``event``, every field of those read
    (the watchers' models convert a field when it is read); raises what they raise."""
    if isinstance(event, TradeEvent):
        (event.symbol, event.time, event.price, event.volume, event.change,
         event.change_percent, event.open, event.high, event.low, event.cumulative_volume,
         event.cumulative_value, event.bid, event.ask, event.side, event.info, event.extra)
        _trade(event).model_dump()
        snapshot = Ticker.model_construct(symbol=event.symbol, volume=0)
        _ticker({event.symbol: snapshot}, event)
    elif isinstance(event, BookEvent):
        (event.symbol, event.time, event.asks, event.bids, event.total_ask, event.total_bid,
         event.info)
        _book(event).model_dump()
    elif isinstance(event, NoticeEvent):
        (event.kind, event.order_id, event.original_id, event.symbol, event.side,
         event.quantity, event.price, event.order_quantity, event.time, event.account,
         event.info)
        book = NoticeBook(lambda: dt.datetime(2026, 11, 20, 10, 30, tzinfo=KST))
        for update in book.apply_notice(event):
            update.order.model_dump()
            if update.trade is not None:
                update.trade.model_dump()
    else:
        assert isinstance(event, (ControlEvent, Heartbeat, UnreadableRecord)), event


def decode_safely(codec: Codec, frame: str | bytes) -> list[Any]:
    """What a reader gets: the events, or [] for a frame that raised ProtocolError (and
    only that). Every event reads whole."""
    try:
        events = codec.decode(frame)
    except ProtocolError as error:
        assert str(error)
        return []
    for event in events:
        read_all(event)
    return events


# --- records whose numbers do not convert -----------------------------------------------------
@pytest.mark.parametrize(("frame", "field"), [
    (trade(STCK_PRPR="abc"), "STCK_PRPR"),
    (trade(CNTG_VOL="1.5"), "CNTG_VOL"),
    (trade(ACML_TR_PBMN="²"), "ACML_TR_PBMN"),  # a digit to str.isdigit, not to int()
    (trade(PRDY_VRSS="--400"), "PRDY_VRSS"),
    (trade(PRDY_CTRT="n/a"), "PRDY_CTRT"),
    (trade(BIDP1=" "), "BIDP1"),
    (trade(STCK_HGPR="9" * 5000), "STCK_HGPR"),  # more digits than int() takes
    (book(ASKP1="99,100"), "ASKP1"),
    (book(BIDP_RSQN10="NaN"), "BIDP_RSQN10"),
    (book(TOTAL_ASKP_RSQN="-"), "TOTAL_ASKP_RSQN"),
])
def test_market_records_with_bad_numbers_are_unreadable(frame: str, field: str) -> None:
    [event] = Codec(lambda: TODAY).decode(frame)
    assert isinstance(event, UnreadableRecord)
    assert event.tr_id == frame.split("|")[1] and field in event.reason


@pytest.mark.parametrize("tr_id", NOTICE_TRS)
@pytest.mark.parametrize("encrypted", [True, False], ids=["encrypted", "plain"])
@pytest.mark.parametrize(("changes", "field"), [
    ({"CNTG_QTY": "ten"}, "CNTG_QTY"),
    ({"CNTG_UNPR": "7만"}, "CNTG_UNPR"),
    ({"ODER_QTY": "1e3"}, "ODER_QTY"),
    ({"ODER_PRC": "?"}, "ODER_PRC"),
    ({"ODER_NO": "²²²"}, "ODER_NO"),  # no order number: a notice about nothing
    ({"ODER_NO": ""}, "ODER_NO"),
    ({"ODER_NO": "0000000000"}, "ODER_NO"),
])
def test_notices_with_bad_numbers_are_unreadable_and_say_no_value(
        tr_id: str, encrypted: bool, changes: dict[str, str], field: str) -> None:
    [event] = subscribed().decode(notice(tr_id, encrypted, **changes))
    assert isinstance(event, UnreadableRecord)
    assert event.tr_id == tr_id and field in event.reason
    for value in (*changes.values(), "6123456701", "simuser1"):  # the account's own
        assert not value or value not in event.reason


# Texts the codec's fast check (a regular expression over the record's text) does not
# pass but int() or float() reads: each goes to the exact check and comes back as an event
# with the value int() or float() makes of it, alone in its frame or among other records.
ODD_BUT_READABLE = [
    ("STCK_PRPR", "+98900", 98900), ("STCK_PRPR", " 98900 ", 98900),
    ("ACML_VOL", "246_334", 246334), ("CNTG_VOL", "\u0664\u0665", 45),  # Arabic-Indic 45
    ("STCK_HGPR", "9" * 700, int("9" * 700)),  # more than 640 digits, fewer than int()'s limit
    ("PRDY_VRSS", "+400", 400), ("PRDY_VRSS", "-0", 0), ("PRDY_VRSS", "4_00", 400),
    ("PRDY_CTRT", ".41", 0.41), ("PRDY_CTRT", "41.", 41.0), ("PRDY_CTRT", "4.1e-1", 0.41),
    ("PRDY_CTRT", "+0.41", 0.41),
]
READS = {"STCK_PRPR": "price", "ACML_VOL": "cumulative_volume", "CNTG_VOL": "volume",
         "STCK_HGPR": "high", "PRDY_VRSS": "change", "PRDY_CTRT": "change_percent"}


@pytest.mark.parametrize("records", [1, 3])
@pytest.mark.parametrize(("field", "text", "value"), ODD_BUT_READABLE)
def test_numbers_past_the_fast_check_are_read_exactly(field: str, text: str, value: Any,
                                                      records: int) -> None:
    odd = "^".join(record(TRADE, "H0STCNT0", **{field: text}))
    good = "^".join(TRADE)
    rows = [good] * (records // 2) + [odd] + [good] * (records // 2)
    events = Codec(lambda: TODAY).decode(f"0|H0STCNT0|{records:03d}|" + "^".join(rows))
    assert [type(e) for e in events] == [TradeEvent] * records
    odd_event = events[records // 2]
    assert getattr(odd_event, READS[field]) == pytest.approx(value)
    assert odd_event.values == odd.split("^") and odd_event.symbol == TRADE[0]


@pytest.mark.parametrize("order_no", [" 0000001001", "0" * 40 + "1001", "1" * 45])
def test_order_numbers_past_the_fast_check_are_read_exactly(order_no: str) -> None:
    [event] = subscribed().decode(notice(ODER_NO=order_no))
    assert isinstance(event, NoticeEvent) and event.order_id == str(int(order_no))


def test_the_interpreter_s_digit_limit_is_the_one_applied() -> None:
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    try:
        [event] = Codec(lambda: TODAY).decode(trade(STCK_HGPR="9" * 641))
        [kept] = Codec(lambda: TODAY).decode(trade(STCK_HGPR="9" * 640))
    finally:
        sys.set_int_max_str_digits(limit)
    assert isinstance(event, UnreadableRecord) and "STCK_HGPR" in event.reason
    assert isinstance(kept, TradeEvent) and kept.high == int("9" * 640)


def test_a_decoded_record_is_split_when_first_read() -> None:
    """The values come back as received, however the record is first read."""
    frame = "0|H0STCNT0|002|" + "^".join(TRADE + TRADE[::-1])
    for first in ("key", "symbol", "price", "values", "info", "extra"):
        events = Codec(lambda: TODAY).decode(frame.replace("|002|", "|001|", 1)
                                             if first == "extra" else frame)
        getattr(events[0], first)
        assert events[0].values == (TRADE + TRADE[::-1] if first == "extra" else TRADE)
        assert events[0].key == events[0].symbol == TRADE[0]
        assert events[0].price == int(TRADE[2])


def test_a_bad_record_among_good_ones_is_the_only_one_lost() -> None:
    good = "^".join(TRADE)
    bad = "^".join(record(TRADE, "H0STCNT0", CNTG_VOL="x"))
    events = Codec(lambda: TODAY).decode(f"0|H0STCNT0|003|{good}^{bad}^{good}")
    assert [type(e) for e in events] == [TradeEvent, UnreadableRecord, TradeEvent]
    assert [e.volume for e in events[::2]] == [45, 45]


def test_a_trade_with_an_impossible_date_is_timed_today() -> None:
    for day in ("20261399", "2026²120", "00000000"):
        [event] = Codec(lambda: TODAY).decode(trade(BSOP_DATE=day))
        assert event.time == dt.datetime(2026, 11, 20, 15, 5, 50, tzinfo=KST)


# --- frames that cannot be read at all --------------------------------------------------------
NESTED = [
    '{"header":' + "[" * 100_000,  # deeper than the JSON parser goes
    '{"header":' + "[" * 100_000 + "]" * 100_000 + "}",
    "[" * 100_000, "{" * 100_000, '{"a":' * 100_000,
]


@pytest.mark.parametrize("frame", [
    "0|H0STCNT0|001|" + "^".join(TRADE[:45]),  # a record cut short
    "0|H0STCNT0|002|" + "^".join(TRADE),  # fewer values than the count says
    "0|H0STCNT0|003|" + "^".join(TRADE * 2 + TRADE[:20]),
    "0|H0STCNT0|-01|" + "^".join(TRADE),
    "0|H0STCNT0|" + "9" * 5000 + "|" + "^".join(TRADE),
    "0|H0STASP0|001|" + "^".join(BOOK[:30]),
    "0|H0STCNT1|001|" + "^".join(TRADE),  # a TR this codec does not know
    "0|H0STCNI0|001|" + "^".join(notice_values()[:20]),
    "1|H0STCNI0|001|not base64 at all!",
    "1|H0STCNI0|001|" + encrypt("^".join(notice_values()), key="z" * 32),  # another key
    "1|H0STCNI0|001|" + base64.b64encode(b"\x00" * 15).decode(),  # not whole blocks
    "1|H0STCNI0|001|" + encrypt("^".join(notice_values()), iv="y" * 16),  # wrong iv: junk
    "1|H0STCNI0|001|",
    "1|H0GSCNI0|001|" + encrypt("x"),  # encrypted, of a TR without a key here
    '{"header": {"tr_id": "H0STCNT0"', '{"header": "PINGPONG"}', '{"header": []}',
    '{"header": {"tr_id": "H0STCNI0"}, "body": {"rt_cd": "0", "output": '
    '{"key": "\\ud800", "iv": "x"}}}',  # a key no bytes can hold
    "", "0", "1|", "|||", "\x00", "\ufeff{}", "PINGPONG", *NESTED,
    b"\xff\xfe\xfd", b"0|H0STCNT0|001|" + "^".join(TRADE).encode().replace(b"98900", b"\xff"),
])
def test_frames_that_cannot_be_read_raise_protocol_error_only(frame: str | bytes) -> None:
    with pytest.raises(ProtocolError):
        subscribed().decode(frame)


def test_binary_frames_of_utf8_text_are_read_as_text() -> None:
    [event] = Codec(lambda: TODAY).decode(trade().encode())
    assert isinstance(event, TradeEvent) and event.price == 98900


def test_a_deeply_nested_frame_leaves_the_codec_working() -> None:
    codec = subscribed()
    for frame in NESTED:
        with pytest.raises(ProtocolError):
            codec.decode(frame)
    [event] = codec.decode(notice())
    assert isinstance(event, NoticeEvent) and event.quantity == 10


# --- no secret in what is logged --------------------------------------------------------------
def test_errors_say_no_secret() -> None:
    approval = "b2f0e3a1-approval-key-7c11"
    payload = encrypt("^".join(notice_values()), key="q" * 32)
    frames = [
        "1|H0STCNI0|001|" + payload,  # undecryptable: the payload stays out
        "1|H0STCNI0|001|" + payload[:-3] + "!!!",
        "1|H0STCNI9|" + payload,  # no count: still only a header's worth
        "1|UNKNOWNTR|001|" + payload,
        '{"header": {"approval_key": "' + approval + '", "tr_id": "H0STCNI0"',
        '{"body": {"output": {"iv": "' + IV + '", "key": "' + KEY + '"',  # cut short
        '{"body": {"msg1": "invalid approval : ' + approval + '"',
        '{"header":{"tr_id":"H0STCNI0"},"body":{"output":{"key":"' + KEY + '","iv":"'
        + IV + '"}}' + "[" * 10,
    ]
    codec = subscribed()
    for frame in frames:
        with pytest.raises(ProtocolError) as error:
            codec.decode(frame)
        text = str(error.value)
        for secret in (approval, KEY, IV, KEY[:12], IV[:12]):
            assert secret not in text, (secret, text)
        assert not any(payload[i:i + 8] in text for i in range(0, len(payload) - 8)), text


# --- properties -------------------------------------------------------------------------------
NUMBERISH = st.text(alphabet="0123456789-.+_ eE²١٢٣xN", max_size=8)
FIELD = st.one_of(NUMBERISH, st.text(max_size=6), st.sampled_from(TRADE + BOOK))
TRS = st.sampled_from(["H0STCNT0", "H0STASP0", *NOTICE_TRS, "H0STCNT9", "PINGPONG"])


@st.composite
def data_frames(draw: st.DrawFn, encrypt_some: bool = True) -> str:
    """Data frames close enough to KIS's to get past the structural checks, most of the
    time: a known TR, a count, about as many values as the count needs, encrypted or not."""
    tr_id = draw(TRS)
    width = len(FIELDS.get(tr_id, TRADE))
    count = draw(st.integers(1, 3))
    size = width + draw(st.sampled_from([0, 0, 0, 1, 3, -1]))
    base = {"H0STASP0": BOOK, "H0STCNI0": notice_values(), "H0STCNI9": notice_values()}.get(
        tr_id, TRADE)
    values = []
    for _ in range(count):
        row = [base[i % len(base)] for i in range(size)]
        for i in draw(st.lists(st.integers(0, max(size - 1, 0)), max_size=4)):
            row[i] = draw(FIELD)
        values += row
    count_text = draw(st.one_of(st.just(f"{count:03d}"), st.text(max_size=4)))
    payload = "^".join(values)
    if encrypt_some and draw(st.booleans()) and tr_id in (*NOTICE_TRS, "H0STCNT0"):
        return f"1|{tr_id}|{count_text}|{encrypt(payload)}"
    return f"0|{tr_id}|{count_text}|{payload}"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["header", "body", "tr_id", "tr_key", "rt_cd", "output", "key", "iv",
                         "msg1", "encrypt"]) | st.text(max_size=4), inner, max_size=4),
    max_leaves=12)


@st.composite
def control_frames(draw: st.DrawFn) -> str:
    depth = draw(st.integers(0, 3000))
    opener = draw(st.sampled_from(["[", '{"a":', '{"header":[', '{"header":{"tr_id":']))
    if draw(st.booleans()):
        return '{"header":' + opener * depth + json.dumps(draw(JSON)) + draw(st.text(max_size=3))
    return json.dumps({"header": draw(JSON), "body": draw(JSON)})


ANY_FRAME = st.one_of(st.text(), st.binary(), data_frames(), control_frames(),
                      data_frames().map(str.encode))


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(frame=ANY_FRAME)
def test_any_frame_yields_readable_events_or_protocol_error(frame: str | bytes) -> None:
    codec = subscribed()
    decode_safely(codec, frame)
    # and the codec is not left broken by it: a notice still decrypts and reads
    [event] = codec.decode(notice())
    assert isinstance(event, NoticeEvent) and event.price == 70000


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(frame=data_frames(encrypt_some=False))
def test_a_record_is_kept_exactly_when_everything_in_it_reads(frame: str) -> None:
    """The codec's check agrees with the events' own properties: a record comes back as
    its event when reading it whole works, as an UnreadableRecord when it does not."""
    try:
        events = Codec(lambda: TODAY).decode(frame)
    except ProtocolError:
        return
    _, tr_id, _, payload = frame.split("|", 3)
    values = payload.split("^")
    size = len(values) // len(events)
    for n, event in enumerate(events):
        row = values[n * size:(n + 1) * size]
        direct = EVENTS[tr_id](tr_id, row, lambda: TODAY)
        try:
            read_all(direct)
            readable = not isinstance(direct, NoticeEvent) or direct.order_id != ""
        except ValueError:
            readable = False
        assert isinstance(event, Event) == readable, (row, event)
        if readable:
            assert event.values == row
        else:
            assert isinstance(event, UnreadableRecord) and event.tr_id == tr_id


def test_an_event_s_values_can_be_replaced_as_before() -> None:
    [event] = Codec(lambda: TODAY).decode(trade())
    event.values = record(TRADE, "H0STCNT0", STCK_PRPR="1000", MKSC_SHRN_ISCD="000660")
    assert event.price == 1000 and event.key == event.symbol == "000660"
