"""bulk imports

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 06:51:28.842279
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


import clearway.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bulk_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=17), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('file_format', sa.String(length=8), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('started_at', clearway.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', clearway.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('declarations', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulk_imports')),
    sa.UniqueConstraint('organisation', 'sha256', name='uq_bulk_imports_organisation_sha256')
    )


def downgrade() -> None:
    op.drop_table('bulk_imports')
