"""Files attached to an alert: they carry the alert's marking. Adding one needs the right to read the alert for
the purpose; taking one out of the system (a download) needs the right to export it, and every download is
audited like a read. Only kinds an analyst opens safely are taken, and only when their bytes say the same."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, Problem, ValidationFailed
from clearway.intelligence import selectors
from clearway.intelligence.markings import permitted
from clearway.intelligence.models import IntelAlert, IntelAttachment

MAX_BYTES = 1_500_000  # below the request body limit (2 MB), so this check answers with its own code
MAX_PER_ALERT = 20
MAGIC = {"application/pdf": (b"%PDF-",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",)}
TEXT_TYPES = ("text/plain", "text/csv")
ALLOWED = (*MAGIC, *TEXT_TYPES)


def _audit(db: Session, actor: Principal, what: str, alert: IntelAlert, now: datetime, **detail: object) -> None:
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action=f"intelligence.{what}",
                 target_type="intel_alert", target_id=alert.reference, detail={"marking": alert.marking, **detail},
                 at=now)


def attachment_check(*, name: str | None, media_type: str | None, data: bytes) -> tuple[str, str]:
    """The file's safe name and type, or a 413 (too large) or 422 (a kind refused, bytes that say otherwise)."""
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge([Problem("intelligence.attachment_too_large", "/file", {"max": MAX_BYTES})])
    kind = (media_type or "").split(";")[0].strip().lower()
    if kind not in ALLOWED:
        raise ValidationFailed([Problem("intelligence.attachment_type_refused", "/file",
                                        {"value": kind[:80] or "-", "allowed": ", ".join(ALLOWED)})])
    if not data:
        raise ValidationFailed([Problem("intelligence.attachment_content_mismatch", "/file", {"value": kind})])
    if kind in MAGIC and not data.startswith(MAGIC[kind]):
        raise ValidationFailed([Problem("intelligence.attachment_content_mismatch", "/file", {"value": kind})])
    if kind in TEXT_TYPES:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = "\x00"
        if "\x00" in text:  # a binary sent as text
            raise ValidationFailed([Problem("intelligence.attachment_content_mismatch", "/file", {"value": kind})])
    clean = Path((name or "attachment").replace("\\", "/")).name
    clean = "".join(c for c in clean if c.isprintable() and c not in '"')[:120] or "attachment"
    return clean, kind


def attachment_add(*, db: Session, actor: Principal, reference: str, purpose: str | None, name: str | None,
                   media_type: str | None, data: bytes, now: datetime) -> IntelAttachment:
    """Attach a file to an alert the caller may read for the purpose; it inherits the alert's marking."""
    service_community(actor)
    alert, _handling, _party = selectors.alert_readable(db=db, actor=actor, reference=reference, purpose=purpose,
                                                        for_update=True)
    clean, kind = attachment_check(name=name, media_type=media_type, data=data)
    count = db.scalar(select(func.count()).select_from(IntelAttachment).where(IntelAttachment.alert_id == alert.id))
    if (count or 0) >= MAX_PER_ALERT:
        raise Conflict([Problem("intelligence.attachments_full", "/file", {"max": MAX_PER_ALERT})])
    row = IntelAttachment(alert_id=alert.id, name=clean, media_type=kind, sha256=hashlib.sha256(data).hexdigest(),
                          content=data, size=len(data), uploaded_by=actor.username, uploaded_at=now)
    db.add(row)
    db.flush()
    _audit(db, actor, "attachment_added", alert, now, purpose=purpose, attachment=row.id, sha256=row.sha256,
           size=row.size)
    return row


def service_community(actor: Principal) -> None:
    """Traders, admins and auditors attach nothing (the marking's need-to-know roles only)."""
    if actor.role not in ("officer", "analyst", "agency", "partner"):
        raise Forbidden([Problem("intelligence.no_need_to_know", "", {"role": actor.role})])


def attachment_download(*, db: Session, actor: Principal, reference: str, attachment_id: int, purpose: str | None,
                        now: datetime) -> IntelAttachment:
    """The file, if the alert's marking lets this reader export it (404 to a non-reader, 403 to a reader who may
    not take it out); the download is audited."""
    alert, handling, party = selectors.alert_readable(db=db, actor=actor, reference=reference, purpose=purpose)
    row = db.scalar(select(IntelAttachment).where(IntelAttachment.id == attachment_id,
                                                  IntelAttachment.alert_id == alert.id))
    if row is None:
        raise NotFound([Problem("intelligence.attachment_unknown", "", {"id": attachment_id})])
    verdict = permitted(handling, party, "export", purpose)
    if not verdict:
        raise Forbidden([Problem(verdict.code, "", {"reference": reference, "marking": alert.marking})])
    _audit(db, actor, "attachment_read", alert, now, purpose=purpose, attachment=row.id, sha256=row.sha256)
    return row
