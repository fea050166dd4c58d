"""Controls JSON API beyond the task: traders' document requests and files, release and detention
decisions, examiners, and outcome labels for the risk engine."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from clearway.auth.schemas import Principal
from clearway.body import Rfc3339
from clearway.controls import service
from clearway.controls.models import ControlFile, ControlTask, DocumentRequest, Examiner
from clearway.controls.reads import amount, file_read
from clearway.controls.schemas import (
    DeclarationControlRead,
    DocumentRequestRead,
    ExaminerBody,
    ExaminerRead,
    FileRead,
    HitRateRead,
    NoteBody,
    OutcomeRead,
    ReasonBody,
    RerouteBody,
)
from clearway.controls.storage import file_bytes, upload_settings
from clearway.controls.web_api import (
    Admin,
    Analyst,
    Officer,
    Trader,
    created_once,
    declaration_locked,
    declaration_state,
    document_request_read,
    in_transaction,
)
from clearway.declarations import selectors
from clearway.declarations.models import Declaration
from clearway.deps import CurrentUser, DbSession, IdempotencyKey, Locale, Releaser
from clearway.downloads import attachment
from clearway.errors import NotFound, Problem
from clearway.holds import Release
from clearway.openapi_docs import PROBLEMS

router = APIRouter(prefix="/controls", tags=["controls"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Mrn = Annotated[str, Path(max_length=40)]
FILE_TYPES = {"content": {t: {} for t in ("application/pdf", "image/png", "image/jpeg")},
              "description": "The file's bytes"}


@router.get("/document-requests", operation_id="listDocumentRequests", responses=PROBLEMS)
def requests(db: DbSession, actor: Trader, status: Literal["open", "answered"] | None = None
             ) -> list[DocumentRequestRead]:
    """Document requests addressed to the trader's organisation, newest first (at most 200)."""
    query = select(DocumentRequest).where(DocumentRequest.organisation == actor.organisation_code)
    if status:
        query = query.where(DocumentRequest.status == status)
    with db.begin():
        rows = db.scalars(query.order_by(DocumentRequest.id.desc()).limit(200))
        return [document_request_read(db, r) for r in rows]


@router.get("/document-requests/{request_id}", operation_id="readDocumentRequest", responses=PROBLEMS)
def request_one(request_id: Id, db: DbSession, actor: Trader) -> DocumentRequestRead:
    """One document request addressed to the trader's organisation, with the files sent."""
    return in_transaction(db, lambda _now: document_request_read(
        db, service.request_for_trader(db=db, actor=actor, request_id=request_id)))


@router.post("/document-requests/{request_id}/files", status_code=201, operation_id="uploadRequestedDocument",
             response_model=FileRead, responses=PROBLEMS)
def upload(request_id: Id, db: DbSession, actor: Trader, file: Annotated[UploadFile, File()],
           document_code: Annotated[str | None, Form(max_length=35, pattern=r"^[A-Za-z0-9._-]+$")] = None,
           key: IdempotencyKey = None) -> Response:
    """Send one requested document (PDF, PNG or JPEG, within the size limit)."""
    data = file.file.read(upload_settings().upload_max_bytes + 1)
    meta = {"request": request_id, "code": document_code, "name": file.filename, "type": file.content_type,
            "sha256": hashlib.sha256(data).hexdigest()}
    return created_once(db=db, actor=actor, key=key, body=meta, run=lambda now: file_read(service.document_upload(
        db=db, actor=actor, request_id=request_id, document_code=document_code, filename=file.filename,
        content_type=file.content_type, data=data, now=now)))


@router.post("/document-requests/{request_id}/answer", operation_id="answerDocumentRequest", responses=PROBLEMS)
def answer(request_id: Id, body: NoteBody, db: DbSession, actor: Trader) -> DocumentRequestRead:
    """Say the answer is complete: the officer's check resumes."""
    return in_transaction(db, lambda now: document_request_read(
        db, service.request_answer(db=db, actor=actor, request_id=request_id, note=body.note, now=now)))


def _file_visible(row: ControlFile, actor: Principal, request: DocumentRequest | None, office: str | None) -> bool:
    if actor.role == "officer":
        return office is not None and office == actor.office
    if actor.role == "trader":
        return row.uploader_org == actor.organisation_code or (
            request is not None and request.organisation == actor.organisation_code)
    return False


@router.get("/files/{file_id}", operation_id="downloadControlFile", responses={**PROBLEMS, 200: FILE_TYPES})
def download(file_id: Id, db: DbSession, actor: CurrentUser) -> Response:
    """The bytes of a document or photo, for the officers of its office and the trader concerned."""
    with db.begin():
        row = db.get(ControlFile, file_id)
        request = db.get(DocumentRequest, row.request_id) if row and row.request_id else None
        task = db.get(ControlTask, row.task_id) if row else None
        if row is None or not _file_visible(row, actor, request, task.office if task else None):
            raise NotFound([Problem("control.file_not_found", "", {"id": file_id})])
        data = file_bytes(row)
    return Response(data, media_type=row.content_type, headers={
        "Content-Disposition": attachment(row.filename),
        "X-Content-Type-Options": "nosniff"})


@router.get("/declarations/{mrn}/release-blockers", operation_id="readReleaseBlockers", responses=PROBLEMS)
def blockers(mrn: Mrn, db: DbSession, actor: CurrentUser, locale: Locale, release: Releaser) -> DeclarationControlRead:
    """What still stops the goods from being released (empty when nothing does)."""
    return in_transaction(db, lambda now: declaration_state(
        db, selectors.declaration_get(db=db, actor=actor, mrn=mrn, now=now), locale, release))


def _decide(db: DbSession, actor: Principal, mrn: str, locale: str, release: Release,
            decide: Callable[[Declaration, datetime], object]) -> DeclarationControlRead:
    """Lock the declaration, apply one decision to it and answer with what still blocks its release."""

    def step(now: datetime) -> DeclarationControlRead:
        declaration = declaration_locked(db, actor, mrn, now)
        decide(declaration, now)
        return declaration_state(db, declaration, locale, release)

    return in_transaction(db, step)


@router.post("/declarations/{mrn}/release", operation_id="releaseGoods", responses=PROBLEMS)
def release_goods(mrn: Mrn, body: ReasonBody, db: DbSession, actor: Officer, locale: Locale,
                  release: Releaser) -> DeclarationControlRead:
    """Release the goods: 409 listing every hold (open control, detention, unpaid duty...) otherwise."""
    return _decide(db, actor, mrn, locale, release, lambda declaration, now: release.decide(
        db=db, actor=actor, declaration=declaration, reason=body.reason, now=now))


@router.post("/declarations/{mrn}/clear", operation_id="clearDeclaration", responses=PROBLEMS)
def clear(mrn: Mrn, body: ReasonBody, db: DbSession, actor: Officer, locale: Locale,
          release: Releaser) -> DeclarationControlRead:
    """Clear released goods once their duties are final."""
    return _decide(db, actor, mrn, locale, release, lambda declaration, now: release.clear(
        db=db, actor=actor, declaration=declaration, reason=body.reason, now=now))


@router.post("/declarations/{mrn}/detain", operation_id="detainGoods", responses=PROBLEMS)
def detain(mrn: Mrn, body: ReasonBody, db: DbSession, actor: Officer, locale: Locale,
           release: Releaser) -> DeclarationControlRead:
    """Detain goods under control, with a reason (audited; the trader is notified)."""
    return _decide(db, actor, mrn, locale, release, lambda declaration, now: service.declaration_detain(
        db=db, actor=actor, declaration=declaration, reason=body.reason, now=now))


@router.post("/declarations/{mrn}/lift-detention", operation_id="liftDetention", responses=PROBLEMS)
def lift(mrn: Mrn, body: ReasonBody, db: DbSession, actor: Officer, locale: Locale,
         release: Releaser) -> DeclarationControlRead:
    """Lift a detention: the goods return under control."""
    return _decide(db, actor, mrn, locale, release, lambda declaration, now: service.detention_lift(
        db=db, actor=actor, declaration=declaration, reason=body.reason, now=now))


@router.post("/declarations/{mrn}/reroute", operation_id="rerouteDeclaration", responses=PROBLEMS)
def reroute(mrn: Mrn, body: RerouteBody, db: DbSession, actor: Officer, locale: Locale,
            release: Releaser) -> DeclarationControlRead:
    """Move a declaration to the red (inspect) or green (release) channel; supervisors only, audited."""
    return _decide(db, actor, mrn, locale, release, lambda declaration, now: service.declaration_reroute(
        db=db, actor=actor, declaration=declaration, channel=body.channel, reason=body.reason, release=release,
        now=now))


def _examiner_read(e: Examiner) -> ExaminerRead:
    return ExaminerRead(username=e.username, office=e.office, sections=e.sections or [], supervisor=e.supervisor,
                        active=e.active)


@router.get("/examiners", operation_id="listExaminers", responses=PROBLEMS)
def examiners(db: DbSession, actor: Admin) -> list[ExaminerRead]:
    """Every examiner record (admins)."""
    return in_transaction(db, lambda _now: [_examiner_read(e) for e in service.examiners_list(db=db)])


@router.put("/examiners/{username}", operation_id="setExaminer", responses=PROBLEMS)
def examiner_set(username: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")], body: ExaminerBody,
                 db: DbSession, actor: Admin) -> ExaminerRead:
    """Set an officer's HS sections, supervisor flag and availability (admins, audited)."""
    return in_transaction(db, lambda now: _examiner_read(service.examiner_put(
        db=db, actor=actor, username=username, sections=body.sections, supervisor=body.supervisor,
        active=body.active, now=now)))


@router.get("/outcomes", operation_id="listControlOutcomes", responses=PROBLEMS)
def outcomes(db: DbSession, actor: Analyst, since: Annotated[Rfc3339 | None, Query()] = None,
             limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> list[OutcomeRead]:
    """Finished controls as labels: fraud found, revenue raised, random pick, rules and model version."""
    with db.begin():
        rows = service.control_outcomes(db=db, since=since, limit=limit)
    return [OutcomeRead(task_id=o.task_id, mrn=o.mrn, kind=o.kind, office=o.office, finished_at=o.finished_at,
                        fraud_found=o.fraud_found, revenue_raised=amount(o.revenue_raised) or "0",
                        currency=o.currency, random_pick=o.random_pick, rule_ids=o.rule_ids,
                        model_version=o.model_version) for o in rows]


@router.get("/hit-rates", operation_id="listControlHitRates", responses=PROBLEMS)
def rates(db: DbSession, actor: Analyst, by: Literal["rule", "model_version"] = "rule",
          since: Annotated[Rfc3339 | None, Query()] = None) -> list[HitRateRead]:
    """Hit rate of finished controls by selecting rule or model version, random picks apart."""
    with db.begin():
        rows = service.hit_rates(db=db, by=by, since=since)
    return [HitRateRead(key=r.key, random_pick=r.random_pick, controls=r.controls, hits=r.hits, rate=r.rate,
                        revenue=amount(r.revenue) or "0") for r in rows]
