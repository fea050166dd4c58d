"""training: an exercise's title in the UI's other languages (the instructor's title stays as written)

Revision ID: 0063
Revises: 0056
Create Date: 2026-12-08 02:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0063"
down_revision = "0056"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("training_exercises") as batch:
        batch.add_column(sa.Column("titles", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("training_exercises") as batch:
        batch.drop_column("titles")
