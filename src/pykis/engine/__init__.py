"""The trading engine: orders persisted before they are sent, positions and P&L in a
database, risk rules, reconciliation with KIS, and a monitor loop.

    from pykis.engine import KISTradingEngine, RiskLimits
    engine = KISTradingEngine.from_env("sqlite:///bot.sqlite3")
    engine.reconcile()
    engine.execute_buy_order("005930", amount_krw=100_000)

Modules: :mod:`.engine` (``KISTradingEngine``), :mod:`.api` (``KISAPIClient``),
:mod:`.monitor` (the loop), :mod:`.strategy`, :mod:`.risk`, :mod:`.portfolio`,
:mod:`.pnl`, :mod:`.reconcile`, :mod:`.store` (the database). Needs the ``engine``
extra (SQLAlchemy, alembic).
"""

from pykis.engine.api import KISAPIClient
from pykis.engine.engine import EngineSettings, KISTradingEngine
from pykis.engine.execution import ExecutionSettings
from pykis.engine.monitor import Decision, Monitor, MonitorReport, MonitorSettings
from pykis.engine.results import (
    EngineStatus,
    PositionReport,
    ReconcileReport,
    TradeRecord,
    TradeResult,
)
from pykis.engine.risk import RiskLimits
from pykis.engine.strategy import Buy, Hold, Holding, MovingAverageCross, Sell, Strategy, Tick

__all__ = [
    "Buy",
    "Decision",
    "EngineSettings",
    "EngineStatus",
    "ExecutionSettings",
    "Hold",
    "Holding",
    "KISAPIClient",
    "KISTradingEngine",
    "Monitor",
    "MonitorReport",
    "MonitorSettings",
    "MovingAverageCross",
    "PositionReport",
    "ReconcileReport",
    "RiskLimits",
    "Sell",
    "Strategy",
    "Tick",
    "TradeRecord",
    "TradeResult",
]
