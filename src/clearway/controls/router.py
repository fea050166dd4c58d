"""Controls JSON API for officers under /api/v1/controls: queue, tasks, checks, inspections, findings."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from clearway.body import SAFE_TEXT
from clearway.controls import service
from clearway.controls.models import ControlTask
from clearway.controls.reads import amount, cursor_decode, cursor_encode, file_read, finding_read, queue_item, task_read
from clearway.controls.roles import task_in_office
from clearway.controls.schemas import (
    AssignBody,
    DocumentRequestCreate,
    DocumentRequestRead,
    FileRead,
    FindingBody,
    FindingRead,
    NoteBody,
    QueuePage,
    ReasonBody,
    ScheduleBody,
    TaskRead,
    WorkloadRead,
    WorkloadRow,
)
from clearway.controls.storage import upload_settings
from clearway.controls.web_api import (
    Officer,
    body_of,
    created_once,
    document_request_read,
    in_transaction,
    json_response,
)
from clearway.db import utcnow
from clearway.deps import DbSession, IdempotencyKey, Locale, Releaser
from clearway.errors import NotFound
from clearway.holds import Release
from clearway.openapi_docs import PROBLEMS

router = APIRouter(prefix="/controls", tags=["controls"])
TaskId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Item = Annotated[int, Path(ge=0, le=998)]


@router.get("/queue", operation_id="listControlQueue", responses=PROBLEMS)
def queue(db: DbSession, actor: Officer, kind: Literal["documentary", "physical"] | None = None,
          mine: bool = False, cursor: Annotated[str | None, Query(max_length=200, pattern=SAFE_TEXT)] = None,
          limit: Annotated[int, Query(ge=1, le=200)] = 50) -> QueuePage:
    """Open tasks of the officer's office, most risky first, then longest waiting, with their risk reasons."""
    after = cursor_decode(cursor) if cursor else None
    with db.begin():
        service.examiner_ensure(db=db, actor=actor, now=utcnow())
        rows = service.queue_fetch(db=db, office=actor.office or "", limit=limit + 1, after=after, kind=kind,
                                   assignee=actor.username if mine else None)
    more = len(rows) > limit
    rows = rows[:limit]
    return QueuePage(items=[queue_item(r) for r in rows], next_cursor=cursor_encode(rows[-1]) if more else None)


@router.post("/queue/next", operation_id="claimNextControlTask", response_model=TaskRead,
             responses={**PROBLEMS, 204: {"description": "Nothing left to claim"}})
def claim_next(db: DbSession, actor: Officer, locale: Locale, release: Releaser) -> Response:
    """Take the most urgent open task of one's office and sections; 204 when none is left."""
    with db.begin():
        try:
            task = service.task_claim_next(db=db, actor=actor, now=utcnow())
        except NotFound:
            return Response(status_code=204)
        return json_response(task_read(db, task, locale, release))


def _task(db: DbSession, actor: Officer, task_id: int) -> ControlTask:
    return task_in_office(db=db, actor=actor, task_id=task_id)


def _task_step(db: Session, locale: str, release: Release, step: Callable[[datetime], ControlTask]) -> TaskRead:
    """Run a step on one task in one transaction and answer with the task as it then is."""
    return in_transaction(db, lambda now: task_read(db, step(now), locale, release))


@router.get("/tasks/{task_id}", operation_id="readControlTask", responses=PROBLEMS)
def read_task(task_id: TaskId, db: DbSession, actor: Officer, locale: Locale, release: Releaser) -> TaskRead:
    """A task with its declaration, reasons, documents, findings, adjustments and release blockers."""
    return _task_step(db, locale, release, lambda _now: _task(db, actor, task_id))


@router.post("/tasks/{task_id}/claim", operation_id="claimControlTask", responses=PROBLEMS)
def claim(task_id: TaskId, db: DbSession, actor: Officer, locale: Locale, release: Releaser) -> TaskRead:
    """Take a task; 409 when another officer holds it."""
    return _task_step(db, locale, release, lambda now: service.task_claim(db=db, actor=actor, task_id=task_id, now=now))


@router.post("/tasks/{task_id}/assign", operation_id="assignControlTask", responses=PROBLEMS)
def assign(task_id: TaskId, body: AssignBody, db: DbSession, actor: Officer, locale: Locale,
           release: Releaser) -> TaskRead:
    """Give a task to another examiner of the office (supervisors)."""
    return _task_step(db, locale, release, lambda now: service.task_reassign(
        db=db, actor=actor, task_id=task_id, username=body.username, reason=body.reason, now=now))


@router.post("/assignments", operation_id="runControlAssignment", responses=PROBLEMS)
def assign_all(db: DbSession, actor: Officer) -> WorkloadRead:
    """Hand unassigned tasks to examiners by section and workload now (supervisors); the workload after it."""
    with db.begin():
        service.supervisor_required(db=db, actor=actor)
        service.assignments_run(db=db, office=actor.office or "", now=utcnow())
    return workload(db, actor)


@router.get("/workload", operation_id="readControlWorkload", responses=PROBLEMS)
def workload(db: DbSession, actor: Officer) -> WorkloadRead:
    """Open tasks and weight per examiner of the office, and what is unassigned (supervisors)."""
    with db.begin():
        service.supervisor_required(db=db, actor=actor)
        rows, count, weight = service.workload(db=db, office=actor.office or "")
    return WorkloadRead(office=actor.office or "", unassigned_tasks=count, unassigned_weight=amount(weight) or "0",
                        examiners=[WorkloadRow(username=r.username, office=actor.office or "", sections=r.sections,
                                               supervisor=r.supervisor, active=r.active, tasks=r.tasks,
                                               weight=amount(r.weight) or "0") for r in rows])


@router.post("/tasks/{task_id}/document-requests", status_code=201, operation_id="requestDocuments",
             response_model=DocumentRequestRead, responses=PROBLEMS)
def request_documents(task_id: TaskId, body: DocumentRequestCreate, db: DbSession, actor: Officer,
                      key: IdempotencyKey = None) -> Response:
    """Ask the trader for named documents by a due date; the trader is notified."""
    documents = [d.model_dump() for d in body.documents]
    return created_once(db=db, actor=actor, key=key, body=body_of(body), run=lambda now: document_request_read(
        db, service.documents_request(db=db, actor=actor, task_id=task_id, documents=documents,
                                      due_at=body.due_at, message=body.message, now=now)))


@router.post("/tasks/{task_id}/accept", operation_id="acceptDocumentaryCheck", responses=PROBLEMS)
def accept(task_id: TaskId, body: NoteBody, db: DbSession, actor: Officer, locale: Locale,
           release: Releaser) -> TaskRead:
    """Close a documentary check (released at once when nothing else holds the goods)."""
    return _task_step(db, locale, release, lambda now: service.documentary_accept(
        db=db, actor=actor, task_id=task_id, note=body.note, release=release, now=now))


@router.post("/tasks/{task_id}/escalate", operation_id="escalateToInspection", responses=PROBLEMS)
def escalate(task_id: TaskId, body: ReasonBody, db: DbSession, actor: Officer, locale: Locale,
             release: Releaser) -> TaskRead:
    """Close a documentary check and open a physical inspection instead; returns the new task."""
    return _task_step(db, locale, release, lambda now: service.documentary_escalate(
        db=db, actor=actor, task_id=task_id, reason=body.reason, now=now))


@router.post("/tasks/{task_id}/inspection/schedule", operation_id="scheduleInspection", responses=PROBLEMS)
def schedule(task_id: TaskId, body: ScheduleBody, db: DbSession, actor: Officer, locale: Locale,
             release: Releaser) -> TaskRead:
    """Set when and where the goods will be examined; the trader is notified."""
    return _task_step(db, locale, release, lambda now: service.inspection_schedule(
        db=db, actor=actor, task_id=task_id, at=body.at, place=body.place, now=now))


@router.post("/tasks/{task_id}/inspection/goods-available", operation_id="recordGoodsAvailable",
             responses=PROBLEMS)
def available(task_id: TaskId, db: DbSession, actor: Officer, locale: Locale, release: Releaser) -> TaskRead:
    """Record that the goods were made available for examination."""
    return _task_step(db, locale, release, lambda now: service.goods_available(
        db=db, actor=actor, task_id=task_id, now=now))


@router.post("/tasks/{task_id}/inspection/start", operation_id="startInspection", responses=PROBLEMS)
def start(task_id: TaskId, db: DbSession, actor: Officer, locale: Locale, release: Releaser) -> TaskRead:
    """Start examining goods that were made available."""
    return _task_step(db, locale, release, lambda now: service.inspection_start(
        db=db, actor=actor, task_id=task_id, now=now))


@router.post("/tasks/{task_id}/inspection/end", operation_id="endInspection", responses=PROBLEMS)
def end(task_id: TaskId, body: NoteBody, db: DbSession, actor: Officer, locale: Locale, release: Releaser) -> TaskRead:
    """End the inspection: findings become the outcome, adjustment and enforcement case."""
    return _task_step(db, locale, release, lambda now: service.inspection_end(
        db=db, actor=actor, task_id=task_id, note=body.note, release=release, now=now))


@router.put("/tasks/{task_id}/findings/{item}", operation_id="recordFinding", responses=PROBLEMS)
def finding(task_id: TaskId, item: Item, body: FindingBody, db: DbSession, actor: Officer) -> FindingRead:
    """Record (or replace) the finding on one item (0-based index)."""
    return in_transaction(db, lambda now: finding_read(service.finding_record(
        db=db, actor=actor, task_id=task_id, item=item, result=body.result, kind=body.kind,
        corrected=body.corrected.model_dump(exclude_none=True),
        seized_quantity=Decimal(body.seized_quantity) if body.seized_quantity else None,
        seized_unit=body.seized_unit, note=body.note, photo_ids=body.photo_ids, now=now)))


@router.post("/tasks/{task_id}/photos", status_code=201, operation_id="uploadInspectionPhoto",
             response_model=FileRead, responses=PROBLEMS)
def photo(task_id: TaskId, db: DbSession, actor: Officer, file: Annotated[UploadFile, File()],
          key: IdempotencyKey = None) -> Response:
    """Attach a photo (PNG or JPEG) taken during the control."""
    data = file.file.read(upload_settings().upload_max_bytes + 1)
    meta = {"task": task_id, "name": file.filename, "type": file.content_type, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}
    return created_once(db=db, actor=actor, key=key, body=meta, run=lambda now: file_read(service.photo_upload(
        db=db, actor=actor, task_id=task_id, filename=file.filename, content_type=file.content_type, data=data,
        now=now)))

