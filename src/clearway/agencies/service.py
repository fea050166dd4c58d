"""Single-window writes at lodgement, amendment and cancellation, and the agencies' decisions.

At lodgement each item is matched against the live agencies' competences and the tariff's
restrictions: each concerned agency gets a referral with only the data its profile lets it see, and
the permits the items cite are drawn on. An amendment keeps the decisions of agencies whose data it
does not change and asks only the others again; a cancellation gives the reservations back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from clearway.agencies import permits
from clearway.agencies.matching import Match, digest_of, matches_of, visible_data
from clearway.agencies.models import JointInspection, Referral
from clearway.agencies.profiles import FINAL, AgencyProfile
from clearway.agencies.registry import agencies_of, live_agencies
from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.declarations.models import Declaration
from clearway.errors import Conflict, DeclarationInvalid, NotFound, Problem, ValidationFailed
from clearway.notifications.service import notification_emit
from clearway.tariff.cache import tariff_state

DONE = ("released", "cleared")


def restrictions_of(db: Session, document: dict[str, Any], on: Any) -> dict[int, frozenset[str]]:
    """The agencies the tariff's restrictions name for each item (its permit requirements)."""
    schedule = tariff_state(db=db).schedule
    if schedule is None:
        return {}
    found: dict[int, frozenset[str]] = {}
    for index, item in enumerate(document.get("items", ())):
        resolved = schedule.resolve(str(item.get("hs_code", "")), on)
        if isinstance(resolved, tuple):
            continue
        named = frozenset(m.agency for m in resolved.controls if m.kind == "restriction" and m.agency)
        if named:
            found[index] = named
    return found


def concerned(db: Session, declaration: Declaration,
              live: dict[str, AgencyProfile] | None = None) -> tuple[dict[str, AgencyProfile], list[Match]]:
    """The live agencies and every (agency, item) the declaration's current document concerns.

    Kept in the session for the transaction (keyed by declaration version): the lodging step and the hold
    provider ask the same question within one lodgement.
    """
    key = ("agencies.concerned", declaration.id, declaration.version)
    if live is None and key in db.info:
        return db.info[key]
    live = live_agencies(db) if live is None else live
    if not live:
        found: tuple[dict[str, AgencyProfile], list[Match]] = (live, [])
    else:
        document = declaration.document
        found = (live, matches_of(live.values(), document,
                                  restrictions_of(db, document, declaration.lodged_at.date())))
    db.info[key] = found
    return found


def _holders(declaration: Declaration, actor: Principal) -> set[str]:
    doc = declaration.document
    return {declaration.declarant_id, actor.organisation_code,
            *(p["id"] for k in ("importer", "exporter") if (p := doc.get(k)) and p.get("id"))}


def _draw(db: Session, declaration: Declaration, actor: Principal, live: dict[str, AgencyProfile],
          now: datetime) -> None:
    """Reserve (or, after release, write off) what the items take from the permits they cite."""
    agency_lpco = {(code, x.code) for code, p in live.items() for x in p.lpco}
    if not any(item.get("permits") for item in declaration.document["items"]):
        return
    problems = permits.draws_reserve(db=db, document=declaration.document, agency_lpco=agency_lpco,
                                     holders=_holders(declaration, actor), declaration_id=declaration.id,
                                     state="written_off" if declaration.status in DONE else "reserved",
                                     on=declaration.lodged_at.date(), now=now)
    if problems:
        raise DeclarationInvalid(problems)  # the caller's transaction is rolled back: nothing half-stored


LODGED = "agencies.lodged"  # db.info key prefix: what the lodging step referred, for the hold's lodging answer


def _refer(db: Session, declaration: Declaration, live: dict[str, AgencyProfile], matches: list[Match],
           now: datetime, *, fresh: bool = False, made: list[dict[str, Any]] | None = None) -> int:
    """Create the referrals the current document needs; an unchanged referral keeps its decision."""
    current = {} if fresh else {(r.agency, r.item): r for r in db.scalars(select(Referral).where(
        Referral.declaration_id == declaration.id, Referral.superseded.is_(False)))}
    wanted = set()
    rows: list[dict[str, Any]] = []
    for m in matches:
        if not m.refer:
            continue
        profile = live[m.agency]
        data = visible_data(profile, declaration.document, m.item)
        digest = digest_of(data)
        wanted.add((m.agency, m.item))
        old = current.get((m.agency, m.item))
        if old is not None and old.digest == digest:
            continue
        if old is not None:
            old.superseded = True
        rows.append({"declaration_id": declaration.id, "mrn": declaration.mrn, "declarant": declaration.declarant_id,
                     "agency": m.agency, "item": m.item, "basis": m.basis, "digest": digest, "data": data,
                     "created_at": now, "due_at": now + timedelta(minutes=profile.service_level_minutes),
                     "overdue": False, "post_release_task": False, "superseded": False})
    for key, old in current.items():
        if key not in wanted:
            old.superseded = True
    if current:
        db.flush()  # the superseded flags before the new rows
    if made is not None:
        made.extend(rows)
    if rows and db.get_bind().dialect.name == "postgresql":
        _referrals_write_pg(db, live, rows, now)
    elif rows:  # one statement for every referral of the declaration
        ids = db.scalars(insert(Referral).returning(Referral.id, sort_by_parameter_order=True), rows).all()
        for referral_id, row in zip(ids, rows, strict=True):
            reach = live[row["agency"]].reach
            if reach.kind == "system":  # its own system hears of it by signed webhook (the notifications relay)
                notification_emit(db=db, organisation=reach.organisation, kind="agency.referral", now=now,
                                  data=_referral_notice(row, referral_id))
    return len(rows)


def _referral_notice(row: dict[str, Any], referral_id: Any) -> dict[str, Any]:
    """What an agency reached by its own system is sent about a new referral."""
    return {"referral": referral_id, "mrn": row["mrn"], "agency": row["agency"], "item": row["item"] + 1,
            "due_at": row["due_at"].isoformat(), "declaration": row["data"],
            "decide": f"/api/v1/agencies/referrals/{referral_id}/decision"}


# The referrals and the notices to agencies reached by their own system, in one statement: each notice's text
# is written with a placeholder where the referral's new id goes, filled in by the database from RETURNING.
_REFER_PG = (
    'WITH r AS (INSERT INTO agency_referrals ({cols}) SELECT {picks} '
    'FROM json_populate_recordset(NULL::agency_referrals, %(rows)s::json) AS j RETURNING id, agency, item), '
    'o AS (INSERT INTO notification_outbox (organisation, kind, payload, created_at) '
    "SELECT n.organisation, 'agency.referral', "
    "replace(replace(n.payload, '\"' || %(token)s || '\"', r.id::text), %(token)s, r.id::text)::json, n.created_at "
    'FROM r JOIN json_to_recordset(%(notices)s::json) AS n(agency text, item integer, organisation text, '
    'payload text, created_at timestamptz) ON n.agency = r.agency AND n.item = r.item) '
    'SELECT count(*) FROM r')
_REFER_COLUMNS = ("declaration_id", "mrn", "declarant", "agency", "item", "basis", "digest", "data", "created_at",
                  "due_at", "overdue", "post_release_task", "superseded")
_REFER_SQL = _REFER_PG.format(cols=", ".join(_REFER_COLUMNS), picks=", ".join(f"j.{c}" for c in _REFER_COLUMNS))


def _referrals_write_pg(db: Session, live: dict[str, AgencyProfile], rows: list[dict[str, Any]],
                        now: datetime) -> None:
    """Every referral of the declaration and every webhook notice they need: one round trip on PostgreSQL."""
    token = "@referral-" + secrets.token_hex(8) + "@"  # random: no declaration text can contain it
    notices = [{"agency": row["agency"], "item": row["item"], "organisation": reach.organisation,
                "payload": orjson.dumps(_referral_notice(row, token), default=str).decode(),
                "created_at": now.isoformat()}
               for row in rows if (reach := live[row["agency"]].reach).kind == "system"]
    params = {"rows": orjson.dumps([{c: row[c] for c in _REFER_COLUMNS} for row in rows], default=str).decode(),
              "notices": orjson.dumps(notices).decode(), "token": token}
    written = db.connection().exec_driver_sql(_REFER_SQL, params).scalar_one()
    assert written == len(rows)


@dataclass(frozen=True)
class SingleWindowStep:
    """The single window's part of lodging, amending and cancelling (listed in the wiring)."""

    def lodged(self, *, db: Session, declaration: Declaration, actor: Principal, now: datetime) -> None:
        """Draw on the cited permits and refer the items to every concerned agency."""
        live, matches = concerned(db, declaration)
        if not live:
            return
        _draw(db, declaration, actor, live, now)
        made: list[dict[str, Any]] = []
        _refer(db, declaration, live, matches, now, fresh=True, made=made)
        # Kept for this transaction: the hold provider answers from it instead of reading back what was just written.
        db.info[(LODGED, declaration.id, declaration.version)] = (db.get_transaction(), made)

    def amended(self, *, db: Session, declaration: Declaration, actor: Principal, now: datetime) -> None:
        """Give back what the old version drew, draw for the new one, ask again only the agencies whose data changed."""
        live, matches = concerned(db, declaration)
        permits.uses_return(db=db, declaration_id=declaration.id, states=permits.LIVE, now=now)
        if not live:
            return
        _draw(db, declaration, actor, live, now)
        _refer(db, declaration, live, matches, now)

    def withdrawn(self, *, db: Session, declaration: Declaration, now: datetime) -> None:
        """A cancelled declaration gives its reservations back and leaves the agencies' inboxes."""
        permits.uses_return(db=db, declaration_id=declaration.id, states=("reserved",), now=now)
        for referral in db.scalars(select(Referral).where(Referral.declaration_id == declaration.id,
                                                          Referral.superseded.is_(False))):
            referral.superseded = True
        db.flush()


def referrals_backfill(*, db: Session, now: datetime, limit: int = 5000) -> int:
    """Refer the open declarations lodged before an agency went live (so none waits on a missing referral)."""
    live = live_agencies(db)
    if not live:
        return 0
    created = 0
    for declaration in db.scalars(select(Declaration).where(
            Declaration.status.in_(("channelled", "under_control", "detained"))).order_by(Declaration.id).limit(limit)):
        _, matches = concerned(db, declaration, live)
        if any(m.refer for m in matches):
            created += _refer(db, declaration, live, matches, now)
    return created


def referral_for(*, db: Session, actor: Principal, referral_id: int, lock: bool = False) -> Referral:
    """A referral of one of the actor's agencies (customs staff see every one); 404 otherwise."""
    query = select(Referral).where(Referral.id == referral_id)
    referral = db.scalar(query.with_for_update() if lock else query)
    if referral is None or not (actor.is_customs or referral.agency in agencies_of(db, actor)):
        raise NotFound([Problem("referral.not_found", "", {})])
    return referral


def referral_decide(*, db: Session, actor: Principal, referral_id: int, decision: str, reason: str | None,
                    conditions: str | None, now: datetime) -> Referral:
    """An agency's decision on one referred item, with its reason (audited)."""
    referral = referral_for(db=db, actor=actor, referral_id=referral_id, lock=True)
    if referral.agency not in agencies_of(db, actor):
        raise NotFound([Problem("referral.not_found", "", {})])  # customs read referrals; agencies decide them
    profile = live_agencies(db).get(referral.agency)
    if profile is None or decision not in profile.decisions:
        raise ValidationFailed([Problem("referral.decision_unknown", "/decision", {"decision": decision})])
    if referral.superseded:
        raise Conflict([Problem("referral.superseded", "", {})])
    if referral.decision in FINAL and referral.fallback is None:
        raise Conflict([Problem("referral.already_decided", "/decision", {"decision": referral.decision})])
    if decision in ("refuse", "conditions") and not (reason or conditions):
        raise ValidationFailed([Problem("referral.reason_required", "/reason", {"decision": decision})])
    referral.decision, referral.reason, referral.conditions = decision, reason, conditions
    referral.decided_at, referral.decided_by = now, actor.username
    db.flush()
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="referral.decided",
                 target_type="declaration", target_id=referral.mrn,
                 detail={"referral": referral.id, "agency": referral.agency, "item": referral.item,
                         "decision": decision}, at=now)
    notification_emit(db=db, organisation=referral.declarant, kind="agency.decision", now=now, data={
        "mrn": referral.mrn, "agency": referral.agency, "item": referral.item + 1, "decision": decision,
        "reason": reason, "conditions": conditions})
    return referral


def joint_inspection_book(*, db: Session, actor: Principal, declaration: Declaration, at: datetime, place: str,
                          now: datetime) -> JointInspection:
    """Book the one joint inspection of a declaration (customs and every agency that asked), or move it."""
    asked = db.scalars(select(Referral.agency).where(Referral.declaration_id == declaration.id,
                                                     Referral.superseded.is_(False),
                                                     Referral.decision == "joint_inspection")).all()
    if not asked:
        raise Conflict([Problem("joint_inspection.not_requested", "", {})])
    booking = db.scalar(select(JointInspection).where(JointInspection.declaration_id == declaration.id))
    if booking is None:
        booking = JointInspection(declaration_id=declaration.id, findings={})
        db.add(booking)
    booking.at, booking.place, booking.booked_by = at, place, actor.username
    db.flush()
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="joint_inspection.booked",
                 target_type="declaration", target_id=declaration.mrn, detail={"at": at.isoformat(), "place": place},
                 at=now)
    return booking


def joint_finding_record(*, db: Session, actor: Principal, declaration: Declaration, result: str, note: str | None,
                         now: datetime) -> JointInspection:
    """Record one party's part of the joint inspection's findings (customs, or the actor's agency)."""
    booking = db.scalar(select(JointInspection).where(JointInspection.declaration_id == declaration.id))
    if booking is None:
        raise Conflict([Problem("joint_inspection.not_booked", "", {})])
    parties = agencies_of(db, actor)
    party = "customs" if actor.role == "officer" else next(iter(sorted(parties)), None)
    if party is None:
        raise NotFound([Problem("joint_inspection.not_found", "", {})])
    booking.findings = {**booking.findings, party: {"result": result, "note": note, "by": actor.username,
                                                     "at": now.isoformat()}}
    db.flush()
    return booking
