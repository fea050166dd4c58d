"""crisis: emergency profile effects and public notices, decisions taken under a profile, provisioned post nodes

Revision ID: 0034
Revises: 0035
Create Date: 2026-12-07 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0034"
down_revision = "0035"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("crisis_emergency_profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effect", sa.String(length=16), server_default="lighter", nullable=False))
        batch_op.add_column(sa.Column("public", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("notice", sa.JSON(), nullable=True))
    op.create_table(
        "crisis_emergency_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("mrn", sa.String(length=40), nullable=False),
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("effect", sa.String(length=16), nullable=False),
        sa.Column("channel_before", sa.String(length=8), nullable=False),
        sa.Column("channel_after", sa.String(length=8), nullable=False),
        sa.Column("post_clearance_audit", sa.Boolean(), nullable=False),
        sa.Column("decided_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["crisis_emergency_profiles.id"],
                                name=op.f("fk_crisis_emergency_decisions_profile_id_crisis_emergency_profiles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crisis_emergency_decisions")),
        sa.UniqueConstraint("profile_id", "declaration_id", name=op.f("uq_crisis_emergency_decisions_profile_id")),
    )
    with op.batch_alter_table("crisis_emergency_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crisis_emergency_decisions_profile_id"), ["profile_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_crisis_emergency_decisions_declaration_id"), ["declaration_id"],
                              unique=False)
    op.create_table(
        "crisis_nodes",
        sa.Column("post", sa.String(length=8), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("snapshot_hash", sa.String(length=80), nullable=False),
        sa.Column("provisioned_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reconciled_at", clearway.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("post", name=op.f("pk_crisis_nodes")),
    )


def downgrade() -> None:
    op.drop_table("crisis_nodes")
    with op.batch_alter_table("crisis_emergency_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crisis_emergency_decisions_declaration_id"))
        batch_op.drop_index(batch_op.f("ix_crisis_emergency_decisions_profile_id"))
    op.drop_table("crisis_emergency_decisions")
    with op.batch_alter_table("crisis_emergency_profiles", schema=None) as batch_op:
        batch_op.drop_column("notice")
        batch_op.drop_column("public")
        batch_op.drop_column("effect")
