"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no exact decimal and no time zone: a ``Numeric`` is stored there as a binary
float and a ``DateTime`` comes back naive. Averages and percentages (four decimals, at
most fifteen significant digits: a double holds them to the last digit) are written as
decimal text into a ``NUMERIC`` column, which SQLite keeps as a number (so ``SELECT``,
``ORDER BY`` and arithmetic work on them as numbers), and read back quantized to the
four places; PostgreSQL has ``NUMERIC(20, 4)`` itself. Every timestamp is written and
read as an aware UTC datetime.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric
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
        if dialect.name == "sqlite":  # the number as SQLite stores it, read back exactly
            return dialect.type_descriptor(Numeric(20, 4, asdecimal=False))
        return dialect.type_descriptor(Numeric(20, 4))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
            raise InvalidInputError("value", value, "a Decimal or an int (never a float)")
        exact = Decimal(value).quantize(self.places)
        return str(exact) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        # str(): a float's shortest repr is its decimal value to the four places
        return None if value is None else Decimal(str(value)).quantize(self.places)
