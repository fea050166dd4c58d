"""Border posts: posts and pairs, hours per agency and traffic, exceptions, crossings, alerts, feed, studies.

Revision ID: 0016
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0016"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "border_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("holiday_country", sa.String(length=8), nullable=True),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("lanes", sa.Integer(), nullable=False),
        sa.Column("created_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_border_posts")),
        sa.UniqueConstraint("code", name=op.f("uq_border_posts_code")),
    )
    op.create_table(
        "border_post_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("starts_local", sa.DateTime(), nullable=False),
        sa.Column("ends_local", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["border_posts.id"], name=op.f("fk_border_post_exceptions_post_id_border_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_border_post_exceptions")),
    )
    op.create_index(op.f("ix_border_post_exceptions_post_id"), "border_post_exceptions", ["post_id"], unique=False)
    op.create_table(
        "border_post_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=16), nullable=False),
        sa.Column("traffic", sa.String(length=12), nullable=False),
        sa.Column("rule", sa.String(length=400), nullable=False),
        sa.Column("valid_from", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["border_posts.id"], name=op.f("fk_border_post_hours_post_id_border_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_border_post_hours")),
    )
    op.create_index("ix_border_post_hours_post_valid", "border_post_hours", ["post_id", "valid_from"], unique=False)
    op.create_table(
        "border_post_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("ours_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("service_s", sa.Integer(), nullable=False),
        sa.Column("alert_share", sa.Float(), nullable=False),
        sa.Column("baseline_joint_s", sa.BigInteger(), nullable=True),
        sa.Column("checked_at", clearway.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ours_id"], ["border_posts.id"], name=op.f("fk_border_post_pairs_ours_id_border_posts")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["border_posts.id"], name=op.f("fk_border_post_pairs_partner_id_border_posts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_border_post_pairs")),
        sa.UniqueConstraint("code", name=op.f("uq_border_post_pairs_code")),
    )
    op.create_table(
        "border_crossings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("arrived", sa.BigInteger(), nullable=True),
        sa.Column("exited", sa.BigInteger(), nullable=True),
        sa.Column("entered", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["border_post_pairs.id"], name=op.f("fk_border_crossings_pair_id_border_post_pairs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_border_crossings")),
        sa.UniqueConstraint("pair_id", "reference", name=op.f("uq_border_crossings_pair_id")),
    )
    op.create_index("ix_border_crossings_pair_arrived", "border_crossings", ["pair_id", "arrived"], unique=False)
    op.create_table(
        "border_feed_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("change", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["border_post_pairs.id"], name=op.f("fk_border_feed_versions_pair_id_border_post_pairs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_border_feed_versions")),
        sa.UniqueConstraint("pair_id", "version", name=op.f("uq_border_feed_versions_pair_id")),
    )
    op.create_table(
        "border_hours_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("raised_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cause", sa.String(length=32), nullable=False),
        sa.Column("joint_before_s", sa.BigInteger(), nullable=False),
        sa.Column("joint_after_s", sa.BigInteger(), nullable=False),
        sa.Column("cut_share", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["border_post_pairs.id"], name=op.f("fk_border_hours_alerts_pair_id_border_post_pairs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_border_hours_alerts")),
    )
    op.create_index(op.f("ix_border_hours_alerts_pair_id"), "border_hours_alerts", ["pair_id"], unique=False)
    op.create_table(
        "border_simulations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair_id", sa.Integer(), nullable=False),
        sa.Column("created_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["border_post_pairs.id"], name=op.f("fk_border_simulations_pair_id_border_post_pairs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_border_simulations")),
    )
    op.create_index(op.f("ix_border_simulations_pair_id"), "border_simulations", ["pair_id"], unique=False)
    op.create_table(
        "border_crossing_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crossing_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", clearway.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["crossing_id"],
            ["border_crossings.id"],
            name=op.f("fk_border_crossing_events_crossing_id_border_crossings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_border_crossing_events")),
    )
    op.create_index(
        op.f("ix_border_crossing_events_crossing_id"), "border_crossing_events", ["crossing_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_border_crossing_events_crossing_id"), table_name="border_crossing_events")
    op.drop_table("border_crossing_events")
    op.drop_index(op.f("ix_border_simulations_pair_id"), table_name="border_simulations")
    op.drop_table("border_simulations")
    op.drop_index(op.f("ix_border_hours_alerts_pair_id"), table_name="border_hours_alerts")
    op.drop_table("border_hours_alerts")
    op.drop_table("border_feed_versions")
    op.drop_index("ix_border_crossings_pair_arrived", table_name="border_crossings")
    op.drop_table("border_crossings")
    op.drop_table("border_post_pairs")
    op.drop_index("ix_border_post_hours_post_valid", table_name="border_post_hours")
    op.drop_table("border_post_hours")
    op.drop_index(op.f("ix_border_post_exceptions_post_id"), table_name="border_post_exceptions")
    op.drop_table("border_post_exceptions")
    op.drop_table("border_posts")
