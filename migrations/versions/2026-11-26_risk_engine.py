"""risk engine: rules and versions, watchlists, model registry, selection settings, decisions

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-26 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

SHARE = sa.Numeric(6, 5)


def _stamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, clearway.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "risk_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("active_version", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _stamp("created_at"), _stamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_rules")),
    )
    op.create_table(
        "risk_rule_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("expression", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("offices", sa.JSON(), nullable=False),
        sa.Column("directions", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _stamp("created_at"),
        sa.ForeignKeyConstraint(["rule_id"], ["risk_rules.id"], name=op.f("fk_risk_rule_versions_rule_id_risk_rules")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_rule_versions")),
        sa.UniqueConstraint("rule_id", "version", name="uq_risk_rule_versions_rule_version"),
    )
    op.create_index(op.f("ix_risk_rule_versions_rule_id"), "risk_rule_versions", ["rule_id"])
    op.create_table(
        "risk_watchlist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("party_id", sa.String(length=35), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        _stamp("expires_at", nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _stamp("created_at"), _stamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_watchlist_entries")),
    )
    op.create_index(op.f("ix_risk_watchlist_entries_kind"), "risk_watchlist_entries", ["kind"])
    op.create_table(
        "risk_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("card", sa.JSON(), nullable=False),
        sa.Column("top_features", sa.JSON(), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        _stamp("registered_at"), _stamp("changed_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_models")),
        sa.UniqueConstraint("version", name=op.f("uq_risk_models_version")),
    )
    op.create_index(op.f("ix_risk_models_status"), "risk_models", ["status"])
    op.create_table(
        "risk_selection_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("direction", sa.String(length=2), nullable=False),
        sa.Column("red_share", SHARE, nullable=False),
        sa.Column("yellow_share", SHARE, nullable=False),
        sa.Column("random_rate", SHARE, nullable=False),
        sa.Column("aeo_random_rate", SHARE, nullable=False),
        sa.Column("aeo_factor", SHARE, nullable=False),
        sa.Column("random_channel", sa.String(length=8), nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        _stamp("thresholds_at", nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        _stamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_selection_settings")),
        sa.UniqueConstraint("office", "direction", name="uq_risk_selection_settings_office_direction"),
    )
    op.create_table(
        "risk_reference_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hs6", sa.String(length=6), nullable=False),
        sa.Column("origin", sa.String(length=2), nullable=False),
        sa.Column("unit_value_kg", sa.Numeric(24, 6), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        _stamp("computed_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_reference_values")),
        sa.UniqueConstraint("hs6", "origin", name="uq_risk_reference_values_hs6_origin"),
    )
    op.create_table(
        "risk_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("direction", sa.String(length=2), nullable=False),
        sa.Column("declarant", sa.String(length=17), nullable=False),
        sa.Column("aeo", sa.Boolean(), nullable=False),
        _stamp("decided_at"),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("random_pick", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("shadow_score", sa.Float(), nullable=True),
        sa.Column("shadow_version", sa.String(length=64), nullable=True),
        sa.Column("rule_hits", sa.JSON(), nullable=False),
        sa.Column("watchlist_hits", sa.JSON(), nullable=False),
        sa.Column("contributions", sa.JSON(), nullable=False),
        sa.Column("rule_errors", sa.JSON(), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["declaration_id"], ["declarations.id"],
                                name=op.f("fk_risk_decisions_declaration_id_declarations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_decisions")),
        sa.UniqueConstraint("declaration_id", name=op.f("uq_risk_decisions_declaration_id")),
    )
    op.create_index(op.f("ix_risk_decisions_decided_at"), "risk_decisions", ["decided_at"])
    op.create_table(
        "risk_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        _stamp("at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_changes")),
    )


def downgrade() -> None:
    for name in ("risk_changes", "risk_decisions", "risk_reference_values", "risk_selection_settings",
                 "risk_models", "risk_watchlist_entries", "risk_rule_versions", "risk_rules"):
        op.drop_table(name)
