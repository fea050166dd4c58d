"""Intelligence writes: create an alert, pass it on, acknowledge it, record consent, act on it, report outcomes.

Every function asks `markings.permitted` before it does anything with an alert, writes its audit record in the
caller's transaction, flushes and never commits. Unknown markings, purposes and recipients are refused (422):
the service fails closed rather than guess who a name means.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.declarations import selectors as declarations
from clearway.errors import Conflict, Forbidden, Problem, ValidationFailed
from clearway.holds import Release
from clearway.intelligence import selectors
from clearway.intelligence.markings import (
    COMMUNITY_KINDS,
    MARKINGS,
    NEED_TO_KNOW_ROLES,
    PURPOSES,
    Handling,
    Party,
    permitted,
)
from clearway.intelligence.models import IntelAction, IntelAlert, IntelConsent, IntelOutcome, IntelRecipient
from clearway.intelligence.schemas import ActionCreate, AlertCreate, ConsentCreate, OutcomeCreate

MATCHABLE = ("trader", "vehicle", "vessel", "route", "goods")  # subjects a declaration can be matched on
CUSTOMS_ACTORS = ("officer", "analyst")  # who may act on an alert against a declaration or report its outcome
RELEASING_OUTCOMES = ("no_hit", "not_controlled")  # after these the goods may go if nothing else holds them


def subject_normalised(subject_type: str, value: str) -> str:
    """The subject as matching compares it: codes upper-cased and without spaces, HS codes digits only."""
    value = value.strip()
    if subject_type == "goods":
        return "".join(ch for ch in value if ch.isdigit())
    if subject_type in ("trader", "vehicle", "vessel", "route", "container"):
        return value.upper().replace(" ", "")
    return value


def _audit(db: Session, actor: Principal, what: str, alert: IntelAlert, now: datetime, **detail: object) -> None:
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action=f"intelligence.{what}",
                 target_type="intel_alert", target_id=alert.reference, detail={"marking": alert.marking, **detail},
                 at=now)


def _keys_add(db: Session, alert: IntelAlert, recipients: Sequence[str] = (),
              consents: Sequence[list[str]] = ()) -> None:
    """Keep the keys on the alert row equal to its recipient and consent rows (a new dict: JSON is not mutable)."""
    keys = alert.handling_keys if alert.handling_keys is not None else selectors.handling_keys_from_tables(
        db=db, alert=alert)
    alert.handling_keys = {"recipients": [*keys["recipients"], *recipients],
                           "consents": [*keys["consents"], *consents]}


def _community_member(party: Party) -> None:
    if party.role not in NEED_TO_KNOW_ROLES or party.org_kind not in COMMUNITY_KINDS:
        raise Forbidden([Problem("intelligence.no_need_to_know", "", {"role": party.role})])


def community_check(*, db: Session, actor: Principal) -> Party:
    """The caller as a party of the intelligence community, or 403 (traders, admins, auditors, strangers)."""
    party = selectors.party_of(db=db, actor=actor)
    _community_member(party)
    return party


def _next_reference(db: Session, now: datetime) -> str:
    prefix = f"INT-{now.year}-"
    last = db.scalar(select(func.max(IntelAlert.reference)).where(IntelAlert.reference.like(f"{prefix}%")))
    return f"{prefix}{(int(last[-5:]) + 1) if last else 1:05d}"


def _resolved(db: Session, keys: list[str], pointer: str) -> list[tuple[str, Party]]:
    """Each key with the party it names; one unknown key refuses the whole request (nothing is shared)."""
    found, problems = [], []
    for i, key in enumerate(keys):
        party = selectors.recipient_party(db=db, key=key.strip())
        if party is None:
            problems.append(Problem("intelligence.recipient_unknown", f"{pointer}/{i}", {"key": key[:80]}))
        else:
            found.append((key.strip(), party))
    if problems:
        raise ValidationFailed(problems)
    return found


def alert_create(*, db: Session, actor: Principal, body: AlertCreate, now: datetime) -> IntelAlert:
    """Create an alert with its handling marking and first recipients (the originator distributes it)."""
    author = selectors.party_of(db=db, actor=actor)
    _community_member(author)
    problems = []
    if body.marking not in MARKINGS:
        problems.append(Problem("intelligence.marking_unknown", "/marking", {"marking": body.marking}))
    problems += [Problem("intelligence.purpose_unknown", f"/purposes/{i}", {"purpose": p})
                 for i, p in enumerate(body.purposes) if p not in PURPOSES]
    if body.hold_goods and body.subject_type not in MATCHABLE:
        problems.append(Problem("intelligence.hold_subject_not_matchable", "/hold_goods",
                                {"subject_type": body.subject_type}))
    value = subject_normalised(body.subject_type, body.subject_value)
    if not value:
        problems.append(Problem("intelligence.subject_empty", "/subject_value", {}))
    if problems:
        raise ValidationFailed(problems)
    recipients = _resolved(db, list(dict.fromkeys(body.recipients)), "/recipients")
    draft = Handling(marking=body.marking, purposes=frozenset(body.purposes), recipients=frozenset(),
                     originator_org=author.organisation, originator_user=actor.username)
    refused = [Problem(v.code, f"/recipients/{i}", {"key": key})
               for i, (key, party) in enumerate(recipients)
               if not (v := permitted(draft, author, "forward", body.purposes[0], party))]
    if refused:
        raise ValidationFailed(refused)
    alert = IntelAlert(
        reference=_next_reference(db, now), kind=body.kind, subject_type=body.subject_type, subject_value=value,
        text=body.text, source_ref=body.source_ref, source_grade=body.source_grade, info_grade=body.info_grade,
        marking=body.marking, purposes=list(dict.fromkeys(body.purposes)), originator_org=author.organisation,
        originator_user=actor.username, valid_from=now, valid_to=now + timedelta(days=body.valid_days),
        hold_goods=body.hold_goods, status="open", created_at=now,
        handling_keys={"recipients": [k for k, _ in recipients], "consents": []})
    db.add(alert)
    db.flush()
    for key, _party in recipients:
        db.add(IntelRecipient(alert_id=alert.id, key=key, added_by=actor.username, added_at=now))
    db.flush()
    _audit(db, actor, "alert_created", alert, now, recipients=[k for k, _ in recipients])
    return alert


def alert_read_audited(*, db: Session, actor: Principal, reference: str, purpose: str | None,
                       now: datetime) -> tuple[IntelAlert, Handling, Party]:
    """The alert for a reader the marking allows, with the read audited (who, for which purpose)."""
    alert, handling, party = selectors.alert_readable(db=db, actor=actor, reference=reference, purpose=purpose)
    _audit(db, actor, "alert_read", alert, now, purpose=purpose)
    return alert, handling, party


def alert_export(*, db: Session, actor: Principal, reference: str, purpose: str | None,
                 now: datetime) -> tuple[IntelAlert, Handling, Party]:
    """Check that the marking lets this reader take the alert out of the system, and audit the export."""
    alert, handling, party = selectors.alert_readable(db=db, actor=actor, reference=reference, purpose=purpose)
    verdict = permitted(handling, party, "export", purpose)
    if not verdict:
        raise Forbidden([Problem(verdict.code, "", {"reference": reference, "marking": alert.marking})])
    _audit(db, actor, "alert_exported", alert, now, purpose=purpose)
    return alert, handling, party


def alert_forward(*, db: Session, actor: Principal, reference: str, keys: list[str], purpose: str | None,
                  now: datetime) -> IntelAlert:
    """Pass the alert on to more recipients, each as the marking (or the originator's consent) allows.

    All or nothing: one recipient the marking refuses and nobody is added."""
    alert, handling, party = selectors.alert_readable(db=db, actor=actor, reference=reference, purpose=purpose,
                                                      for_update=True)
    wanted = [(k, p) for k, p in _resolved(db, list(dict.fromkeys(keys)), "/recipients")
              if k not in handling.recipients]
    refused = [Problem(v.code, f"/recipients/{i}", {"key": key})
               for i, (key, to) in enumerate(wanted) if not (v := permitted(handling, party, "forward", purpose, to))]
    if refused:
        raise Forbidden(refused)
    if not wanted:
        raise Conflict([Problem("intelligence.already_recipients", "/recipients", {"reference": reference})])
    for key, _to in wanted:
        db.add(IntelRecipient(alert_id=alert.id, key=key, added_by=actor.username, added_at=now))
    _keys_add(db, alert, recipients=[k for k, _ in wanted])
    db.flush()
    _audit(db, actor, "alert_forwarded", alert, now, purpose=purpose, recipients=[k for k, _ in wanted])
    return alert


def alert_acknowledge(*, db: Session, actor: Principal, reference: str, purpose: str | None,
                      now: datetime) -> IntelAlert:
    """Acknowledge receipt: every recipient entry naming the caller (its user, office or organisation)."""
    alert, _handling, party = selectors.alert_readable(db=db, actor=actor, reference=reference, purpose=purpose)
    rows = list(db.scalars(select(IntelRecipient).where(IntelRecipient.alert_id == alert.id,
                                                        IntelRecipient.key.in_(sorted(party.keys())))))
    if not rows:
        raise Forbidden([Problem("intelligence.not_a_recipient", "", {"reference": reference})])
    for row in rows:
        if row.acknowledged_at is None:
            row.acknowledged_by, row.acknowledged_at = actor.username, now
    db.flush()
    _audit(db, actor, "alert_acknowledged", alert, now, keys=[r.key for r in rows])
    return alert


def consent_grant(*, db: Session, actor: Principal, reference: str, body: ConsentCreate,
                  now: datetime) -> IntelConsent:
    """Record the originator's consent to one action beyond the marking for one recipient key."""
    alert = selectors.alert_get(db=db, reference=reference, for_update=True)
    _originator_check(db, actor, alert)
    if selectors.recipient_party(db=db, key=body.key) is None:
        raise ValidationFailed([Problem("intelligence.recipient_unknown", "/key", {"key": body.key})])
    if db.scalar(select(IntelConsent.id).where(IntelConsent.alert_id == alert.id, IntelConsent.action == body.action,
                                               IntelConsent.key == body.key)):
        raise Conflict([Problem("intelligence.consent_exists", "/key", {"key": body.key, "action": body.action})])
    consent = IntelConsent(alert_id=alert.id, action=body.action, key=body.key, granted_by=actor.username,
                           note=body.note, granted_at=now)
    db.add(consent)
    _keys_add(db, alert, consents=[[body.action, body.key]])
    db.flush()
    _audit(db, actor, "consent_granted", alert, now, consented=body.action, key=body.key)
    return consent


def _originator_check(db: Session, actor: Principal, alert: IntelAlert) -> None:
    party = selectors.party_of(db=db, actor=actor)
    author = actor.username == alert.originator_user and party.organisation == alert.originator_org
    if not (author or (party.organisation == alert.originator_org and actor.role == "analyst")):
        raise Forbidden([Problem("intelligence.not_the_originator", "", {"reference": alert.reference})])


def alert_withdraw(*, db: Session, actor: Principal, reference: str, now: datetime) -> IntelAlert:
    """The originator withdraws its alert: it holds no goods from now on and takes no new action."""
    alert = selectors.alert_get(db=db, reference=reference, for_update=True)
    _originator_check(db, actor, alert)
    if alert.status != "open":
        raise Conflict([Problem("intelligence.alert_not_open", "/reference", {"status": alert.status})])
    alert.status = "withdrawn"
    db.flush()
    _audit(db, actor, "alert_withdrawn", alert, now)
    return alert


def action_take(*, db: Session, actor: Principal, reference: str, body: ActionCreate, purpose: str | None,
                now: datetime) -> IntelAction:
    """Target a declaration or a party with the alert; with `hold`, matching goods wait for the outcome."""
    if actor.role not in CUSTOMS_ACTORS:
        raise Forbidden([Problem("auth.role_forbidden", "", {"role": actor.role})])
    alert, _handling, _party = selectors.alert_readable(db=db, actor=actor, reference=reference, purpose=purpose)
    if alert.status != "open":
        raise Conflict([Problem("intelligence.alert_not_open", "/reference", {"status": alert.status})])
    action = IntelAction(alert_id=alert.id, target=body.target, hold=body.hold, status="active", note=body.note,
                         created_by=actor.username, created_org=actor.organisation_code, created_at=now)
    if body.target == "declaration":
        if not body.mrn:
            raise ValidationFailed([Problem("intelligence.mrn_required", "/mrn", {})])
        action.declaration_id = declarations.declaration_get(db=db, actor=actor, mrn=body.mrn, now=now).id
    else:
        party_id = subject_normalised("trader", body.party_id or "")
        if not party_id:
            raise ValidationFailed([Problem("intelligence.party_required", "/party_id", {})])
        action.party_id = party_id
    db.add(action)
    db.flush()
    _audit(db, actor, "action_taken", alert, now, target=body.target, mrn=body.mrn, party=action.party_id,
           hold=body.hold)
    return action


def outcome_record(*, db: Session, actor: Principal, reference: str, body: OutcomeCreate, purpose: str | None,
                   release: Release, now: datetime) -> IntelOutcome:
    """Report what came of the alert on one declaration back to its originator.

    The alert stops holding that declaration; after a no-hit (or no control) the goods go if nothing else holds
    them. A hit or a seizure leaves them where they are: the officer detains or seizes through controls.
    """
    if actor.role not in CUSTOMS_ACTORS:
        raise Forbidden([Problem("auth.role_forbidden", "", {"role": actor.role})])
    alert, _handling, _party = selectors.alert_readable(db=db, actor=actor, reference=reference, purpose=purpose,
                                                        for_update=True)
    declaration = declarations.declaration_get(db=db, actor=actor, mrn=body.mrn, now=now, for_update=True)
    if db.scalar(select(IntelOutcome.id).where(IntelOutcome.alert_id == alert.id,
                                               IntelOutcome.declaration_id == declaration.id)):
        raise Conflict([Problem("intelligence.outcome_exists", "/mrn", {"mrn": body.mrn, "reference": reference})])
    outcome = IntelOutcome(alert_id=alert.id, declaration_id=declaration.id, outcome=body.outcome, note=body.note,
                           recorded_by=actor.username, recorded_at=now)
    db.add(outcome)
    db.execute(update(IntelAction).where(IntelAction.alert_id == alert.id,
                                         IntelAction.declaration_id == declaration.id,
                                         IntelAction.status == "active")
               .values(status="lifted", lifted_by=actor.username, lifted_at=now))
    db.flush()
    _audit(db, actor, "outcome_reported", alert, now, mrn=declaration.mrn, outcome=body.outcome,
           originator=alert.originator_org)
    if body.outcome in RELEASING_OUTCOMES:
        release.attempt(db=db, declaration=declaration, actor=actor, reason=f"intelligence {alert.reference}: "
                        f"{body.outcome}", now=now, code=f"released.intelligence.{body.outcome}",
                        params={"reference": alert.reference})
    return outcome
