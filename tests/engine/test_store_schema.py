"""The store's schema: the alembic migrations build exactly the ORM's tables, on SQLite
and PostgreSQL; opening a database migrates it, once, even when processes race."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import BigInteger, Column, Engine, Integer, MetaData, create_engine, inspect, text

from pykis.engine.store import (
    Base,
    OrderIntent,
    OrderState,
    Store,
    database_url,
    default_database_path,
)
from pykis.models import OrderStatus

TABLES = ("trades", "orders", "fills", "equity_marks")
HEAD = "0004"  # the newest migration


def differences(engine: Engine, metadata: MetaData) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


@pytest.fixture
def another_database(database_url: str, tmp_path: Path, request) -> Callable[[], str]:
    """Another empty database of the same kind as ``database_url``."""
    if database_url.startswith("sqlite"):
        names = iter(range(1, 100))
        return lambda: f"sqlite:///{tmp_path / f'other-{next(names)}.sqlite3'}"
    return request.getfixturevalue("postgres").create_database


def test_the_migrated_schema_is_the_orm_schema(store):
    assert store.revision() == HEAD
    assert differences(store.engine, Base.metadata) == []


def test_the_comparison_notices_a_difference(store):
    """The check above can fail: a changed type and an extra column are both seen."""
    changed = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["trades"].c.entry_price.type = BigInteger()
    changed.tables["fills"].append_column(Column("venue", Integer, nullable=True))
    found = {(d[0] if isinstance(d, tuple) else d[0][0]) for d in differences(store.engine, changed)}
    assert found == {"add_column", "modify_type"}


def test_before_migrating_nothing_is_there(database_url):
    with Store(database_url, migrate=False) as store:
        assert store.revision() is None
        assert sorted(d[0] for d in differences(store.engine, Base.metadata)) == [
            "add_index"] * 7 + ["add_table"] * 4


def _shape(url: str) -> dict[str, tuple]:
    """Everything reflection shows of the three tables."""
    engine = create_engine(url)
    try:
        look = inspect(engine)
        return {table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in look.get_columns(table)],
            sorted((u["name"], tuple(u["column_names"]))
                   for u in look.get_unique_constraints(table)),
            sorted(c["name"] for c in look.get_check_constraints(table)),
            sorted((f["name"], tuple(f["constrained_columns"]), f["referred_table"])
                   for f in look.get_foreign_keys(table)),
            sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                   for i in look.get_indexes(table)),
            look.get_pk_constraint(table)["constrained_columns"],
        ) for table in TABLES}
    finally:
        engine.dispose()


def test_constraints_and_indexes_match_a_schema_made_from_the_orm(store, another_database):
    """What autogenerate does not compare (checks, constraint names) is compared here."""
    made = another_database()
    engine = create_engine(made)
    Base.metadata.create_all(engine)
    engine.dispose()
    migrated, from_orm = _shape(store.url), _shape(made)
    assert migrated == from_orm
    assert "ck_trades_status_matches_quantity" in migrated["trades"][2]
    assert ("uq_orders_broker_order_date_broker_order_id",
            ("broker_order_date", "broker_order_id")) in migrated["orders"][1]


def test_opening_again_does_not_migrate_again(database_url, clock):
    with Store(database_url, clock=clock) as first:
        first.record_intent(OrderIntent("005930", "buy", 1, order_type="market"))
    with Store(database_url, clock=clock) as again:
        again.upgrade()
        assert again.revision() == HEAD
        assert differences(again.engine, Base.metadata) == []
        assert [o.quantity for o in again.unresolved_orders()] == [1]


def test_processes_opening_a_new_database_together_migrate_it_once(another_database):
    # Several rounds, each on a new database: one race lost in a few rounds
    # (SQLite's switch to WAL refusing at once, not waiting) was enough to fail CI.
    for _ in range(8):
        url, start, errors, stores = another_database(), threading.Barrier(4), [], []

        def open_store(url=url, start=start, errors=errors, stores=stores) -> None:
            start.wait()
            try:
                stores.append(Store(url))
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)

        threads = [threading.Thread(target=open_store) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        try:
            assert errors == []
            assert [s.revision() for s in stores] == [HEAD] * 4
        finally:
            for store in stores:
                store.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    with Store(tmp_path / "ledger.sqlite3") as store, store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (tmp_path / "ledger.sqlite3").exists()


def test_the_default_database_is_a_file_in_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("PYKIS_DATA_DIR", str(tmp_path / "data"))
    assert default_database_path() == tmp_path / "data" / "engine.sqlite3"
    with Store() as store:
        assert store.url == f"sqlite:///{tmp_path / 'data' / 'engine.sqlite3'}"
    assert (tmp_path / "data" / "engine.sqlite3").exists()
    monkeypatch.delenv("PYKIS_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_database_path() == tmp_path / "xdg" / "pykis" / "engine.sqlite3"


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("ledger.db", "sqlite:///ledger.db"),
        (Path("/var/lib/bot/ledger.db"), "sqlite:////var/lib/bot/ledger.db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
        ("postgresql://bot@db/pykis", "postgresql+psycopg://bot@db/pykis"),
        ("postgres://bot@db/pykis", "postgresql+psycopg://bot@db/pykis"),
        ("postgresql+psycopg://bot@db/pykis", "postgresql+psycopg://bot@db/pykis"),
    ],
)
def test_database_urls(given, url):
    assert database_url(given) == url


def test_a_store_hides_its_password():
    store = Store("postgresql://bot:secret@localhost:1/pykis", migrate=False)
    assert "secret" not in repr(store) and "bot" in repr(store)
    store.close()


def test_a_database_at_the_first_schema_upgrades_with_its_rows(database_url, clock):
    """A ledger written at 0001 keeps its rows through 0002: open trades gain no high
    price (they trail from their entry until a new high is seen)."""
    with Store(database_url, clock=clock, migrate=False) as old:
        old.upgrade("0001")
        assert old.revision() == "0001"
    with Store(database_url, clock=clock, migrate=False) as old_rows, \
            old_rows.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO trades (id, strategy, ticker, market, kind, trade_status, quantity, "
            "open_quantity, entry_price, buy_value, sell_value, open_cost, open_fees, fees, "
            "tax, pnl, realized_basis, entry_reason, opened_at, updated_at) VALUES (1, '', "
            "'005930', 'KOSPI', 'STOCK', 'OPEN', 3, 3, '70000.0000', 210000, 0, 210000, 31, "
            "31, 0, 0, 0, '', '2026-03-03 01:30:00', '2026-03-03 01:30:00')"
            if connection.dialect.name == "sqlite" else
            "INSERT INTO trades (id, strategy, ticker, market, kind, trade_status, quantity, "
            "open_quantity, entry_price, buy_value, sell_value, open_cost, open_fees, fees, "
            "tax, pnl, realized_basis, entry_reason, opened_at, updated_at) VALUES (1, '', "
            "'005930', 'KOSPI', 'STOCK', 'OPEN', 3, 3, 70000, 210000, 0, 210000, 31, 31, 0, "
            "0, 0, '', now(), now())")
    with Store(database_url, clock=clock) as upgraded:
        assert upgraded.revision() == HEAD
        [trade] = upgraded.open_trades()
        assert (trade.ticker, trade.open_quantity, trade.high_price) == ("005930", 3, None)
        assert upgraded.mark_high(trade.id, 71_000) == 71_000
        assert upgraded.mark_high(trade.id, 70_500) == 71_000
        assert upgraded.get_trade(trade.id).high_price == 71_000


def test_the_opening_equity_of_a_day_is_the_first_one_recorded(store):
    day = dt.date(2026, 3, 3)
    assert store.opening_equity(day, 10_000_000) == 10_000_000
    assert store.opening_equity(day, 9_000_000) == 10_000_000
    assert store.opening_equity(day + dt.timedelta(days=1), 9_000_000) == 9_000_000


def test_reads_never_wait_for_a_writer(store):
    """A monitor loop reads while another process writes: its reads must not queue
    behind the write lock (SQLite) or row locks (PostgreSQL)."""
    store.record_intent(OrderIntent("005930", "buy", 1, order_type="market"))
    holding, released = threading.Event(), threading.Event()
    waited: list[bool] = []

    def writer() -> None:
        with store.transaction() as session:
            session.execute(text("UPDATE orders SET reason = 'held'"))
            holding.set()
            waited.append(not released.wait(10))  # True: the read never came back

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(10)
    [order] = store.unresolved_orders()  # reads the last committed state
    assert order.reason == ""
    released.set()
    thread.join(15)
    assert waited == [False]
    assert store.get_order(order.id).reason == "held"


def test_a_cancelled_order_of_0002_reads_canceled_after_0003(database_url, clock):
    """0003 respells the state as the client's OrderStatus does; down again restores it."""
    with Store(database_url, clock=clock, migrate=False) as old:
        old.upgrade("0002")
        old.record_intent(OrderIntent("005930", "buy", 1, order_type="market"))
        with old.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE orders SET state = 'cancelled'")
    with Store(database_url, clock=clock) as upgraded:
        [order] = upgraded.orders()
        assert order.state == "canceled" == OrderState.CANCELED == OrderStatus.CANCELED
        upgraded.downgrade("0002")
        with upgraded.engine.begin() as connection:
            states = connection.exec_driver_sql("SELECT state FROM orders").scalars().all()
        assert states == ["cancelled"]


def test_prices_in_a_sqlite_ledger_are_numbers_a_reader_can_use(tmp_path, clock) -> None:
    """The seed's reader queries the trades table with SQL: the prices must come back as
    numbers (and sort as numbers), from a new ledger and from one made before 0004."""
    path = tmp_path / "old.sqlite3"
    with Store(path, clock=clock, migrate=False) as old:
        old.upgrade("0003")
        with old.engine.begin() as connection:
            for id_, price in ((1, "9500.5000"), (2, "70000.0000")):
                connection.exec_driver_sql(
                    "INSERT INTO trades (id, strategy, ticker, market, kind, trade_status, "
                    "quantity, open_quantity, entry_price, buy_value, sell_value, open_cost, "
                    "open_fees, fees, tax, pnl, realized_basis, entry_reason, opened_at, "
                    f"updated_at) VALUES ({id_}, '', '005930', 'KOSPI', 'STOCK', 'OPEN', 1, "
                    f"1, '{price}', 1, 0, 1, 0, 0, 0, 0, 0, '', '2026-03-03 01:30:00', "
                    "'2026-03-03 01:30:00')")
    with Store(path, clock=clock) as upgraded:
        assert [t.entry_price for t in upgraded.open_trades()] == [Decimal("9500.5000"),
                                                                   Decimal("70000.0000")]
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT ticker, entry_price, quantity FROM trades WHERE "
                          "trade_status = 'OPEN' ORDER BY entry_price DESC").fetchall()
    assert rows == [("005930", 70000, 1), ("005930", 9500.5, 1)]
