"""performance: declaration timelines (TRS milestones) and their refresh watermark

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-26 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

MILESTONES = ("arrival", "lodged", "accepted", "assessed", "risk", "documents_requested", "documents_received",
              "check_done", "inspection_requested", "inspection_started", "inspection_ended", "paid", "released",
              "cleared")


def upgrade() -> None:
    op.create_table(
        "performance_timelines",
        sa.Column("declaration_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=True),
        sa.Column("mode", sa.String(length=1), nullable=True),
        sa.Column("aeo", sa.Boolean(), nullable=False),
        sa.Column("declarant", sa.String(length=17), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("lodged_on", sa.BigInteger(), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=True) for name in MILESTONES],
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("declaration_id", name=op.f("pk_performance_timelines")),
    )
    # Reports filter by lodgement period first, then office.
    op.create_index("ix_performance_timelines_lodged_on_office", "performance_timelines", ["lodged_on", "office"])
    op.create_table(
        "performance_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_state")),
    )


def downgrade() -> None:
    op.drop_table("performance_state")
    op.drop_index("ix_performance_timelines_lodged_on_office", table_name="performance_timelines")
    op.drop_table("performance_timelines")
