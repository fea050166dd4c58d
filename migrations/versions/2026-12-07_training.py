"""Training: worlds, cases, exercises, attempts, decisions, threat projections.

Revision ID: 0035
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import clearway.db

revision = "0035"
down_revision = "0026"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, clearway.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "training_worlds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("per_day", sa.Integer(), nullable=False),
        sa.Column("case_count", sa.Integer(), nullable=False),
        _at("created_at"), _at("reset_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_worlds")),
        sa.UniqueConstraint("cohort", name=op.f("uq_training_worlds_cohort")),
    )
    op.create_table(
        "training_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("world_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        _at("lodged_at"),
        sa.Column("declarant", sa.String(length=17), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("fraud_kind", sa.String(length=24), nullable=True),
        sa.Column("truth", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["world_id"], ["training_worlds.id"],
                                name=op.f("fk_training_cases_world_id_training_worlds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_training_cases_reference")),
    )
    op.create_index("ix_training_cases_world_lodged", "training_cases", ["world_id", "lodged_at"])
    op.create_table(
        "training_exercises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("world_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("budget", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        _at("created_at"),
        sa.ForeignKeyConstraint(["world_id"], ["training_worlds.id"],
                                name=op.f("fk_training_exercises_world_id_training_worlds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_exercises")),
    )
    op.create_table(
        "training_exercise_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["exercise_id"], ["training_exercises.id"],
                                name=op.f("fk_training_exercise_items_exercise_id_training_exercises")),
        sa.ForeignKeyConstraint(["case_id"], ["training_cases.id"],
                                name=op.f("fk_training_exercise_items_case_id_training_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_exercise_items")),
        sa.UniqueConstraint("exercise_id", "case_id", name="uq_training_exercise_items_case"),
    )
    op.create_index(op.f("ix_training_exercise_items_exercise_id"), "training_exercise_items", ["exercise_id"])
    op.create_table(
        "training_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("trainee", sa.String(length=64), nullable=False),
        _at("started_at"), _at("finished_at", nullable=True),
        sa.ForeignKeyConstraint(["exercise_id"], ["training_exercises.id"],
                                name=op.f("fk_training_attempts_exercise_id_training_exercises")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_attempts")),
        sa.UniqueConstraint("exercise_id", "trainee", name="uq_training_attempts_trainee"),
    )
    op.create_index(op.f("ix_training_attempts_exercise_id"), "training_attempts", ["exercise_id"])
    op.create_table(
        "training_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        _at("opened_at"), _at("decided_at", nullable=True),
        sa.Column("decision", sa.String(length=8), nullable=True),
        sa.Column("suspected", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(["attempt_id"], ["training_attempts.id"],
                                name=op.f("fk_training_decisions_attempt_id_training_attempts")),
        sa.ForeignKeyConstraint(["item_id"], ["training_exercise_items.id"],
                                name=op.f("fk_training_decisions_item_id_training_exercise_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_decisions")),
        sa.UniqueConstraint("attempt_id", "item_id", name="uq_training_decisions_item"),
    )
    op.create_index(op.f("ix_training_decisions_attempt_id"), "training_decisions", ["attempt_id"])
    op.create_table(
        "training_projections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("mrn", sa.String(length=18), nullable=False),
        sa.Column("case_reference", sa.String(length=32), nullable=False),
        sa.Column("fraud_kind", sa.String(length=24), nullable=True),
        sa.Column("officer", sa.String(length=64), nullable=False),
        sa.Column("office", sa.String(length=8), nullable=False),
        sa.Column("projected_by", sa.String(length=64), nullable=False),
        _at("projected_at"), _at("decided_at", nullable=True),
        sa.Column("decision", sa.String(length=8), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["declaration_id"], ["declarations.id"],
                                name=op.f("fk_training_projections_declaration_id_declarations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_projections")),
        sa.UniqueConstraint("declaration_id", name=op.f("uq_training_projections_declaration_id")),
    )
    op.create_index(op.f("ix_training_projections_officer"), "training_projections", ["officer"])


def downgrade() -> None:
    op.drop_index(op.f("ix_training_projections_officer"), table_name="training_projections")
    op.drop_table("training_projections")
    op.drop_index(op.f("ix_training_decisions_attempt_id"), table_name="training_decisions")
    op.drop_table("training_decisions")
    op.drop_index(op.f("ix_training_attempts_exercise_id"), table_name="training_attempts")
    op.drop_table("training_attempts")
    op.drop_index(op.f("ix_training_exercise_items_exercise_id"), table_name="training_exercise_items")
    op.drop_table("training_exercise_items")
    op.drop_table("training_exercises")
    op.drop_index("ix_training_cases_world_lodged", table_name="training_cases")
    op.drop_table("training_cases")
    op.drop_table("training_worlds")
