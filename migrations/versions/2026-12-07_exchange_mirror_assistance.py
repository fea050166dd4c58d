"""exchange: mirror checks of imports against partners' exports, requests for assistance (WTO TFA art. 12)

Revision ID: 0044
Revises: 0051
Create Date: 2026-12-07 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0044"
down_revision = "0051"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_mirror_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("import_mrn", sa.String(length=40), nullable=False),
        sa.Column("sender", sa.String(length=8), nullable=False),
        sa.Column("export_mrn", sa.String(length=40), nullable=False),
        sa.Column("matched_by", sa.String(length=10), nullable=False),
        sa.Column("gap", sa.Boolean(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("checked_at", clearway.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("import_mrn", "sender", "export_mrn", name="uq_exchange_mirror_checks"),
    )
    op.create_index("ix_exchange_mirror_checks_gap", "exchange_mirror_checks", ["gap", "checked_at"])
    op.create_index(op.f("ix_exchange_mirror_checks_declaration_id"), "exchange_mirror_checks", ["declaration_id"])
    op.create_table(
        "exchange_assistance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner", sa.String(length=8), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("legal_basis", sa.String(length=300), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("deadline", clearway.db.UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("replied_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", clearway.db.UTCDateTime(), nullable=False),
        sa.Column("replied_at", clearway.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("partner", "direction", "reference", name="uq_exchange_assistance_ref"),
    )


def downgrade() -> None:
    op.drop_table("exchange_assistance")
    op.drop_index(op.f("ix_exchange_mirror_checks_declaration_id"), table_name="exchange_mirror_checks")
    op.drop_index("ix_exchange_mirror_checks_gap", table_name="exchange_mirror_checks")
    op.drop_table("exchange_mirror_checks")
