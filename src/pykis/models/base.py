"""What every model shares: KIS strings converted once by annotated types, the raw
payload kept in ``info``, KST datetimes and millisecond timestamps, and lists that turn
into pandas DataFrames when pandas is installed."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = ["Count", "KST", "Krw", "LIMIT", "Model", "ModelList", "Ratio", "SignedWon",
           "UnsignedKrw", "Won", "kst", "millis", "whole"]

# Korea Standard Time: every time KIS sends is KST. Defined here, the lowest layer, and
# re-exported as ``pykis.market.KST``: models must not import the market rules, which
# import the models' enums.
KST = ZoneInfo("Asia/Seoul")


# KIS's numeric fields are at most 19 characters wide (e.g. tot_evlu_amt), and 10**18 KRW
# is about a thousand times the value of every share listed on the KRX. A number beyond it
# is not KIS's: it is refused rather than carried into a model that cannot be printed (str()
# of an int refuses 4,301 digits) or into the engine, whose SQLite integers end at 2**63.
LIMIT = 10**18
# What KIS writes: ASCII digits, a sign, a decimal point. No exponent, no "NaN" or
# "Infinity", no underscores or other scripts' digits, all of which Decimal() would take.
_NUMERAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")


def _number(value: Any) -> int | float | Decimal:
    """A finite number below ``LIMIT`` from what KIS (or code written to the seed) sent;
    ValueError otherwise. "" and "-" (KIS's blanks) read as 0."""
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, str) and len(value) < 18 and value.isascii() and value.isdigit():
        return int(value)  # what KIS sends most: plain digits, far below LIMIT
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if text in ("", "-"):
            return 0
        if not _NUMERAL.fullmatch(text):
            raise ValueError(f"not a number: {value[:40]!r}")
        number: int | float | Decimal = Decimal(text)
    elif isinstance(value, (int, float, Decimal)):
        number = value
    else:
        raise ValueError(f"not a number: {type(value).__name__}")
    if not _finite(number) or not -LIMIT < number < LIMIT:
        raise ValueError("a number out of range")  # never printed: it may be unprintable
    return number


def _finite(value: int | float | Decimal) -> bool:
    if isinstance(value, Decimal):
        return value.is_finite()
    return isinstance(value, int) or math.isfinite(value)


def _integer(value: Any) -> int:
    """KIS numbers are strings ("70000", "-756922", "", sometimes "0.00"); code written
    to the seed passes floats (70000.0), which are taken when they are whole."""
    number = _number(value)
    if number != int(number):
        raise ValueError(f"not a whole number: {number}")
    return int(number)


def whole(value: Any) -> int:
    """A count or a price KIS sent, for the readers that do not build a model from it:
    a whole number from 0 up to ``LIMIT``; a blank is refused (a reader that takes it as
    0 says so). ValueError otherwise."""
    if isinstance(value, str) and not value.strip():
        raise ValueError("a blank number")
    return _unsigned(value)


def _unsigned(value: Any) -> int:
    number = _integer(value)
    if number < 0:
        raise ValueError(f"a negative count or price: {number}")
    return number


def _ratio(value: Any) -> float:
    return float(_number(value))


def _unsigned_ratio(value: Any) -> float:
    number = _ratio(value)
    if number < 0:
        raise ValueError(f"a negative price: {number}")
    return number


# The seed types quotes and account figures as ``float`` (KRW), orders' prices as
# ``int``; KIS's KRW are whole numbers, which a float holds exactly up to 2**53. Counts
# and prices cannot be negative; amounts of money that can (P&L, changes) are ``Krw``.
Won = Annotated[int, BeforeValidator(_unsigned)]  # whole KRW where the seed says int
# Cash as KIS reports it: whole KRW that a margin (미수) account can see below zero.
SignedWon = Annotated[int, BeforeValidator(_integer)]
Krw = Annotated[float, BeforeValidator(_ratio)]  # KRW where the seed says float
UnsignedKrw = Annotated[float, BeforeValidator(_unsigned_ratio)]  # prices, values
Count = Annotated[int, BeforeValidator(_unsigned)]  # shares
Ratio = Annotated[float, BeforeValidator(_ratio)]  # percentages such as "-0.23"


def _info(value: Any) -> Any:
    return {} if value is None else value  # the seed's Optional[Dict]: None is no payload


def kst(day: str, time: str = "000000") -> dt.datetime:
    """KST datetime from KIS's YYYYMMDD and HHMMSS strings."""
    return dt.datetime.strptime(day + time, "%Y%m%d%H%M%S").replace(tzinfo=KST)


def millis(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


class Model(BaseModel):
    """A PyKIS result: English fields, and what KIS sent in ``info``."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    info: Annotated[dict[str, Any], BeforeValidator(_info)] = Field(default_factory=dict,
                                                                   repr=False)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude={"info"})


M = TypeVar("M", bound=Model)


class ModelList(list, Generic[M]):
    """A list of models that becomes a DataFrame with ``to_pandas()`` (needs pandas)."""

    def to_pandas(self):
        try:
            import pandas as pd
        except ImportError as error:  # pragma: no cover - only without the extra
            raise ImportError("to_pandas() needs pandas: pip install 'pykis[pandas]'") from error
        return pd.DataFrame([item.to_dict() for item in self])
