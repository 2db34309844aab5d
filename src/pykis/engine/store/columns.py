"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no exact decimal and no time zone: a ``Numeric`` is stored there as a binary
float and a ``DateTime`` comes back naive. Averages and percentages are therefore stored
as decimal text on SQLite (``NUMERIC`` on PostgreSQL), and every timestamp is written
and read as an aware UTC datetime.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine

from pykis.exceptions import InvalidInputError

__all__ = ["ExactDecimal", "UTCDateTime", "aware"]


def aware(value: object, argument: str) -> dt.datetime:
    """``value`` if it is a timezone-aware datetime, else InvalidInputError."""
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise InvalidInputError(argument, value, "a timezone-aware datetime")
    return value


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime, stored in UTC; naive datetimes are refused (their zone is a
    guess, and a guess in a trading ledger is a bug)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        utc = aware(value, "at").astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal kept exactly: NUMERIC(20, 4) on PostgreSQL, decimal text on SQLite."""

    impl = Numeric(20, 4)
    cache_ok = True
    places = Decimal("0.0001")

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(Numeric(20, 4))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
            raise InvalidInputError("value", value, "a Decimal or an int (never a float)")
        exact = Decimal(value).quantize(self.places)
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value).quantize(self.places)
