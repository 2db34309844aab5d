"""What kind of instrument a symbol is: the tick table, the tax and the fee depend on it."""

from __future__ import annotations

import re
from enum import StrEnum

from pykis.exceptions import InvalidInputError

__all__ = ["InstrumentKind", "Market", "validate_symbol"]


class Market(StrEnum):
    """KRX market segment of a listing."""

    KOSPI = "KOSPI"
    KOSDAQ = "KOSDAQ"
    KONEX = "KONEX"


class InstrumentKind(StrEnum):
    """Instrument type; ETF and ETN share their own tick table and are tax exempt."""

    STOCK = "STOCK"
    ETF = "ETF"
    ETN = "ETN"

    @property
    def is_fund_like(self) -> bool:
        """ETF and ETN: 1/5 KRW ticks, no transaction tax, the fund commission rate."""
        return self is not InstrumentKind.STOCK


# Six-character KRX short codes; letters have been allowed since 2024 (I, O, U never
# appear), and ETNs may carry a leading "Q". Codes are strings, never integers.
_SYMBOL = re.compile(r"Q?[0-9A-HJ-NP-TV-Z]{6}")


def validate_symbol(symbol: object, argument: str = "symbol") -> str:
    """Return ``symbol`` if it is a KRX short code, else raise InvalidInputError."""
    if not isinstance(symbol, str) or not _SYMBOL.fullmatch(symbol):
        raise InvalidInputError(
            argument, symbol, "a 6-character KRX short code such as '005930' (ETN: 'Q500001')"
        )
    return symbol
