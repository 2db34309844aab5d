"""Trading costs in whole won: broker commission on both sides, taxes on sales.

Commission: KIS non-face-to-face accounts pay 0.0140527 % of the traded value for stocks
and 0.0146527 % for ETF/ETN (exchange and depository fees included). The rates and the
truncation unit are configurable: promotional and branch schedules differ, and whether
KIS truncates to 1 or 10 won is not established.

Tax on sales (증권거래세 + 농어촌특별세 on KOSPI): the rate follows the *settlement*
date (T+2), which is why the 2025 rate already applied to trades of 2024-12-27. Each
component is truncated to whole won, as brokers withhold them. ETFs and ETNs are exempt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from pykis.exceptions import InvalidInputError
from pykis.market.calendar import TradingCalendar
from pykis.market.instruments import InstrumentKind, Market
from pykis.models.order import OrderSide

__all__ = [
    "Commission",
    "TaxRate",
    "TaxBasis",
    "TradeCosts",
    "TradingCosts",
    "TransactionTax",
    "TAX_TABLE",
]


class TaxBasis(StrEnum):
    """Which date selects the tax rate: the settlement date (what brokers do) or the
    trade date (if KIS ever changes practice; the first dates of 2026 are uncertain)."""

    SETTLEMENT = "settlement"
    TRADE = "trade"


@dataclass(frozen=True, slots=True)
class TaxRate:
    """Sale tax rates in force from ``effective`` (a settlement date) for one market."""

    effective: dt.date
    market: Market
    transaction: Decimal  # 증권거래세
    rural: Decimal = Decimal(0)  # 농어촌특별세 (KOSPI only)

    @property
    def total(self) -> Decimal:
        return self.transaction + self.rural


def _rates(effective: dt.date, kospi: str, kosdaq: str, konex: str) -> tuple[TaxRate, ...]:
    percent = Decimal("0.01")
    return (
        TaxRate(effective, Market.KOSPI, Decimal(kospi) * percent, Decimal("0.15") * percent),
        TaxRate(effective, Market.KOSDAQ, Decimal(kosdaq) * percent),
        TaxRate(effective, Market.KONEX, Decimal(konex) * percent),
    )


# KOSPI transaction tax (the 0.15 % rural tax is added on top), KOSDAQ, KONEX, in percent.
# 2023 onwards from the team's reference; 2019-06-03 and 2021 are the published cuts of
# those years [S], kept so that the simulator's history (from 2020) is covered.
TAX_TABLE: tuple[TaxRate, ...] = (
    *_rates(dt.date(2019, 6, 3), "0.10", "0.25", "0.10"),
    *_rates(dt.date(2021, 1, 1), "0.08", "0.23", "0.10"),
    *_rates(dt.date(2023, 1, 1), "0.05", "0.20", "0.10"),
    *_rates(dt.date(2024, 1, 1), "0.03", "0.18", "0.10"),
    *_rates(dt.date(2025, 1, 1), "0.00", "0.15", "0.10"),
    *_rates(dt.date(2026, 1, 1), "0.05", "0.20", "0.10"),
)


def _won(value: int, rate: Decimal) -> int:
    """``value`` × ``rate`` truncated to whole won, exactly, for any size of value: in
    Decimal's context (28 digits) a product past that could not be made whole and
    raised (the simulator answered an order of 10**30 shares with an internal error)."""
    numerator, denominator = rate.as_integer_ratio()
    return value * numerator // denominator  # both non-negative: // truncates


def _checked_value(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError("value", value, "a non-negative whole number of KRW")
    return value


@dataclass(frozen=True, slots=True)
class Commission:
    """Broker commission schedule; each fill's commission is truncated to whole won."""

    stock_rate: Decimal = Decimal("0.000140527")
    fund_rate: Decimal = Decimal("0.000146527")
    unit: int = 1  # truncate to a multiple of this many won

    def rate(self, kind: InstrumentKind) -> Decimal:
        return self.fund_rate if InstrumentKind(kind).is_fund_like else self.stock_rate

    def amount(self, value: int, kind: InstrumentKind = InstrumentKind.STOCK) -> int:
        won = _won(_checked_value(value), self.rate(kind))
        return won - won % self.unit


@dataclass(frozen=True)
class TransactionTax:
    """Dated sale-tax table; the newest entry not after the basis date applies."""

    table: tuple[TaxRate, ...] = TAX_TABLE
    basis: TaxBasis = TaxBasis.SETTLEMENT
    calendar: TradingCalendar = field(default_factory=TradingCalendar)

    def rate(self, trade_date: dt.date, market: Market) -> TaxRate:
        when = trade_date
        if self.basis is TaxBasis.SETTLEMENT:
            when = self.calendar.add_trading_days(trade_date, 2)
        candidates = [r for r in self.table if r.market == market and r.effective <= when]
        if not candidates:
            raise InvalidInputError("trade_date", trade_date, "a date covered by the tax table")
        return max(candidates, key=lambda r: r.effective)

    def amounts(
        self, value: int, trade_date: dt.date, market: Market, kind: InstrumentKind
    ) -> tuple[int, int]:
        """(transaction tax, rural special tax) on a sale of ``value`` won."""
        value = _checked_value(value)
        if InstrumentKind(kind).is_fund_like:
            return 0, 0
        rate = self.rate(trade_date, Market(market))
        return _won(value, rate.transaction), _won(value, rate.rural)


@dataclass(frozen=True, slots=True)
class TradeCosts:
    """What one fill costs on top of (buy) or below (sell) its traded value."""

    commission: int
    transaction_tax: int
    rural_tax: int

    @property
    def tax(self) -> int:
        return self.transaction_tax + self.rural_tax

    @property
    def total(self) -> int:
        return self.commission + self.tax


@dataclass(frozen=True)
class TradingCosts:
    """Commission and taxes together: the costs of a fill as a broker books them."""

    commission: Commission = field(default_factory=Commission)
    tax: TransactionTax = field(default_factory=TransactionTax)

    def of(
        self,
        side: OrderSide | str,
        value: int,
        trade_date: dt.date,
        market: Market = Market.KOSPI,
        kind: InstrumentKind = InstrumentKind.STOCK,
    ) -> TradeCosts:
        if side not in (OrderSide.BUY, OrderSide.SELL):
            raise InvalidInputError("side", side, "'buy' or 'sell'")
        commission = self.commission.amount(value, kind)
        if OrderSide(side) is OrderSide.BUY:
            return TradeCosts(commission, 0, 0)
        transaction, rural = self.tax.amounts(value, trade_date, market, kind)
        return TradeCosts(commission, transaction, rural)
