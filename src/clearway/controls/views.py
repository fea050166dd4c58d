"""Control pages: the officer's queue, the task page with its forms, the supervisor's workload view,
and the trader's document requests. Every form posts its CSRF token; every action calls the same
service as the API inside one transaction and comes back to the page it was made from."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from clearway.auth.schemas import Principal
from clearway.controls import service
from clearway.controls.decision_views import router as decision_pages
from clearway.controls.inspection import DISCREPANCIES
from clearway.controls.models import DocumentRequest
from clearway.controls.reads import cursor_decode, cursor_encode, queue_item, task_read
from clearway.controls.roles import examiner_get, office_required, task_in_office
from clearway.controls.storage import upload_settings
from clearway.controls.web_api import document_request_read
from clearway.db import utcnow
from clearway.deps import DbSession, Releaser, roles
from clearway.downloads import attachment
from clearway.errors import DomainError, NotFound, Problem
from clearway.holds import Release
from clearway.i18n import translate
from clearway.web.render import iso, render
from clearway.web.security import CheckedForm, page_locale

router = APIRouter(include_in_schema=False)
router.include_router(decision_pages)  # release, detain, lift, re-route and clear, each with its confirmation page
WebOfficer = Annotated[Principal, Depends(roles("officer"))]
WebTrader = Annotated[Principal, Depends(roles("trader"))]
QUEUE_EXPORT_LIMIT = 5000


def _text(form: Any, name: str, limit: int = 500) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _when(text: str) -> datetime:
    """A datetime-local field read as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DomainError([Problem("field.datetime", "", {"field": "date"})]) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _messages(exc: DomainError, locale: str) -> list[str]:
    return [translate(p.code, locale, **p.params) for p in exc.problems] or [translate(exc.title_code, locale)]


@router.get("/controls/queue")
def queue_page(request: Request, db: DbSession, actor: WebOfficer, kind: str = "", cursor: str = "",
               q: str = "") -> Response:
    """The office's open tasks, most risky first, with their reasons; claim one or the next."""
    office_required(actor)
    chosen = kind if kind in ("documentary", "physical") else None
    search = q.strip()[:40].upper()
    with db.begin():
        me = service.examiner_ensure(db=db, actor=actor, now=utcnow())
        rows = service.queue_fetch(db=db, office=actor.office or "", limit=51, kind=chosen, search=search or None,
                                   after=cursor_decode(cursor) if cursor and len(cursor) <= 200 else None)
        supervisor = me.supervisor
    more = len(rows) > 50
    items = [queue_item(r) for r in rows[:50]]
    query = {k: v for k, v in (("kind", chosen or ""), ("q", search)) if v}
    next_url = f"/controls/queue?{urlencode({**query, 'cursor': cursor_encode(rows[49])})}" if more else None
    return render(request, "controls/queue.html", user=actor, items=items, kind=chosen or "", next_url=next_url,
                  supervisor=supervisor, q=search, export_url=f"/controls/queue.csv?{urlencode(query)}",
                  first_url="/controls/queue?" + urlencode(query) if cursor else None)


@router.get("/controls/queue.csv")
def queue_export(db: DbSession, actor: WebOfficer, kind: str = "", q: str = "") -> Response:
    """The queue as filtered, in one CSV file (same order, up to QUEUE_EXPORT_LIMIT rows)."""
    office_required(actor)
    chosen = kind if kind in ("documentary", "physical") else None
    with db.begin():
        rows = service.queue_fetch(db=db, office=actor.office or "", limit=QUEUE_EXPORT_LIMIT, kind=chosen,
                                   search=q.strip()[:40] or None)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["task", "mrn", "kind", "channel", "priority", "waiting_since", "section", "assignee",
                     "declarant_id", "item_count", "random_pick"])
    for r in (queue_item(row) for row in rows):
        writer.writerow([r.id, r.mrn, r.kind, r.channel or "", r.priority, iso(r.waiting_since), r.section or "",
                         r.assignee or "", r.declarant_id, r.item_count, "yes" if r.random_pick else "no"])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment("control-queue.csv"), "Cache-Control": "no-store"})


def _task_page(request: Request, db: DbSession, actor: Principal, task_id: int, release: Release,
               errors: list[str] | None = None, status: int = 200) -> Response:
    locale = page_locale(request)
    with db.begin():
        task = task_in_office(db=db, actor=actor, task_id=task_id)
        view = task_read(db, task, locale, release)
        me = examiner_get(db=db, actor=actor)
        examiners = [e.username for e in service.examiners_list(db=db, office=actor.office) if e.active]
    return render(request, "controls/task.html", user=actor, task=view, errors=errors or [], status=status,
                  mine=view.assignee == actor.username, supervisor=me.supervisor, examiners=examiners,
                  discrepancies=DISCREPANCIES, findings_by_item={f.item: f for f in view.findings})


@router.get("/controls/tasks/{task_id}")
def task_page(request: Request, task_id: int, db: DbSession, actor: WebOfficer, release: Releaser) -> Response:
    """One task: the declaration, its risk reasons, documents, findings, and the forms to work it."""
    return _task_page(request, db, actor, task_id, release)


def _finding(form: Any) -> dict[str, Any]:
    corrected = {key: _text(form, f"corrected_{key}", 22) for key in ("value", "hs_code", "origin_country",
                                                                       "quantity")}
    seized = _text(form, "seized_quantity", 22)
    try:
        quantity = Decimal(seized) if seized else None
    except InvalidOperation:
        raise DomainError([Problem("decimal.format", "/seized_quantity", {"field": "seized quantity"})]) from None
    return {"item": int(_text(form, "item", 3) or 0), "result": _text(form, "result", 12),
            "kind": _text(form, "kind", 16) or None, "corrected": {k: v for k, v in corrected.items() if v},
            "seized_quantity": quantity, "seized_unit": _text(form, "seized_unit", 3) or None,
            "note": _text(form, "note", 2000) or None, "photo_ids": []}


def _documents(text: str) -> list[dict[str, str]]:
    """Lines "CODE description" from the request form."""
    wanted = []
    for line in text.splitlines():
        code, _, description = line.strip().partition(" ")
        if code:
            wanted.append({"code": code[:35], "description": (description.strip() or code)[:200]})
    return wanted[:20]


def _action(actor: Principal, task_id: int, action: str, form: Any, db: DbSession, release: Release) -> None:
    now = utcnow()
    common: dict[str, Any] = {"db": db, "actor": actor, "task_id": task_id, "now": now}
    note = _text(form, "note", 2000) or None
    actions: dict[str, Callable[[], Any]] = {
        "claim": lambda: service.task_claim(**common),
        "accept": lambda: service.documentary_accept(**common, note=note, release=release),
        "escalate": lambda: service.documentary_escalate(**common, reason=_text(form, "reason") or "escalated"),
        "request": lambda: service.documents_request(**common, documents=_documents(_text(form, "documents", 4000)),
                                                     due_at=_when(_text(form, "due_at", 40)),
                                                     message=note),
        "schedule": lambda: service.inspection_schedule(**common, at=_when(_text(form, "at", 40)),
                                                        place=_text(form, "place", 200)),
        "available": lambda: service.goods_available(**common),
        "start": lambda: service.inspection_start(**common),
        "finding": lambda: service.finding_record(**common, **_finding(form)),
        "end": lambda: service.inspection_end(**common, note=note, release=release),
        "assign": lambda: service.task_reassign(db=db, actor=actor, task_id=task_id, now=now,
                                                username=_text(form, "username", 64),
                                                reason=_text(form, "reason") or "reassigned by supervisor"),
    }
    if action not in actions:
        raise DomainError([Problem("field.choice", "/action", {"field": "action"})])
    with db.begin():
        actions[action]()


@router.post("/controls/tasks/{task_id}")
def task_post(request: Request, task_id: int, form: CheckedForm, db: DbSession, actor: WebOfficer,
              release: Releaser) -> Response:
    """Work the task: claim, request documents, accept, escalate, schedule, inspect, record findings, end."""
    try:
        _action(actor, task_id, _text(form, "action", 20), form, db, release)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        db.rollback()
        return _task_page(request, db, actor, task_id, release, _messages(exc, page_locale(request)), exc.status)
    return RedirectResponse(f"/controls/tasks/{task_id}", status_code=303)


@router.post("/controls/queue/next")
def claim_next(request: Request, form: CheckedForm, db: DbSession, actor: WebOfficer) -> Response:
    """Take the most urgent task one may work on and open it."""
    try:
        with db.begin():
            task = service.task_claim_next(db=db, actor=actor, now=utcnow())
    except NotFound:
        return RedirectResponse("/controls/queue", status_code=303)
    return RedirectResponse(f"/controls/tasks/{task.id}", status_code=303)


@router.get("/controls/workload")
def workload_page(request: Request, db: DbSession, actor: WebOfficer) -> Response:
    """The supervisor's view: open tasks and weight per examiner, and what nobody holds."""
    with db.begin():
        service.supervisor_required(db=db, actor=actor)
        rows, count, weight = service.workload(db=db, office=actor.office or "")
    return render(request, "controls/workload.html", user=actor, rows=rows, unassigned=count,
                  unassigned_weight=weight)


@router.post("/controls/workload")
def workload_assign(request: Request, form: CheckedForm, db: DbSession, actor: WebOfficer) -> Response:
    """Hand unassigned tasks out by section and workload now."""
    with db.begin():
        service.supervisor_required(db=db, actor=actor)
        service.assignments_run(db=db, office=actor.office or "", now=utcnow())
    return RedirectResponse("/controls/workload", status_code=303)


def _requests_page(request: Request, db: DbSession, actor: Principal, errors: list[str] | None = None,
                   status: int = 200) -> Response:
    with db.begin():
        rows = db.scalars(select(DocumentRequest).where(DocumentRequest.organisation == actor.organisation_code)
                          .order_by(DocumentRequest.id.desc()).limit(100))
        items = [document_request_read(db, r) for r in rows]
    return render(request, "controls/requests.html", user=actor, items=items, errors=errors or [], status=status,
                  max_kb=upload_settings().upload_max_bytes // 1024)


@router.get("/controls/requests")
def requests_page(request: Request, db: DbSession, actor: WebTrader) -> Response:
    """Document requests addressed to the trader, with forms to send files and answer."""
    return _requests_page(request, db, actor)


@router.post("/controls/requests/{request_id}")
def request_post(request: Request, request_id: int, form: CheckedForm, db: DbSession, actor: WebTrader) -> Response:
    """Send a file for a request, or say the answer is complete."""
    try:
        with db.begin():
            if _text(form, "action", 10) == "answer":
                service.request_answer(db=db, actor=actor, request_id=request_id, note=_text(form, "note", 2000)
                                       or None, now=utcnow())
            else:
                upload = form.get("file")
                data = upload.file.read(upload_settings().upload_max_bytes + 1) if isinstance(upload, UploadFile) \
                    else b""
                service.document_upload(db=db, actor=actor, request_id=request_id, now=utcnow(),
                                        document_code=_text(form, "document_code", 35) or None,
                                        filename=getattr(upload, "filename", None),
                                        content_type=getattr(upload, "content_type", None), data=data)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        db.rollback()
        return _requests_page(request, db, actor, _messages(exc, page_locale(request)), exc.status)
    return RedirectResponse("/controls/requests", status_code=303)
