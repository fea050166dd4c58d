"""intelligence: overdue feedback tasks (a recipient owes an alert's outcome by a date; its originator follows up)

Revision ID: 0054
Revises: 0049
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0054"
down_revision = "0049"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intel_feedback_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("owner_key", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("due_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("raised_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("closed_at", clearway.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_why", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["intel_alerts.id"],
                                name=op.f("fk_intel_feedback_tasks_alert_id_intel_alerts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_feedback_tasks")),
        sa.UniqueConstraint("alert_id", "owner_key", name="uq_intel_feedback_tasks"),
    )
    with op.batch_alter_table("intel_feedback_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intel_feedback_tasks_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index("ix_intel_feedback_tasks_owner", ["owner_key", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("intel_feedback_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_intel_feedback_tasks_owner")
        batch_op.drop_index(batch_op.f("ix_intel_feedback_tasks_alert_id"))
    op.drop_table("intel_feedback_tasks")
