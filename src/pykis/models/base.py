"""What every model shares: KIS strings converted once by annotated types, the raw
payload kept in ``info``, KST datetimes and millisecond timestamps, and lists that turn
into pandas DataFrames when pandas is installed."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = ["Count", "KST", "Krw", "Model", "ModelList", "Ratio", "Won", "kst", "millis"]

# Korea Standard Time: every time KIS sends is KST. Defined here, the lowest layer, and
# re-exported as ``pykis.market.KST``: models must not import the market rules, which
# import the models' enums.
KST = ZoneInfo("Asia/Seoul")


def _integer(value: Any) -> int:
    """KIS numbers are strings ("70000", "-756922", "", sometimes "0.00"); code written
    to the seed passes floats (70000.0), which are taken when they are whole."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, (float, Decimal)):
        if _finite(value) and value == int(value):
            return int(value)
        raise ValueError(f"not a whole number: {value!r}")
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if text in ("", "-"):
            return 0
        try:
            return int(Decimal(text))
        except InvalidOperation:
            pass
    raise ValueError(f"not a whole number: {value!r}")


def _finite(value: float | Decimal) -> bool:
    return value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)


def _decimal(value: Any) -> Decimal:
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            return Decimal(text or "0")
        except InvalidOperation:
            pass
    raise ValueError(f"not a decimal number: {value!r}")


def _ratio(value: Any) -> float:
    number = float(value) if isinstance(value, float) else float(_decimal(value))
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"not a finite number: {value!r}")
    return number


# The seed types quotes and account figures as ``float`` (KRW), orders' prices as
# ``int``; KIS's KRW are whole numbers, which a float holds exactly up to 2**53.
Won = Annotated[int, BeforeValidator(_integer)]  # whole KRW where the seed says int
Krw = Annotated[float, BeforeValidator(_ratio)]  # KRW where the seed says float
Count = Annotated[int, BeforeValidator(_integer)]  # shares
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
