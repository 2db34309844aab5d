"""Account and information methods beyond the trading core: the trading calendar,
conditional search, reserved orders, realised profit and loss."""

from __future__ import annotations

import datetime as dt

from pykis.api import calendar, conditions, profit, reserved
from pykis.methods import Methods
from pykis.models import ModelList
from pykis.models.accountx import (
    Condition,
    ConditionMatch,
    RealizedPnL,
    RealizedTrade,
    ReservedOrder,
)

__all__ = ["AccountExtraMethods"]


class AccountExtraMethods(Methods):
    hts_id: str | None

    # --- trading calendar ----------------------------------------------------------------
    def _trading_days(self) -> calendar.TradingDays:
        cache = self.__dict__.get("_trading_days_cache")
        if cache is None:
            cache = self.__dict__["_trading_days_cache"] = calendar.TradingDays()
        return cache

    def is_trading_day(self, date: dt.date | str | None = None) -> bool:
        """Whether the market opens on ``date`` (default: today, KST), from KIS's
        calendar (chk-holiday), asked once per day and kept. On paper (KIS has no
        calendar API there) and when KIS cannot answer, the bundled KRX calendar
        answers."""
        return self._run(calendar.is_trading_day(self._ctx, self._trading_days(), date))

    def next_trading_day(self, date: dt.date | str | None = None) -> dt.date:
        """The first trading day after ``date`` (default today); see ``is_trading_day``."""
        return self._run(calendar.next_trading_day(self._ctx, self._trading_days(), date))

    def previous_trading_day(self, date: dt.date | str | None = None) -> dt.date:
        """The last trading day before ``date`` (default today); see ``is_trading_day``."""
        return self._run(calendar.previous_trading_day(self._ctx, self._trading_days(), date))

    # --- conditional search (real only; needs hts_id) ------------------------------------
    def fetch_conditions(self) -> ModelList[Condition]:
        """The conditions saved by the HTS user ``hts_id`` (HTS [0110]; psearch-title)."""
        return self._run(conditions.fetch_conditions(self._ctx, self.hts_id))

    def run_condition(self, name_or_seq: Condition | str) -> ModelList[ConditionMatch]:
        """Listings that meet a saved condition now (at most 100; psearch-result)."""
        return self._run(conditions.run_condition(self._ctx, self.hts_id, name_or_seq))

    # --- reserved orders (real only) -----------------------------------------------------
    def create_reserved_order(self, symbol: str, side: str, amount: int,
                              price: int | None = None, *, end_date: dt.date | str | None = None
                              ) -> ReservedOrder:
        """Reserve an order sent at the next open: a limit order at ``price``, or a
        market order (None). ``end_date``: send what stays unfilled every trading day
        until then. Never resent after an uncertain failure."""
        return self._run(reserved.create_reserved_order(self._ctx, symbol, side, amount,
                                                        price, end_date))

    def fetch_reserved_orders(self, since: dt.date | str | None = None,
                              until: dt.date | str | None = None,
                              symbol: str | None = None) -> ModelList[ReservedOrder]:
        """Reservations taken between ``since`` (default 90 days ago) and ``until``."""
        return self._run(reserved.fetch_reserved_orders(self._ctx, since, until, symbol))

    def edit_reserved_order(self, reservation: ReservedOrder | str, amount: int | None = None,
                            price: int | None = None, *,
                            end_date: dt.date | str | None = None) -> ReservedOrder:
        """Change a waiting reservation (its amount, price or end date)."""
        return self._run(reserved.edit_reserved_order(self._ctx, reservation, amount, price,
                                                      end_date))

    def cancel_reserved_order(self, reservation: ReservedOrder | str) -> ReservedOrder:
        """Cancel a reservation that has not been sent yet."""
        return self._run(reserved.cancel_reserved_order(self._ctx, reservation))

    # --- realised profit and loss (real only) ---------------------------------------------
    def fetch_realized_pnl(self, since: dt.date | str, until: dt.date | str | None = None,
                           symbol: str | None = None) -> RealizedPnL:
        """Realised profit by day between ``since`` and ``until`` (default today), with
        the totals (inquire-period-profit)."""
        return self._run(profit.fetch_realized_pnl(self._ctx, since, until, symbol))

    def fetch_realized_trades(self, since: dt.date | str, until: dt.date | str | None = None,
                              symbol: str | None = None) -> ModelList[RealizedTrade]:
        """Realised profit by day and symbol (inquire-period-trade-profit)."""
        return self._run(profit.fetch_realized_trades(self._ctx, since, until, symbol))
