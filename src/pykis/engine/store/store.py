"""The store: a database of trades, orders and fills behind explicit transactions.

    store = Store()                                     # SQLite file, migrated on open
    store = Store("postgresql+psycopg://bot@db/pykis")   # any SQLAlchemy URL

    order = store.record_intent(OrderIntent("005930", "buy", 10, limit_price=70_000))
    store.mark_sent(order.id)                           # committed before sending

Each method of :class:`Store` is one committed transaction; several steps that must
stand or fall together use the functions of :mod:`.orders`, :mod:`.fills` and
:mod:`.trades` inside ``with store.transaction() as session:``. Rows come back detached:
their columns stay readable after the commit, their relationships (``order.fills``) load
only inside a transaction, and changing them changes nothing in the database.

SQLite: WAL, foreign keys on, and every transaction that writes begins IMMEDIATE, so
that a read-then-write (a sale checked against the shares held) cannot interleave with
another process's; the methods that only read use a connection of their own whose
transactions begin DEFERRED, so that they never wait for a writer (WAL lets them read
the last committed state meanwhile). PostgreSQL: rows are locked FOR UPDATE.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Self

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from pykis.engine.store import fills as _fills
from pykis.engine.store import marks as _marks
from pykis.engine.store import orders as _orders
from pykis.engine.store import trades as _trades
from pykis.engine.store.columns import aware
from pykis.engine.store.locks import DecisionLocks
from pykis.engine.store.orders import OrderIntent
from pykis.engine.store.reads import RowReader
from pykis.engine.store.schema import Fill, Order, Trade
from pykis.engine.store.states import FillSource, TradeStatus
from pykis.exceptions import InvalidInputError
from pykis.market import TradeCosts, TradingCosts

__all__ = ["Store", "database_url", "default_database_path"]

MIGRATIONS = "pykis.engine:migrations"
# Any constant: the key of the advisory lock that makes concurrent upgrades take turns.
_UPGRADE_LOCK = 0x70_6B_69_73
# How long SQLite waits for another connection's lock before giving up.
_SQLITE_BUSY_MS = 30_000
_SQLITE_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def default_database_path() -> Path:
    """``PYKIS_DATA_DIR``, else ``$XDG_DATA_HOME/pykis``, else ``~/.local/share/pykis``,
    then ``engine.sqlite3``: a ledger is data to keep, not a cache."""
    if os.environ.get("PYKIS_DATA_DIR"):
        folder = Path(os.environ["PYKIS_DATA_DIR"]).expanduser()
    else:
        folder = Path(os.environ.get("XDG_DATA_HOME") or "~/.local/share").expanduser() / "pykis"
    return folder / "engine.sqlite3"


def database_url(target: str | os.PathLike[str] | None = None) -> str:
    """A SQLAlchemy URL from a URL, a file path (SQLite) or None (the default file)."""
    if target is None:
        target = default_database_path()
    if isinstance(target, os.PathLike) or (isinstance(target, str) and "://" not in target):
        path = Path(target).expanduser()
        if not str(path):
            raise InvalidInputError("url", target, "a database URL or a file path")
        return f"sqlite:///{path}"
    if not isinstance(target, str):
        raise InvalidInputError("url", target, "a database URL or a file path")
    # psycopg 3 is the driver the "postgres" extra installs; a bare URL means it.
    for bare in ("postgresql://", "postgres://"):
        if target.startswith(bare):
            return "postgresql+psycopg://" + target[len(bare):]
    return target


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Store:
    """Trades, orders and fills in a database; see the module docstring."""

    def __init__(self, url: str | os.PathLike[str] | None = None, *, migrate: bool = True,
                 costs: TradingCosts | None = None,
                 clock: Callable[[], dt.datetime] = _utc_now, echo: bool = False) -> None:
        self.url = database_url(url)
        self.costs = costs or TradingCosts()
        self.clock = clock
        self.engine = _engine(self.url, echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_engine = _engine(self.url, echo, reads=True) \
            if _own_reader(self.engine) else self.engine
        self._read_sessions = sessionmaker(self._read_engine, expire_on_commit=False)
        self._decisions = DecisionLocks(self.engine)
        if migrate:
            self.upgrade()

    def decision_lock(self, account: str, timeout: float = 60.0):
        """A context in which ``account``'s decision is the only one under way, across
        threads, processes and (PostgreSQL) machines sharing this database; see
        :mod:`.locks`. Raises ``DecisionLockError`` after ``timeout`` seconds."""
        return self._decisions.hold(account, timeout)

    def now(self) -> dt.datetime:
        """The store's clock (aware: a naive time's zone would be a guess)."""
        return aware(self.clock(), "clock")

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()
        self._read_engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on leaving, rolled back on an error."""
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only: on SQLite it never waits for a writer."""
        with self._read_sessions.begin() as session:
            yield session

    @contextmanager
    def _rows(self) -> Iterator[RowReader]:
        """What the methods below read with: :meth:`reading`'s transaction without its
        session (see :mod:`.reads`); their rows come back detached all the same."""
        with self._read_engine.begin() as connection:
            yield RowReader(connection)

    # ------------------------------------------------------------------ migrations

    def upgrade(self, revision: str = "head") -> None:
        """Apply the migrations up to ``revision`` (processes starting together take turns)."""
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": _UPGRADE_LOCK})
            command.upgrade(_alembic_config(connection), revision)

    def downgrade(self, revision: str) -> None:
        """Undo the migrations after ``revision`` (to go back to an older PyKIS)."""
        with self.engine.begin() as connection:
            command.downgrade(_alembic_config(connection), revision)

    def revision(self) -> str | None:
        """The migration the database is at (None before the first)."""
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    # ------------------------------------------------------------------ orders

    def record_intent(self, intent: OrderIntent) -> Order:
        with self.transaction() as session:
            return _orders.record_intent(session, intent, self.now())

    def mark_sent(self, order_id: int) -> Order:
        with self.transaction() as session:
            return _orders.mark_sent(session, order_id, self.now())

    def mark_dropped(self, order_id: int, reason: str) -> Order:
        with self.transaction() as session:
            return _orders.mark_dropped(session, order_id, reason, self.now())

    def mark_accepted(self, order_id: int, broker_order_id: str, org_no: str,
                      order_date: dt.date | None = None) -> Order:
        with self.transaction() as session:
            return _orders.mark_accepted(session, order_id, broker_order_id, org_no,
                                         self.now(), order_date)

    def mark_adopted(self, order_id: int, broker_order_id: str, org_no: str,
                     order_date: dt.date) -> Order:
        """A refused order that KIS booked after all; see :func:`.orders.mark_adopted`."""
        with self.transaction() as session:
            return _orders.mark_adopted(session, order_id, broker_order_id, org_no,
                                        self.now(), order_date)

    def refused_after_sending(self, since: dt.datetime) -> list[Order]:
        with self._rows() as session:
            return _orders.refused_after_sending(session, since)

    def traded_tickers(self) -> set[str]:
        with self._rows() as session:
            return _orders.traded_tickers(session)

    def mark_rejected(self, order_id: int, error: str) -> Order:
        with self.transaction() as session:
            return _orders.mark_rejected(session, order_id, error, self.now())

    def mark_unknown(self, order_id: int, error: str) -> Order:
        with self.transaction() as session:
            return _orders.mark_unknown(session, order_id, error, self.now())

    def mark_canceled(self, order_id: int, error: str | None = None) -> Order:
        with self.transaction() as session:
            return _orders.mark_canceled(session, order_id, self.now(), error)

    def record_broker_report(self, order_id: int, *, status: str, filled_quantity: int,
                             average_price: Decimal | int | None) -> Order:
        """What KIS last said of the order, kept beside the engine's own view."""
        with self.transaction() as session:
            return _orders.record_broker_report(
                session, order_id, status=status, filled_quantity=filled_quantity,
                average_price=average_price, at=self.now())

    def get_order(self, order_id: int) -> Order:
        with self._rows() as session:
            return _orders.get_order(session, order_id)

    def find_order(self, client_order_id: str) -> Order | None:
        with self._rows() as session:
            return _orders.find_order(session, client_order_id)

    def find_broker_order(self, broker_order_id: str, order_date: dt.date) -> Order | None:
        with self._rows() as session:
            return _orders.find_broker_order(session, broker_order_id, order_date)

    def working_orders(self, ticker: str | None = None) -> list[Order]:
        with self._rows() as session:
            return _orders.working_orders(session, ticker=ticker)

    def unresolved_orders(self) -> list[Order]:
        with self._rows() as session:
            return _orders.unresolved_orders(session)

    def active_orders(self, ticker: str | None = None) -> list[Order]:
        with self._rows() as session:
            return _orders.active_orders(session, ticker=ticker)

    def orders_of_trade(self, trade_id: int) -> list[Order]:
        with self._rows() as session:
            return _orders.orders_of_trade(session, trade_id)

    def broker_order_ids(self, days: list[dt.date]) -> set[tuple[dt.date, str]]:
        with self._rows() as session:
            return _orders.broker_order_ids(session, days)

    def orders(self, *, since: dt.datetime | None = None) -> list[Order]:
        """Every order, oldest first; ``since`` keeps those created at or after it."""
        with self._rows() as session:
            return _orders.all_orders(session, since=since)

    # ------------------------------------------------------------------ fills

    def record_fill(self, order_id: int, *, key: str, quantity: int, price: int,
                    filled_at: dt.datetime, source: FillSource = FillSource.NOTICE,
                    charged: TradeCosts | None = None) -> Fill | None:
        """Record one execution (None if ``key`` is already recorded); see
        :func:`.fills.record_fill`."""
        with self.transaction() as session:
            return _fills.record_fill(session, order_id, key=key, quantity=quantity,
                                      price=price, filled_at=filled_at,
                                      recorded_at=self.now(), source=source,
                                      costs=self.costs, charged=charged)

    def sync_fills(self, order_id: int, *, total_quantity: int, total_value: int,
                   filled_at: dt.datetime, source: FillSource = FillSource.REST
                   ) -> Fill | None:
        """Catch up with the broker's cumulative figures; see :func:`.fills.sync_fills`."""
        with self.transaction() as session:
            return _fills.sync_fills(session, order_id, total_quantity=total_quantity,
                                     total_value=total_value, filled_at=filled_at,
                                     recorded_at=self.now(), costs=self.costs, source=source)

    def fills_of(self, order_id: int) -> list[Fill]:
        with self._rows() as session:
            return _fills.fills_of(session, order_id)

    # ------------------------------------------------------------------ trades

    def get_trade(self, trade_id: int) -> Trade:
        with self._rows() as session:
            return _trades.get_trade(session, trade_id)

    def open_trades(self, ticker: str | None = None, strategy: str | None = None
                    ) -> list[Trade]:
        with self._rows() as session:
            return _trades.open_trades(session, ticker=ticker, strategy=strategy)

    def trades(self, *, status: TradeStatus | None = None, ticker: str | None = None,
               strategy: str | None = None, since: dt.datetime | None = None) -> list[Trade]:
        """Trades, oldest first; ``since`` keeps those opened at or after it."""
        with self._rows() as session:
            return _trades.trades(session, status=status, ticker=ticker, strategy=strategy,
                                  since=since)

    def realized_pnl(self, since: dt.datetime, until: dt.datetime) -> int:
        with self._rows() as session:
            return _trades.realized_pnl(session, since, until)

    def total_pnl(self) -> int:
        with self._rows() as session:
            return _trades.total_pnl(session)

    # ------------------------------------------------------------------ marks

    def mark_high(self, trade_id: int, price: int) -> int:
        """The trade's highest price, raised to ``price`` if that is higher."""
        with self.transaction() as session:
            return _marks.mark_high(session, trade_id, price)

    def opening_equity(self, day: dt.date, equity: int) -> int:
        """The equity ``day`` opened with (``equity``, if none is recorded yet)."""
        with self.transaction() as session:
            return _marks.opening_equity(session, day, equity, self.now())


def _alembic_config(connection: Any) -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["connection"] = connection
    return config


def _own_reader(engine: Engine) -> bool:
    """SQLite files get a second engine for reads (an in-memory database would be
    another database there); other databases need none."""
    return engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")


def _engine(url: str, echo: bool, *, reads: bool = False) -> Engine:
    engine = create_engine(url, echo=echo)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin_read if reads else _sqlite_begin)
        if engine.url.database not in (None, "", ":memory:"):
            Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    return engine


def _sqlite_connect(connection: Any, _record: Any) -> None:
    # pysqlite would issue its own deferred BEGIN; the "begin" event issues ours instead.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_MS}")  # wait for others' writes
    _sqlite_wal(cursor)
    cursor.close()


def _sqlite_wal(cursor: Any) -> None:
    """Switch the file to WAL (it stays so), retrying while another connection holds it.

    The switch needs the file to itself and SQLite answers "database is locked" at once
    instead of waiting out the busy timeout, so processes opening a new file together
    would fail; the retry waits up to the same timeout. An in-memory database stays
    "memory", which is why the answer is not checked."""
    deadline = time.monotonic() + _SQLITE_BUSY_MS / 1000
    pause = 0.005
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            # The primary code, under extended ones such as SQLITE_BUSY_RECOVERY.
            busy = (getattr(error, "sqlite_errorcode", -1) & 0xFF) in _SQLITE_BUSY_CODES
            if not busy or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_read(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")  # deferred: takes no write lock
