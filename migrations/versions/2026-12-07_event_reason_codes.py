"""Declaration events carry a reason code and its parameters, so pages say the reason in the reader's language.

Older rows keep their English `reason` text (shown as it is); new events also have `reason_code`/`reason_params`.

Revision ID: 0040
Revises: 0042
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0042"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("declaration_events") as batch:
        batch.add_column(sa.Column("reason_code", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("reason_params", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("declaration_events") as batch:
        batch.drop_column("reason_params")
        batch.drop_column("reason_code")
