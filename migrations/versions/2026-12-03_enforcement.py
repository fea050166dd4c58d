"""Enforcement: FIU cases and their leads.

Revision ID: 0018
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0018"
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enforcement_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("marking", sa.String(length=24), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("referred_at", clearway.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.String(length=4000), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_enforcement_cases_reference")),
    )
    op.create_table(
        "enforcement_case_leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("explanation", sa.String(length=1000), nullable=False),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("added_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["enforcement_cases.id"],
                                name=op.f("fk_enforcement_case_leads_case_id_enforcement_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_case_leads")),
    )
    op.create_index("ix_enforcement_case_leads_case", "enforcement_case_leads", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_enforcement_case_leads_case", table_name="enforcement_case_leads")
    op.drop_table("enforcement_case_leads")
    op.drop_table("enforcement_cases")
