"""The KIS real-time protocol without I/O: text frames in, events out; subscribe and
unsubscribe messages out.

KIS: 실시간 (웹소켓) [실시간-000/-003/-004/-005]. A text frame is one of

    {"header": {...}, "body": {...}}          a control answer (subscribe, errors)
    {"header": {"tr_id": "PINGPONG", ...}}    a heartbeat, to be answered
    0|H0STCNT0|003|v^v^v^...                  plain data: 3 records of '^'-separated values
    1|H0STCNI0|001|<base64>                   encrypted data (AES-256-CBC, key and iv from
                                              the subscription's answer)

Records are cut by the frame's count, not by the documented field count, so values KIS
appends to a layout are kept (``Event.extra``) instead of breaking the parse. Events keep
the values as received and convert a field only when it is read, which keeps decoding
cheap for callers that look at a few fields of many ticks.

What KIS garbles never gets past ``decode``: a frame that cannot be read raises
``ProtocolError`` (and nothing else), and a record whose numbers do not convert comes
back as an ``UnreadableRecord`` in place of its event, so a reader skips it while the
frame's other records go on. Every number a model reads is checked this way when the
record is decoded (for the usual record, one join and ``bytes.isdigit`` plus the few
signed numbers converted), so a watcher never meets a number it cannot read.
Error texts carry no secret: no key, iv or approval key, and of an encrypted or notice
frame only its header.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from pykis.market import KST
from pykis.models.order import OrderSide
from pykis.websocket.fields import FIELDS

__all__ = [
    "BookEvent", "Codec", "ControlEvent", "Event", "Heartbeat", "NoticeEvent",
    "ProtocolError", "TradeEvent", "UnreadableRecord", "subscribe_message",
]

# Every int() takes this many digits, whatever sys.set_int_max_str_digits says (640 is
# its floor); a longer run of digits goes to the exact, slower check.
_FAST_DIGITS = 640


class ProtocolError(ValueError):
    """A frame that cannot be read."""


class Event:
    """One data record: its TR and values, read by the documented field names."""

    __slots__ = ("tr_id", "values", "_today")
    names: tuple[str, ...] = ()  # the documented layout, set per TR by _layout
    width: int = 0  # len(names)
    _index: dict[str, int] = {}
    # The fields models read as numbers, checked by ``unreadable`` when a record is
    # decoded: whole numbers KIS sends unsigned, whole numbers with a sign, fractions.
    unsigned: tuple[str, ...] = ()
    signed: tuple[str, ...] = ()
    fractions: tuple[str, ...] = ()
    # unreadable(values): the first of them that does not convert, or None; set by _layout.
    unreadable: Callable[[list[str]], str | None] = staticmethod(lambda values: None)

    def __init__(self, tr_id: str, values: list[str], today: Callable[[], dt.date]) -> None:
        # The day is looked up only when a time is read: most records never need it.
        self.tr_id, self.values, self._today = tr_id, values, today

    def __getitem__(self, name: str) -> str:
        return self.values[self._index[name]]

    @property
    def info(self) -> dict[str, Any]:
        """Every value by its KIS name; values past the documented layout under 'extra'."""
        named = dict(zip(self.names, self.values))
        named["extra"] = self.values[len(self.names):]
        return named

    @property
    def extra(self) -> list[str]:
        return self.values[len(self.names):]

    def _int(self, name: str) -> int:
        text = self.values[self._index[name]]
        return int(text) if text else 0

    def _time(self, name: str) -> dt.datetime:
        return _moment(self._today(), self.values[self._index[name]])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.tr_id}, {self.values[:4]}...)"


def _moment(day: dt.date, hhmmss: str) -> dt.datetime:
    try:
        clock = dt.time(int(hhmmss[:2]), int(hhmmss[2:4]), int(hhmmss[4:6]))
    except (ValueError, IndexError):
        clock = dt.time()
    return dt.datetime.combine(day, clock, KST)


def _layout(cls: type[Event], tr_id: str) -> type[Event]:
    cls.names = FIELDS[tr_id]
    cls.width = len(cls.names)
    cls._index = index = {name: i for i, name in enumerate(cls.names)}
    numbers = tuple((name, index[name], int) for name in cls.unsigned + cls.signed) + tuple(
        (name, index[name], float) for name in cls.fractions)
    cls.unreadable = staticmethod(_checker(
        [index[name] for name in cls.unsigned], numbers[len(cls.unsigned):], numbers))
    return cls


def _checker(unsigned: list[int], others: tuple[tuple[str, int, type], ...],
             numbers: tuple[tuple[str, int, type], ...]) -> Callable[[list[str]], str | None]:
    """``unreadable`` of a layout. A field converts as its property converts it ("" reads
    as 0). The usual record passes at once: its unsigned numbers are ASCII digits (one
    join and ``bytes.isdigit``, which is much faster than ``str.isdecimal``) and the few
    others convert; anything else is looked at field by field."""
    # itemgetter of one index gives the value, not a 1-tuple: "".join reads it the same.
    pick = itemgetter(*unsigned) if unsigned else (lambda values: ())

    def unreadable(values: list[str]) -> str | None:
        try:
            digits = "".join(pick(values)).encode()
            if (digits.isdigit() or not digits) and len(digits) <= _FAST_DIGITS:
                for _, index, convert in others:
                    text = values[index]
                    if text:
                        convert(text)
                return None
        except ValueError:
            pass
        for name, index, convert in numbers:
            text = values[index]
            try:
                if text:
                    convert(text)
            except ValueError:
                return name
        return None

    return unreadable


_AGGRESSOR = {"1": OrderSide.BUY, "5": OrderSide.SELL}


class TradeEvent(Event):
    """A trade (H0STCNT0)."""

    __slots__ = ()
    unsigned = ("STCK_PRPR", "CNTG_VOL", "STCK_OPRC", "STCK_HGPR", "STCK_LWPR", "ACML_VOL",
                "ACML_TR_PBMN", "BIDP1", "ASKP1")
    signed = ("PRDY_VRSS",)
    fractions = ("PRDY_CTRT",)

    @property
    def symbol(self) -> str:
        return self.values[0]

    @property
    def time(self) -> dt.datetime:
        day = self["BSOP_DATE"]
        if len(day) == 8 and day.isdigit():
            try:
                return _moment(dt.date(int(day[:4]), int(day[4:6]), int(day[6:])),
                               self["STCK_CNTG_HOUR"])
            except ValueError:
                pass  # not a date: today's, as for a record without one
        return self._time("STCK_CNTG_HOUR")

    @property
    def price(self) -> int:
        return self._int("STCK_PRPR")

    @property
    def volume(self) -> int:
        """Shares traded in this trade."""
        return self._int("CNTG_VOL")

    @property
    def change(self) -> int:
        return self._int("PRDY_VRSS")

    @property
    def change_percent(self) -> float:
        return float(self["PRDY_CTRT"] or 0)

    @property
    def open(self) -> int:
        return self._int("STCK_OPRC")

    @property
    def high(self) -> int:
        return self._int("STCK_HGPR")

    @property
    def low(self) -> int:
        return self._int("STCK_LWPR")

    @property
    def cumulative_volume(self) -> int:
        return self._int("ACML_VOL")

    @property
    def cumulative_value(self) -> int:
        return self._int("ACML_TR_PBMN")

    @property
    def bid(self) -> int:
        return self._int("BIDP1")

    @property
    def ask(self) -> int:
        return self._int("ASKP1")

    @property
    def side(self) -> OrderSide | None:
        """Who took liquidity: BUY (traded at the ask), SELL, or None (auction)."""
        return _AGGRESSOR.get(self["CCLD_DVSN"])


class BookEvent(Event):
    """A 10-level order book snapshot (H0STASP0)."""

    __slots__ = ()
    unsigned = FIELDS["H0STASP0"][3:45]  # ten prices and quantities a side, the totals

    @property
    def symbol(self) -> str:
        return self.values[0]

    @property
    def time(self) -> dt.datetime:
        return self._time("BSOP_HOUR")

    @property
    def asks(self) -> list[tuple[int, int]]:
        v = self.values
        return [(int(v[3 + i] or 0), int(v[23 + i] or 0)) for i in range(10)]

    @property
    def bids(self) -> list[tuple[int, int]]:
        v = self.values
        return [(int(v[13 + i] or 0), int(v[33 + i] or 0)) for i in range(10)]

    @property
    def total_ask(self) -> int:
        return self._int("TOTAL_ASKP_RSQN")

    @property
    def total_bid(self) -> int:
        return self._int("TOTAL_BIDP_RSQN")


class NoticeEvent(Event):
    """An execution notice for the account (H0STCNI0 real / H0STCNI9 paper): an order,
    amendment or cancellation accepted or refused (CNTG_YN 1), or a fill (CNTG_YN 2)."""

    __slots__ = ()
    unsigned = ("CNTG_QTY", "CNTG_UNPR", "ODER_QTY", "ODER_PRC")

    @property
    def kind(self) -> str:
        """ "filled", "rejected", "expired" (an IOC/FOK remainder cancelled), "amended",
        "canceled" or "accepted"."""
        if self["CNTG_YN"] == "2":
            return "filled"
        if self["RFUS_YN"] == "1":
            return "rejected"
        if self["ACPT_YN"] == "3":
            return "expired"
        return {"1": "amended", "2": "canceled"}.get(self["RCTF_CLS"], "accepted")

    @property
    def order_id(self) -> str:
        """The order number without leading zeros, as ``Order.id``."""
        return _number(self["ODER_NO"])

    @property
    def original_id(self) -> str | None:
        return _number(self["OODER_NO"]) or None

    @property
    def symbol(self) -> str:
        return self["STCK_SHRN_ISCD"]

    @property
    def side(self) -> OrderSide:
        return OrderSide.SELL if self["SELN_BYOV_CLS"] == "01" else OrderSide.BUY

    @property
    def quantity(self) -> int:
        """This fill's shares (a fill) or the order's quantity (an acceptance)."""
        return self._int("CNTG_QTY")

    @property
    def price(self) -> int:
        """This fill's price (a fill) or the order's price (an acceptance)."""
        return self._int("CNTG_UNPR")

    @property
    def order_quantity(self) -> int:
        return self._int("ODER_QTY")

    @property
    def time(self) -> dt.datetime:
        return self._time("STCK_CNTG_HOUR")

    @property
    def account(self) -> str:
        return self["ACNT_NO"]


def _number(text: str) -> str:
    """An order number without its leading zeros; "" for none (or not a number)."""
    text = text.strip()
    if not text.isdecimal() or len(text) > _FAST_DIGITS:
        return ""
    return str(int(text)) if int(text) else ""


_layout(TradeEvent, "H0STCNT0")
_layout(BookEvent, "H0STASP0")
_layout(NoticeEvent, "H0STCNI0")
_numbers_of_notice = NoticeEvent.unreadable
_ORDER_NO = NoticeEvent._index["ODER_NO"]


def _notice_unreadable(values: list[str]) -> str | None:
    """A notice also needs its order's number: it is about nothing without one."""
    return _numbers_of_notice(values) or (None if _number(values[_ORDER_NO]) else "ODER_NO")


NoticeEvent.unreadable = staticmethod(_notice_unreadable)
EVENTS: dict[str, type[Event]] = {"H0STCNT0": TradeEvent, "H0STASP0": BookEvent,
                                  "H0STCNI0": NoticeEvent, "H0STCNI9": NoticeEvent}


@dataclass(frozen=True, slots=True)
class ControlEvent:
    """KIS's answer to a subscribe or unsubscribe message, or a session error."""

    tr_id: str
    tr_key: str
    rt_cd: str
    msg_cd: str
    msg1: str
    encrypted: bool

    @property
    def ok(self) -> bool:
        return self.rt_cd == "0"


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """PINGPONG: answer it with ``text`` (KIS closes sessions that do not)."""

    text: str


@dataclass(frozen=True, slots=True)
class UnreadableRecord:
    """A record of a data frame whose numbers do not convert, in place of its event:
    to be skipped (``reason`` names the field, and its value for market data)."""

    tr_id: str
    reason: str


def subscribe_message(approval_key: str, tr_id: str, tr_key: str, subscribe: bool = True
                      ) -> str:
    """The text frame that registers (or removes) one (tr_id, tr_key)."""
    return json.dumps({
        "header": {"approval_key": approval_key, "custtype": "P",
                   "tr_type": "1" if subscribe else "2", "content-type": "utf-8"},
        "body": {"input": {"tr_id": tr_id, "tr_key": tr_key}},
    })


class Codec:
    """Decodes KIS's frames; keeps the AES key and iv each subscription answer brings."""

    def __init__(self, today: Callable[[], dt.date] | None = None) -> None:
        self._today = today or (lambda: dt.datetime.now(KST).date())
        self._ciphers: dict[str, tuple[bytes, bytes]] = {}

    def decode(self, frame: str | bytes
               ) -> list[Event | UnreadableRecord | ControlEvent | Heartbeat]:
        """The events of one frame (several for a multi-record data frame); a record
        that cannot be read is an ``UnreadableRecord``, a frame that cannot be read
        raises ``ProtocolError``. Nothing else is raised, whatever the frame holds."""
        text = frame if isinstance(frame, str) else _utf8(frame)
        first = text[:1]
        if first == "0" or first == "1":
            # The hot path of a busy stream: one split per level, no regular expressions,
            # and a plain frame of one readable trade built without further calls.
            try:
                _, tr_id, count_text, payload = text.split("|", 3)
                cls = EVENTS[tr_id]
            except (ValueError, KeyError):
                raise ProtocolError(f"not a KIS data frame: {_preview(text)}") from None
            if first == "1":
                payload = self._decrypt(tr_id, payload)
            values = payload.split("^")
            if count_text == "001" and len(values) >= cls.width:
                bad = cls.unreadable(values)
                if bad is None:
                    return [cls(tr_id, values, self._today)]
                return [_unreadable(cls, tr_id, bad, values)]
            return self._records(cls, tr_id, count_text, values)
        if first == "{":
            return [self._control(text)]
        raise ProtocolError(f"not a KIS frame: {_preview(text)}")

    def _records(self, cls: type[Event], tr_id: str, count_text: str, values: list[str]
                 ) -> list[Event | UnreadableRecord]:
        try:
            count = int(count_text)
        except ValueError:
            raise ProtocolError(f"{tr_id}: not a record count: {count_text[:8]!r}") from None
        size, left = divmod(len(values), count) if count > 0 else (0, 1)
        if left or size < cls.width:
            raise ProtocolError(f"{tr_id}: {len(values)} values do not make {count} records")
        events: list[Event | UnreadableRecord] = []
        for start in range(0, len(values), size):
            record = values[start:start + size] if count > 1 else values
            bad = cls.unreadable(record)
            events.append(cls(tr_id, record, self._today) if bad is None
                          else _unreadable(cls, tr_id, bad, record))
        return events

    def _decrypt(self, tr_id: str, payload: str) -> str:
        if tr_id not in self._ciphers:
            raise ProtocolError(f"an encrypted {tr_id} frame before its subscription's key")
        key, iv = self._ciphers[tr_id]
        # The reasons are ours: the libraries' texts may quote the data or the key size.
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise ProtocolError(f"cannot decrypt a {tr_id} frame: not base64 "
                                f"({len(payload)} characters)") from None
        try:
            decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
            padded = decryptor.update(data) + decryptor.finalize()
            unpadder = padding.PKCS7(128).unpadder()
            plain = unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise ProtocolError(f"cannot decrypt a {tr_id} frame: another key, or the data "
                                f"is damaged ({len(data)} bytes)") from None
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(f"cannot decrypt a {tr_id} frame: not UTF-8 text once "
                                f"decrypted") from None

    def _control(self, text: str) -> ControlEvent | Heartbeat:
        try:
            message = json.loads(text)
            header = message["header"]
            tr_id = str(header.get("tr_id", ""))
            if tr_id == "PINGPONG":
                return Heartbeat(text)
            body = message.get("body") if isinstance(message.get("body"), dict) else {}
            output = body.get("output") if isinstance(body.get("output"), dict) else {}
            cipher = None
            if body.get("rt_cd") == "0" and output.get("key") and output.get("iv"):
                cipher = (str(output["key"]).encode(), str(output["iv"]).encode())
            event = ControlEvent(tr_id, str(header.get("tr_key", "")),
                                 str(body.get("rt_cd", "")), str(body.get("msg_cd", "")),
                                 str(body.get("msg1", "")).strip(),
                                 header.get("encrypt") == "Y")
        # RecursionError: JSON nested too deep for the parser (or for str() of a value).
        except (ValueError, LookupError, TypeError, AttributeError, RecursionError):
            raise ProtocolError(f"unreadable control frame: {_preview(text)}") from None
        if cipher is not None:
            self._ciphers[tr_id] = cipher
        return event


def _utf8(frame: bytes) -> str:
    try:
        return bytes(frame).decode("utf-8")
    except (UnicodeDecodeError, TypeError):
        raise ProtocolError(f"a binary frame that is not UTF-8 text ({len(frame)} bytes)"
                            ) from None


def _unreadable(cls: type[Event], tr_id: str, name: str, values: list[str]
                ) -> UnreadableRecord:
    reason = f"{name} cannot be read"
    if cls is not NoticeEvent:  # market data is public; a notice's values are the account's
        reason += f": {values[cls._index[name]][:20]!r}"
    return UnreadableRecord(tr_id, reason)


# --- what an error may say about a frame ------------------------------------------------------
_MARKET_TRS = ("H0STCNT0", "H0STASP0")
_SECRET = re.compile(
    r'("(?:approval_?key|appkey|appsecret|secretkey|key|iv)"\s*:\s*")[^"]*'
    r"|(invalid approval\s*:\s*)\S+", re.IGNORECASE)


def _preview(text: str) -> str:
    """A short, secret-free description of a frame for an error text: a data frame's
    header (and, for public market data, the start of its values); the start of any
    other text with secret-looking values masked."""
    if "|" in text[:4]:  # a data frame, or what wants to be one
        parts = text.split("|", 3)
        # Only what looks like a TR id and a count: anything else may be the payload.
        flag = parts[0] if len(parts[0]) <= 3 else "?"
        tr_id = parts[1] if len(parts[1]) <= 10 and parts[1].isalnum() else "?"
        count = parts[2] if len(parts) > 2 and len(parts[2]) <= 4 else "?"
        head = f"{flag}|{tr_id}|{count}|"
        if len(parts) == 4 and flag == "0" and tr_id in _MARKET_TRS:
            return repr(head + parts[3][:24]) + f" ({len(text)} characters)"
        return repr(head) + f" ({len(text)} characters in all)"
    shown = _SECRET.sub(lambda m: (m.group(1) or m.group(2)) + "***", text[:200])
    return repr(shown[:40]) + f" ({len(text)} characters)"
