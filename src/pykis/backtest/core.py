"""``Backtest``: a strategy over stored bars, through the live engine's rules.

    from pykis.backtest import Backtest
    from pykis.engine.strategy import MovingAverageCross

    result = Backtest(MovingAverageCross(5, 20), "~/pykis-history", ["005930"],
                      start="2024-01-02", end="2024-06-28").run()
    result.metrics.sharpe, result.trades, result.report("report.html")

    # or the engine's own config file, as `pykis engine run -c bot.toml` reads it:
    result = Backtest.from_config("bot.toml", "~/pykis-history", start="2024-01-02").run()
"""

from __future__ import annotations

import copy
import os
from typing import Any, Self

from pykis.backtest.data import TickTape, as_date, load_bars, make_tape
from pykis.backtest.results import BacktestResult, build_result, config_of
from pykis.backtest.runner import run_tape
from pykis.engine.monitor import SESSIONS
from pykis.engine.risk import RiskLimits
from pykis.engine.strategy import Strategy
from pykis.exceptions import InvalidInputError
from pykis.market import InstrumentKind, Market, TradingCalendar, TradingCosts

__all__ = ["Backtest"]

DEFAULT_BUDGET = 100_000  # the monitor's default budget per position


class Backtest:
    """``strategy`` (any object with ``name`` and ``on_tick``, as the monitor runs) over
    ``data`` (a ``HistoryStore``, its directory, or ``{symbol: DataFrame}``) for
    ``symbols`` from ``start`` to ``end`` (dates, both included), starting with ``cash``
    KRW. ``limits``, ``budget_krw`` and ``sessions`` are the engine's and the monitor's
    settings (``from_config`` reads them from the engine's config file);
    ``instruments``: ``{symbol: (Market, InstrumentKind)}`` where not a KOSPI stock."""

    def __init__(self, strategy: Strategy, data: Any, symbols: list[str] | None = None, *,
                 start: Any = None, end: Any = None, timeframe: str = "1m",
                 cash: int = 10_000_000, limits: RiskLimits | None = None,
                 budget_krw: int = DEFAULT_BUDGET, sessions: str = "regular",
                 costs: TradingCosts | None = None, calendar: TradingCalendar | None = None,
                 instruments: dict[str, tuple[Market, InstrumentKind]] | None = None) -> None:
        if not callable(getattr(strategy, "on_tick", None)) or not isinstance(
                getattr(strategy, "name", None), str):
            raise InvalidInputError("strategy", strategy, "a Strategy: a name and on_tick()")
        for name, value in (("cash", cash), ("budget_krw", budget_krw)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InvalidInputError(name, value, "a whole number of KRW greater than 0")
        if sessions not in SESSIONS:
            raise InvalidInputError("sessions", sessions, f"one of {SESSIONS}")
        if limits is not None and not isinstance(limits, RiskLimits):
            raise InvalidInputError("limits", limits, "None or a RiskLimits")
        self.strategy, self.data, self.symbols = strategy, data, symbols
        self.start, self.end = as_date(start, "start"), as_date(end, "end")
        self.timeframe, self.cash = timeframe, cash
        self.limits = limits or RiskLimits()
        self.budget_krw, self.sessions = budget_krw, sessions
        self.costs = costs or TradingCosts()
        self.calendar = calendar or TradingCalendar()
        self.instruments = {s: (Market(m), InstrumentKind(k))
                            for s, (m, k) in (instruments or {}).items()}
        self._prepared: tuple[list, TickTape] | None = None

    @classmethod
    def from_config(cls, config: Any, data: Any, **options: Any) -> Self:
        """A backtest of the engine's config (an ``EngineConfig`` or its TOML file): its
        symbols, strategy, risk rules, budget and sessions; ``options`` override them."""
        from pykis.engine.config import EngineConfig, load_config

        if isinstance(config, (str, os.PathLike)):
            config = load_config(config)
        if not isinstance(config, EngineConfig):
            raise InvalidInputError("config", config, "an EngineConfig or a TOML file")
        settings: dict[str, Any] = dict(symbols=config.symbols, limits=config.risk.limits(),
                                        budget_krw=config.budget_krw, sessions=config.sessions)
        settings.update(options)
        strategy = settings.pop("strategy", None) or config.strategy.build()
        return cls(strategy, data, **settings)

    def prepare(self) -> tuple[list, TickTape]:
        """Read the bars and make their ticks (once: runs and sweeps reuse them)."""
        if self._prepared is None:
            bars = load_bars(self.data, self.symbols, self.timeframe, self.start, self.end)
            self._prepared = (bars, make_tape(bars, self.timeframe, self.calendar))
        return self._prepared

    def run(self) -> BacktestResult:
        """Run it (a copy of the strategy each time: runs do not share its memory)."""
        bars, tape = self.prepare()
        strategy = copy.deepcopy(self.strategy)
        ledger = run_tape(strategy, tape, {b.symbol: b.previous_close for b in bars}, self.cash,
                          limits=self.limits, budget_krw=self.budget_krw,
                          sessions=self.sessions, costs=self.costs, calendar=self.calendar,
                          instruments=self.instruments)
        return build_result(ledger, tape, bars, strategy=strategy, cash=self.cash,
                            costs=self.costs, instruments=self.instruments,
                            config=self.describe())

    def describe(self) -> dict[str, Any]:
        """What runs, for the report and the JSON output."""
        bars, _ = self.prepare()
        limits = {k: str(v) for k, v in vars(self.limits).items() if v is not None} \
            if hasattr(self.limits, "__dict__") else {
                k: str(getattr(self.limits, k)) for k in self.limits.__slots__
                if getattr(self.limits, k) is not None}
        firsts = [b.frame["time"].iloc[0] for b in bars if len(b.frame)]
        lasts = [b.frame["time"].iloc[-1] for b in bars if len(b.frame)]
        return {"strategy": config_of(self.strategy), "symbols": [b.symbol for b in bars],
                "from": str(min(firsts).date()), "to": str(max(lasts).date()),
                "timeframe": self.timeframe, "cash": self.cash, "budget_krw": self.budget_krw,
                "sessions": self.sessions, "risk": limits,
                "fill model": "recorded trades only (pykis.history.fills): market at the "
                              "next tick's price; limit at the limit, on the next tick if "
                              "marketable when sent, else only when traded through"}
