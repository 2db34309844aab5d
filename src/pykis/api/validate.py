"""Checks on what a caller passes, before anything is sent. Each failure raises
``InvalidInputError`` naming the argument and what is accepted.

Bounds on orders (KRX rules the client checks so that KIS is never asked):

* ``MAX_ORDER_QUANTITY`` = 999,999,999 shares. KIS's ORD_QTY is 10 digits wide, but the
  KRX takes no order for more than 1 % of a listing's shares (5 % below a market value
  of 20 billion KRW) unless it is worth at most 1 billion KRW, and none worth more than
  100 billion KRW (KRX, since 2018-09-17 [S: press]). The largest listing has about 6
  billion shares: a billion shares are more than 1 % of any, and worth more than the
  1-billion-KRW floor at any price above 1 KRW.
* ``MAX_ORDER_VALUE`` = 100 billion KRW: quantity x limit price, the KRX's cap on one
  order; it also bounds a price (one share).
* Prices on the tick grid of the instrument's kind (``pykis.market``): stocks and
  ETFs/ETNs tick differently from 5,000 KRW up. What ``price`` alone can check is the
  finer grid (ETF/ETN), which refuses no valid price of either kind; the flows then
  check the stock grid where KIS's master files (``pykis.api.listing.kind_of``) say the
  symbol is a stock, and leave the rest to KIS (APBK0506) when the files cannot be had.
  NXT and SOR orders are checked on the same grid: Nextrade quotes in KRX's price units
  and lists no ETF or ETN [S: press]; its mid-point orders, which fall between ticks,
  are not among ``create_order``'s types.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from pykis.exceptions import InvalidInputError
from pykis.market import InstrumentKind, is_on_grid, validate_symbol
from pykis.utils.ratelimit import Limit, limit_for

__all__ = ["MAX_ORDER_QUANTITY", "MAX_ORDER_VALUE", "account_number", "amount", "branch",
           "choice", "count", "flag", "on_stock_grid", "order_id", "order_value", "price",
           "refuse", "symbol", "symbols", "timestamp"]

MAX_ORDER_QUANTITY = 999_999_999
MAX_ORDER_VALUE = 100_000_000_000
_ACCOUNT = re.compile(r"([0-9]{8})-?([0-9]{2})")
_ORDER_ID = re.compile(r"[0-9]{1,10}")
_BRANCH = re.compile(r"[0-9]{0,5}")


class _Shown:
    """What an error message shows of a value whose repr() fails or is of no use: an
    int of over 4,300 digits, which Python refuses to print."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> str:
        if isinstance(self.value, int):
            return f"<a whole number of {self.value.bit_length()} bits>"
        return f"<a {type(self.value).__name__} that cannot be printed>"


def refuse(argument: str, value: object, allowed: str) -> InvalidInputError:
    """The error for ``value`` of ``argument``, whatever the value (its repr may fail)."""
    try:
        repr(value)
    except Exception:  # noqa: BLE001 - any failure to print is the caller's value's
        value = _Shown(value)
    return InvalidInputError(argument, value, allowed)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def symbol(value: object, argument: str = "symbol") -> str:
    if not isinstance(value, str):  # before validate_symbol, which prints the value
        raise refuse(argument, value, "a 6-character KRX short code such as '005930' "
                     "(ETN: 'Q500001')")
    return validate_symbol(value, argument)


def account_number(value: object) -> tuple[str, str]:
    """(CANO, ACNT_PRDT_CD) from "12345678-01" or "1234567801"."""
    match = _ACCOUNT.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise refuse("account_no", "<hidden>" if isinstance(value, str) else value,
                     "8 digits, a hyphen (optional) and a 2-digit product code, "
                     "e.g. '12345678-01'")
    return match.group(1), match.group(2)


def amount(value: object, argument: str = "amount", minimum: int = 1) -> int:
    """A number of shares of an order: whole, from ``minimum`` to MAX_ORDER_QUANTITY."""
    if not _whole(value) or not minimum <= value <= MAX_ORDER_QUANTITY:
        raise refuse(argument, value, f"a whole number of shares from {minimum} to "
                     f"{MAX_ORDER_QUANTITY:,}")
    return value


def count(value: object, argument: str) -> int:
    """A positive whole number of results (``limit``)."""
    if not _whole(value) or value <= 0:
        raise refuse(argument, value, "a positive whole number")
    return value


def price(value: object, kind: InstrumentKind | None = None, argument: str = "price") -> int:
    """A limit price on the tick grid. Without the instrument's kind, the finer grid
    (ETF/ETN ticks are never coarser than stock ticks) so no valid price is refused;
    KIS refuses the rest (APBK0506). A whole float (``ticker.last - 500``) is taken."""
    given = value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    if not _whole(value) or not 0 < value <= MAX_ORDER_VALUE:
        raise refuse(argument, given, f"a whole number of KRW from 1 to {MAX_ORDER_VALUE:,}")
    if not is_on_grid(value, kind or InstrumentKind.ETF):
        raise refuse(argument, given, "a price on the KRX tick grid")
    return value


def on_stock_grid(value: int, argument: str = "price") -> None:
    """For a symbol known to be a stock: KRX's stock ticks (e.g. 100 KRW from 50,000)."""
    if not is_on_grid(value, InstrumentKind.STOCK):
        raise refuse(argument, value, "a price on the KRX tick grid of stocks (the symbol "
                     "is a stock: e.g. 100 KRW steps from 50,000 to 200,000 KRW)")


def order_value(quantity: int, unit: int, argument: str = "amount") -> None:
    """Quantity x price within the KRX's cap on one order."""
    if quantity * unit > MAX_ORDER_VALUE:
        raise refuse(argument, quantity, f"an order worth at most {MAX_ORDER_VALUE:,} KRW "
                     f"(the KRX's cap): at {unit:,} KRW, at most "
                     f"{MAX_ORDER_VALUE // unit:,} shares")


def choice(value: object, allowed: Iterable[str], argument: str) -> str:
    options = tuple(allowed)
    if not isinstance(value, str) or value not in options:
        raise refuse(argument, value, "one of " + ", ".join(map(repr, options)))
    return value


def flag(value: object, argument: str) -> bool:
    if not isinstance(value, bool):
        raise refuse(argument, value, "True or False")
    return value


def order_id(value: object, argument: str = "id") -> str:
    """KIS order number, leading zeros dropped ("0000001569" and "1569" are one order)."""
    if _whole(value):
        text = str(value) if 0 < value < 10**10 else ""
    else:
        text = value.strip() if isinstance(value, str) else ""
    if not _ORDER_ID.fullmatch(text) or not int(text):
        raise refuse(argument, value, "a KIS order number such as '0000001569'")
    return str(int(text))


def branch(value: object, argument: str = "org_no") -> str:
    """KRX_FWDG_ORD_ORGNO: the 5-digit branch KIS booked an order at ("" if unknown)."""
    if not isinstance(value, str) or not _BRANCH.fullmatch(value.strip()):
        raise refuse(argument, value, "KIS's 5-digit branch number (KRX_FWDG_ORD_ORGNO) "
                     "such as '06010'")
    return value.strip()


def symbols(values: object, argument: str = "symbols") -> list[str]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise refuse(argument, values, "a list of 6-character KRX short codes")
    return [symbol(v, argument) for v in values]


LAST_MILLIS = 253_402_268_399_999  # 9999-12-31 23:59:59.999 KST: later is no date


def timestamp(value: object, argument: str) -> int:
    """Milliseconds since the epoch, for a date Python can hold."""
    if not _whole(value) or not 0 <= value <= LAST_MILLIS:
        raise refuse(argument, value, "milliseconds since the epoch, "
                     "e.g. 1767225600000 for 2026-01-01")
    return value



def rate_limit(environment: str, rate: object) -> Limit:
    """The rate limit a client keeps: ``rate`` as given (a ``Window`` or a ``Rate``), or a
    limiter's default for the environment by name ("window", "spaced"), or the default."""
    try:
        return limit_for(environment, rate)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise refuse("rate", rate, "a Window, a Rate, \"window\" or \"spaced\"") from None
