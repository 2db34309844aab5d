"""Checks on what a caller passes, before anything is sent. Each failure raises
``InvalidInputError`` naming the argument and what is accepted."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from pykis.exceptions import InvalidInputError
from pykis.market import InstrumentKind, is_on_grid, validate_symbol

__all__ = ["account_number", "amount", "choice", "order_id", "price", "symbol", "symbols",
           "timestamp"]

symbol = validate_symbol
_ACCOUNT = re.compile(r"([0-9]{8})-?([0-9]{2})")
_ORDER_ID = re.compile(r"[0-9]{1,10}")


def account_number(value: object) -> tuple[str, str]:
    """(CANO, ACNT_PRDT_CD) from "12345678-01" or "1234567801"."""
    match = _ACCOUNT.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidInputError("account_no", "<hidden>" if isinstance(value, str) else value,
                                "8 digits, a hyphen (optional) and a 2-digit product code, "
                                "e.g. '12345678-01'")
    return match.group(1), match.group(2)


def amount(value: object, argument: str = "amount") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInputError(argument, value, "a positive whole number of shares")
    return value


def price(value: object, kind: InstrumentKind | None = None, argument: str = "price") -> int:
    """A limit price on the tick grid. Without the instrument's kind, the finer grid
    (ETF/ETN ticks are never coarser than stock ticks) so no valid price is refused;
    KIS refuses the rest (APBK0506). A whole float (``ticker.last - 500``) is taken."""
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInputError(argument, value, "a positive whole number of KRW")
    if not is_on_grid(value, kind or InstrumentKind.ETF):
        raise InvalidInputError(argument, value, "a price on the KRX tick grid")
    return value


def choice(value: object, allowed: Iterable[str], argument: str) -> str:
    options = tuple(allowed)
    if not isinstance(value, str) or value not in options:
        raise InvalidInputError(argument, value, "one of " + ", ".join(map(repr, options)))
    return value


def order_id(value: object, argument: str = "id") -> str:
    """KIS order number, leading zeros dropped ("0000001569" and "1569" are one order)."""
    text = value if isinstance(value, str) else str(value) if isinstance(value, int) else ""
    if isinstance(value, bool) or not _ORDER_ID.fullmatch(text.strip()) or not int(text):
        raise InvalidInputError(argument, value, "a KIS order number such as '0000001569'")
    return str(int(text))


def symbols(values: object, argument: str = "symbols") -> list[str]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise InvalidInputError(argument, values, "a list of 6-character KRX short codes")
    return [symbol(v, argument) for v in values]


LAST_MILLIS = 253_402_268_399_999  # 9999-12-31 23:59:59.999 KST: later is no date


def timestamp(value: object, argument: str) -> int:
    """Milliseconds since the epoch, for a date Python can hold."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= LAST_MILLIS:
        raise InvalidInputError(argument, value, "milliseconds since the epoch, "
                                "e.g. 1767225600000 for 2026-01-01")
    return value
