"""Training: exercise kinds and levels, classification answers, certificates, certification gates, projection injection rates.

Revision ID: 0051
Revises: 0050
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0051"
down_revision = "0050"
branch_labels = None
depends_on = None


def _at(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, clearway.db.UTCDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("training_exercises") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="targeting"))
        batch.add_column(sa.Column("level", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("training_decisions") as batch:
        batch.add_column(sa.Column("answer", sa.String(length=10), nullable=True))
    op.create_table(
        "training_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        _at("awarded_at"),
        _at("expires_at"),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("holder", "role", "level", name="uq_training_certificates_holder"),
    )
    op.create_index("ix_training_certificates_holder", "training_certificates", ["holder"])
    op.create_table(
        "training_gates",
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        _at("set_at"),
        sa.PrimaryKeyConstraint("action"),
    )
    op.create_table(
        "training_injection_rates",
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("per_day", sa.Integer(), nullable=False),
        sa.Column("cohort", sa.String(length=64), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        _at("set_at"),
        sa.PrimaryKeyConstraint("office"),
    )


def downgrade() -> None:
    op.drop_table("training_injection_rates")
    op.drop_table("training_gates")
    op.drop_index("ix_training_certificates_holder", table_name="training_certificates")
    op.drop_table("training_certificates")
    with op.batch_alter_table("training_decisions") as batch:
        batch.drop_column("answer")
    with op.batch_alter_table("training_exercises") as batch:
        batch.drop_column("level")
        batch.drop_column("kind")
