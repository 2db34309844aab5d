"""Reading the records of KIS's real-time frames: where each number sits, the check made
when a record is decoded (``Layout``), times and order numbers.

The check is built for the usual record: one regular expression over the record's text
up to its last number (over whole records, for a frame of several), before the record
is split; anything else is looked at field by field to name the culprit. It never says
yes to a record a property cannot read: the events' tests hold it to that.

A record's time is its HHMMSS on its business day; the same (day, time) is converted
once and shared (``moment``): a busy second's trades read the same datetime.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pykis.market import KST
from pykis.models.base import millis
from pykis.websocket.fields import FIELDS

if TYPE_CHECKING:
    from pykis.websocket.events import Event

__all__ = ["Layout", "NoticeLayout", "business_day", "day_of", "moment", "order_number"]

# int() takes at least this many digits, whatever sys.set_int_max_str_digits says (640 is
# its floor); a longer run of digits is left to int() itself (``culprit``).
_FAST_DIGITS = 640


# --- times --------------------------------------------------------------------------------
_MOMENTS: dict[tuple[Any, str], tuple[dt.datetime, int]] = {}
_MOMENTS_KEPT = 4096  # a trading day has 23,400 seconds: the last hour or so is kept


def moment(day: dt.date, hhmmss: str) -> tuple[dt.datetime, int]:
    """The KST datetime of ``hhmmss`` on ``day`` and its epoch milliseconds, converted
    once per (day, time); a time that is not one reads as midnight."""
    key = (day, hhmmss)
    found = _MOMENTS.get(key)
    if found is None:
        try:
            clock = dt.time(int(hhmmss[:2]), int(hhmmss[2:4]), int(hhmmss[4:6]))
        except (ValueError, IndexError):
            clock = dt.time()
        when = dt.datetime.combine(day, clock, KST)
        found = (when, millis(when))
        if len(_MOMENTS) >= _MOMENTS_KEPT:
            _MOMENTS.clear()  # cheaper than keeping an order; refilled within a second
        _MOMENTS[key] = found
    return found


def business_day(text: str) -> dt.date | None:
    """KIS's YYYYMMDD as a date, or None when it is not one."""
    if len(text) == 8 and text.isdigit():
        try:
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass
    return None


_DAYS: dict[str, dt.date | None] = {}


def day_of(text: str) -> dt.date | None:
    """``business_day``, remembered: a stream's records carry the same few days."""
    day = _DAYS.get(text, _DAYS)
    if day is _DAYS:
        if len(_DAYS) >= 64:
            _DAYS.clear()
        day = _DAYS[text] = business_day(text)
    return day  # type: ignore[return-value]


# --- the check made when a record is decoded -------------------------------------------------
# What a field must look like for the fast check to pass it. Each pattern accepts only
# text that certainly converts (ASCII digits, at most _FAST_DIGITS of them: int() takes
# that many whatever sys.set_int_max_str_digits says); text int() or float() would still
# take ("+5", " 5", "1_000", ".5", "nan", 700 digits) fails it and is looked at exactly
# (``culprit``). Possessive quantifiers: a field never gives back what it matched, which
# keeps the scan linear and fast.
_ANY = r"[^^]*+"
_UNSIGNED = rf"[0-9]{{0,{_FAST_DIGITS}}}+"
_SIGNED = rf"(?:[+-]?[0-9]{{1,{_FAST_DIGITS}}}+)?+"
_FRACTION = r"(?:-?[0-9]{1,300}+(?:\.[0-9]{1,300}+)?+)?+"
_ORDER_NUMBER = r"0{0,20}+[1-9][0-9]{0,30}+"  # not 0, and short: order_number() reads it


class Layout:
    """The numbers of one TR's records, and how to check them on the record's text:
    ``one`` (a frame of one record) and ``records`` (a frame of several), both fast and
    never wrong when they say yes; ``culprit`` (exact, field by field) when they say no.

    The fast check is one regular expression over the record's text up to its last
    number, so a record is checked without being split: the split waits for the first
    read (``Event.values``). For a frame of several records the expression spans whole
    records of the frame's size, which cuts the frame as it checks it."""

    def __init__(self, cls: type[Event], tr_id: str) -> None:
        cls.names = FIELDS[tr_id]
        cls.width = len(cls.names)
        cls._index = index = {name: i for i, name in enumerate(cls.names)}
        self.numbers = [(name, index[name], int) for name in cls.unsigned + cls.signed] + [
            (name, index[name], float) for name in cls.fractions]
        kinds = {index[name]: _UNSIGNED for name in cls.unsigned}
        kinds.update({index[name]: _SIGNED for name in cls.signed})
        kinds.update({index[name]: _FRACTION for name in cls.fractions})
        kinds.update(self._more_kinds(index))
        self._checked = max(kinds) + 1  # the fields the expression looks at
        self._head = r"\^".join(kinds.get(i, _ANY) for i in range(self._checked))
        self._frames: dict[int, Callable[[str], list[str]]] = {}
        match, carets = re.compile(self._head + r"(?:\^|\Z)").match, cls.width - 1

        def one(text: str) -> bool:
            """True when the one record ``text`` has its documented fields and every
            number in it certainly converts; False means "look closer" (``culprit``)."""
            return match(text) is not None and text.count("^") >= carets
        self.one = one  # a plain function, not a method: it is called for every record

    def _more_kinds(self, index: dict[str, int]) -> dict[int, str]:
        """Patterns of fields other than numbers (a notice's order number)."""
        return {}

    def records(self, text: str, count: int, size: int) -> list[str] | None:
        """The texts of the ``count`` records of ``size`` values each that make ``text``,
        when every number in them certainly converts; None means "look closer"."""
        find = self._frames.get(size)
        if find is None:
            if len(self._frames) >= 32:
                self._frames.clear()
            # The other fields written out: a quarter faster than a counted repeat.
            tail = r"\^[^^]*+" * (size - self._checked)
            find = self._frames[size] = re.compile(
                "(" + self._head + tail + r")(?:\^|\Z)").findall
        texts = find(text)
        # findall skips what does not match: the records are the frame only if they
        # cover it, each after the last, with one '^' between them.
        if len(texts) != count or sum(map(len, texts)) + count - 1 != len(text):
            return None
        return texts

    def culprit(self, values: list[str]) -> str | None:
        """The first field of one record a property cannot convert ("" reads as 0)."""
        for name, index, convert in self.numbers:
            text = values[index]
            try:
                if text:
                    convert(text)
            except ValueError:
                return name
        return None


def order_number(text: str) -> str:
    """An order number without its leading zeros; "" for none (or not a number)."""
    text = text.strip()
    if not text.isdecimal() or len(text) > _FAST_DIGITS:
        return ""
    return str(int(text)) if int(text) else ""


class NoticeLayout(Layout):
    """A notice also needs its order's number: it is about nothing without one."""

    def __init__(self, cls: type[Event], tr_id: str) -> None:
        self._order_no = FIELDS[tr_id].index("ODER_NO")
        super().__init__(cls, tr_id)

    def _more_kinds(self, index: dict[str, int]) -> dict[int, str]:
        return {self._order_no: _ORDER_NUMBER}

    def culprit(self, values: list[str]) -> str | None:
        return super().culprit(values) or (None if order_number(values[self._order_no])
                                           else "ODER_NO")
