"""Resilience: risk decisions flagged degraded; status notices, their updates and traders' subscriptions.

Revision ID: 0032
Revises: 0034
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0032"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("risk_decisions") as batch:
        batch.add_column(sa.Column("degraded", sa.String(length=24), nullable=True))
    op.create_table(
        "ops_status_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("starts_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", clearway.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_status_notices")),
    )
    op.create_index(op.f("ix_ops_status_notices_state"), "ops_status_notices", ["state"])
    op.create_table(
        "ops_status_notice_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["ops_status_notices.id"],
                                name=op.f("fk_ops_status_notice_updates_notice_id_ops_status_notices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_status_notice_updates")),
    )
    op.create_index(op.f("ix_ops_status_notice_updates_notice_id"), "ops_status_notice_updates", ["notice_id"])
    op.create_table(
        "ops_status_subscriptions",
        sa.Column("organisation", sa.String(length=17), nullable=False),
        sa.Column("subscribed_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("organisation", name=op.f("pk_ops_status_subscriptions")),
    )
    op.create_table(
        "ops_heartbeats",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("host", sa.String(length=64), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("beat_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_ops_heartbeats")),
    )


def downgrade() -> None:
    op.drop_table("ops_heartbeats")
    op.drop_table("ops_status_subscriptions")
    op.drop_index(op.f("ix_ops_status_notice_updates_notice_id"), table_name="ops_status_notice_updates")
    op.drop_table("ops_status_notice_updates")
    op.drop_index(op.f("ix_ops_status_notices_state"), table_name="ops_status_notices")
    op.drop_table("ops_status_notices")
    with op.batch_alter_table("risk_decisions") as batch:
        batch.drop_column("degraded")
