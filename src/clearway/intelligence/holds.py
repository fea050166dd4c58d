"""Intelligence's reason to hold goods: an open, valid alert that targets the declaration (an action on it or
on one of its parties) or whose subject the declaration matches, with no outcome reported for it yet.

The hold names the alert's reference and marking, never its text or source, so an officer who may not read
the alert learns only that one holds the goods and must be worked. Registered in `clearway.assembly`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CompoundSelect, Select, and_, bindparam, case, exists, func, literal, or_, select, union
from sqlalchemy.orm import Session, object_session

from clearway.db import utcnow
from clearway.declarations.models import Declaration
from clearway.holds import Hold, Lodged
from clearway.intelligence.markings import MARKINGS
from clearway.intelligence.models import IntelAction, IntelAlert, IntelOutcome

HS_PREFIXES = (2, 4, 6, 8, 10)
LISTED = 20  # alerts named one by one in the holds of a declaration


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


def _concerned(declaration: Declaration, *, with_declaration: bool) -> CompoundSelect | Select[Any] | None:
    """The ids of the alerts whose subject the declaration matches or that were acted on against it or one of
    its parties: indexed look-ups of what concerns this declaration, never a scan of all alerts."""
    subjects = {kind: sorted(values) for kind, values in subjects_of(declaration).items() if values}
    queries: list[Select[Any]] = [
        select(IntelAlert.id).where(IntelAlert.subject_type == kind, IntelAlert.subject_value.in_(values),
                                    IntelAlert.hold_goods.is_(True), IntelAlert.status == "open")
        for kind, values in subjects.items()]
    parties = subjects.get("trader", [])
    targets = [IntelAction.declaration_id == declaration.id] if with_declaration else []
    if parties:
        targets.append(and_(IntelAction.party_id.in_(parties), IntelAction.target == "party"))
    if targets:
        queries.append(select(IntelAction.alert_id).where(or_(*targets), IntelAction.hold.is_(True),
                                                          IntelAction.status == "active"))
    if len(queries) > 1:
        return union(*queries)
    return queries[0] if queries else None


def concerned_alert_ids(db: Session, declaration: Declaration) -> list[int]:
    """The open alerts that target the declaration (or one of its parties) or whose subject it matches."""
    concerned = _concerned(declaration, with_declaration=True)
    return [] if concerned is None else list(db.scalars(select(concerned.subquery().c[0])))


def _waiting(db: Session, declaration: Declaration, *, with_declaration: bool) -> list[Hold]:
    """One hold per live alert concerning the declaration with no outcome on it yet: the first LISTED by name,
    the rest as one hold that counts them, so a lodgement matched by a thousand alerts is held, and quickly."""
    concerned = _concerned(declaration, with_declaration=with_declaration)
    if concerned is None:
        return []
    now = utcnow()
    where = [IntelAlert.id.in_(concerned), IntelAlert.status == "open", IntelAlert.valid_from <= now,
             IntelAlert.valid_to > now]
    if with_declaration:  # a declaration just lodged has no outcome yet
        where.append(~exists().where(IntelOutcome.alert_id == IntelAlert.id,
                                     IntelOutcome.declaration_id == declaration.id))
    rows = db.execute(select(IntelAlert.reference, IntelAlert.marking).where(*where).order_by(IntelAlert.id)
                      .limit(LISTED + 1)).all()
    holds = [Hold("intelligence.alert", "customs", {"alert": reference, "marking": marking})
             for reference, marking in rows[:LISTED]]
    if len(rows) > LISTED:
        # An unknown marking ranks above RED: the summary fails closed to "the strictest there is".
        rank = case({m: i for i, m in enumerate(MARKINGS)}, value=IntelAlert.marking, else_=len(MARKINGS) - 1)
        count, top = db.execute(select(func.count(), func.max(rank)).where(*where)).one()
        holds.append(Hold("intelligence.more_alerts", "customs", {"count": str(count - LISTED),
                                                                   "marking": MARKINGS[int(top)]}))
    return holds


SUBJECT_KINDS = ("trader", "vehicle", "vessel", "goods", "route")
# `_waiting` for a declaration just lodged, as one statement built once (every lodgement runs it): the same
# indexed look-ups per subject kind and party, with the values as expanding parameters.
_LODGING_CONCERNED = union(
    *(select(IntelAlert.id).where(IntelAlert.subject_type == literal(kind),
                                  IntelAlert.subject_value.in_(bindparam(kind, expanding=True)),
                                  IntelAlert.hold_goods.is_(True), IntelAlert.status == "open")
      for kind in SUBJECT_KINDS),
    select(IntelAction.alert_id).where(IntelAction.party_id.in_(bindparam("parties", expanding=True)),
                                       IntelAction.target == "party", IntelAction.hold.is_(True),
                                       IntelAction.status == "active"))
_LODGING_WAITING = (select(IntelAlert.reference, IntelAlert.marking)
                    .where(IntelAlert.id.in_(_LODGING_CONCERNED), IntelAlert.status == "open",
                           IntelAlert.valid_from <= bindparam("now"), IntelAlert.valid_to > bindparam("now"))
                    .order_by(IntelAlert.id).limit(LISTED + 1))


def _waiting_at_lodging(db: Session, declaration: Declaration) -> list[Hold]:
    """`_waiting(..., with_declaration=False)` through the statement built once; past LISTED alerts (rare) the
    general path counts them."""
    subjects = subjects_of(declaration)
    if not any(subjects.values()):
        return []
    params: dict[str, Any] = {kind: sorted(subjects[kind]) for kind in SUBJECT_KINDS}
    params |= {"parties": params["trader"], "now": utcnow()}
    rows = db.connection().execute(_LODGING_WAITING, params).all()
    if len(rows) > LISTED:
        return _waiting(db, declaration, with_declaration=False)
    return [Hold("intelligence.alert", "customs", {"alert": reference, "marking": marking})
            for reference, marking in rows]


def intelligence_holds(db: Session, declaration: Declaration) -> list[Hold]:
    """Hold the goods while an alert that concerns them waits for its outcome on this declaration."""
    return _waiting(db, declaration, with_declaration=True)


def intelligence_holds_at_lodging(declaration: Declaration, lodged: Lodged) -> list[Hold]:
    """`intelligence_holds` for a declaration just lodged: nobody can have acted on it or reported an outcome on
    it yet, so only its subjects and its parties are looked up, without flushing the lodging's pending rows."""
    db = object_session(declaration)
    if db is None:  # not attached: nothing known (the flow never gets here)
        return [Hold("release.provider_failed", "customs", {"provider": "intelligence_holds"})]
    return _waiting_at_lodging(db, declaration)  # on the connection: the lodging's pending rows stay unflushed


intelligence_holds.at_lodging = intelligence_holds_at_lodging  # type: ignore[attr-defined]
