"""A declarant's changes after lodging: an amendment (re-assessed, then released if that was all) or a cancellation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.clearance.wiring import Wiring
from clearway.declarations import service as declarations
from clearway.declarations.lifecycle import SYSTEM_ACTOR, declaration_note
from clearway.declarations.models import Declaration
from clearway.tariff import service as tariff


def declaration_amend(*, db: Session, wiring: Wiring, actor: Principal, declaration: Declaration, raw: Any,
                      expected_version: int, now: datetime) -> Declaration:
    """Replace the document with a new version; duties are re-assessed, and the goods go if nothing else holds them."""
    doc = declarations.declaration_amend(db=db, actor=actor, declaration=declaration, raw=raw,
                                         expected_version=expected_version, now=now)
    text = tariff.assessment_amend(db=db, declaration=declaration, document=doc, now=now)
    if text is not None:
        record = tariff.assessment_current(db=db, declaration_id=declaration.id)
        params = {"total": str(record.total), "currency": record.currency} if record is not None else None
        declaration_note(db=db, actor=SYSTEM_ACTOR, declaration=declaration, kind="reassessed", reason=text, now=now,
                         code="reassessed" if params else None, params=params)
    for step in wiring.steps:  # permits re-drawn, only the agencies whose data changed asked again
        step.amended(db=db, declaration=declaration, actor=actor, now=now)
    if declaration.status == "channelled":  # a green or blue declaration that waited: perhaps only for its money
        wiring.release.attempt(db=db, declaration=declaration, actor=SYSTEM_ACTOR,
                               reason="duties covered after amendment: release", now=now,
                               code="released.after_amendment", params={})
    return declaration


def declaration_cancel(*, db: Session, wiring: Wiring, actor: Principal, declaration: Declaration, reason: str,
                       now: datetime) -> Declaration:
    """Withdraw a declaration when its state allows it."""
    declaration = declarations.declaration_cancel(db=db, actor=actor, declaration=declaration, reason=reason, now=now)
    for step in wiring.steps:  # reservations given back
        step.withdrawn(db=db, declaration=declaration, now=now)
    return declaration
