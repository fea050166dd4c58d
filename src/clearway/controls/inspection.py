"""Physical inspection: scheduled, goods made available, started, findings per item, ended."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.controls import storage
from clearway.controls.checks import control_finish, task_for_work
from clearway.controls.models import ControlFile, ControlTask, Finding
from clearway.declarations import service as declarations
from clearway.errors import Conflict, Problem, ValidationFailed
from clearway.holds import Release
from clearway.reference.service import countries

DISCREPANCIES = ("value", "classification", "origin", "quantity", "description", "prohibited", "concealment")
# Which corrected field each kind of discrepancy may carry.
CORRECTABLE = {"value": "value", "classification": "hs_code", "origin": "origin_country", "quantity": "quantity"}
AMOUNT = re.compile(r"\d{1,15}(\.\d{1,6})?")  # the declaration's decimal strings
HS_CODE = re.compile(r"\d{6}(\d{2}){0,2}")


def _physical(db: Session, actor: Principal, task_id: int) -> tuple[ControlTask, Any]:
    task, declaration = task_for_work(db=db, actor=actor, task_id=task_id)
    if task.kind != "physical":
        raise Conflict([Problem("control.task_kind", "", {"kind": task.kind})])
    return task, declaration


def inspection_schedule(*, db: Session, actor: Principal, task_id: int, at: datetime, place: str,
                        now: datetime) -> ControlTask:
    """Set when and where the goods will be examined; the trader is told."""
    task, declaration = _physical(db, actor, task_id)
    if task.started_at is not None:
        raise Conflict([Problem("control.inspection_started", "", {"id": task_id})])
    task.scheduled_for, task.place = at, place
    declarations.declaration_note(db=db, actor=actor, declaration=declaration, kind="inspection_scheduled",
                                  reason=f"{at.isoformat()} at {place}", now=now, code="inspection_scheduled",
                                  params={"at": at.isoformat(), "place": place})
    return task


def goods_available(*, db: Session, actor: Principal, task_id: int, now: datetime) -> ControlTask:
    """Record that the goods were presented for examination."""
    task, declaration = _physical(db, actor, task_id)
    if task.goods_available_at is None:
        task.goods_available_at = now
        declarations.declaration_note(db=db, actor=actor, declaration=declaration, kind="goods_available",
                                      reason=task.place, now=now,
                                      code="goods_available" if task.place else "goods_available.nowhere",
                                      params={"place": task.place} if task.place else {})
    return task


def inspection_start(*, db: Session, actor: Principal, task_id: int, now: datetime) -> ControlTask:
    """Start examining goods that were made available."""
    task, declaration = _physical(db, actor, task_id)
    if task.goods_available_at is None:
        raise Conflict([Problem("control.goods_not_available", "", {"id": task_id})])
    if task.started_at is None:
        task.started_at = now
        declarations.declaration_note(db=db, actor=actor, declaration=declaration, kind="inspection_started",
                                      reason=None, now=now)
    return task


def _correction_valid(key: str, value: Any) -> bool:
    """A corrected value as the declaration itself would carry it: it is billed and becomes the label."""
    text = str(value)
    if key in ("value", "quantity"):
        return bool(AMOUNT.fullmatch(text)) and Decimal(text) > 0
    if key == "hs_code":
        return bool(HS_CODE.fullmatch(text))
    return text in countries()  # origin_country


def _checked_finding(item_count: int, item: int, result: str, kind: str | None,
                     corrected: dict[str, Any], seized: Decimal | None) -> None:
    problems = []
    if not 0 <= item < item_count:
        problems.append(Problem("control.item_unknown", "/item", {"item": item, "count": item_count}))
    if result == "discrepancy" and kind not in DISCREPANCIES:
        problems.append(Problem("control.discrepancy_kind_required", "/kind", {}))
    if result == "compliant" and (kind or corrected or seized):
        problems.append(Problem("control.compliant_with_discrepancy", "/result", {}))
    for key, value in corrected.items():
        if kind is None or CORRECTABLE.get(kind) != key:
            problems.append(Problem("control.correction_not_for_kind", f"/corrected/{key}", {"kind": kind or "-"}))
        elif not _correction_valid(key, value):
            problems.append(Problem("control.correction_invalid", f"/corrected/{key}", {"value": str(value)[:40]}))
    if problems:
        raise ValidationFailed(problems)


def finding_record(*, db: Session, actor: Principal, task_id: int, item: int, result: str, kind: str | None,
                   corrected: dict[str, Any], seized_quantity: Decimal | None, seized_unit: str | None,
                   note: str | None, photo_ids: list[int], now: datetime) -> Finding:
    """Record (or replace) the finding on one item of a started inspection or a documentary check."""
    task, declaration = task_for_work(db=db, actor=actor, task_id=task_id)
    if task.kind == "physical" and task.started_at is None:
        raise Conflict([Problem("control.inspection_not_started", "", {"id": task_id})])
    _checked_finding(len(declaration.document["items"]), item, result, kind, corrected, seized_quantity)
    known = set(db.scalars(select(ControlFile.id).where(ControlFile.task_id == task.id,
                                                        ControlFile.purpose == "photo")))
    missing = [p for p in photo_ids if p not in known]
    if missing:
        raise ValidationFailed([Problem("control.photo_unknown", "/photo_ids", {"value": missing[0]})])
    finding = db.scalar(select(Finding).where(Finding.task_id == task.id, Finding.item_index == item))
    if finding is None:
        finding = Finding(task_id=task.id, declaration_id=declaration.id, item_index=item)
        db.add(finding)
    finding.result, finding.kind, finding.corrected, finding.note = result, kind, corrected, note
    finding.seized_quantity, finding.seized_unit, finding.photo_ids = seized_quantity, seized_unit, photo_ids
    finding.recorded_by, finding.recorded_at = actor.username, now
    db.flush()
    return finding


def photo_upload(*, db: Session, actor: Principal, task_id: int, filename: str | None, content_type: str | None,
                 data: bytes, now: datetime) -> ControlFile:
    """Attach a photo taken during the control (PNG or JPEG)."""
    task, declaration = task_for_work(db=db, actor=actor, task_id=task_id)
    checked = storage.file_check(filename=filename, content_type=content_type, data=data)
    if not checked.content_type.startswith("image/"):
        raise ValidationFailed([Problem("upload.type_refused", "/file", {"value": checked.content_type,
                                                                         "allowed": "image/png, image/jpeg"})])
    row = ControlFile(declaration_id=declaration.id, task_id=task.id, purpose="photo", filename=checked.filename,
                      content_type=checked.content_type, uploaded_by=actor.username,
                      uploader_org=actor.organisation_code, uploaded_at=now)
    storage.file_store(checked, row)
    db.add(row)
    db.flush()
    return row


def inspection_end(*, db: Session, actor: Principal, task_id: int, note: str | None, release: Release,
                   now: datetime) -> ControlTask:
    """End a started inspection: findings become the outcome, any adjustment and any enforcement case."""
    task, declaration = _physical(db, actor, task_id)
    if task.started_at is None:
        raise Conflict([Problem("control.inspection_not_started", "", {"id": task_id})])
    # An item without a finding was not found compliant: perhaps its finding was refused. Ending would label
    # the goods compliant and release them, so every item must have its finding first.
    recorded = set(db.scalars(select(Finding.item_index).where(Finding.task_id == task.id)))
    missing = [i for i in range(len(declaration.document["items"])) if i not in recorded]
    if missing:
        raise Conflict([Problem("control.findings_missing", f"/findings/{missing[0]}",
                                {"items": ", ".join(str(i + 1) for i in missing), "count": len(missing)})])
    task.note = note
    declarations.declaration_note(db=db, actor=actor, declaration=declaration, kind="inspection_ended",
                                  reason=note, now=now)
    return control_finish(db=db, actor=actor, task=task, declaration=declaration, note=note, release=release, now=now)
