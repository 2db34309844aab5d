"""Alembic environment of the engine's store.

``Store.upgrade()`` hands over its open connection (``config.attributes["connection"]``)
so that the migration runs in the store's transaction and under its lock; alembic's own
command line gets a connection from ``sqlalchemy.url``. SQLite migrations run in batch
mode, since SQLite alters a table by copying it.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, create_engine

from pykis.engine.store.schema import Base


def _configure(**options: Any) -> None:
    context.configure(target_metadata=Base.metadata, compare_type=True, **options)


def _run(connection: Connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    config = context.config
    if context.is_offline_mode():  # SQL script for a DBA: alembic upgrade --sql
        _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as own:
        _run(own)
    engine.dispose()


main()
