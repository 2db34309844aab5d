"""Reading the records of KIS's real-time frames: where each number sits, the check made
when a record is decoded (``Layout``), times and order numbers.

The check is built for the usual record: one ``str.join`` and ``bytes.isdigit`` over
the unsigned numbers of every record of the frame, the few signed numbers and fractions
converted; anything else is looked at field by field to name the culprit. It never
says yes to a record a property cannot read: the events' tests hold it to that.

A record's time is its HHMMSS on its business day; the same (day, time) is converted
once and shared (``moment``): a busy second's trades read the same datetime.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from pykis.market import KST
from pykis.models.base import millis
from pykis.websocket.fields import FIELDS

if TYPE_CHECKING:
    from pykis.websocket.events import Event

__all__ = ["Layout", "NoticeLayout", "business_day", "day_of", "moment", "order_number"]

# int() takes at least this many digits, whatever sys.set_int_max_str_digits says (640 is
# its floor); a longer run of digits is measured against the interpreter's own limit.
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
def _within_int_limit(digits: int) -> bool:
    """Whether int() takes a number of ``digits`` digits (sys.set_int_max_str_digits)."""
    limit = sys.get_int_max_str_digits()
    return not limit or digits <= limit


class Layout:
    """The numbers of one TR's records, and how to check them: ``readable`` (the usual
    record, fast, never wrong when it says yes) and ``culprit`` (exact, field by field)."""

    def __init__(self, cls: type[Event], tr_id: str) -> None:
        cls.names = FIELDS[tr_id]
        cls.width = len(cls.names)
        cls._index = index = {name: i for i, name in enumerate(cls.names)}
        self.unsigned = [index[name] for name in cls.unsigned]
        self.signed = [index[name] for name in cls.signed]
        self.fractions = [index[name] for name in cls.fractions]
        self.numbers = [(name, index[name], int) for name in cls.unsigned + cls.signed] + [
            (name, index[name], float) for name in cls.fractions]
        self._frames: dict[tuple[int, int], Callable[[list[str]], bool]] = {}
        self.one = self._fast(1, cls.width)  # the usual frame: one record

    def readable(self, values: list[str], count: int = 1, size: int = 0) -> bool:
        """True when every number of the ``count`` records in ``values`` (``size`` values
        each) certainly converts; False means "look closer" (``culprit``)."""
        if count == 1:
            return self.one(values)
        fast = self._frames.get((count, size))
        if fast is None:
            if len(self._frames) >= 32:
                self._frames.clear()
            fast = self._frames[count, size] = self._fast(count, size)
        return fast(values)

    def _fast(self, count: int, size: int) -> Callable[[list[str]], bool]:
        """``readable`` for frames of ``count`` records of ``size`` values: the unsigned
        numbers of all records joined and checked at once, the others converted."""
        def at(fields: list[int]) -> list[int]:
            return [n * size + i for n in range(count) for i in fields]
        unsigned, signed, fractions = at(self.unsigned), at(self.signed), at(self.fractions)
        pick = itemgetter(*unsigned) if len(unsigned) > 1 else (
            lambda values: (values[unsigned[0]],) if unsigned else ())

        def digits_only(values: list[str]) -> bool:
            digits = "".join(pick(values)).encode()
            return (digits.isdigit() or not digits) and (
                len(digits) <= _FAST_DIGITS or _within_int_limit(len(digits)))

        if not signed and not fractions:
            return digits_only
        if len(signed) == 1 and len(fractions) == 1:  # a trade: written out, it is hot
            sign, fraction = signed[0], fractions[0]

            def one_of_each(values: list[str]) -> bool:
                digits = "".join(pick(values)).encode()
                if not (digits.isdigit() or not digits) or (
                        len(digits) > _FAST_DIGITS and not _within_int_limit(len(digits))):
                    return False
                try:
                    text = values[sign]
                    if text:
                        int(text)
                    text = values[fraction]
                    if text:
                        float(text)
                except ValueError:
                    return False
                return True
            return one_of_each

        def each(values: list[str]) -> bool:
            if not digits_only(values):
                return False
            try:
                for index in signed:
                    if values[index]:
                        int(values[index])
                for index in fractions:
                    if values[index]:
                        float(values[index])
            except ValueError:
                return False
            return True
        return each

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

    def _fast(self, count: int, size: int) -> Callable[[list[str]], bool]:
        numbers = super()._fast(count, size)
        numbered = [n * size + self._order_no for n in range(count)]
        return lambda values: numbers(values) and all(
            order_number(values[index]) for index in numbered)

    def culprit(self, values: list[str]) -> str | None:
        return super().culprit(values) or (None if order_number(values[self._order_no])
                                           else "ODER_NO")
