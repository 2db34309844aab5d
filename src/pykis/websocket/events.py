"""The records of KIS's real-time data frames, as events: the values as received, read by
their documented names and converted when a property is read.

Events keep the record as text because most readers look at a few fields of many ticks:
a record decoded from a frame is split into its values when they are first read
(``values``), and a property converts only its own value. What may fail when read is
checked once, when the record is decoded (``Layout``, in ``pykis.websocket.records``):
every number a property or a model reads converts, so a reader never meets one that
does not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pykis.models.order import OrderSide
from pykis.websocket.fields import FIELDS
from pykis.websocket.records import Layout, NoticeLayout, day_of, moment, order_number

__all__ = ["EVENTS", "BookEvent", "Event", "NoticeEvent", "TradeEvent", "UnreadableRecord"]

Today = Callable[[], dt.date]


def _whole(name: str, doc: str | None = None) -> property:
    """The property of a whole-number field, read by its KIS name ("" reads as 0)."""
    return property(lambda event: event._int(name), doc=doc)


class Event:
    """One data record: its TR and values, read by the documented field names."""

    # _record: the values, or the record's text until they are first read.
    __slots__ = ("tr_id", "_record", "_today")
    names: tuple[str, ...] = ()  # the documented layout, set per TR by Layout
    width: int = 0  # len(names)
    _index: dict[str, int] = {}
    layout: Layout  # what is checked when a record is decoded
    # The fields models read as numbers: whole numbers KIS sends unsigned, whole numbers
    # with a sign, fractions.
    unsigned: tuple[str, ...] = ()
    signed: tuple[str, ...] = ()
    fractions: tuple[str, ...] = ()

    def __init__(self, tr_id: str, values: list[str], today: Today) -> None:
        # The day is looked up only when a time is read: most records never need it.
        self.tr_id, self._record, self._today = tr_id, values, today

    @property
    def values(self) -> list[str]:
        """The record's values as received, by position (``names``, then any extra)."""
        record = self._record
        if record.__class__ is str:  # decoded, not read yet: split once
            record = self._record = record.split("^")
        return record  # type: ignore[return-value]

    @values.setter
    def values(self, values: list[str]) -> None:
        self._record = values

    @property
    def key(self) -> str:
        """The record's first value (the symbol of market data), without splitting it."""
        record = self._record
        if record.__class__ is str:
            return record[:record.find("^")]  # type: ignore[union-attr]
        return record[0]

    def __getitem__(self, name: str) -> str:
        return self.values[self._index[name]]

    @property
    def info(self) -> dict[str, Any]:
        """Every value by its KIS name; values past the documented layout under 'extra'."""
        named = dict(zip(self.names, self.values))
        named["extra"] = self.values[self.width:]
        return named

    @property
    def extra(self) -> list[str]:
        return self.values[self.width:]

    @property
    def time(self) -> dt.datetime:
        """The record's time (``when`` without its epoch milliseconds)."""
        return self.when[0]

    @property
    def when(self) -> tuple[dt.datetime, int]:
        raise NotImplementedError  # each TR says where its time is

    @classmethod
    def unreadable(cls, values: list[str]) -> str | None:
        """The first field of ``values`` a property cannot convert, or None."""
        return cls.layout.culprit(values)

    def _int(self, name: str) -> int:
        text = self.values[self._index[name]]
        return int(text) if text else 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.tr_id}, {self.values[:4]}...)"


@dataclass(frozen=True, slots=True)
class UnreadableRecord:
    """A record of a data frame whose numbers do not convert, in place of its event:
    to be skipped (``reason`` names the field, and its value for market data)."""

    tr_id: str
    reason: str


_AGGRESSOR = {"1": OrderSide.BUY, "5": OrderSide.SELL}


class TradeEvent(Event):
    """A trade (H0STCNT0)."""

    __slots__ = ()
    unsigned = ("STCK_PRPR", "CNTG_VOL", "STCK_OPRC", "STCK_HGPR", "STCK_LWPR", "ACML_VOL",
                "ACML_TR_PBMN", "BIDP1", "ASKP1")
    signed = ("PRDY_VRSS",)
    fractions = ("PRDY_CTRT",)

    symbol = Event.key

    @property
    def when(self) -> tuple[dt.datetime, int]:
        """(time, epoch milliseconds): on the record's business day, or today's for a
        record without one."""
        values = self.values
        day = day_of(values[_BSOP_DATE])
        return moment(self._today() if day is None else day, values[_TRADE_HOUR])

    price = _whole("STCK_PRPR")
    volume = _whole("CNTG_VOL", "Shares traded in this trade.")
    change = _whole("PRDY_VRSS")
    open = _whole("STCK_OPRC")
    high = _whole("STCK_HGPR")
    low = _whole("STCK_LWPR")
    cumulative_volume = _whole("ACML_VOL")
    cumulative_value = _whole("ACML_TR_PBMN")
    bid = _whole("BIDP1")
    ask = _whole("ASKP1")

    @property
    def change_percent(self) -> float:
        return float(self["PRDY_CTRT"] or 0)

    @property
    def side(self) -> OrderSide | None:
        """Who took liquidity: BUY (traded at the ask), SELL, or None (auction)."""
        return _AGGRESSOR.get(self.values[_CCLD_DVSN])


class BookEvent(Event):
    """A 10-level order book snapshot (H0STASP0)."""

    __slots__ = ()
    unsigned = FIELDS["H0STASP0"][3:45]  # ten prices and quantities a side, the totals

    symbol = Event.key

    @property
    def when(self) -> tuple[dt.datetime, int]:
        """(time, epoch milliseconds), today."""
        return moment(self._today(), self.values[1])

    @property
    def asks(self) -> list[tuple[int, int]]:
        v = self.values
        return [(int(v[3 + i] or 0), int(v[23 + i] or 0)) for i in range(10)]

    @property
    def bids(self) -> list[tuple[int, int]]:
        v = self.values
        return [(int(v[13 + i] or 0), int(v[33 + i] or 0)) for i in range(10)]

    total_ask = _whole("TOTAL_ASKP_RSQN")
    total_bid = _whole("TOTAL_BIDP_RSQN")


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
        return order_number(self["ODER_NO"])

    @property
    def original_id(self) -> str | None:
        return order_number(self["OODER_NO"]) or None

    @property
    def symbol(self) -> str:
        return self["STCK_SHRN_ISCD"]

    @property
    def side(self) -> OrderSide:
        return OrderSide.SELL if self["SELN_BYOV_CLS"] == "01" else OrderSide.BUY

    quantity = _whole("CNTG_QTY", "This fill's shares (a fill) or the order's quantity "
                                  "(an acceptance).")
    price = _whole("CNTG_UNPR", "This fill's price (a fill) or the order's price "
                                "(an acceptance).")
    order_quantity = _whole("ODER_QTY")

    @property
    def when(self) -> tuple[dt.datetime, int]:
        """(time, epoch milliseconds), today."""
        return moment(self._today(), self["STCK_CNTG_HOUR"])

    @property
    def account(self) -> str:
        return self["ACNT_NO"]


TradeEvent.layout = Layout(TradeEvent, "H0STCNT0")
BookEvent.layout = Layout(BookEvent, "H0STASP0")
NoticeEvent.layout = NoticeLayout(NoticeEvent, "H0STCNI0")
_BSOP_DATE = TradeEvent._index["BSOP_DATE"]
_TRADE_HOUR = TradeEvent._index["STCK_CNTG_HOUR"]
_CCLD_DVSN = TradeEvent._index["CCLD_DVSN"]
EVENTS: dict[str, type[Event]] = {"H0STCNT0": TradeEvent, "H0STASP0": BookEvent,
                                  "H0STCNI0": NoticeEvent, "H0STCNI9": NoticeEvent}
