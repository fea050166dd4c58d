"""Training: the documentary check's marks (the check points a trainee marks as discrepancies), and the rules
trainees write in rule-writing exercises.

Revision ID: 0053
Revises: 0054
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0053"
down_revision = "0054"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("point", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["training_attempts.id"]),
        sa.ForeignKeyConstraint(["item_id"], ["training_exercise_items.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("attempt_id", "item_id", "point", name="uq_training_marks_point"),
    )
    op.create_index(op.f("ix_training_marks_attempt_id"), "training_marks", ["attempt_id"])
    op.create_table(
        "training_rules",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("expression", sa.Text(), nullable=False),
        sa.Column("written_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["training_attempts.id"]),
        sa.PrimaryKeyConstraint("attempt_id"),
    )


def downgrade() -> None:
    op.drop_table("training_rules")
    op.drop_index(op.f("ix_training_marks_attempt_id"), table_name="training_marks")
    op.drop_table("training_marks")
