"""KRX market rules shared by the client, the engine and the simulator.

Tick sizes, daily price limits, trading days and sessions, commission and taxes. Pure
functions and frozen values: no I/O.
"""

from pykis.market.calendar import KST, DaySchedule, Session, TradingCalendar
from pykis.market.costs import (
    TAX_TABLE,
    Commission,
    TaxBasis,
    TaxRate,
    TradeCosts,
    TradingCosts,
    TransactionTax,
)
from pykis.market.instruments import InstrumentKind, Market, validate_symbol
from pykis.market.limits import DEFAULT_LIMIT_RATE, PriceLimits, price_limits
from pykis.market.ticks import Rounding, is_on_grid, round_to_tick, shift_ticks, tick_size

__all__ = [
    "Commission",
    "DEFAULT_LIMIT_RATE",
    "DaySchedule",
    "InstrumentKind",
    "KST",
    "Market",
    "PriceLimits",
    "Rounding",
    "Session",
    "TAX_TABLE",
    "TaxBasis",
    "TaxRate",
    "TradeCosts",
    "TradingCalendar",
    "TradingCosts",
    "TransactionTax",
    "is_on_grid",
    "price_limits",
    "round_to_tick",
    "shift_ticks",
    "tick_size",
    "validate_symbol",
]
