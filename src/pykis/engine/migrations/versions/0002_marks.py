"""The highest price of an open trade (its trailing stop survives a restart), and each
day's opening equity (the daily loss limit survives a restart).

Revision ID: 0002
Revises: 0001
Created: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("trades") as trades:
        trades.add_column(sa.Column("high_price", sa.BigInteger(), nullable=True))
    op.create_table(
        "equity_marks",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("equity", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_equity_marks")),
    )


def downgrade() -> None:
    op.drop_table("equity_marks")
    with op.batch_alter_table("trades") as trades:
        trades.drop_column("high_price")
