"""What a backtest leaves: trades, orders, fills, the equity curve beside a buy-and-hold
benchmark, and the figures (:mod:`.metrics`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pykis.backtest.data import Bars, TickTape
from pykis.backtest.metrics import Metrics, drawdown, measure
from pykis.backtest.runner import Ledger
from pykis.engine.pnl import execution, max_buy_quantity
from pykis.market import KST, InstrumentKind, Market, TradingCosts
from pykis.models import OrderSide

__all__ = ["BacktestResult", "build_result"]


@dataclass
class BacktestResult:
    """``equity`` and ``benchmark``: KRW at each bar's close; ``trades``: closed round
    trips; ``orders`` (refused ones too) and ``fills``; ``metrics`` beside
    ``benchmark_metrics``; ``config``: what ran; ``prices``: each symbol's closes."""

    equity: pd.Series
    benchmark: pd.Series
    trades: pd.DataFrame
    orders: pd.DataFrame
    fills: pd.DataFrame
    metrics: Metrics
    benchmark_metrics: Metrics
    config: dict[str, Any]
    prices: pd.DataFrame
    warmup_end: pd.Timestamp | None = None
    positions: pd.DataFrame = field(default_factory=pd.DataFrame)
    strategy: Any = None  # the run's own copy of the strategy, as it ended

    @property
    def drawdown(self) -> pd.Series:
        return drawdown(self.equity)

    def to_pandas(self) -> pd.DataFrame:
        """The run bar by bar, for a notebook: equity, benchmark, drawdown, and the shares
        held of each symbol (``trades``, ``orders``, ``fills`` are frames already)."""
        frame = pd.DataFrame({"equity": self.equity, "benchmark": self.benchmark,
                              "drawdown": self.drawdown})
        return frame.join(self.positions.add_prefix("shares_"))

    def summary(self) -> pd.DataFrame:
        """The figures of the strategy beside the benchmark's."""
        return pd.DataFrame({"strategy": self.metrics.as_dict(),
                             "buy and hold": self.benchmark_metrics.as_dict()})

    def report(self, path: str | os.PathLike[str]) -> str:
        """Write one self-contained HTML report to ``path`` (returned)."""
        from pykis.backtest.report import write_report

        return write_report(self, path)


def _closes(bars: list[Bars]) -> pd.DataFrame:
    series = {b.symbol: b.frame.set_index("time")["close"] for b in bars if len(b.frame)}
    frame = pd.DataFrame(series).sort_index().ffill()
    return frame.reindex(columns=[b.symbol for b in bars])


def _stepped(index: pd.Index, at: np.ndarray, values: list[int], before: int) -> np.ndarray:
    """A value that changes at bar ``at`` (the last change of a bar wins), held after."""
    if not len(values):
        return np.full(len(index), before, dtype=np.int64)
    last = pd.Series(values, index=at).groupby(level=0).last()
    return last.reindex(range(len(index))).ffill().fillna(before).to_numpy(dtype=np.int64)


def _frames(ledger: Ledger, tape: TickTape) -> tuple[pd.DataFrame, pd.DataFrame]:
    moments, fills = tape.moments, ledger.fills
    fill_frame = pd.DataFrame({
        "time": pd.DatetimeIndex([moments[f.index] for f in fills], dtype=_TIME),
        **{name: [getattr(f, name) for f in fills] for name in _FILL_COLUMNS}})
    fill_frame = fill_frame.rename(columns={"index": "tick"}).drop(columns="tick")
    fill_frame["pnl"] = fill_frame["pnl"].astype("Int64")
    orders = ledger.orders
    order_frame = pd.DataFrame({
        "id": [o.id for o in orders],
        "time": pd.DatetimeIndex([o.time for o in orders], dtype=_TIME),
        "ticker": [o.ticker for o in orders], "side": [o.side for o in orders],
        "type": [o.order_type for o in orders], "quantity": [o.quantity for o in orders],
        "limit_price": pd.array([o.limit_price for o in orders], dtype="Int64"),
        "filled": [o.filled for o in orders],
        "average_price": [sum(q * p for q, p in o.fills) / o.filled if o.filled else None
                          for o in orders],
        "state": [o.state for o in orders], "reason": [o.reason for o in orders],
        "message": [o.message for o in orders]})
    return order_frame, fill_frame


_TIME = pd.DatetimeTZDtype("ns", KST)
_FILL_COLUMNS = ("index", "order", "ticker", "side", "quantity", "price", "commission", "tax",
                 "pnl", "cash", "position")


def _round_trips(ledger: Ledger, tape: TickTape) -> pd.DataFrame:
    """Closed round trips: from the first buy of a position to the sale that empties it."""
    reasons = {o.id: o.reason for o in ledger.orders}
    rows: list[tuple] = []
    open_: dict[str, list] = {}
    for f in ledger.fills:
        # entry index, bought, cost, sold, proceeds, pnl, costs, entry order
        trip = open_.setdefault(f.ticker, [f.index, 0, 0, 0, 0, 0, 0, f.order])
        trip[6] += f.commission + f.tax
        if f.side == "buy":
            trip[1] += f.quantity
            trip[2] += f.quantity * f.price
        else:
            trip[3] += f.quantity
            trip[4] += f.quantity * f.price
            trip[5] += f.pnl
        if f.position == 0:
            del open_[f.ticker]
            rows.append((f.ticker, tape.moments[trip[0]], tape.moments[f.index], trip[1],
                         trip[2] / trip[1], trip[4] / trip[3], trip[5], trip[5] / trip[2],
                         trip[6], reasons.get(trip[7], ""), reasons.get(f.order, "")))
    frame = pd.DataFrame(rows, columns=["ticker", "entry_time", "exit_time", "quantity",
                                        "entry_price", "exit_price", "pnl", "return", "costs",
                                        "entry_reason", "exit_reason"])
    for column in ("entry_time", "exit_time"):
        frame[column] = pd.DatetimeIndex(frame[column], dtype=_TIME)
    return frame


def _benchmark(closes: pd.DataFrame, bars: list[Bars], cash: int, costs: TradingCosts,
               instruments: dict[str, tuple[Market, InstrumentKind]]) -> pd.Series:
    """Buy and hold: the cash split evenly, each symbol bought at its first bar's open
    (whole shares, commission paid), held to the end."""
    held = [b for b in bars if len(b.frame)]
    budget = cash // len(held)
    total = np.full(len(closes), cash, dtype=np.float64)
    for item in held:
        price = int(item.frame["open"].iloc[0])
        market, kind = instruments.get(item.symbol, (Market.KOSPI, InstrumentKind.STOCK))
        quantity = max_buy_quantity(budget, price, kind=kind, costs=costs)
        if not quantity:
            continue
        first_day = item.frame["time"].iloc[0].date()
        bought = execution(OrderSide.BUY, quantity, price, first_day, market=market, kind=kind,
                           costs=costs)
        since = (closes.index >= item.frame["time"].iloc[0])
        value = closes[item.symbol].fillna(0).to_numpy() * quantity
        total += np.where(since, value - bought.value - bought.commission, 0)
    return pd.Series(total, index=closes.index, name="benchmark")


def warmup_end(strategy: Any, tape: TickTape, mask: np.ndarray) -> pd.Timestamp | None:
    """When every symbol had given the strategy its ``warmup`` ticks (in session)."""
    needed = getattr(strategy, "warmup", None)
    if needed is None:
        needed = getattr(strategy, "long", 0)
    if not isinstance(needed, int) or needed <= 0:
        return None
    ends = []
    for index in range(len(tape.symbols)):
        seen = np.flatnonzero(mask & (tape.symbol == index))
        if len(seen) < needed:
            return pd.Timestamp(tape.time[-1], tz="UTC").tz_convert(KST)
        ends.append(tape.time[seen[needed - 1]])
    return pd.Timestamp(max(ends), tz="UTC").tz_convert(KST) if ends else None


def build_result(ledger: Ledger, tape: TickTape, bars: list[Bars], *, strategy: Any,
                 cash: int, costs: TradingCosts,
                 instruments: dict[str, tuple[Market, InstrumentKind]],
                 config: dict[str, Any]) -> BacktestResult:
    closes = _closes(bars)
    index = closes.index
    orders, fills = _frames(ledger, tape)
    at = np.searchsorted(index.asi8 if index.unit == "ns" else index.as_unit("ns").asi8,
                         tape.time[[f.index for f in ledger.fills]], side="right") - 1
    cash_line = _stepped(index, at, [f.cash for f in ledger.fills], cash)
    shares = {}
    for symbol in closes.columns:
        mine = [k for k, f in enumerate(ledger.fills) if f.ticker == symbol]
        shares[symbol] = _stepped(index, at[mine], [ledger.fills[k].position for k in mine], 0)
    positions = pd.DataFrame(shares, index=index)
    value = (positions * closes.fillna(0)).sum(axis=1).to_numpy()
    equity = pd.Series(cash_line + value, index=index, name="equity").astype("int64")
    benchmark = _benchmark(closes, bars, cash, costs, instruments)
    trades = _round_trips(ledger, tape)
    exposure = float((positions > 0).any(axis=1).mean())
    assert ledger.in_session is not None
    warm = warmup_end(strategy, tape, ledger.in_session)
    return BacktestResult(
        equity=equity, benchmark=benchmark, trades=trades, orders=orders, fills=fills,
        metrics=measure(equity, start=cash, warmup_end=warm, trades=trades, fills=fills,
                        exposure=exposure),
        benchmark_metrics=measure(benchmark, start=cash, warmup_end=warm), config=config,
        prices=closes, warmup_end=warm, positions=positions, strategy=strategy)


def config_of(strategy: Any) -> dict[str, Any]:
    """A strategy's name and parameters, for the report."""
    values = {k: v for k, v in vars(strategy).items() if not k.startswith("_") and k != "name"} \
        if hasattr(strategy, "__dict__") else {}
    return {"name": getattr(strategy, "name", type(strategy).__name__),
            **{k: v for k, v in values.items() if isinstance(v, (int, float, str, bool))
               or v is None}}
