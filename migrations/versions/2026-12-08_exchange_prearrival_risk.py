"""exchange: partners' export declarations scored on arrival by our risk engine (channel, score, reasons), or
marked not scored with a coded reason; the control an escalated mirror line opened

Revision ID: 0056
Revises: 0055
Create Date: 2026-12-08 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0056"
down_revision = "0055"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("exchange_prearrivals") as batch:
        batch.add_column(sa.Column("risk_state", sa.String(length=12), nullable=False, server_default="not_scored"))
        batch.add_column(sa.Column("risk_channel", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("risk_score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("risk_reasons", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("risk_detail", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("risk_error", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("scored_at", clearway.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table("exchange_mirror_checks") as batch:
        batch.add_column(sa.Column("control_task_id", sa.Integer(), nullable=True))
    # Received before scoring existed: not scored, and said why.
    op.execute("UPDATE exchange_prearrivals SET risk_error = 'exchange.risk_not_run'")


def downgrade() -> None:
    with op.batch_alter_table("exchange_mirror_checks") as batch:
        batch.drop_column("control_task_id")
    with op.batch_alter_table("exchange_prearrivals") as batch:
        for name in ("scored_at", "risk_error", "risk_detail", "risk_reasons", "risk_score", "risk_channel",
                     "risk_state"):
            batch.drop_column(name)
