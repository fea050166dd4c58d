"""performance rollups: per-month cells with interval sums and duration histograms

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _dimensions() -> list[sa.Column]:
    return [sa.Column("period", sa.String(length=7), nullable=False),
            sa.Column("office", sa.String(length=8), nullable=False),
            sa.Column("channel", sa.String(length=8), nullable=True),
            sa.Column("mode", sa.String(length=1), nullable=True),
            sa.Column("aeo", sa.Boolean(), nullable=False)]


def upgrade() -> None:
    # Left empty: the first refresh sees no digest and builds the rollups from the timelines.
    with op.batch_alter_table("performance_state") as batch:
        batch.add_column(sa.Column("rollup_digest", sa.String(length=64), nullable=True))
    op.create_table(
        "performance_cells",
        sa.Column("cell", sa.String(length=40), nullable=False),
        *_dimensions(),
        sa.Column("timelines", sa.BigInteger(), nullable=False),
        *[sa.Column(name, sa.LargeBinary(), nullable=False) for name in ("checks", "stats", "hist")],
        sa.PrimaryKeyConstraint("cell", name=op.f("pk_performance_cells")),
    )
    op.create_index(op.f("ix_performance_cells_period"), "performance_cells", ["period"])


def downgrade() -> None:
    op.drop_index(op.f("ix_performance_cells_period"), table_name="performance_cells")
    op.drop_table("performance_cells")
    with op.batch_alter_table("performance_state") as batch:
        batch.drop_column("rollup_digest")
