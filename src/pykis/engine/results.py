"""What the engine's methods return: plain pydantic models, printable and serialisable.

Prices and percentages are ``float``, as the seed's ``get_current_price`` is, so that they
mix with it in arithmetic; money is whole KRW (``int``). The ledger keeps the exact
figures (``Decimal`` averages): these are their values to the fourth decimal.

``TradeResult`` is the answer to every order the engine is asked to make. ``success``
means KIS accepted the order (it may still be working); a refusal, an invalid request or
a risk rule that said no is ``success=False`` with the cause in ``message``, and was
logged with its context. Figures are those of the fills recorded so far.

``error`` says what kind of failure it was, for code that acts on it: the ``kind`` of the
:mod:`pykis.exceptions` class that stopped it (``"authentication"``, ``"rate_limit"``,
``"order_refused"``, ``"insufficient_balance"``, ``"market_closed"``, ``"outcome_unknown"``,
``"invalid_input"``, ...), ``"risk"`` when a risk rule said no, ``"refused"`` for the
engine's other refusals (nothing to sell, a buy still open), ``"bug"`` for an unexpected
error. ``error_code`` is KIS's ``msg_cd`` where KIS gave one.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

__all__ = ["EngineStatus", "PositionReport", "ReconcileReport", "TradeRecord", "TradeResult"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class TradeResult(_Frozen):
    success: bool
    order_id: str | None = None  # KIS's order number (ODNO), once KIS booked the order
    ticker: str
    side: str  # "buy" / "sell"
    quantity: int = 0  # shares filled so far
    price: float | None = None  # their average price
    fees: int = 0  # commission on those fills
    tax: int = 0  # transaction and rural taxes (sales)
    pnl: int | None = None  # realized by a sale, fees and tax included
    pnl_percent: float | None = None
    message: str = ""
    status: str = ""  # the order's state in the store ("filled", "rejected", ...)
    requested_quantity: int = 0
    client_order_id: str | None = None
    trade_id: int | None = None
    error: str | None = None  # the failure's kind (see above); None on success
    error_code: str | None = None  # KIS's msg_cd, when KIS refused


class PositionReport(_Frozen):
    """An open trade of the engine, valued at a live price (exit costs estimated)."""

    trade_id: int
    ticker: str
    quantity: int
    entry_price: float  # average buy price, commission excluded
    cost: int  # what the shares held cost, buy commission included
    price: int | None  # the live price (None if it could not be read)
    market_value: int | None
    unrealized_pnl: int | None  # net of the commission and tax a sale would cost now
    unrealized_pnl_percent: float | None
    high_price: int | None
    opened_at: dt.datetime


class TradeRecord(_Frozen):
    """A trade of the store, as ``pykis engine trades`` shows it."""

    id: int
    ticker: str
    trade_status: str
    quantity: int
    open_quantity: int
    entry_price: float
    exit_price: float | None
    fees: int
    tax: int
    pnl: int
    pnl_percent: float | None
    reason: str | None
    strategy: str
    high_price: int | None  # the highest price seen while open (trailing stops)
    opened_at: dt.datetime
    closed_at: dt.datetime | None


class EngineStatus(_Frozen):
    cash: int  # what KIS lets the account spend on orders now
    positions: tuple[PositionReport, ...]
    market_value: int  # of the engine's positions
    equity: int  # the account's total at KIS (cash and every holding)
    exposure: float | None  # the engine's market value / equity
    unrealized_pnl: int
    realized_pnl_today: int
    realized_pnl_total: int
    open_orders: int
    day_start_equity: int | None


class ReconcileReport(_Frozen):
    """What reconciliation did: the store brought in line with KIS's orders and fills."""

    dropped: tuple[int, ...] = ()  # intents never sent (store ids)
    found: tuple[int, ...] = ()  # orders of unknown outcome that KIS had booked
    not_booked: tuple[int, ...] = ()  # orders of unknown outcome that KIS never booked
    still_unknown: tuple[int, ...] = ()  # KIS could not be asked yet: try again
    synced: tuple[int, ...] = ()  # orders whose fills or state changed
    fills: int = 0  # fills recorded
    mismatches: tuple[str, ...] = ()  # holdings the store and KIS disagree on, in words
    adopted: tuple[int, ...] = ()  # orders recorded as refused that KIS had booked after all
    outside: tuple[str, ...] = ()  # KIS's holdings of tickers the engine never traded

    @property
    def clean(self) -> bool:
        return not self.still_unknown and not self.mismatches
