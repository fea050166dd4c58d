"""Intelligence's reason to hold goods: an open, valid alert that targets the declaration (an action on it or
on one of its parties) or whose subject the declaration matches, with no outcome reported for it yet.

The hold names the alert's reference and marking, never its text or source, so an officer who may not read
the alert learns only that one holds the goods and must be worked. Registered in `clearway.assembly`.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, false, or_, select
from sqlalchemy.orm import Session

from clearway.db import utcnow
from clearway.declarations.models import Declaration
from clearway.holds import Hold
from clearway.intelligence.models import IntelAction, IntelAlert, IntelOutcome

HS_PREFIXES = (2, 4, 6, 8, 10)


def subjects_of(declaration: Declaration) -> dict[str, set[str]]:
    """What of the declaration an alert's subject can match: its parties, means of transport, goods, route."""
    doc = declaration.document or {}
    parties = {p for p in (declaration.declarant_id, declaration.importer_id, declaration.exporter_id,
                           declaration.seller_id, declaration.buyer_id) if p}
    transport = doc.get("transport") or {}
    means = str(transport.get("means_id") or "").upper().replace(" ", "")
    items = doc.get("items") or []
    codes = {"".join(ch for ch in str(i.get("hs_code") or "") if ch.isdigit()) for i in items}
    goods = {code[:n] for code in codes for n in HS_PREFIXES if len(code) >= n}
    route = {str(c).upper() for c in [transport.get("departure_country"), *(i.get("origin_country") for i in items)]
             if c}
    return {"trader": {p.upper() for p in parties}, "vehicle": {means} - {""}, "vessel": {means} - {""},
            "goods": goods, "route": route}


def intelligence_holds(db: Session, declaration: Declaration) -> list[Hold]:
    """Hold the goods while an alert that concerns them waits for its outcome on this declaration."""
    now = utcnow()
    subjects = subjects_of(declaration)
    parties = sorted(subjects["trader"])
    matched = [and_(IntelAlert.subject_type == kind, IntelAlert.subject_value.in_(sorted(values)))
               for kind, values in subjects.items() if values]
    targeted = exists().where(
        IntelAction.alert_id == IntelAlert.id, IntelAction.hold.is_(True), IntelAction.status == "active",
        or_(IntelAction.declaration_id == declaration.id,
            and_(IntelAction.target == "party", IntelAction.party_id.in_(parties)) if parties else false()))
    reported = exists().where(IntelOutcome.alert_id == IntelAlert.id, IntelOutcome.declaration_id == declaration.id)
    rows = db.execute(
        select(IntelAlert.reference, IntelAlert.marking)
        .where(IntelAlert.status == "open", IntelAlert.valid_from <= now, IntelAlert.valid_to > now,
               or_(and_(IntelAlert.hold_goods.is_(True), or_(*matched)) if matched else false(), targeted),
               ~reported)
        .order_by(IntelAlert.id)
    ).all()
    return [Hold("intelligence.alert", "customs", {"alert": reference, "marking": marking})
            for reference, marking in rows]
