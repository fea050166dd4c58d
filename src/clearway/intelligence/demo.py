"""The intelligence demo: a few alerts between customs, the MFDS and the FIU, in every kind of marking.

- AMBER, from the analyst to the MFDS, on the trader of the latest released declaration, with a hit reported
  back by the officer (the outcome the originator sees);
- GREEN, from the officer, on cigarettes (HS 240220): it holds matching goods until an outcome is reported;
- RED, from the analyst to the FIU's user only, on a courier network (nobody else reads it);
- AMBER+STRICT, from the MFDS to customs, on a vessel, acknowledged by the officer;
- GREEN, from the analyst to the MFDS, on a container, distributed longer ago than the feedback period and still
  without an outcome: the `intelligence.feedback_overdue` job raises the overdue task of the MFDS (which owes the
  outcome) and of the analyst (who follows it up), shown in their inboxes and nobody else's;
- the demo's first seizure (a controls enforcement case) published as a non-nominal WCO CEN record (GREEN).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.auth.models import User
from clearway.auth.schemas import Principal
from clearway.auth.service import principal_of
from clearway.controls.models import EnforcementCase
from clearway.declarations.models import Declaration
from clearway.holds import Release
from clearway.intelligence import seizures, service
from clearway.intelligence.schemas import AlertCreate, OutcomeCreate, SeizureCreate
from clearway.intelligence.settings import intelligence_settings


def _who(db: Session, username: str) -> Principal | None:
    user = db.scalar(select(User).where(User.username == username))
    return principal_of(user) if user is not None else None


def intelligence_demo_seed(*, db: Session, now: datetime, release: Release, feedback_days: int | None = None) -> int:
    """Seed the demo alerts (one with an outcome, one with its feedback overdue after `feedback_days`, the
    deployment's setting when not given); returns how many were created."""
    days = intelligence_settings().feedback_days if feedback_days is None else feedback_days
    analyst, officer, agency, fiu = (_who(db, u) for u in ("analyst", "officer", "agency", "fiu"))
    if analyst is None or officer is None or agency is None:
        return 0
    latest = db.scalar(select(Declaration).where(Declaration.status.in_(("released", "cleared")),
                                                 Declaration.office == (officer.office or "KR0101"))
                       .order_by(Declaration.id.desc()).limit(1))
    created = 0
    if latest is not None:
        amber = service.alert_create(db=db, actor=analyst, now=now, body=AlertCreate(
            subject_type="trader", subject_value=latest.importer_id or latest.declarant_id,
            text="Liaison officer reports that this importer under-declares the quantity of its electronics "
                 "shipments; invoices found in a parallel case show twice the declared units.",
            source_ref="LO-CN-04", source_grade="B", info_grade="2", marking="AMBER",
            purposes=["risk_targeting", "control"], recipients=["org:KRMFDS"], valid_days=60))
        service.outcome_record(db=db, actor=officer, reference=amber.reference, purpose="control", release=release,
                               now=now, body=OutcomeCreate(mrn=latest.mrn, outcome="hit",
                                                           note="Post-release check: 40 % more units than declared."))
        created += 1
    service.alert_create(db=db, actor=officer, now=now, body=AlertCreate(
        subject_type="goods", subject_value="240220",
        text="Cigarettes declared as phone accessories were found at two ports this month; check every "
             "cigarette consignment's packing list against its marks.",
        source_ref="SEIZURE-DB", source_grade="A", info_grade="1", marking="GREEN",
        purposes=["risk_targeting", "control"], recipients=["org:KRMFDS"], valid_days=30, hold_goods=True))
    created += 1
    service.alert_create(db=db, actor=analyst, now=now, body=AlertCreate(
        subject_type="modus_operandi", subject_value="Cash couriers paid per trip via ICN",
        text="A human source describes couriers carrying cash for a network that settles under-invoiced imports.",
        source_ref="HUMINT-11", source_grade="C", info_grade="3", marking="RED", purposes=["investigation"],
        recipients=["user:fiu"] if fiu is not None else [], valid_days=90))
    created += 1
    strict = service.alert_create(db=db, actor=agency, now=now, body=AlertCreate(
        kind="report", subject_type="vessel", subject_value="KE0082",
        text="Fish products from this vessel failed residue tests twice; the MFDS samples every consignment.",
        source_ref="MFDS-LAB", source_grade="A", info_grade="2", marking="AMBER+STRICT", purposes=["control"],
        recipients=["org:KRCUSTOMS"], valid_days=45))
    service.alert_acknowledge(db=db, actor=officer, reference=strict.reference, purpose="control", now=now)
    # Sent a week past the feedback period ago, and valid well beyond it: its outcome is late, not moot.
    sent = now - timedelta(days=days + 7)
    service.alert_create(db=db, actor=analyst, now=sent, body=AlertCreate(
        subject_type="container", subject_value="MSCU4412870",
        text="Containers of this line routed through a free zone carried relabelled textiles; report what the "
             "inspection of its next arrival finds.",
        source_ref="PORT-MON-2", source_grade="B", info_grade="3", marking="GREEN",
        purposes=["risk_targeting", "control"], recipients=["org:KRMFDS"], valid_days=days + 60))
    created += 1
    case = db.scalar(select(EnforcementCase.reference).order_by(EnforcementCase.id).limit(1))
    if case is not None:
        seizures.seizure_publish(db=db, actor=officer, now=now, body=SeizureCreate(case=case))
    return created + 1
