"""Declaration threat projection: a training case lodged into an officer's live control queue as a test.

The projected declaration is lodged by the training organisation (no real trader: nothing reaches one), channelled
yellow with the reason a model pick of the risk engine shows, and its documentary check is assigned to the officer:
until the officer decides, the queue and the task look like any other (the marks are the declarant and the projection
row, which the officer's pages do not show).
The training hold provider keeps it from ever being released; performance and public figures leave it out
(`selectors.projected_ids`). When the officer decides (finishes the check, or asks for an inspection), the
projection is revealed, scored against the truth, and the declaration withdrawn so no team is sent to goods
that do not exist.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.models import Organisation, User
from clearway.auth.schemas import Principal
from clearway.auth.service import organisation_create
from clearway.controls import intake
from clearway.controls.service import control_outcomes
from clearway.controls.withdrawal import tasks_withdraw
from clearway.declarations import service as declarations
from clearway.declarations.lifecycle import SYSTEM_ACTOR, declaration_transition
from clearway.declarations.models import Declaration
from clearway.declarations.selectors import declaration_events
from clearway.declarations.service import Step
from clearway.errors import Problem, ValidationFailed
from clearway.risk.engine.decision import SELECTED_TEXT
from clearway.training.models import Projection, TrainingCase
from clearway.training.schemas import ProjectionCreate
from clearway.training.scoring import outcome_of
from clearway.training.selectors import PROJECTION_CODES
from clearway.writes import Rows

MARK = "Training projection: a test declaration (it can never be released)"  # audit and withdrawal, never the queue
# What the queue shows of a documentary pick by the risk model. No model version and no random-sample mark: the
# projection must not enter the model's or the random sample's statistics.
DISGUISE: dict[str, Any] = {"rule": "model", "text": SELECTED_TEXT["yellow"]}
PARTY_NAME = "Training projection (test, not a trader)"  # the organisations' name, for audit and withdrawal


def projection_actor(code: str) -> Principal:
    """Who lodges a projection: the exercise organisation of that code (no user, no real trader), named on the
    declaration's timeline as a trader's system lodging is ("import:<code>"), not as training."""
    return Principal(user_id=0, username=f"import:{code}", role="trader", organisation_id=0,
                     organisation_code=code)


def projection_code(count: int) -> str:
    """The organisation code the next projection is lodged under: the exercise codes in turn, so none stands out."""
    return PROJECTION_CODES[count % len(PROJECTION_CODES)]


def projection_lrn(code: str, count: int, now: datetime) -> str:
    """The projection's local reference, shaped as a trader's (declarant, year, number): one saying PRJ would
    give it away on the declaration page. The count of projections keeps it unique under each code."""
    return f"{code}-{now:%Y}-{count + 1:06d}"


FLAGGING_EVENTS = ("inspection_requested", "detained")  # an officer asking for goods to be stopped or seen


def training_organisation_ensure(*, db: Session, code: str, now: datetime) -> None:
    """The exercise organisation a projection is lodged under (created on first use)."""
    if db.scalar(select(Organisation.id).where(Organisation.code == code)) is None:
        organisation_create(db=db, code=code, name=PARTY_NAME, kind="trader", country="KR", now=now)


def projected_document(document: dict[str, Any], *, office: str, lrn: str, now: datetime, code: str
                       ) -> dict[str, Any]:
    """The training case's document as an exercise organisation (code) lodges it at the officer's office, today."""
    doc = copy.deepcopy(document)
    doc["lrn"], doc["office"] = lrn, office
    for role in ("declarant", "importer", "buyer"):
        if role in doc:
            # The case's fictional names stay (so the page reads like any trader's); the id is no real trader's.
            doc[role] = {"name": PARTY_NAME, "country": "KR",
                         **{k: v for k, v in doc[role].items() if k == "name"}, "id": code}
    transport = doc.get("transport")
    if isinstance(transport, dict):
        transport["border_office"] = office
        transport["arrival"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return doc


def _officer(db: Session, username: str) -> User:
    user = db.scalar(select(User).where(User.username == username))
    if user is None or user.role != "officer" or not user.office or not user.active:
        raise ValidationFailed([Problem("training.officer_unknown", "/officer", {"officer": username})])
    return user


def projection_create(*, db: Session, actor: Principal, body: ProjectionCreate, now: datetime) -> Projection:
    """Project a training case into an officer's queue: a documentary check assigned to the officer (audited)."""
    case = db.scalar(select(TrainingCase).where(TrainingCase.reference == body.case))
    if case is None:
        raise ValidationFailed([Problem("training.case_unknown", "/case", {"case": body.case})])
    officer = _officer(db, body.officer)
    office = str(officer.office)
    count = db.scalar(select(func.count()).select_from(Projection)) or 0
    code = projection_code(count)
    training_organisation_ensure(db=db, code=code, now=now)
    actor_lodging = projection_actor(code)
    raw = projected_document(case.document, office=office, lrn=projection_lrn(code, count, now), now=now,
                             code=code)
    lodgement = declarations.lodgement_prepare(db=db, actor=actor_lodging, raw=raw, now=now)
    reasons: list[dict[str, Any]] = [dict(DISGUISE)]
    rows = intake.lodgement_rows(channel="yellow", office=office, reasons=reasons,
                                 items=lodgement.document["items"], now=now)
    # The check goes straight to the officer being tested, as a supervisor's assignment would.
    children = [Rows(r.table, [{**row, "assignee": officer.username, "assigned_at": now} for row in r.rows], r.name)
                for r in rows]
    steps = [Step("accepted", "lodged", "accepted", None),
             Step("channelled", "accepted", "channelled", f"yellow: {DISGUISE['text']}"),
             Step("control_started", "channelled", "under_control", "documentary check")]
    declaration = declarations.lodgement_write(db=db, actor=actor_lodging, lodgement=lodgement, status="under_control",
                                               channel="yellow", reasons=reasons, steps=steps, children=children,
                                               now=now)
    projection = Projection(declaration_id=declaration.id, mrn=declaration.mrn, case_reference=case.reference,
                            fraud_kind=case.fraud_kind, officer=officer.username, office=office,
                            projected_by=actor.username, projected_at=now)
    db.add(projection)
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="training.projected",
                 target_type="declaration", target_id=declaration.mrn,
                 detail={"case": case.reference, "officer": officer.username}, at=now)
    db.flush()
    return projection


def _decided(db: Session, projection: Projection, finished: dict[int, bool]) -> str | None:
    """'flag' or 'clear' once the officer decided, else None: a finished check, or an inspection asked for."""
    if projection.declaration_id in finished:
        return "flag" if finished[projection.declaration_id] else "clear"
    declaration = db.get(Declaration, projection.declaration_id)
    if declaration is None:
        return None
    return "flag" if any(e.kind in FLAGGING_EVENTS for e in declaration_events(db=db, declaration=declaration)) \
        else None


def projections_sync(*, db: Session, now: datetime, officer: str | None = None) -> int:
    """Reveal and score every projection the officer has decided on; withdraw its declaration. How many."""
    query = select(Projection).where(Projection.decided_at.is_(None))
    if officer is not None:
        query = query.where(Projection.officer == officer)
    waiting = list(db.scalars(query.with_for_update()))
    if not waiting:
        return 0
    finished: dict[int, bool] = {}
    for outcome in control_outcomes(db=db, declaration_ids=[p.declaration_id for p in waiting]):
        finished[outcome.declaration_id] = finished.get(outcome.declaration_id, False) or outcome.fraud_found
    revealed = 0
    for projection in waiting:
        decision = _decided(db, projection, finished)
        if decision is None:
            continue
        projection.decision, projection.decided_at = decision, now
        projection.outcome = outcome_of(projection.fraud_kind is not None, decision == "flag")
        _withdraw(db, projection, now)
        revealed += 1
    db.flush()
    return revealed


def _withdraw(db: Session, projection: Projection, now: datetime) -> None:
    """Take the projected declaration out of every queue: back to channelled, then cancelled (no goods exist)."""
    declaration = db.get(Declaration, projection.declaration_id)
    if declaration is None or declaration.status not in ("under_control", "detained", "channelled"):
        return
    reason = f"training projection revealed ({projection.outcome})"
    code = f"training_revealed.{projection.outcome}"  # said in the reader's language (events_*.json)
    if declaration.status == "detained":
        declaration_transition(db=db, actor=SYSTEM_ACTOR, declaration=declaration, target="under_control",
                               reason=reason, now=now, code=code, params={})
    if declaration.status == "under_control":
        declaration_transition(db=db, actor=SYSTEM_ACTOR, declaration=declaration, target="channelled",
                               reason=reason, now=now, code=code, params={})
    declaration_transition(db=db, actor=SYSTEM_ACTOR, declaration=declaration, target="cancelled", reason=reason,
                           now=now, code=code, params={})
    tasks_withdraw(db=db, declaration=declaration, reason=reason, now=now)  # no examiner is left holding it
