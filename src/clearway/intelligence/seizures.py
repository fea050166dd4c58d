"""Seizure records for the national and international seizure databases, in the shape of the WCO Customs
Enforcement Network (CEN) seizure record: made from a controls enforcement case, non-nominal (no name, address
or identifier of a person or firm, no declaration number, no free text that could carry one), and marked like
an alert: the marking decides who may export them, and every export is audited.

The record inherits the strictest marking of the alerts whose outcome on the declaration was this seizure, so a
seizure that came from an AMBER alert is not published more widely than the alert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.controls.models import ControlTask, EnforcementCase
from clearway.declarations.models import Declaration
from clearway.declarations.selectors import visible_to
from clearway.errors import Conflict, Forbidden, NotFound, Problem, ValidationFailed
from clearway.intelligence import selectors
from clearway.intelligence.markings import MARKINGS, PURPOSES, Handling, Party, permitted, strictest
from clearway.intelligence.models import IntelAction, IntelAlert, IntelOutcome, IntelSeizure
from clearway.intelligence.schemas import CaseAlert, CaseChoice, SeizureCreate, SeizureRead

COUNTRY = "KR"  # the reporting administration
CUSTOMS_ACTORS = ("officer", "analyst")
DIRECTIONS = {"IM": "import", "EX": "export", "TR": "transit"}
TRANSPORT = {"1": "sea", "2": "rail", "3": "road", "4": "air", "5": "post", "7": "fixed_installation",
             "8": "inland_waterway"}
CONTROLS = {"documentary": "document_check", "physical": "physical_examination"}
# CEN commodity groups by HS prefix, most specific first.
CATEGORIES = (("2402", "tobacco"), ("2403", "tobacco"), ("22", "alcohol"), ("3003", "medicines"),
              ("3004", "medicines"), ("2939", "drugs"), ("1211", "drugs"), ("93", "weapons_ammunition"),
              ("36", "explosives"), ("71", "precious_metals_stones"), ("4907", "currency"),
              ("0106", "cites_wildlife"), ("44", "cites_timber"), ("2710", "fuel"))
CONCEALMENT = {"concealment": "concealed", "prohibited": "undeclared_prohibited", "quantity": "misdeclared_quantity",
               "description": "misdescribed", "classification": "misclassified", "origin": "misdeclared_origin",
               "value": "undervalued"}


def category_of(hs_code: str) -> str:
    """The CEN commodity group of an HS code ("other" when none fits)."""
    return next((name for prefix, name in CATEGORIES if hs_code.startswith(prefix)), "other")


def _detection(db: Session, declaration: Declaration, task: ControlTask | None) -> str:
    """How the goods were selected: intelligence (an alert's outcome here), risk profiling, or at random."""
    if db.scalar(select(IntelOutcome.id).where(IntelOutcome.declaration_id == declaration.id)) is not None:
        return "intelligence"
    if task is not None and task.random_pick:
        return "random_selection"
    return "risk_profiling" if declaration.channel in ("yellow", "red") else "routine_control"


def cen_record(db: Session, case: EnforcementCase, declaration: Declaration, reference: str) -> dict[str, Any]:
    """The CEN fields of one seizure; everything that could name a person or firm is left out on purpose."""
    doc = declaration.document or {}
    transport = doc.get("transport") or {}
    items = doc.get("items") or []
    task = db.get(ControlTask, case.task_id)
    goods = []
    for line in case.seized:
        index = int(line.get("item", 0))
        item = items[index] if 0 <= index < len(items) else {}
        hs = "".join(ch for ch in str(item.get("hs_code") or "") if ch.isdigit())
        goods.append({"commodity_category": category_of(hs), "hs_code": hs[:6], "quantity": str(line.get("quantity")),
                      "unit": line.get("unit"), "origin_country": item.get("origin_country"),
                      "declared_value": str(item.get("value")) if item.get("value") is not None else None,
                      "currency": doc.get("currency"),
                      "concealment": CONCEALMENT.get(str(line.get("kind") or ""), "other")})
    departure = transport.get("departure_country")
    direction = DIRECTIONS.get(declaration.type, "import")
    return {
        "record_type": "seizure", "cen_reference": reference, "reporting_country": COUNTRY,
        "seizure_date": case.opened_at.date().isoformat(), "customs_office": declaration.office,
        "direction": direction, "transport_mode": TRANSPORT.get(str(transport.get("mode") or ""), "unknown"),
        "detection_method": _detection(db, declaration, task),
        "control_type": CONTROLS.get(task.kind, task.kind) if task is not None else "unknown",
        "country_of_departure": departure, "country_of_destination": COUNTRY if direction == "import" else None,
        "route": [c for c in (departure, COUNTRY) if c], "goods": goods,
        "persons": [],  # non-nominal: CEN's offender fields stay empty in a shared record
    }


def _next_reference(db: Session, now: datetime) -> str:
    prefix = f"CEN-{now.year}-"
    last = db.scalar(select(func.max(IntelSeizure.reference)).where(IntelSeizure.reference.like(f"{prefix}%")))
    return f"{prefix}{(int(last[-5:]) + 1) if last else 1:05d}"


def handling_of(record: IntelSeizure) -> Handling:
    """The record's handling: its marking and purposes, its originating organisation, no named recipients."""
    return Handling(marking=record.marking, purposes=frozenset(record.purposes), recipients=frozenset(),
                    originator_org=record.originator_org, originator_user=record.created_by)


def seizure_publish(*, db: Session, actor: Principal, body: SeizureCreate, now: datetime) -> IntelSeizure:
    """Make the CEN record of an enforcement case (officers and analysts), marked at least as strictly as the
    alerts that led to the seizure."""
    if actor.role not in CUSTOMS_ACTORS:
        raise Forbidden([Problem("auth.role_forbidden", "", {"role": actor.role})])
    party = selectors.party_of(db=db, actor=actor)
    problems = []
    if body.marking not in MARKINGS:
        problems.append(Problem("intelligence.marking_unknown", "/marking", {"marking": body.marking}))
    problems += [Problem("intelligence.purpose_unknown", f"/purposes/{i}", {"purpose": p})
                 for i, p in enumerate(body.purposes) if p not in PURPOSES]
    if problems:
        raise ValidationFailed(problems)
    case = db.scalar(select(EnforcementCase).where(EnforcementCase.reference == body.case))
    if case is None:  # a reference in the body that names nothing: the body is invalid (like an unknown recipient)
        raise ValidationFailed([Problem("intelligence.case_unknown", "/case", {"case": body.case})])
    if db.scalar(select(IntelSeizure.id).where(IntelSeizure.case_id == case.id)) is not None:
        raise Conflict([Problem("intelligence.seizure_exists", "/case", {"case": body.case})])
    declaration = db.get(Declaration, case.declaration_id)
    if declaration is None:
        raise NotFound([Problem("intelligence.case_unknown", "/case", {"case": body.case})])
    sources = list(db.scalars(select(IntelAlert.marking).join(IntelOutcome, IntelOutcome.alert_id == IntelAlert.id)
                              .where(IntelOutcome.declaration_id == declaration.id,
                                     IntelOutcome.outcome.in_(("seizure", "hit")))))
    reference = _next_reference(db, now)
    record = IntelSeizure(reference=reference, case_id=case.id, declaration_id=declaration.id,
                          marking=strictest([body.marking, *sources]), purposes=list(dict.fromkeys(body.purposes)),
                          originator_org=party.organisation, created_by=actor.username, created_at=now,
                          record=cen_record(db, case, declaration, reference))
    db.add(record)
    db.flush()
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code,
                 action="intelligence.seizure_published", target_type="intel_seizure", target_id=reference,
                 detail={"marking": record.marking, "case": case.reference, "inherited": sorted(set(sources))},
                 at=now)
    return record


def seizure_cases(*, db: Session, actor: Principal, purpose: str | None, limit: int = 50) -> list[CaseChoice]:
    """The enforcement cases the caller may publish (its role publishes, it sees the declaration, no record yet),
    newest first, each with the alerts behind the seizure (an outcome or an action on its declaration) that the
    caller may read for the purpose: an alert it may not read is never named, nor counted."""
    if actor.role not in CUSTOMS_ACTORS:
        return []
    rows = db.execute(select(EnforcementCase, Declaration.mrn)
                      .join(Declaration, Declaration.id == EnforcementCase.declaration_id)
                      .where(visible_to(actor), ~exists().where(IntelSeizure.case_id == EnforcementCase.id))
                      .order_by(EnforcementCase.id.desc()).limit(limit)).all()
    declarations = sorted({case.declaration_id for case, _mrn in rows})
    behind: dict[int, dict[int, IntelAlert]] = {}
    for on, of in ((IntelOutcome.declaration_id, IntelOutcome.alert_id),
                   (IntelAction.declaration_id, IntelAction.alert_id)):
        for declaration_id, alert in db.execute(select(on, IntelAlert).join(IntelAlert, IntelAlert.id == of)
                                                .where(on.in_(declarations))):
            if declaration_id is not None:  # an action on a party names no declaration
                behind.setdefault(declaration_id, {})[alert.id] = alert
    party = selectors.party_of(db=db, actor=actor)
    readable: dict[int, bool] = {}
    for alert in {a.id: a for found in behind.values() for a in found.values()}.values():
        readable[alert.id] = bool(permitted(selectors.handling_of(db=db, alert=alert), party, "read", purpose))
    return [CaseChoice(reference=case.reference, mrn=mrn, opened_at=case.opened_at, alerts=[
        CaseAlert(reference=a.reference, marking=a.marking, subject_type=a.subject_type, subject_value=a.subject_value)
        for a in sorted(behind.get(case.declaration_id, {}).values(), key=lambda a: a.id) if readable[a.id]])
        for case, mrn in rows]


def seizure_read(record: IntelSeizure) -> SeizureRead:
    """The API shape of a seizure record."""
    return SeizureRead(reference=record.reference, marking=record.marking, purposes=list(record.purposes),
                       originator_org=record.originator_org, created_at=record.created_at, record=record.record)


def seizures_for(*, db: Session, actor: Principal, purpose: str | None, action: str = "read",
                 limit: int = 5000) -> tuple[list[IntelSeizure], int]:
    """The records the caller may read (or export) for the purpose, newest first, and how many it may not."""
    party: Party = selectors.party_of(db=db, actor=actor)
    rows = list(db.scalars(select(IntelSeizure).order_by(IntelSeizure.id.desc()).limit(limit)))
    allowed = [r for r in rows if permitted(handling_of(r), party, action, purpose)]
    return allowed, len(rows) - len(allowed)


def seizures_export(*, db: Session, actor: Principal, purpose: str | None, now: datetime) -> dict[str, Any]:
    """The file of CEN records the marking lets the caller take out of the system; the export is audited."""
    records, withheld = seizures_for(db=db, actor=actor, purpose=purpose, action="export")
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code,
                 action="intelligence.seizures_exported", target_type="intel_seizure",
                 target_id=f"{len(records)} records",
                 detail={"purpose": purpose, "count": len(records), "withheld": withheld,
                         "references": [r.reference for r in records][:500],
                         "markings": sorted({r.marking for r in records})}, at=now)
    return {"format": "WCO CEN seizure records (non-nominal)", "exported_at": now.isoformat(),
            "withheld": withheld,
            "records": [{**r.record, "marking": f"TLP:{r.marking}", "purposes": list(r.purposes)} for r in records]}
