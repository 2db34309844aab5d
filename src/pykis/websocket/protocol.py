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
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from pykis.market import KST
from pykis.models.order import OrderSide
from pykis.websocket.fields import FIELDS

__all__ = [
    "BookEvent", "Codec", "ControlEvent", "Event", "Heartbeat", "NoticeEvent",
    "ProtocolError", "TradeEvent", "subscribe_message",
]


class ProtocolError(ValueError):
    """A frame that cannot be read."""


class Event:
    """One data record: its TR and values, read by the documented field names."""

    __slots__ = ("tr_id", "values", "_today")
    names: tuple[str, ...] = ()  # the documented layout, set per TR by _layout
    width: int = 0  # len(names)
    _index: dict[str, int] = {}

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
    cls._index = {name: i for i, name in enumerate(cls.names)}
    return cls


_AGGRESSOR = {"1": OrderSide.BUY, "5": OrderSide.SELL}


class TradeEvent(Event):
    """A trade (H0STCNT0)."""

    __slots__ = ()

    @property
    def symbol(self) -> str:
        return self.values[0]

    @property
    def time(self) -> dt.datetime:
        day = self["BSOP_DATE"]
        if len(day) == 8 and day.isdigit():
            return _moment(dt.date(int(day[:4]), int(day[4:6]), int(day[6:])),
                           self["STCK_CNTG_HOUR"])
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
    text = text.strip()
    return str(int(text)) if text.isdigit() and int(text) else ""


_layout(TradeEvent, "H0STCNT0")
_layout(BookEvent, "H0STASP0")
_layout(NoticeEvent, "H0STCNI0")
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

    def decode(self, text: str) -> list[Event | ControlEvent | Heartbeat]:
        """The events of one text frame (several for a multi-record data frame)."""
        first = text[:1]
        if first == "0" or first == "1":
            # The hot path of a busy stream: one split per level, no regular expressions,
            # and a plain frame of one trade built without further calls.
            try:
                _, tr_id, count_text, payload = text.split("|", 3)
                cls = EVENTS[tr_id]
            except (ValueError, KeyError):
                raise ProtocolError(f"not a KIS data frame: {text[:40]!r}") from None
            if first == "1":
                payload = self._decrypt(tr_id, payload)
            values = payload.split("^")
            if count_text == "001" and len(values) >= cls.width:
                return [cls(tr_id, values, self._today)]
            return self._records(cls, tr_id, count_text, values)
        if first == "{":
            return [self._control(text)]
        raise ProtocolError(f"not a KIS frame: {text[:40]!r}")

    def _records(self, cls: type[Event], tr_id: str, count_text: str, values: list[str]
                 ) -> list[Event]:
        try:
            count = int(count_text)
        except ValueError:
            raise ProtocolError(f"{tr_id}: not a record count: {count_text!r}") from None
        size, left = divmod(len(values), count) if count > 0 else (0, 1)
        if left or size < cls.width:
            raise ProtocolError(f"{tr_id}: {len(values)} values do not make {count} records")
        if count == 1:
            return [cls(tr_id, values, self._today)]
        return [cls(tr_id, values[i:i + size], self._today) for i in range(0, len(values), size)]

    def _decrypt(self, tr_id: str, payload: str) -> str:
        if tr_id not in self._ciphers:
            raise ProtocolError(f"an encrypted {tr_id} frame before its subscription's key")
        key, iv = self._ciphers[tr_id]
        try:
            decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
            padded = decryptor.update(base64.b64decode(payload)) + decryptor.finalize()
            unpadder = padding.PKCS7(128).unpadder()
            return (unpadder.update(padded) + unpadder.finalize()).decode("utf-8")
        except ValueError as error:
            raise ProtocolError(f"cannot decrypt a {tr_id} frame: {error}") from None

    def _control(self, text: str) -> ControlEvent | Heartbeat:
        try:
            message = json.loads(text)
            header = message["header"]
            tr_id = str(header.get("tr_id", ""))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ProtocolError(f"unreadable control frame: {text[:60]!r}") from None
        if tr_id == "PINGPONG":
            return Heartbeat(text)
        body = message.get("body") if isinstance(message.get("body"), dict) else {}
        output = body.get("output") if isinstance(body.get("output"), dict) else {}
        if body.get("rt_cd") == "0" and output.get("key") and output.get("iv"):
            self._ciphers[tr_id] = (str(output["key"]).encode(), str(output["iv"]).encode())
        return ControlEvent(tr_id, str(header.get("tr_key", "")), str(body.get("rt_cd", "")),
                            str(body.get("msg_cd", "")), str(body.get("msg1", "")).strip(),
                            header.get("encrypt") == "Y")
