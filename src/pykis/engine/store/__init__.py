"""The engine's database: trades, orders and fills (SQLAlchemy 2, alembic migrations).

SQLite file by default, any SQLAlchemy URL (``postgresql+psycopg://...``) for several
processes or machines. Needs the ``engine`` extra (and ``postgres`` for PostgreSQL).
"""

try:
    import alembic  # noqa: F401
    import sqlalchemy  # noqa: F401
except ImportError as error:  # pragma: no cover - only without the extra
    raise ImportError("pykis.engine.store needs its extra: pip install 'pykis[engine]'"
                      ) from error

from pykis.engine.store.errors import (
    DecisionLockError,
    FillConflictError,
    OrderStateError,
    OversellError,
    StoreError,
)
from pykis.engine.store.orders import OrderIntent
from pykis.engine.store.schema import Base, EquityMark, Fill, Order, Trade
from pykis.engine.store.states import FillSource, OrderState, TradeStatus
from pykis.engine.store.store import Store, database_url, default_database_path

__all__ = [
    "Base",
    "DecisionLockError",
    "EquityMark",
    "Fill",
    "FillConflictError",
    "FillSource",
    "Order",
    "OrderIntent",
    "OrderState",
    "OrderStateError",
    "OversellError",
    "Store",
    "StoreError",
    "Trade",
    "TradeStatus",
    "database_url",
    "default_database_path",
]
