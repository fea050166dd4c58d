"""Officers' review of the mirror report: a line with a gap is acknowledged (seen, and why it is explained) or
escalated (for a closer look: a request for assistance, a post-clearance audit); each decision is audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.errors import Conflict, NotFound, Problem
from clearway.exchange.directory import own_party
from clearway.exchange.models import MirrorCheck

# Which decision may follow which: an acknowledged line may still be escalated; an escalated one stays so.
NEXT = {"open": ("acknowledged", "escalated"), "acknowledged": ("escalated",), "escalated": ()}


def mirror_line_get(*, db: Session, line_id: int) -> MirrorCheck:
    """A mirror report line by id, or 404."""
    row = db.get(MirrorCheck, line_id)
    if row is None:
        raise NotFound([Problem("exchange.mirror_unknown", "", {"value": str(line_id)})])
    return row


def mirror_review(*, db: Session, actor: str, line_id: int, action: str, note: str, now: datetime) -> MirrorCheck:
    """Acknowledge or escalate a mirror line with a gap; the note says why."""
    row = mirror_line_get(db=db, line_id=line_id)
    if not row.gap:
        raise Conflict([Problem("exchange.mirror_no_gap", "", {"value": row.import_mrn})])
    if action not in NEXT.get(row.review, ()):
        raise Conflict([Problem("exchange.mirror_review_closed", "/action", {"value": row.import_mrn})])
    row.review, row.reviewed_by, row.reviewed_at, row.review_note = action, actor, now, note
    db.flush()
    audit_append(db=db, actor=actor, actor_org=own_party(db=db), action=f"exchange.mirror_{action}",
                 target_type="mirror_check", target_id=f"{row.import_mrn}/{row.sender}/{row.export_mrn}",
                 detail={"note": note, "found_on": row.found_on,
                         "findings": [f.get("code") for f in row.findings]}, at=now)
    return row
