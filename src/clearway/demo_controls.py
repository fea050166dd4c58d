"""The demo's officers at work: the seeded history's controls, finished the way officers finish them.

A demo lodged over 90 days whose every yellow declaration is still open, with release times of
zero, looks like a broken administration. Here each control older than a couple of days is worked
through the controls domain's own services, at the times an officer would have done it (claimed
within hours, closed within a day or two): documentary checks are accepted, inspections are
scheduled, started and ended with a finding per item. Where the synthetic world planted a fraud
that the control found, the finding says what the truth is (value, code, origin, quantity), so the
adjustments, the outcome labels for the risk engine and a seizure case come from real findings.
The last three days' controls stay in the queue for the demo officer to work.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.controls import service as controls
from clearway.controls.models import ControlTask
from clearway.declarations.models import Declaration
from clearway.holds import Release
from clearway.synthetic.records import DeclarationRecord

# The queue keeps the last three days' controls for the demo officer; older ones are finished, at most about
# 55 hours after lodging, so never in the future.
KEEP_OPEN = timedelta(days=3)
# The synthetic fraud kinds, as the finding an officer records for them (kind, corrected field).
FINDING_OF = {"undervaluation": ("value", "value"), "misclassification": ("classification", "hs_code"),
              "false_origin": ("origin", "origin_country"), "quantity": ("quantity", "quantity")}


def _officer(office: str) -> Principal:
    return Principal(user_id=0, username=f"examiner-{office.lower()}", role="officer", organisation_id=0,
                     organisation_code="KRCUSTOMS", office=office)


def _findings(record: DeclarationRecord | None, items: int, rng: random.Random) -> list[dict[str, Any]]:
    """One finding per item: the truth where the control found the planted fraud, else compliant."""
    # Officers find most planted frauds they control (not every one: findings are not certain).
    found = record is not None and record.truth.fraud_kind is not None and rng.random() < 0.85
    out: list[dict[str, Any]] = []
    for index in range(items):
        finding: dict[str, Any] = {"item": index, "result": "compliant", "kind": None, "corrected": {},
                                   "seized_quantity": None, "seized_unit": None}
        true = record.truth.items[index] if found and record and index < len(record.truth.items) else None
        kind = record.truth.fraud_kind if found and record else None
        if kind == "prohibited" and index == 0:
            finding.update(result="discrepancy", kind="concealment", seized_quantity=Decimal(1), seized_unit="NAR")
        elif kind in FINDING_OF and true is not None:
            finding_kind, field = FINDING_OF[kind]
            value = getattr(true, field if field != "quantity" else "quantity")
            finding.update(result="discrepancy", kind=finding_kind, corrected={field: str(value)})
        out.append(finding)
    return out


def _work(db: Session, task: ControlTask, declaration: Declaration, record: DeclarationRecord | None,
          release: Release, rng: random.Random) -> None:
    officer = _officer(task.office)
    start = declaration.lodged_at
    claimed = start + timedelta(minutes=rng.randint(20, 6 * 60))
    controls.task_claim(db=db, actor=officer, task_id=task.id, now=claimed)
    at = claimed
    if task.kind == "physical":
        at = claimed + timedelta(minutes=rng.randint(60, 20 * 60))
        controls.inspection_schedule(db=db, actor=officer, task_id=task.id, at=at, place="Inspection shed 2",
                                     now=claimed)
        controls.goods_available(db=db, actor=officer, task_id=task.id, now=at)
        at += timedelta(minutes=rng.randint(15, 90))
        controls.inspection_start(db=db, actor=officer, task_id=task.id, now=at)
    for finding in _findings(record, len(declaration.document["items"]), rng):
        at += timedelta(minutes=rng.randint(5, 40))
        if finding["result"] == "compliant" and task.kind == "documentary":
            continue  # a documentary check records only what is wrong
        controls.finding_record(db=db, actor=officer, task_id=task.id, item=finding["item"],
                                result=finding["result"], kind=finding["kind"], corrected=finding["corrected"],
                                seized_quantity=finding["seized_quantity"], seized_unit=finding["seized_unit"],
                                note="found at the demo's control", photo_ids=[], now=at)
    at += timedelta(minutes=rng.randint(10, 26 * 60))
    if task.kind == "physical":
        controls.inspection_end(db=db, actor=officer, task_id=task.id, note="inspection finished", release=release,
                                now=at)
    else:
        controls.documentary_accept(db=db, actor=officer, task_id=task.id, note="documents checked",
                                    release=release, now=at)


def demo_controls_finish(*, db: Session, release: Release, lodged: Sequence[tuple[int, DeclarationRecord]],
                         now: datetime, seed: int = 11,
                         progress: Callable[[int, int], None] | None = None) -> int:
    """Finish the open controls of declarations lodged before the last three days; how many were finished."""
    rng = random.Random(seed)
    records = dict(lodged)
    tasks = list(db.scalars(select(ControlTask).join(Declaration, Declaration.id == ControlTask.declaration_id)
                            .where(ControlTask.closed.is_(False), Declaration.lodged_at < now - KEEP_OPEN)
                            .order_by(ControlTask.id)))
    done = 0
    for n, task in enumerate(tasks):
        declaration = db.get(Declaration, task.declaration_id)
        if declaration is None or declaration.status not in ("under_control", "detained"):
            continue
        with db.begin_nested():
            _work(db, task, declaration, records.get(declaration.id), release, rng)
        done += 1
        if progress and n % 50 == 0:
            progress(n, len(tasks))
    return done
