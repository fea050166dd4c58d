"""Shaping controls data for the API and the pages: one place, so both show the same thing."""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.controls.models import (
    Adjustment,
    ControlFile,
    ControlTask,
    DocumentRequest,
    EnforcementCase,
    Finding,
)
from clearway.controls.queue import QueueCursor
from clearway.controls.schemas import (
    AdjustmentRead,
    BlockerRead,
    CaseRead,
    DocumentRequestRead,
    FileRead,
    FindingRead,
    QueueItem,
    TaskRead,
)
from clearway.declarations.models import Declaration
from clearway.errors import Problem, ValidationFailed
from clearway.holds import Hold, Release


def amount(value: Decimal | None) -> str | None:
    """A Decimal as plain text (no exponent), None kept."""
    return None if value is None else format(Decimal(value).normalize(), "f")


def cursor_encode(row: Any) -> str:
    """The opaque cursor after a queue row."""
    text = f"q:{row.priority}:{row.created_at.isoformat()}:{row.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> QueueCursor:
    """The queue position in a cursor, or a 422 problem."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, priority, rest = text.split(":", 2)
        created, task_id = rest.rsplit(":", 1)
        if kind != "q":
            raise ValueError(kind)
        at = datetime.fromisoformat(created)
        if at.tzinfo is None:
            raise ValueError(created)
        cursor_at = QueueCursor(int(priority), at, int(task_id))
        # Bounded like the columns: a forged number would overflow SQLite's integer binding (a 500).
        if not (abs(cursor_at.priority) < 2**31 and 0 < cursor_at.id < 2**63):
            raise ValueError(cursor)
        return cursor_at
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed([Problem("cursor.invalid", "", {"parameter": "cursor"})]) from None


def queue_item(row: Any) -> QueueItem:
    """A queue row as the API shows it."""
    return QueueItem(id=row.id, mrn=row.mrn, kind=row.kind, status=row.status, channel=row.channel,
                     priority=row.priority, weight=amount(row.weight) or "0", section=row.section,
                     assignee=row.assignee, waiting_since=row.created_at, random_pick=row.random_pick,
                     declarant_id=row.declarant_id, item_count=row.item_count, reasons=row.channel_reasons or [])


def blockers_read(holds: list[Hold], locale: str) -> list[BlockerRead]:
    """What holds the goods, with messages in a locale and who must act."""
    return [BlockerRead(code=f"hold.{h.code}", message=h.text(locale), params={**h.params, "party": h.party})
            for h in holds]


def file_read(row: ControlFile) -> FileRead:
    """A file's metadata."""
    return FileRead(id=row.id, purpose=row.purpose, document_code=row.document_code, filename=row.filename,
                    content_type=row.content_type, size=row.size, sha256=row.sha256, uploaded_by=row.uploaded_by,
                    uploaded_at=row.uploaded_at)


def request_read(db: Session, request: DocumentRequest, mrn: str) -> DocumentRequestRead:
    """A document request with the files sent so far."""
    files = db.scalars(select(ControlFile).where(ControlFile.request_id == request.id).order_by(ControlFile.id))
    return DocumentRequestRead(id=request.id, task_id=request.task_id, mrn=mrn, documents=request.documents,  # type: ignore[arg-type]
                               message=request.message, due_at=request.due_at, status=request.status,  # type: ignore[arg-type]
                               requested_at=request.requested_at, answered_at=request.answered_at,
                               answer_note=request.answer_note, files=[file_read(f) for f in files])


def finding_read(f: Finding) -> FindingRead:
    """One item's finding as the API shows it."""
    return FindingRead(item=f.item_index, result=f.result, kind=f.kind, corrected=f.corrected or {},
                       seized_quantity=amount(f.seized_quantity), seized_unit=f.seized_unit, note=f.note,
                       photo_ids=list(f.photo_ids or []), recorded_by=f.recorded_by, recorded_at=f.recorded_at)


def _findings(db: Session, task_id: int) -> list[FindingRead]:
    return [finding_read(f) for f in
            db.scalars(select(Finding).where(Finding.task_id == task_id).order_by(Finding.item_index))]


def _adjustments(db: Session, declaration_id: int) -> list[AdjustmentRead]:
    return [AdjustmentRead(id=a.id, task_id=a.task_id, currency=a.currency,
                           declared_duty=amount(a.declared_duty) or "0", corrected_duty=amount(a.corrected_duty) or "0",
                           difference=amount(a.difference) or "0", penalty=amount(a.penalty) or "0",
                           total=amount(a.total) or "0", method=a.method, basis=a.basis, final=a.final)
            for a in db.scalars(select(Adjustment).where(Adjustment.declaration_id == declaration_id)
                                .order_by(Adjustment.id))]


def task_read(db: Session, task: ControlTask, locale: str, release: Release) -> TaskRead:
    """A task with its declaration, requests, photos, findings, adjustments, cases and release blockers."""
    declaration = db.get(Declaration, task.declaration_id)
    assert declaration is not None
    requests = db.scalars(select(DocumentRequest).where(DocumentRequest.task_id == task.id)
                          .order_by(DocumentRequest.id))
    photos = db.scalars(select(ControlFile).where(ControlFile.task_id == task.id, ControlFile.purpose == "photo")
                        .order_by(ControlFile.id))
    cases = db.scalars(select(EnforcementCase).where(EnforcementCase.declaration_id == declaration.id)
                       .order_by(EnforcementCase.id))
    return TaskRead(
        id=task.id, kind=task.kind, status=task.status, office=task.office, section=task.section,  # type: ignore[arg-type]
        priority=task.priority, weight=amount(task.weight) or "0", assignee=task.assignee,
        random_pick=task.random_pick, created_at=task.created_at, scheduled_for=task.scheduled_for,
        place=task.place, goods_available_at=task.goods_available_at, started_at=task.started_at,
        finished_at=task.finished_at, result=task.result, fraud_found=task.fraud_found,
        revenue_raised=amount(task.revenue_raised), currency=task.currency, mrn=declaration.mrn,
        declaration_status=declaration.status,
        channel=declaration.channel, reasons=declaration.channel_reasons or [], items=declaration.document["items"],
        requests=[request_read(db, r, declaration.mrn) for r in requests], photos=[file_read(p) for p in photos],
        findings=_findings(db, task.id), adjustments=_adjustments(db, declaration.id),
        cases=[CaseRead(reference=c.reference, task_id=c.task_id, seized=c.seized, status=c.status,
                        opened_at=c.opened_at) for c in cases],
        blockers=blockers_read(release.holds(db, declaration), locale))
