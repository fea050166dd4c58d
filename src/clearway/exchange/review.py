"""Officers' review of the mirror report: a line with a gap is acknowledged (seen, and why it is explained) or
escalated. Escalating opens a control on the matching import declaration through the controls domain's own
service (`controls.service.control_open`), with the mirror gap as its reason, so that the one release decision
holds the goods until that control ends; acknowledging opens none. Each decision is audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.controls import service as controls
from clearway.declarations.selectors import declaration_get
from clearway.errors import Conflict, NotFound, Problem
from clearway.exchange.directory import own_party
from clearway.exchange.models import MirrorCheck

# Which decision may follow which: an acknowledged line may still be escalated; an escalated one stays so.
NEXT = {"open": ("acknowledged", "escalated"), "acknowledged": ("escalated",), "escalated": ()}
# What the goods must show to explain a finding: a different quantity, code, origin or item count is seen on the
# goods (physical inspection); a value or currency gap is read in the invoice and the documents (documentary check).
PHYSICAL_FINDINGS = {"mirror.quantity", "mirror.hs_code", "mirror.origin", "mirror.item_count"}


def mirror_line_get(*, db: Session, line_id: int) -> MirrorCheck:
    """A mirror report line by id, or 404."""
    row = db.get(MirrorCheck, line_id)
    if row is None:
        raise NotFound([Problem("exchange.mirror_unknown", "", {"value": str(line_id)})])
    return row


def control_kind(row: MirrorCheck) -> str:
    """The control an escalated line asks for: physical when the goods themselves differ, else documentary."""
    return "physical" if any(f.get("code") in PHYSICAL_FINDINGS for f in row.findings) else "documentary"


def _control(db: Session, actor: Principal, row: MirrorCheck, note: str, now: datetime) -> int:
    """Open the escalated line's control on its import declaration; the task's id."""
    try:
        declaration = declaration_get(db=db, actor=actor, mrn=row.import_mrn, now=now, for_update=True, audit=False)
    except NotFound:  # gone, or in an office this officer does not act for: nothing to control from here
        raise Conflict([Problem("exchange.mirror_import_missing", "", {"value": row.import_mrn})]) from None
    reason = {"rule": "exchange.mirror_gap", "text": note, "mirror_line": row.id, "partner": row.sender,
              "export_mrn": row.export_mrn, "findings": [f.get("code") for f in row.findings]}
    task = controls.control_open(db=db, actor=actor, declaration=declaration, kind=control_kind(row), reason=reason,
                                 now=now)
    return task.id


def mirror_review(*, db: Session, actor: Principal, line_id: int, action: str, note: str,
                  now: datetime) -> MirrorCheck:
    """Acknowledge or escalate a mirror line with a gap; the note says why. Escalating opens a control on the
    import declaration (its goods are held until the control ends)."""
    row = mirror_line_get(db=db, line_id=line_id)
    if not row.gap:
        raise Conflict([Problem("exchange.mirror_no_gap", "", {"value": row.import_mrn})])
    if action not in NEXT.get(row.review, ()):
        raise Conflict([Problem("exchange.mirror_review_closed", "/action", {"value": row.import_mrn})])
    task_id = _control(db, actor, row, note, now) if action == "escalated" else None
    row.review, row.reviewed_by, row.reviewed_at, row.review_note = action, actor.username, now, note
    row.control_task_id = task_id if task_id is not None else row.control_task_id
    db.flush()
    audit_append(db=db, actor=actor.username, actor_org=own_party(db=db), action=f"exchange.mirror_{action}",
                 target_type="mirror_check", target_id=f"{row.import_mrn}/{row.sender}/{row.export_mrn}",
                 detail={"note": note, "found_on": row.found_on, "control_task": task_id,
                         "findings": [f.get("code") for f in row.findings]}, at=now)
    return row
