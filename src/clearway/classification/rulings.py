"""The advance-ruling workflow on the classification side: a trader requests, an analyst decides from a workbench
showing the assistant's suggestions and the nearest past rulings (by sentence embedding), and issued rulings
become learning data (`learning.learned_pairs` reads them at the next retrain).

The ruling records themselves belong to tariff (`tariff.rulings`); this module reads and writes them only
through its functions.
"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.classification import embed
from clearway.classification.rulings_schemas import (
    NearRulingRead,
    RulingDecision,
    RulingItemRead,
    RulingRequestCreate,
    RulingWorkbenchRead,
)
from clearway.classification.service import classification_suggest
from clearway.errors import NotFound, Problem, ValidationFailed
from clearway.tariff import rulings as tariff_rulings
from clearway.tariff.models import AdvanceRuling

MAX_SIMILAR = 5
# Rulings' vectors by (id, text): an issued ruling's description never changes, so a process embeds it once.
_vectors: dict[tuple[int, str], np.ndarray] = {}


def _visible(actor: Principal, ruling: AdvanceRuling) -> bool:
    return actor.is_customs or ruling.holder_id == actor.organisation_code


def ruling_for(*, db: Session, actor: Principal, reference: str) -> AdvanceRuling:
    """A classification ruling the actor may see (customs: all; a trader: its own), else 404."""
    ruling = tariff_rulings.ruling_get(db=db, reference=reference)
    if ruling.kind != "classification" or not _visible(actor, ruling):
        raise NotFound([Problem("tariff.ruling_not_found", "", {"reference": reference})])
    return ruling


def rulings_nearest(*, db: Session, description: str, exclude: str | None = None,
                    k: int = MAX_SIMILAR) -> list[NearRulingRead]:
    """Issued classification rulings nearest to a description by embedding cosine, nearest first."""
    issued = [r for r in tariff_rulings.rulings_issued(db=db) if r.hs_code and r.reference != exclude]
    if not issued:
        return []
    missing = [r for r in issued if (r.id, r.goods_description) not in _vectors]
    if missing:
        for ruling, vector in zip(missing, embed.encode([r.goods_description for r in missing]), strict=True):
            _vectors[(ruling.id, ruling.goods_description)] = vector
    matrix = np.stack([_vectors[(r.id, r.goods_description)] for r in issued])
    cosines = matrix @ embed.encode([description])[0]
    order = np.argsort(-cosines)[:k]
    return [NearRulingRead(reference=issued[i].reference, goods_description=issued[i].goods_description,
                           hs_code=issued[i].hs_code or "", similarity=round(float(cosines[i]), 4)) for i in order]


def ruling_workbench(*, db: Session, actor: Principal, reference: str, on: date, locale: str) -> RulingWorkbenchRead:
    """A ruling request with the assistant's suggestions (checking the proposed code) and the nearest rulings."""
    ruling = ruling_for(db=db, actor=actor, reference=reference)
    assistant = classification_suggest(db=db, actor=actor, description=ruling.goods_description, limit=8,
                                       hs_code=ruling.proposed_hs, on=on, locale=locale)
    similar = rulings_nearest(db=db, description=ruling.goods_description, exclude=ruling.reference)
    return RulingWorkbenchRead(ruling=RulingItemRead.of(ruling), assistant=assistant, similar=similar)


def ruling_request_create(*, db: Session, actor: Principal, draft: RulingRequestCreate,
                          now: datetime) -> AdvanceRuling:
    """Record a trader's classification ruling request (the trader's organisation holds it)."""
    ruling = tariff_rulings.ruling_request(
        db=db, holder_id=actor.organisation_code, kind="classification", goods_description=draft.goods_description,
        match_terms=draft.match_terms, proposed_hs=draft.proposed_hs, now=now)
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="ruling.requested",
                 target_type="ruling", target_id=ruling.reference, detail={"proposed_hs": draft.proposed_hs}, at=now)
    return ruling


def ruling_decide(*, db: Session, actor: Principal, reference: str, decision: RulingDecision,
                  now: datetime) -> AdvanceRuling:
    """Issue or refuse a requested classification ruling, with an audit record; issued ones are learned."""
    ruling = ruling_for(db=db, actor=actor, reference=reference)
    if decision.outcome == "refuse" and not decision.justification:  # a refusal says why
        raise ValidationFailed([Problem("field.required", "/justification", {"field": "justification"})])
    if decision.outcome == "issue":
        ruling = tariff_rulings.ruling_issue(
            db=db, reference=ruling.reference, officer_id=actor.user_id, valid_from=decision.valid_from or now.date(),
            valid_to=decision.valid_to, hs_code=decision.hs_code, justification=decision.justification, now=now)
    else:
        ruling = tariff_rulings.ruling_refuse(db=db, reference=ruling.reference, officer_id=actor.user_id,
                                              justification=decision.justification or "", now=now)
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action=f"ruling.{ruling.status}",
                 target_type="ruling", target_id=ruling.reference,
                 detail={"hs_code": ruling.hs_code, "proposed_hs": ruling.proposed_hs}, at=now)
    return ruling
