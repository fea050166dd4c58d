"""Training tables: the training world (its own cases, never declarations), exercises, attempts, decisions,
and threat projections into the live control queue.

Training cases live in their own table on purpose: nothing that releases goods, takes payment or counts
performance reads it, so a training declaration cannot be released, paid or counted (fail closed by design).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class TrainingWorld(Base):
    """One cohort's training world: seeded from the synthetic generator, reset with one command."""

    __tablename__ = "training_worlds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort: Mapped[str] = mapped_column(String(64), unique=True)
    seed: Mapped[int] = mapped_column(Integer)
    days: Mapped[int] = mapped_column(Integer)
    per_day: Mapped[int] = mapped_column(Integer)
    case_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reset_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TrainingCase(Base):
    """A training declaration: the document as lodged in the training world and its ground truth."""

    __tablename__ = "training_cases"
    __table_args__ = (Index("ix_training_cases_world_lodged", "world_id", "lodged_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    world_id: Mapped[int] = mapped_column(ForeignKey("training_worlds.id"))
    reference: Mapped[str] = mapped_column(String(32), unique=True)  # TRN-<world>-<n>
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    declarant: Mapped[str] = mapped_column(String(17))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    fraud_kind: Mapped[str | None] = mapped_column(String(24), nullable=True)  # None: compliant
    truth: Mapped[dict[str, Any]] = mapped_column(JSON)  # true items, revenue impact (KRW), what was concealed


class Exercise(Base):
    """An instructor's exercise: a set of training cases with known truth and an inspection budget."""

    __tablename__ = "training_exercises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    world_id: Mapped[int] = mapped_column(ForeignKey("training_worlds.id"))
    title: Mapped[str] = mapped_column(String(200))
    # The title in the UI's other languages, where the instructor gave them: locale -> text.
    titles: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    budget: Mapped[int] = mapped_column(Integer)  # how many declarations a trainee may flag for inspection
    kind: Mapped[str] = mapped_column(String(16), default="targeting", server_default="targeting")
    level: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # 1 basic, 2 working, 3 advanced
    status: Mapped[str] = mapped_column(String(12))  # "open" | "closed"
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExerciseItem(Base):
    """One training case in an exercise, in the order trainees see the queue."""

    __tablename__ = "training_exercise_items"
    __table_args__ = (UniqueConstraint("exercise_id", "case_id", name="uq_training_exercise_items_case"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("training_exercises.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("training_cases.id"))
    position: Mapped[int] = mapped_column(Integer)


class Attempt(Base):
    """A trainee working an exercise's queue once: started, finished, and scored from its decisions."""

    __tablename__ = "training_attempts"
    __table_args__ = (UniqueConstraint("exercise_id", "trainee", name="uq_training_attempts_trainee"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("training_exercises.id"), index=True)
    trainee: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Decision(Base):
    """A trainee's decision on one item: opened (inspected) when, flagged or cleared, and the suspected fraud."""

    __tablename__ = "training_decisions"
    __table_args__ = (UniqueConstraint("attempt_id", "item_id", name="uq_training_decisions_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("training_attempts.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("training_exercise_items.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decision: Mapped[str | None] = mapped_column(String(8), nullable=True)  # "flag" | "clear"
    suspected: Mapped[str | None] = mapped_column(String(24), nullable=True)  # the fraud kind the trainee names
    answer: Mapped[str | None] = mapped_column(String(10), nullable=True)  # classification: the HS code given


class Projection(Base):
    """A training declaration projected into an officer's live control queue, and how the officer decided.

    The truth is copied here (not referenced) so resetting a training world never loses a projection's score.
    """

    __tablename__ = "training_projections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), unique=True)
    mrn: Mapped[str] = mapped_column(String(18))
    case_reference: Mapped[str] = mapped_column(String(32))
    fraud_kind: Mapped[str | None] = mapped_column(String(24), nullable=True)
    officer: Mapped[str] = mapped_column(String(64), index=True)
    office: Mapped[str] = mapped_column(String(8))
    projected_by: Mapped[str] = mapped_column(String(64))
    projected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decision: Mapped[str | None] = mapped_column(String(8), nullable=True)  # "flag" | "clear"
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # hit | miss | false_alarm | correct


class Certificate(Base):
    """A certificate of one role at one level, awarded from the trainee's passed exercises; valid for a year."""

    __tablename__ = "training_certificates"
    __table_args__ = (UniqueConstraint("holder", "role", "level", name="uq_training_certificates_holder"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))  # the curriculum certified: officer | analyst
    level: Mapped[int] = mapped_column(Integer)
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    evidence: Mapped[list[Any]] = mapped_column(JSON)  # the passed attempts' exercise ids


class Gate(Base):
    """A sensitive production action that requires a certificate (the administration's choice; none: off)."""

    __tablename__ = "training_gates"

    action: Mapped[str] = mapped_column(String(32), primary_key=True)  # release.red | risk.rule_write | ...
    role: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InjectionRate(Base):
    """How many training cases the worker projects into an office's live queue per day, and from which world."""

    __tablename__ = "training_injection_rates"

    office: Mapped[str] = mapped_column(String(8), primary_key=True)
    per_day: Mapped[int] = mapped_column(Integer)
    cohort: Mapped[str] = mapped_column(String(64))
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Mark(Base):
    """A check point a trainee marks as a discrepancy in a documentary check (one row per point marked)."""

    __tablename__ = "training_marks"
    __table_args__ = (UniqueConstraint("attempt_id", "item_id", "point", name="uq_training_marks_point"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("training_attempts.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("training_exercise_items.id"))
    point: Mapped[str] = mapped_column(String(40))  # a check point's key: invoice.total, packing.2.quantity ...


class WrittenRule(Base):
    """The selectivity rule a trainee hands in for a rule-writing exercise (the last one written counts)."""

    __tablename__ = "training_rules"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("training_attempts.id"), primary_key=True)
    expression: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime())
