"""Notifications: the event stream's high-water mark and its consumers' lag.

Revision ID: 0026
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0026"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_stream_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("published", sa.Integer(), nullable=False),
        sa.Column("consumers", sa.JSON(), nullable=False),
        sa.Column("updated_at", clearway.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_stream_state")),
    )


def downgrade() -> None:
    op.drop_table("notification_stream_state")
