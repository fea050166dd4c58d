"""Risk selection: the objective each office's model capacity is filled by, and its mix weights.

Revision ID: 0042
Revises: 0033
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0042"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("risk_selection_settings") as batch:
        batch.add_column(sa.Column("objective", sa.String(length=8), server_default="frauds", nullable=False))
        batch.add_column(sa.Column("weight_frauds", sa.Numeric(6, 5), server_default="1", nullable=False))
        batch.add_column(sa.Column("weight_serious", sa.Numeric(6, 5), server_default="0", nullable=False))
        batch.add_column(sa.Column("weight_revenue", sa.Numeric(6, 5), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("risk_selection_settings") as batch:
        for name in ("weight_revenue", "weight_serious", "weight_frauds", "objective"):
            batch.drop_column(name)
