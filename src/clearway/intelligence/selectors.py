"""Reads of intelligence: who a caller is to a marking, an alert's handling, what a reader may see.

Every read of an alert's content goes through `alert_readable`, which asks `markings.permitted`; a list
shows only the alerts the caller may read for the purpose it states, and never their text.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, bindparam, func, literal, select, union_all
from sqlalchemy.orm import Session

from clearway.auth import selectors as auth
from clearway.auth.models import Organisation, User
from clearway.auth.schemas import Principal
from clearway.declarations.models import Declaration
from clearway.declarations.selectors import visible_to
from clearway.errors import NotFound, Problem
from clearway.exchange.models import Partner
from clearway.intelligence.holds import subjects_of
from clearway.intelligence.markings import Handling, Party, Verdict, permitted, strictest
from clearway.intelligence.models import (
    IntelAction,
    IntelAlert,
    IntelAttachment,
    IntelConsent,
    IntelDerived,
    IntelOutcome,
    IntelRecipient,
)
from clearway.intelligence.schemas import (
    ActionRead,
    AlertRead,
    AlertSummary,
    AttachmentRead,
    DeclarationChoice,
    DerivedRead,
    HitRate,
    OutcomeRead,
    RecipientRead,
    WatchRead,
)
from clearway.reference.service import offices

OUTCOME_WINDOW = 300  # latest declarations the caller may see, looked through for the alert's subject

# The role an organisation is reached as when it is named as a whole (org:<code>).
ORG_ROLE = {"customs": "analyst", "agency": "agency", "trader": "trader"}


def party_of(*, db: Session, actor: Principal) -> Party:
    """The caller as the marking sees it: its organisation (and its kind), role, username and office."""
    # Looked up once per session (a request): an inbox checks hundreds of markings for one reader.
    cached = ("intelligence.org_kind", actor.organisation_id)
    kind = db.info.get(cached)
    if kind is None:
        org = auth.organisation_of(db=db, actor=actor)
        # An organisation we cannot find is no part of the community: the marking refuses it (fail closed).
        kind = db.info[cached] = org.kind if org is not None else "unknown"
    return Party(organisation=actor.organisation_code, org_kind=kind, role=actor.role, username=actor.username,
                 office=actor.office)


def recipient_party(*, db: Session, key: str) -> Party | None:
    """The party a recipient key names, or None when it names nobody we know (the caller then refuses it).

    The directory of users, organisations and partners belongs to auth and exchange; this reads their rows by
    primary or unique key only, to resolve a name, and never their content.
    """
    scheme, _, name = key.partition(":")
    if not name or len(key) > 80:
        return None
    if scheme == "org":
        org = db.scalar(select(Organisation).where(Organisation.code == name))
        if org is None or org.kind not in ORG_ROLE:
            return None
        return Party(organisation=org.code, org_kind=org.kind, role=ORG_ROLE[org.kind])
    if scheme == "user":
        user = db.scalar(select(User).where(User.username == name))
        if user is None or not user.active:
            return None
        return Party(organisation=user.organisation.code, org_kind=user.organisation.kind, role=user.role,
                     username=user.username, office=user.office)
    if scheme == "office":
        if name not in offices():
            return None
        customs = db.scalar(select(Organisation.code).where(Organisation.kind == "customs").order_by(Organisation.id))
        return None if customs is None else Party(organisation=customs, org_kind="customs", role="officer",
                                                  office=name)
    if scheme == "partner":
        partner = db.get(Partner, name)
        return Party.partner(name) if partner is not None and partner.active else None
    return None


def is_trader_organisation(*, db: Session, code: str) -> bool:
    """Whether a party id is the code of a trader organisation (one that can be sent notifications)."""
    return db.scalar(select(Organisation.id).where(Organisation.code == code[:17],
                                                   Organisation.kind == "trader")) is not None


_HANDLING = union_all(
    select(IntelRecipient.key, literal("", String).label("action"))
    .where(IntelRecipient.alert_id == bindparam("alert")),
    select(IntelConsent.key, IntelConsent.action).where(IntelConsent.alert_id == bindparam("alert")))


def handling_of(*, db: Session, alert: IntelAlert) -> Handling:
    """The alert's handling: marking, purposes, recipients, originator and recorded consents."""
    # Every read runs this: the keys on the alert row cost no query; older rows read them from the tables.
    keys = alert.handling_keys if alert.handling_keys is not None else handling_keys_from_tables(db=db, alert=alert)
    return _handling(alert, keys["recipients"], [(a, k) for a, k in keys["consents"]])


def handling_keys_from_tables(*, db: Session, alert: IntelAlert) -> dict[str, list[Any]]:
    """The alert's recipient keys and consents as its recipient and consent rows say (one prebuilt statement)."""
    rows = db.connection().execute(_HANDLING, {"alert": alert.id}).all()
    return {"recipients": [k for k, a in rows if not a], "consents": [[a, k] for k, a in rows if a]}


def _handling(alert: IntelAlert, recipients: Iterable[str], consents: Iterable[tuple[str, str]]) -> Handling:
    return Handling(marking=alert.marking, purposes=frozenset(alert.purposes or ()), recipients=frozenset(recipients),
                    originator_org=alert.originator_org, originator_user=alert.originator_user,
                    consents=frozenset(consents))


def alert_get(*, db: Session, reference: str, for_update: bool = False) -> IntelAlert:
    """The alert with this reference, or 404."""
    query = select(IntelAlert).where(IntelAlert.reference == reference)
    alert = db.scalar(query.with_for_update() if for_update else query)
    if alert is None:
        raise NotFound([Problem("intelligence.alert_unknown", "/reference", {"reference": reference})])
    return alert


def alert_by_id(*, db: Session, alert_id: int) -> IntelAlert:
    """The alert with this id, or 404 (for a caller that has already checked the marking)."""
    alert = db.get(IntelAlert, alert_id)
    if alert is None:
        raise NotFound([Problem("intelligence.alert_unknown", "/reference", {"reference": str(alert_id)})])
    return alert


def alert_readable(*, db: Session, actor: Principal, reference: str, purpose: str | None,
                   for_update: bool = False) -> tuple[IntelAlert, Handling, Party]:
    """The alert if the caller may read it for this purpose; otherwise 404, as if it did not exist.

    A refusal answers exactly like an unknown reference, so the existence of a RED alert leaks to nobody.
    """
    alert = alert_get(db=db, reference=reference, for_update=for_update)
    handling, party = handling_of(db=db, alert=alert), party_of(db=db, actor=actor)
    if not permitted(handling, party, "read", purpose):
        raise NotFound([Problem("intelligence.alert_unknown", "/reference", {"reference": reference})])
    return alert, handling, party


def alerts_for(*, db: Session, actor: Principal, purpose: str | None, status: str | None = None,
               limit: int = 200) -> list[AlertSummary]:
    """The caller's inbox: alerts it may read for the purpose (its own and those shared with it), newest first."""
    party = party_of(db=db, actor=actor)
    query = select(IntelAlert).order_by(IntelAlert.id.desc())
    if status:
        query = query.where(IntelAlert.status == status)
    alerts = list(db.scalars(query.limit(5000)))
    ids = [a.id for a in alerts]
    recipients: dict[int, list[IntelRecipient]] = defaultdict(list)
    consents: dict[int, list[tuple[str, str]]] = defaultdict(list)
    outcomes: dict[int, int] = {}
    if ids:
        for r in db.scalars(select(IntelRecipient).where(IntelRecipient.alert_id.in_(ids))):
            recipients[r.alert_id].append(r)
        for alert_id, action, key in db.execute(select(IntelConsent.alert_id, IntelConsent.action, IntelConsent.key)
                                                .where(IntelConsent.alert_id.in_(ids))):
            consents[alert_id].append((action, key))
        outcomes = {alert_id: n for alert_id, n in db.execute(select(IntelOutcome.alert_id, func.count()).where(
            IntelOutcome.alert_id.in_(ids)).group_by(IntelOutcome.alert_id))}
    keys = party.keys()
    found = []
    for a in alerts:
        if not permitted(_handling(a, [r.key for r in recipients[a.id]], consents[a.id]), party, "read", purpose):
            continue
        mine = [r for r in recipients[a.id] if r.key in keys]
        found.append(AlertSummary(
            reference=a.reference, kind=a.kind, subject_type=a.subject_type, marking=a.marking,
            source_grade=a.source_grade, info_grade=a.info_grade, originator_org=a.originator_org, status=a.status,
            valid_to=a.valid_to, hold_goods=a.hold_goods, created_at=a.created_at, outcomes=outcomes.get(a.id, 0),
            acknowledged=all(r.acknowledged_at is not None for r in mine) if mine else None))
        if len(found) >= limit:
            break
    return found


def may_do(handling: Handling, party: Party, purpose: str | None) -> dict[str, bool]:
    """What this reader may do with the alert beyond reading it (forwarding within its own organisation)."""
    own = Party(organisation=party.organisation, org_kind=party.org_kind, role=party.role)
    return {"forward": bool(permitted(handling, party, "forward", purpose, own)),
            "export": bool(permitted(handling, party, "export", purpose)),
            "print": bool(permitted(handling, party, "print", purpose))}


def alert_read(*, db: Session, alert: IntelAlert, handling: Handling, party: Party,
               purpose: str | None) -> AlertRead:
    """The alert in full for a reader the marking allowed (the caller has checked and audited the read)."""
    recipients = list(db.scalars(select(IntelRecipient).where(IntelRecipient.alert_id == alert.id)
                                 .order_by(IntelRecipient.id)))
    actions = list(db.scalars(select(IntelAction).where(IntelAction.alert_id == alert.id).order_by(IntelAction.id)))
    outcomes = list(db.scalars(select(IntelOutcome).where(IntelOutcome.alert_id == alert.id)
                               .order_by(IntelOutcome.id)))
    wanted = {a.declaration_id for a in actions if a.declaration_id} | {o.declaration_id for o in outcomes}
    mrns = {i: mrn for i, mrn in db.execute(select(Declaration.id, Declaration.mrn).where(
        Declaration.id.in_(wanted)))} if wanted else {}
    return AlertRead(
        reference=alert.reference, kind=alert.kind, subject_type=alert.subject_type,
        subject_value=alert.subject_value, text=alert.text, source_ref=alert.source_ref,
        source_grade=alert.source_grade, info_grade=alert.info_grade, marking=alert.marking,
        purposes=list(alert.purposes), originator_org=alert.originator_org, originator_user=alert.originator_user,
        valid_from=alert.valid_from, valid_to=alert.valid_to, hold_goods=alert.hold_goods, status=alert.status,
        created_at=alert.created_at,
        recipients=[RecipientRead(key=r.key, added_by=r.added_by, added_at=r.added_at,
                                  acknowledged_by=r.acknowledged_by, acknowledged_at=r.acknowledged_at)
                    for r in recipients],
        actions=[ActionRead(id=a.id, target=a.target, mrn=mrns.get(a.declaration_id or 0), party_id=a.party_id,
                            hold=a.hold, status=a.status, note=a.note, created_by=a.created_by,
                            created_at=a.created_at) for a in actions],
        outcomes=[OutcomeRead(mrn=mrns.get(o.declaration_id, ""), outcome=o.outcome, note=o.note,
                              recorded_by=o.recorded_by, recorded_at=o.recorded_at) for o in outcomes],
        may=may_do(handling, party, purpose), derived=derived_of(db=db, alert=alert),
        attachments=attachments_of(db=db, alert=alert))


def attachments_of(*, db: Session, alert: IntelAlert) -> list[AttachmentRead]:
    """The files attached to an alert, without their bytes, oldest first."""
    return [attachment_read(a) for a in db.scalars(select(IntelAttachment).where(IntelAttachment.alert_id == alert.id)
                                                   .order_by(IntelAttachment.id))]


def attachment_read(a: IntelAttachment) -> AttachmentRead:
    """The API shape of an attachment."""
    return AttachmentRead(id=a.id, name=a.name, media_type=a.media_type, size=a.size, sha256=a.sha256,
                          uploaded_by=a.uploaded_by, uploaded_at=a.uploaded_at)


def derived_of(*, db: Session, alert: IntelAlert) -> list[DerivedRead]:
    """What was made from an alert (watchlist entries, enhanced controls), oldest first."""
    return [derived_read(d, alert.reference) for d in db.scalars(
        select(IntelDerived).where(IntelDerived.alert_id == alert.id).order_by(IntelDerived.id))]


def derived_read(item: IntelDerived, alert_ref: str) -> DerivedRead:
    """The API shape of a derived item."""
    return DerivedRead(reference=item.reference, alert=alert_ref, kind=item.kind, target_id=item.target_id,
                       marking=item.marking, status=item.status, expires_at=item.expires_at,
                       lifted_at=item.lifted_at, lifted_by=item.lifted_by, created_by=item.created_by,
                       created_at=item.created_at)


def verdict_code(verdict: Verdict) -> str:
    """The stable problem code of a refusal."""
    return verdict.code or "intelligence.refused"


HIT_GROUPS = {"source": "source_ref", "originator": "originator_org", "subject_type": "subject_type"}
FINDS = ("hit", "seizure")
Z95 = 1.959964


def wilson(hits: int, total: int) -> tuple[float | None, float | None, float | None]:
    """The proportion and its 95 % Wilson score interval (sound for small counts and rates near 0 or 1)."""
    if total == 0:
        return None, None, None
    p, n, z2 = hits / total, total, Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def hit_rates(*, db: Session, actor: Principal, purpose: str | None, by: str) -> list[HitRate]:
    """Alerts → declarations → finds per source, originator or alert type, over the alerts the caller may read
    for the purpose only: a source's handle and its record are intelligence too, and follow the marking."""
    party = party_of(db=db, actor=actor)
    column = HIT_GROUPS[by]
    readable = [a for a in db.scalars(select(IntelAlert).order_by(IntelAlert.id.desc()).limit(20000))
                if permitted(handling_of(db=db, alert=a), party, "read", purpose)]
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    ids = [a.id for a in readable]
    for start in range(0, len(ids), 1000):  # IN lists bounded for every backend
        for alert_id, outcome, n in db.execute(select(IntelOutcome.alert_id, IntelOutcome.outcome, func.count())
                                               .where(IntelOutcome.alert_id.in_(ids[start:start + 1000]))
                                               .group_by(IntelOutcome.alert_id, IntelOutcome.outcome)):
            counts[alert_id][outcome] += n
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for a in readable:
        row, c = groups[str(getattr(a, column))], counts.get(a.id, {})
        row[0] += 1
        row[1] += sum(c.values())
        row[2] += sum(n for o, n in c.items() if o != "not_controlled")
        row[3] += sum(c.get(o, 0) for o in FINDS)
    rows = []
    for key, (alerts, declarations, controlled, finds) in groups.items():
        rate, low, high = wilson(finds, controlled)
        rows.append(HitRate(key=key, alerts=alerts, declarations=declarations, controlled=controlled, finds=finds,
                            rate=rate, low=low, high=high))
    # Best evidence of results first: the highest lower bound, then the most controlled.
    return sorted(rows, key=lambda r: (-(r.low or 0.0), -r.controlled, r.key))


def subject_watch(*, db: Session, actor: Principal, subject_type: str, subject_value: str,
                  purpose: str | None) -> WatchRead:
    """Whether the subject is on a watchlist because of alerts: said only to a reader the marking lets read at
    least one of those alerts, and naming only those; to anyone else the answer is the one for an unwatched
    subject, so the watch itself leaks to nobody."""
    party = party_of(db=db, actor=actor)
    rows = db.execute(select(IntelAlert, IntelDerived.marking, IntelDerived.expires_at)
                      .join(IntelDerived, IntelDerived.alert_id == IntelAlert.id)
                      .where(IntelDerived.kind == "watchlist", IntelDerived.status == "active",
                             IntelAlert.subject_type == subject_type, IntelAlert.subject_value == subject_value)
                      .order_by(IntelDerived.id)).all()
    seen = [(alert, marking, until) for alert, marking, until in rows
            if permitted(handling_of(db=db, alert=alert), party, "read", purpose)]
    answer = WatchRead(subject_type=subject_type, subject_value=subject_value, purpose=purpose or "", watched=False)
    if not seen:
        return answer
    untils = [until for _a, _m, until in seen if until is not None]
    return answer.model_copy(update={
        "watched": True, "alerts": list(dict.fromkeys(a.reference for a, _m, _u in seen)),
        "marking": strictest(m for _a, m, _u in rows), "until": max(untils) if untils else None})


def outcome_declarations(*, db: Session, actor: Principal, alert: IntelAlert,
                         limit: int = 20) -> list[DeclarationChoice]:
    """The declarations the caller may see that the alert concerned and that have no outcome from it yet: those it
    was acted on against, then the latest whose subject matches it (among the OUTCOME_WINDOW latest the caller
    sees), newest first; the outcome form offers them instead of asking for an MRN."""
    reported = select(IntelOutcome.declaration_id).where(IntelOutcome.alert_id == alert.id)
    open_to = (visible_to(actor), Declaration.id.not_in(reported))
    acted = list(db.scalars(select(Declaration).where(*open_to, Declaration.id.in_(
        select(IntelAction.declaration_id).where(IntelAction.alert_id == alert.id,
                                                 IntelAction.declaration_id.is_not(None))))
        .order_by(Declaration.id.desc()).limit(limit)))
    matched: list[Declaration] = []
    if alert.subject_type in ("trader", "vehicle", "vessel", "goods", "route"):
        query = select(Declaration).where(*open_to).order_by(Declaration.id.desc())
        if alert.subject_type == "trader":  # the parties are columns: asked of the database, not looked through
            value = alert.subject_value
            query = query.where((Declaration.declarant_id == value) | (Declaration.importer_id == value)
                                | (Declaration.exporter_id == value) | (Declaration.seller_id == value)
                                | (Declaration.buyer_id == value))
        seen = {d.id for d in acted}
        matched = [d for d in db.scalars(query.limit(OUTCOME_WINDOW))
                   if d.id not in seen and alert.subject_value in subjects_of(d)[alert.subject_type]]
    chosen = [(d, True) for d in acted] + [(d, False) for d in matched]
    return [DeclarationChoice(mrn=d.mrn, status=d.status, lodged_at=d.lodged_at, acted=was)
            for d, was in chosen[:limit]]
