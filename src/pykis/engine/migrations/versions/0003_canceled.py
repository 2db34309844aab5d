"""One spelling: an order's state ``cancelled`` becomes ``canceled``, as the client's
``OrderStatus.CANCELED`` (and CCXT) spell it.

Revision ID: 0003
Revises: 0002
Created: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STATES = ("intent", "sent", "accepted", "partially_filled", "filled", "{}", "rejected",
          "unknown", "dropped")


def _respell(old: str, new: str) -> None:
    with op.batch_alter_table("orders") as orders:
        orders.drop_constraint(op.f("ck_orders_state"), type_="check")
    op.execute(f"UPDATE orders SET state = '{new}' WHERE state = '{old}'")
    allowed = ", ".join(f"'{state.format(new)}'" for state in STATES)
    with op.batch_alter_table("orders") as orders:
        orders.create_check_constraint(op.f("ck_orders_state"), f"state IN ({allowed})")


def upgrade() -> None:
    _respell("cancelled", "canceled")


def downgrade() -> None:
    _respell("canceled", "cancelled")
