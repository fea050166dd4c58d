"""Control tasks and what they produce: document requests, files, findings, adjustments, cases, holds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime

Money = Numeric(24, 6)


class Examiner(Base):
    """An officer's place in the control queue: office, HS sections handled, and the supervisor flag.

    Supervisors are officers with `supervisor` set here (not a separate role), so one account can
    examine and supervise; an admin grants the flag.
    """

    __tablename__ = "control_examiners"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    office: Mapped[str] = mapped_column(String(8), index=True)
    sections: Mapped[list[str]] = mapped_column(JSON, default=list)
    supervisor: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ControlTask(Base):
    """One documentary check or physical inspection of a declaration, and its outcome label."""

    __tablename__ = "control_tasks"
    __table_args__ = (
        # The queue: open tasks of an office, most risky first, then longest waiting.
        Index("ix_control_tasks_queue", "office", text("priority DESC"), "created_at", "id",
              postgresql_where=text("closed = false"), sqlite_where=text("closed = 0")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    office: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20))
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(Integer)
    weight: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    section: Mapped[str] = mapped_column(String(5))
    assignee: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    random_pick: Mapped[bool] = mapped_column(Boolean, default=False)
    rule_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    model_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("control_tasks.id"), nullable=True)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    place: Mapped[str | None] = mapped_column(String(200), nullable=True)
    goods_available_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    result: Mapped[str | None] = mapped_column(String(16), nullable=True)
    fraud_found: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    revenue_raised: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class OutcomeRule(Base):
    """A rule that selected a finished control: the key of hit rate by rule."""

    __tablename__ = "control_outcome_rules"

    task_id: Mapped[int] = mapped_column(ForeignKey("control_tasks.id"), primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class DocumentRequest(Base):
    """Documents an officer asked the trader for, by when, and the answer."""

    __tablename__ = "control_document_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("control_tasks.id"), index=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    organisation: Mapped[str] = mapped_column(String(17), index=True)
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answer_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class ControlFile(Base):
    """A file a trader sent in answer to a request, or a photo an officer took; bytes here or on disk."""

    __tablename__ = "control_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("control_tasks.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("control_document_requests.id"), nullable=True)
    purpose: Mapped[str] = mapped_column(String(12))
    document_code: Mapped[str | None] = mapped_column(String(35), nullable=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploader_org: Mapped[str] = mapped_column(String(17))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Finding(Base):
    """What an officer found on one item: compliant, or a discrepancy with corrected values and seizures."""

    __tablename__ = "control_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("control_tasks.id"), index=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"))
    item_index: Mapped[int] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    corrected: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seized_quantity: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    seized_unit: Mapped[str | None] = mapped_column(String(3), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    photo_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Adjustment(Base):
    """Duty owed after findings: declared against corrected duty, the difference and the penalty."""

    __tablename__ = "control_adjustments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("control_tasks.id"))
    currency: Mapped[str] = mapped_column(String(3))
    declared_duty: Mapped[Decimal] = mapped_column(Money)
    corrected_duty: Mapped[Decimal] = mapped_column(Money)
    difference: Mapped[Decimal] = mapped_column(Money)
    penalty: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    method: Mapped[str] = mapped_column(String(64))
    basis: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    final: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EnforcementCase(Base):
    """Goods seized at an inspection: opened for the enforcement (investigation) service."""

    __tablename__ = "control_enforcement_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("control_tasks.id"))
    seized: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12))
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Hold(Base):
    """Something that stops release until lifted (a detention today; agency holds later)."""

    __tablename__ = "control_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(String(64))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lifted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lift_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
