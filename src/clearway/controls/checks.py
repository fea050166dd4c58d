"""Working a task: documentary checks (documents asked of the trader, accepted or escalated) and closing a control.

Every step that concerns the trader is also a declaration event (through the declarations
service), so the timeline, release-time measurement and notifications all see it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.controls import storage
from clearway.controls.adjust import PENALTY_RATE, AdjustmentFigures, findings_adjustment, seized_lines
from clearway.controls.intake import task_values
from clearway.controls.models import (
    Adjustment,
    ControlFile,
    ControlTask,
    DocumentRequest,
    EnforcementCase,
    Finding,
    OutcomeRule,
)
from clearway.controls.roles import examiner_get, task_in_office
from clearway.declarations import service as declarations
from clearway.declarations.models import Declaration
from clearway.errors import Conflict, Forbidden, NotFound, Problem
from clearway.holds import Release
from clearway.tariff.supplement import supplement_applies, supplement_raise

# Findings after which the goods wait for an officer's explicit decision instead of the automatic release.
DECIDED_BY_OFFICER = ("prohibited", "concealment")


def task_for_work(*, db: Session, actor: Principal, task_id: int,
                  statuses: tuple[str, ...] = ("in_progress",)) -> tuple[ControlTask, Declaration]:
    """A task of the actor's office that it holds (or supervises), in one of the given statuses, locked."""
    task = task_in_office(db=db, actor=actor, task_id=task_id, lock=True)
    if task.assignee != actor.username and not examiner_get(db=db, actor=actor).supervisor:
        raise Forbidden([Problem("control.not_assignee", "", {"id": task_id})])
    if task.status not in statuses:
        raise Conflict([Problem("control.task_state", "", {"id": task_id, "status": task.status})])
    declaration = db.get(Declaration, task.declaration_id, with_for_update=True)
    assert declaration is not None
    if declaration.status not in ("under_control", "detained"):
        raise Conflict([Problem("release.not_under_control", "", {"status": declaration.status})])
    return task, declaration


def documents_request(*, db: Session, actor: Principal, task_id: int, documents: list[dict[str, Any]],
                      due_at: datetime, message: str | None, now: datetime) -> DocumentRequest:
    """Ask the declarant for named documents by a due date; the task waits for the answer."""
    task, declaration = task_for_work(db=db, actor=actor, task_id=task_id)
    if due_at <= now:
        raise Conflict([Problem("control.due_in_past", "/due_at", {})])
    request = DocumentRequest(task_id=task.id, declaration_id=declaration.id, organisation=declaration.declarant_id,
                              documents=documents, message=message, due_at=due_at, status="open",
                              requested_by=actor.username, requested_at=now)
    db.add(request)
    task.status = "awaiting_documents"
    wanted = ", ".join(d["code"] for d in documents)
    declarations.declaration_note(db=db, actor=actor, declaration=declaration, kind="documents_requested",
                                  reason=f"{wanted}; due {due_at.date().isoformat()}", now=now,
                                  code="documents_requested", params={"documents": wanted,
                                                                      "due": due_at.date().isoformat()})
    return request


def request_for_trader(*, db: Session, actor: Principal, request_id: int, lock: bool = False) -> DocumentRequest:
    """A document request addressed to the actor's organisation, else 404."""
    request = db.get(DocumentRequest, request_id, with_for_update=lock or None)
    if request is None or request.organisation != actor.organisation_code:
        raise NotFound([Problem("control.request_not_found", "", {"id": request_id})])
    return request


def document_upload(*, db: Session, actor: Principal, request_id: int, document_code: str | None,
                    filename: str | None, content_type: str | None, data: bytes, now: datetime) -> ControlFile:
    """Attach one file to an open request (checked for type, content and size)."""
    request = request_for_trader(db=db, actor=actor, request_id=request_id, lock=True)
    if request.status != "open":
        raise Conflict([Problem("control.request_closed", "", {"id": request_id})])
    checked = storage.file_check(filename=filename, content_type=content_type, data=data)
    row = ControlFile(declaration_id=request.declaration_id, task_id=request.task_id, request_id=request.id,
                      purpose="document", document_code=document_code, filename=checked.filename,
                      content_type=checked.content_type, uploaded_by=actor.username,
                      uploader_org=actor.organisation_code, uploaded_at=now)
    storage.file_store(checked, row)
    db.add(row)
    db.flush()
    return row


def request_answer(*, db: Session, actor: Principal, request_id: int, note: str | None,
                   now: datetime) -> DocumentRequest:
    """The trader says its answer is complete; the officer's task resumes."""
    request = request_for_trader(db=db, actor=actor, request_id=request_id, lock=True)
    if request.status != "open":
        raise Conflict([Problem("control.request_closed", "", {"id": request_id})])
    if db.scalar(select(ControlFile.id).where(ControlFile.request_id == request.id).limit(1)) is None:
        raise Conflict([Problem("control.answer_without_files", "", {"id": request_id})])
    request.status, request.answered_at, request.answer_note = "answered", now, note
    task = db.get(ControlTask, request.task_id, with_for_update=True)
    # Locked like every transition, so this declaration's events commit in the order of their ids.
    declaration = db.get(Declaration, request.declaration_id, with_for_update=True)
    assert task is not None and declaration is not None
    if task.status == "awaiting_documents":
        task.status = "in_progress"
    declarations.declaration_note(db=db, actor=actor, declaration=declaration, kind="documents_received",
                                  reason=note, now=now)
    return request


def documentary_escalate(*, db: Session, actor: Principal, task_id: int, reason: str, now: datetime) -> ControlTask:
    """Close a documentary check as escalated and open a physical inspection in its place."""
    task, declaration = task_for_work(db=db, actor=actor, task_id=task_id, statuses=("in_progress",
                                                                                     "awaiting_documents"))
    if task.kind != "documentary":
        raise Conflict([Problem("control.task_kind", "", {"kind": task.kind})])
    task.status, task.closed, task.result, task.finished_at, task.note = "done", True, "escalated", now, reason
    inspection = ControlTask(**task_values(declaration_id=declaration.id, office=task.office, kind="physical",
                                           reasons=declaration.channel_reasons or [],
                                           items=declaration.document["items"], now=now, parent_id=task.id))
    inspection.random_pick = task.random_pick
    db.add(inspection)
    # Time Release Study milestones: the documentary check is done, and an inspection requested.
    declarations.declaration_note(db=db, actor=actor, declaration=declaration, kind="check_done",
                                  reason=f"escalated: {reason}", now=now, code="check_escalated",
                                  params={"text": reason})
    declarations.declaration_note(db=db, actor=actor, declaration=declaration, kind="inspection_requested",
                                  reason=reason, now=now, code="inspection_requested", params={"text": reason})
    db.flush()
    return inspection


def _billed(db: Session, task: ControlTask, declaration: Declaration, findings: list[Finding],
            now: datetime) -> tuple[AdjustmentFigures | None, str]:
    """The findings' adjustment, billed by the tariff in the assessment's currency when the declaration was
    assessed (the trader then owes it and the goods stay held until it is paid); else at the stated rates."""
    if not supplement_applies(db=db, declaration_id=declaration.id):
        return findings_adjustment(document=declaration.document, findings=findings), ""
    if not any(f.result == "discrepancy" and f.corrected for f in findings):
        return None, ""  # this control corrected nothing: nothing new to bill
    # Every correction found on the declaration so far (an earlier control's too, later ones prevailing): the
    # bill compares the goods as now known with the assessment in force, which may already carry earlier findings.
    corrections: dict[int, dict[str, Any]] = {}
    for found in db.scalars(select(Finding).where(Finding.declaration_id == declaration.id,
                                                  Finding.result == "discrepancy")
                            .order_by(Finding.task_id, Finding.id)):
        corrections.setdefault(found.item_index, {}).update(found.corrected or {})
    supplement = supplement_raise(db=db, declaration=declaration, penalty_rate=PENALTY_RATE, now=now,
                                  corrections={i: c for i, c in corrections.items() if c},
                                  reason=f"control {task.id} findings")
    if supplement is None:
        return None, ""  # the corrections change no tax
    figures = AdjustmentFigures(supplement.currency, supplement.declared, supplement.corrected,
                                supplement.difference, supplement.penalty, supplement.total, method=supplement.method,
                                basis=supplement.basis)
    taxes = ", ".join(f"{tax} {amount}" for tax, amount in supplement.per_tax.items() if amount)
    return figures, f"({taxes}), payment reference {supplement.record.payment_reference}"


def control_finish(*, db: Session, actor: Principal, task: ControlTask, declaration: Declaration, note: str | None,
                   release: Release, now: datetime) -> ControlTask:
    """Close a control with its outcome label, adjustment and enforcement case; release if nothing else holds."""
    findings = list(db.scalars(select(Finding).where(Finding.task_id == task.id).order_by(Finding.item_index)))
    figures, billed = _billed(db, task, declaration, findings, now)
    task.fraud_found = any(f.result == "discrepancy" for f in findings)
    task.result = "irregular" if task.fraud_found else "compliant"
    task.revenue_raised = max(figures.total, 0) if figures else 0  # type: ignore[assignment]
    task.currency = figures.currency if figures else declaration.document["currency"]
    task.status, task.closed, task.finished_at, task.note = "done", True, now, note
    db.add_all(OutcomeRule(task_id=task.id, rule_id=rule) for rule in task.rule_ids or [])
    seized = seized_lines(findings)
    if seized:
        case = EnforcementCase(reference=f"EC-{now.year}-T{task.id}", declaration_id=declaration.id,
                               task_id=task.id, seized=seized, status="open", opened_by=actor.username,
                               opened_at=now)
        db.add(case)
    summary = f"{task.kind} {task.result}" + (f"; {len(seized)} item(s) seized" if seized else "")
    officer_decides = any(f.result == "discrepancy" and f.kind in DECIDED_BY_OFFICER for f in findings)
    if officer_decides:
        summary += "; awaiting an officer's release decision"
    # A documentary check's end is the TRS milestone "check_done"; an inspection's is "inspection_ended" (already
    # written), so its summary is an informational "control_finished".
    declarations.declaration_note(db=db, actor=actor, declaration=declaration, reason=summary, now=now,
                                  kind="check_done" if task.kind == "documentary" else "control_finished",
                                  code=f"control_done.{task.kind}.{task.result}" + (".seized" if seized else "")
                                  + (".officer" if officer_decides else ""),
                                  params={"seized": len(seized)})
    if figures is not None and figures.total != 0:
        db.add(Adjustment(declaration_id=declaration.id, task_id=task.id, currency=figures.currency,
                          declared_duty=figures.declared_duty, corrected_duty=figures.corrected_duty,
                          difference=figures.difference, penalty=figures.penalty, total=figures.total,
                          method=figures.method, basis=figures.basis, final=True, created_by=actor.username,
                          created_at=now))
        detail = billed or f"(duty {figures.difference}, penalty {figures.penalty})"
        declarations.declaration_note(db=db, actor=actor, declaration=declaration, kind="duty_adjusted",
                                      reason=f"{figures.total} {figures.currency} to pay {detail}", now=now,
                                      code="duty_adjusted", params={"amount": str(figures.total),
                                                                    "currency": figures.currency})
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="control.finished",
                 target_type="control_task", target_id=str(task.id),
                 detail={"result": task.result, "revenue": str(task.revenue_raised)}, at=now)
    db.flush()
    if officer_decides:  # prohibited or concealed goods never go by themselves: an officer releases or detains
        return task
    release.attempt(db=db, declaration=declaration, actor=actor, reason="controls completed", now=now,
                    code="released.controls_completed", params={})
    return task


def documentary_accept(*, db: Session, actor: Principal, task_id: int, note: str | None, release: Release,
                       now: datetime) -> ControlTask:
    """Close a documentary check: compliant unless findings say otherwise."""
    task, declaration = task_for_work(db=db, actor=actor, task_id=task_id)
    if task.kind != "documentary":
        raise Conflict([Problem("control.task_kind", "", {"kind": task.kind})])
    return control_finish(db=db, actor=actor, task=task, declaration=declaration, note=note, release=release, now=now)
