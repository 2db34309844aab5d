"""The figures traders read, from an equity curve and the round trips.

* Equity is marked at each bar's close: cash plus the shares held at the last close, the
  engine's ``Valuation.equity`` (a sale's costs are not deducted before it happens).
* Returns for Sharpe and Sortino are daily (each trading day's last equity), annualised
  with 252 days and a risk-free rate of 0, and start after the warm-up: the first day that
  closes after the strategy had seen enough prices to decide (a strategy's ``warmup``, in
  ticks per symbol; ``long`` for the moving-average cross), as a flat warm-up would
  flatter the volatility. Sortino's downside deviation is the root mean square of the
  negative daily returns over all days.
* CAGR compounds the total return over the calendar time the data spans (365.25 days a
  year). Maximum drawdown is the deepest fall from a running peak, bar by bar.
* Win rate and profit factor are over closed round trips (net of all costs); exposure is
  the share of bars that end with a position; turnover is the value traded (buys and
  sales) over the mean equity.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

__all__ = ["Metrics", "drawdown", "measure"]

TRADING_DAYS = 252


@dataclass(frozen=True)
class Metrics:
    start_equity: int
    end_equity: int
    total_return: float
    cagr: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: float
    trades: int = 0
    win_rate: float | None = None
    profit_factor: float | None = None
    exposure: float | None = None
    turnover: float | None = None
    commission: int = 0
    tax: int = 0

    @property
    def costs(self) -> int:
        """Commission and taxes paid."""
        return self.commission + self.tax

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "costs": self.costs}


def drawdown(equity: pd.Series) -> pd.Series:
    """The fall from the running peak at each point, as a fraction (0 or negative)."""
    peak = equity.cummax()
    return equity / peak - 1


def _ratio(value: float) -> float | None:
    return None if not math.isfinite(value) else float(value)


def _daily(equity: pd.Series, after: pd.Timestamp | None, start: int) -> pd.Series:
    days = equity.groupby(equity.index.normalize()).last()
    returns = days.pct_change()
    returns.iloc[0] = days.iloc[0] / start - 1 if start > 0 else 0.0  # the first day's
    if after is not None:
        returns = returns[returns.index > after.normalize()]
    return returns


def _sharpe_sortino(returns: pd.Series) -> tuple[float | None, float | None]:
    if len(returns) < 2:
        return None, None
    values = returns.to_numpy(dtype=float)
    scale = math.sqrt(TRADING_DAYS)
    std = values.std(ddof=1)
    sharpe = _ratio(values.mean() / std * scale) if std > 0 else None
    downside = math.sqrt(float(np.mean(np.minimum(values, 0) ** 2)))
    sortino = _ratio(values.mean() / downside * scale) if downside > 0 else None
    return sharpe, sortino


def measure(equity: pd.Series, *, start: int | None = None,
            warmup_end: pd.Timestamp | None = None,
            trades: pd.DataFrame | None = None, fills: pd.DataFrame | None = None,
            exposure: float | None = None) -> Metrics:
    """The figures of ``equity`` (a bar-by-bar curve, from ``start`` KRW: default its
    first value) and, for a strategy, its round ``trades`` and ``fills``."""
    start = int(equity.iloc[0]) if start is None else start
    end = int(equity.iloc[-1])
    total = end / start - 1 if start > 0 else 0.0
    years = (equity.index[-1] - equity.index[0]).total_seconds() / (365.25 * 86400)
    cagr = _ratio((1 + total) ** (1 / years) - 1) if years > 0 and total > -1 else None
    sharpe, sortino = _sharpe_sortino(_daily(equity, warmup_end, start))
    result = dict(start_equity=start, end_equity=end, total_return=float(total), cagr=cagr,
                  sharpe=sharpe, sortino=sortino,
                  max_drawdown=float(drawdown(equity).min()))
    if trades is not None and fills is not None:
        pnl = trades["pnl"] if len(trades) else pd.Series(dtype="int64")
        wins, losses = pnl[pnl > 0].sum(), -pnl[pnl < 0].sum()
        traded = int((fills["quantity"] * fills["price"]).sum()) if len(fills) else 0
        result.update(
            trades=len(trades), win_rate=float((pnl > 0).mean()) if len(pnl) else None,
            profit_factor=float(wins / losses) if losses > 0 else None,
            exposure=exposure, turnover=float(traded / equity.mean()),
            commission=int(fills["commission"].sum()) if len(fills) else 0,
            tax=int(fills["tax"].sum()) if len(fills) else 0)
    return Metrics(**result)
