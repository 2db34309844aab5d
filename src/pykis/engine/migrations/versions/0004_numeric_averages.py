"""Averages and percentages as numbers on SQLite: the ledger's prices (``entry_price``,
``exit_price``, ``pnl_percent``, the fills' and KIS's average prices) were decimal text
there, which a reader of the file (the seed's ``SELECT ... FROM trades``) got as strings
and SQL sorted as strings. PostgreSQL already has them as ``NUMERIC(20, 4)``.

Revision ID: 0004
Revises: 0003
Created: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = {"trades": ("entry_price", "exit_price", "pnl_percent"),
           "orders": ("broker_average_price",), "fills": ("price",)}


def _retype(new: sa.types.TypeEngine, old: sa.types.TypeEngine) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # NUMERIC(20, 4) already
    for table, columns in COLUMNS.items():
        # Copying the table into its new shape converts each value by the column's
        # affinity: '70000.0000' becomes the number 70000 (and back as text).
        with op.batch_alter_table(table, recreate="always") as batch:
            for column in columns:
                batch.alter_column(column, type_=new, existing_type=old)


def upgrade() -> None:
    _retype(sa.Numeric(20, 4, asdecimal=False), sa.String(32))


def downgrade() -> None:
    _retype(sa.String(32), sa.Numeric(20, 4, asdecimal=False))
