"""exchange: mirror checks on whichever arrives second (imports' references kept), officers' review of a line

Revision ID: 0055
Revises: 0053
Create Date: 2026-12-07 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0055"
down_revision = "0053"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_mirror_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("import_mrn", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("lodged_at", clearway.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("import_mrn", "reference", name="uq_exchange_mirror_imports"),
    )
    op.create_index(op.f("ix_exchange_mirror_imports_reference"), "exchange_mirror_imports", ["reference"])
    with op.batch_alter_table("exchange_mirror_checks") as batch:
        batch.add_column(sa.Column("found_on", sa.String(length=6), nullable=False, server_default="import"))
        batch.add_column(sa.Column("review", sa.String(length=12), nullable=False, server_default="open"))
        batch.add_column(sa.Column("reviewed_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("reviewed_at", clearway.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("review_note", sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exchange_mirror_checks") as batch:
        batch.drop_column("review_note")
        batch.drop_column("reviewed_at")
        batch.drop_column("reviewed_by")
        batch.drop_column("review")
        batch.drop_column("found_on")
    op.drop_index(op.f("ix_exchange_mirror_imports_reference"), table_name="exchange_mirror_imports")
    op.drop_table("exchange_mirror_imports")
