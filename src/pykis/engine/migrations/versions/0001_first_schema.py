"""First schema: trades, orders, fills.

Revision ID: 0001
Revises:
Created: 2026-11-21

Migrations are frozen: they spell out their types instead of importing the schema,
which will have moved on.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Exact decimals: NUMERIC on PostgreSQL, decimal text on SQLite (whose NUMERIC is a float).
DECIMAL = sa.Numeric(20, 4).with_variant(sa.String(32), "sqlite")
MOMENT = sa.DateTime(timezone=True)
MONEY = sa.BigInteger()


def _column(name: str, type_: sa.types.TypeEngine[Any], nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, type_, nullable=nullable)


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade() -> None:
    op.create_table(
        "trades",
        _column("id", sa.Integer()),
        _column("strategy", sa.String(64)),
        _column("ticker", sa.String(12)),
        _column("market", sa.String(8)),
        _column("kind", sa.String(8)),
        _column("trade_status", sa.String(8)),
        _column("quantity", sa.Integer()),
        _column("open_quantity", sa.Integer()),
        _column("entry_price", DECIMAL),
        _column("exit_price", DECIMAL, nullable=True),
        *(_column(name, MONEY) for name in ("buy_value", "sell_value", "open_cost", "open_fees",
                                           "fees", "tax", "pnl", "realized_basis")),
        _column("pnl_percent", DECIMAL, nullable=True),
        _column("entry_reason", sa.Text()),
        _column("reason", sa.Text(), nullable=True),
        _column("opened_at", MOMENT),
        _column("closed_at", MOMENT, nullable=True),
        _column("updated_at", MOMENT),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trades")),
        sa.CheckConstraint("trade_status IN ('OPEN', 'CLOSED')",
                           name=op.f("ck_trades_trade_status")),
        sa.CheckConstraint("market IN ('KOSPI', 'KOSDAQ', 'KONEX')", name=op.f("ck_trades_market")),
        sa.CheckConstraint("kind IN ('STOCK', 'ETF', 'ETN')", name=op.f("ck_trades_kind")),
        sa.CheckConstraint("open_quantity >= 0 AND open_quantity <= quantity",
                           name=op.f("ck_trades_open_quantity")),
        sa.CheckConstraint("(trade_status = 'OPEN' AND open_quantity > 0)"
                           " OR (trade_status = 'CLOSED' AND open_quantity = 0)",
                           name=op.f("ck_trades_status_matches_quantity")),
    )
    _indexes("trades", "ticker", "trade_status")

    op.create_table(
        "orders",
        _column("id", sa.Integer()),
        _column("client_order_id", sa.String(40)),
        _column("trade_id", sa.Integer(), nullable=True),
        _column("strategy", sa.String(64)),
        _column("ticker", sa.String(12)),
        _column("market", sa.String(8)),
        _column("kind", sa.String(8)),
        _column("side", sa.String(4)),
        _column("order_type", sa.String(16)),
        _column("time_in_force", sa.String(3), nullable=True),
        _column("quantity", sa.Integer()),
        _column("limit_price", MONEY, nullable=True),
        _column("reason", sa.Text()),
        _column("created_at", MOMENT),
        _column("state", sa.String(16)),
        _column("error", sa.Text(), nullable=True),
        _column("sent_at", MOMENT, nullable=True),
        _column("updated_at", MOMENT),
        _column("filled_quantity", sa.Integer()),
        _column("filled_value", MONEY),
        _column("broker_order_id", sa.String(10), nullable=True),
        _column("broker_order_date", sa.Date(), nullable=True),
        _column("broker_org_no", sa.String(10), nullable=True),
        _column("broker_status", sa.String(16), nullable=True),
        _column("broker_filled_quantity", sa.Integer(), nullable=True),
        _column("broker_average_price", DECIMAL, nullable=True),
        _column("broker_updated_at", MOMENT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.ForeignKeyConstraint(["trade_id"], ["trades.id"],
                                name=op.f("fk_orders_trade_id_trades")),
        sa.UniqueConstraint("client_order_id", name=op.f("uq_orders_client_order_id")),
        sa.UniqueConstraint("broker_order_date", "broker_order_id",
                            name=op.f("uq_orders_broker_order_date_broker_order_id")),
        sa.CheckConstraint("side IN ('buy', 'sell')", name=op.f("ck_orders_side")),
        sa.CheckConstraint(
            "state IN ('intent', 'sent', 'accepted', 'partially_filled', 'filled', "
            "'cancelled', 'rejected', 'unknown', 'dropped')", name=op.f("ck_orders_state")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_orders_quantity")),
        sa.CheckConstraint("limit_price IS NULL OR limit_price > 0",
                           name=op.f("ck_orders_limit_price")),
        sa.CheckConstraint("filled_quantity >= 0 AND filled_quantity <= quantity",
                           name=op.f("ck_orders_filled")),
        sa.CheckConstraint("broker_order_id IS NULL OR broker_order_date IS NOT NULL",
                           name=op.f("ck_orders_broker_order_date")),
        sa.CheckConstraint("side = 'buy' OR trade_id IS NOT NULL",
                           name=op.f("ck_orders_sell_has_trade")),
    )
    _indexes("orders", "state", "ticker", "trade_id")

    op.create_table(
        "fills",
        _column("id", sa.Integer()),
        _column("order_id", sa.Integer()),
        _column("fill_key", sa.String(64)),
        _column("source", sa.String(8)),
        _column("quantity", sa.Integer()),
        _column("price", DECIMAL),
        _column("value", MONEY),
        _column("commission", MONEY),
        _column("tax", MONEY),
        _column("realized_pnl", MONEY, nullable=True),
        _column("filled_at", MOMENT),
        _column("recorded_at", MOMENT),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fills")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"],
                                name=op.f("fk_fills_order_id_orders")),
        sa.UniqueConstraint("order_id", "fill_key", name=op.f("uq_fills_order_id_fill_key")),
        sa.CheckConstraint("source IN ('notice', 'rest')", name=op.f("ck_fills_source")),
        sa.CheckConstraint("quantity > 0 AND value > 0", name=op.f("ck_fills_quantity")),
        sa.CheckConstraint("commission >= 0 AND tax >= 0", name=op.f("ck_fills_costs")),
    )
    _indexes("fills", "filled_at", "order_id")


def downgrade() -> None:
    for table in ("fills", "orders", "trades"):
        op.drop_table(table)
