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
the record as received, split it into values when first read and convert a field only
when it is read, which keeps decoding cheap for callers that look at a few fields of
many ticks.

What KIS garbles never gets past ``decode``: a frame that cannot be read raises
``ProtocolError`` (and nothing else), and a record whose numbers do not convert comes
back as an ``UnreadableRecord`` in place of its event, so a reader skips it while the
frame's other records go on. Every number a model reads is checked this way when the
record is decoded (for the usual record, one regular expression over its text), so a
watcher never meets a number it cannot read.
Error texts carry no secret: no key, iv or approval key, and of an encrypted or notice
frame only its header.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from pykis.market import KST
from pykis.websocket.events import (
    EVENTS,
    BookEvent,
    Event,
    NoticeEvent,
    TradeEvent,
    UnreadableRecord,
)

__all__ = [
    "EVENTS", "BookEvent", "Codec", "ControlEvent", "Event", "Heartbeat", "NoticeEvent",
    "ProtocolError", "TradeEvent", "UnreadableRecord", "subscribe_message",
]

_new = object.__new__
# Each TR's event class and its check of a one-record frame, found with one look-up.
_KINDS = {tr_id: (cls, cls.layout.one) for tr_id, cls in EVENTS.items()}


class ProtocolError(ValueError):
    """A frame that cannot be read."""


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
        self._today = today or _Today()
        self._ciphers: dict[str, tuple[bytes, bytes]] = {}

    def decode(self, frame: str | bytes
               ) -> list[Event | UnreadableRecord | ControlEvent | Heartbeat]:
        """The events of one frame (several for a multi-record data frame); a record
        that cannot be read is an ``UnreadableRecord``, a frame that cannot be read
        raises ``ProtocolError``. Nothing else is raised, whatever the frame holds."""
        text = frame if isinstance(frame, str) else _utf8(frame)
        first = text[:1]
        if first == "0" or first == "1":
            # The hot path of a busy stream: the header split off, the record checked on
            # its text (split when first read), and a plain frame of one readable record
            # built without further calls.
            try:
                _, tr_id, count_text, payload = text.split("|", 3)
                cls, fits = _KINDS[tr_id]
            except (ValueError, KeyError):
                raise ProtocolError(f"not a KIS data frame: {_preview(text)}") from None
            if first == "1":
                payload = self._decrypt(tr_id, payload)
            if count_text == "001" and fits(payload):
                event = _new(cls)  # what __init__ does, without its call
                event.tr_id, event._record, event._today = tr_id, payload, self._today
                return [event]
            return self._records(cls, tr_id, count_text, payload)
        if first == "{":
            return [self._control(text)]
        raise ProtocolError(f"not a KIS frame: {_preview(text)}")

    def _records(self, cls: type[Event], tr_id: str, count_text: str, payload: str
                 ) -> list[Event | UnreadableRecord]:
        try:
            count = int(count_text)
        except ValueError:
            raise ProtocolError(f"{tr_id}: not a record count: {count_text[:8]!r}") from None
        total = payload.count("^") + 1
        size, left = divmod(total, count) if count > 0 else (0, 1)
        if left or size < cls.width:
            raise ProtocolError(f"{tr_id}: {total} values do not make {count} records")
        today, events = self._today, []
        texts = cls.layout.records(payload, count, size)
        if texts is not None:  # the usual frame: all of it reads
            for text in texts:
                event = _new(cls)
                event.tr_id, event._record, event._today = tr_id, text, today
                events.append(event)
            return events
        values = payload.split("^")
        for start in range(0, total, size):
            record = values[start:start + size]
            bad = cls.layout.culprit(record)
            events.append(cls(tr_id, record, today) if bad is None
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


class _Today:
    """Today's date in Seoul, looked up at most once a second (a date can only change
    on a whole second, and a day's first trade is read within it)."""

    __slots__ = ("_second", "_day")

    def __init__(self) -> None:
        self._second, self._day = -1, dt.date.min

    def __call__(self) -> dt.date:
        second = int(time.time())
        if second != self._second:
            self._day, self._second = dt.datetime.fromtimestamp(second, KST).date(), second
        return self._day


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
