"""intelligence: actions taken on an alert (a declaration or a party targeted and held until an outcome), and
alerts indexed by subject for matching lodgements, their handling keys kept on the row

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intel_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=12), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=True),
        sa.Column("party_id", sa.String(length=17), nullable=True),
        sa.Column("hold", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_org", sa.String(length=17), nullable=False),
        sa.Column("created_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_by", sa.String(length=64), nullable=True),
        sa.Column("lifted_at", clearway.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["intel_alerts.id"], name=op.f("fk_intel_actions_alert_id_intel_alerts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_actions")),
    )
    with op.batch_alter_table("intel_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intel_actions_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index("ix_intel_actions_declaration", ["declaration_id", "status"], unique=False)
        batch_op.create_index("ix_intel_actions_party", ["party_id", "status"], unique=False)
    with op.batch_alter_table("intel_alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handling_keys", sa.JSON(), nullable=True))
        batch_op.create_index("ix_intel_alerts_subject", ["subject_type", "subject_value", "hold_goods", "status"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("intel_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_intel_alerts_subject")
        batch_op.drop_column("handling_keys")
    with op.batch_alter_table("intel_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_intel_actions_party")
        batch_op.drop_index("ix_intel_actions_declaration")
        batch_op.drop_index(batch_op.f("ix_intel_actions_alert_id"))
    op.drop_table("intel_actions")
