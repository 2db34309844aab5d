"""Backtests: a strategy over stored history, through the live engine's own rules.

The monitor's ``Strategy`` classes run tick by tick over the ticks made from each bar
(``pykis.history.ticks``, the same ticks the replaying simulator streams), and their
signals go through the engine's sizing, tick grid, price limits, sessions, costs (the
dated sale tax) and risk exits, on a simulated clock, with no network. Fills follow a
documented, conservative model (:mod:`pykis.backtest.fills`). ``sweep`` runs a grid of
parameters on all cores or on a Dask cluster (:mod:`pykis.backtest.sweep`).
"""

try:  # pandas (and for reports plotly): the "research" extra
    import pandas  # noqa: F401
except ImportError as error:  # pragma: no cover - only without the extra
    raise ImportError("pykis.backtest needs its extra: pip install 'pykis[research]'"
                      ) from error

from pykis.backtest.core import Backtest  # noqa: E402
from pykis.backtest.metrics import Metrics  # noqa: E402
from pykis.backtest.results import BacktestResult  # noqa: E402
from pykis.backtest.sweep import SweepResult, parse_grid, sweep  # noqa: E402

__all__ = ["Backtest", "BacktestResult", "Metrics", "SweepResult", "parse_grid", "sweep"]
