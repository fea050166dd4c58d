"""intelligence: derived items with an expiry (time-boxed enhanced controls lifted automatically), automatic
outcomes from control findings, attachment sizes and uploaders, CEN-shaped seizure records, scan watermarks

Revision ID: 0048
Revises: 0044
Create Date: 2026-12-07 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0048"
down_revision = "0044"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intel_derived", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alert_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=10), nullable=False, server_default="active"))
        batch_op.add_column(sa.Column("expires_at", clearway.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("lifted_at", clearway.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("lifted_by", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_intel_derived_due", ["status", "expires_at"], unique=False)
        batch_op.create_index("ix_intel_derived_alert_id", ["alert_id"], unique=False)
    with op.batch_alter_table("intel_outcomes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("automatic", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("task_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("intel_attachments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("size", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("uploaded_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("uploaded_at", clearway.db.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "intel_scan_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_intel_scan_state")),
    )
    op.create_table(
        "intel_seizures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("marking", sa.String(length=12), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("originator_org", sa.String(length=17), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_seizures")),
        sa.UniqueConstraint("reference", name=op.f("uq_intel_seizures_reference")),
        sa.UniqueConstraint("case_id", name=op.f("uq_intel_seizures_case_id")),
    )


def downgrade() -> None:
    op.drop_table("intel_seizures")
    op.drop_table("intel_scan_state")
    with op.batch_alter_table("intel_attachments", schema=None) as batch_op:
        batch_op.drop_column("uploaded_at")
        batch_op.drop_column("uploaded_by")
        batch_op.drop_column("size")
    with op.batch_alter_table("intel_outcomes", schema=None) as batch_op:
        batch_op.drop_column("task_id")
        batch_op.drop_column("automatic")
    with op.batch_alter_table("intel_derived", schema=None) as batch_op:
        batch_op.drop_index("ix_intel_derived_alert_id")
        batch_op.drop_index("ix_intel_derived_due")
        batch_op.drop_column("alert_id")
        batch_op.drop_column("lifted_by")
        batch_op.drop_column("lifted_at")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("status")
