"""Certificates per role and level, earned from exercise scores, and the gate that asks for one before a
sensitive production action.

A certificate of a role at level L is awarded once the trainee has passed an exercise of every kind of that
role's curriculum at level L or above; it is valid for a year, since skills fade. The gate is off until an
administrator names a certificate for an action (`Gate` rows): with no row, every action goes as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.db import get_sessionmaker, utcnow
from clearway.declarations.lifecycle import SYSTEM_ACTOR
from clearway.deps import principal_from_request
from clearway.errors import DomainError, Forbidden, Problem
from clearway.handlers import problem_response
from clearway.i18n import translate
from clearway.training.models import Attempt, Certificate, Exercise, Gate
from clearway.training.schemas import CertificateRead, GateRead, ScoreRead
from clearway.web.errors import error_page
from clearway.web.security import page_locale

# What each role must have passed, by exercise kind: every kind belongs to the role whose work it trains. An officer
# targets, checks papers, values, classifies and decides releases; an analyst targets and writes selectivity rules
# (writing rules is the production action an administration may gate on the analyst's certificate).
CURRICULA: dict[str, tuple[str, ...]] = {
    "officer": ("targeting", "valuation", "classification", "documentary", "release"),
    "analyst": ("targeting", "rule")}
LEVELS = (1, 2, 3)
VALID_FOR = timedelta(days=365)
PASS_HIT_RATE = 0.7  # at least 70 % of the planted frauds flagged
PASS_FALSE_ALARM_RATE = 0.25  # and at most a quarter of the compliant declarations flagged
PASS_ACCURACY = 0.7  # classification: 70 % of the goods given their true subheading
PASS_PRECISION = 0.75  # documentary: at least three marks in four are real discrepancies
PASS_RULE_PRECISION = 0.5  # rule writing: at least every second declaration selected is a fraud
# The sensitive actions an administration may gate.
ACTIONS = ("release.red", "risk.rule_write", "risk.model_promote")


def passed(score: ScoreRead) -> bool:
    """Whether a handed-in attempt passes: enough frauds found without flagging too many compliant ones (or,
    classifying, enough subheadings right)."""
    if not score.finished:
        return False
    if score.kind == "classification":
        return (score.accuracy or 0.0) >= PASS_ACCURACY
    if score.kind == "documentary":  # most check points agree, so a false-alarm rate over them would be lax
        return (score.recall or 0.0) >= PASS_HIT_RATE and (score.precision or 0.0) >= PASS_PRECISION
    if score.kind == "rule":  # a rule must catch the pattern without selecting half the day
        return (score.recall or 0.0) >= PASS_HIT_RATE and (score.precision or 0.0) >= PASS_RULE_PRECISION
    if score.hit_rate is None:
        return False
    return score.hit_rate >= PASS_HIT_RATE and (score.false_alarm_rate or 0.0) <= PASS_FALSE_ALARM_RATE


def certificates_award(*, db: Session, holder: str, now: datetime,
                       scores: Callable[[Exercise, Attempt], ScoreRead]) -> list[Certificate]:
    """Award (or renew) every certificate the holder's passed exercises now earn; the ones newly awarded."""
    rows = db.execute(select(Exercise, Attempt).join(Attempt, Attempt.exercise_id == Exercise.id)
                      .where(Attempt.trainee == holder, Attempt.finished_at.is_not(None))).tuples().all()
    best: dict[str, tuple[int, list[int]]] = {}  # kind -> highest level passed, exercises passed
    for exercise, attempt in rows:
        if passed(scores(exercise, attempt)):
            level, ids = best.get(exercise.kind, (0, []))
            best[exercise.kind] = (max(level, exercise.level), [*ids, exercise.id])
    awarded = []
    for role, kinds in CURRICULA.items():
        for level in LEVELS:
            if not all(best.get(kind, (0, []))[0] >= level for kind in kinds):
                break
            evidence = sorted({i for kind in kinds for i in best[kind][1]})
            held = db.scalar(select(Certificate).where(Certificate.holder == holder, Certificate.role == role,
                                                       Certificate.level == level))
            if held is None:
                held = Certificate(holder=holder, role=role, level=level, awarded_at=now, evidence=evidence,
                                   expires_at=now + VALID_FOR)
                db.add(held)
                awarded.append(held)
                audit_append(db=db, actor=holder, actor_org="", action="training.certified",
                             target_type="training_certificate", target_id=f"{holder}:{role}:{level}",
                             detail={"evidence": evidence}, at=now)
            elif held.evidence != evidence:  # a newly passed exercise renews it
                held.evidence, held.awarded_at, held.expires_at = evidence, now, now + VALID_FOR
    db.flush()
    return awarded


def certificates_of(db: Session, holder: str | None = None) -> list[Certificate]:
    """Certificates (of one holder, or all), by holder, role and level."""
    query = select(Certificate).order_by(Certificate.holder, Certificate.role, Certificate.level)
    if holder is not None:
        query = query.where(Certificate.holder == holder)
    return list(db.scalars(query))


def gates_list(db: Session) -> list[Gate]:
    """The gated actions and the certificate each asks for."""
    return list(db.scalars(select(Gate).order_by(Gate.action)))


def gate_set(*, db: Session, actor: Principal, action: str, role: str, level: int, now: datetime) -> Gate:
    """Require a certificate of `role` at `level` (or above) for an action (audited)."""
    gate = db.get(Gate, action)
    if gate is None:
        gate = Gate(action=action, role=role, level=level, set_by=actor.username, set_at=now)
        db.add(gate)
    else:
        gate.role, gate.level, gate.set_by, gate.set_at = role, level, actor.username, now
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="training.gate_set",
                 target_type="training_gate", target_id=action, detail={"role": role, "level": level}, at=now)
    db.flush()
    return gate


def gate_clear(*, db: Session, actor: Principal, action: str, now: datetime) -> None:
    """Let anyone allowed by role do the action again, certified or not (audited)."""
    db.execute(delete(Gate).where(Gate.action == action))
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="training.gate_cleared",
                 target_type="training_gate", target_id=action, at=now)


def certification_check(*, db: Session, actor: Principal, action: str, now: datetime) -> None:
    """Refuse (403 training.certificate_required) a person without the certificate the action's gate asks for.

    No gate for the action: nothing is asked. The system's own steps are no person and are never gated.
    """
    gate = db.get(Gate, action)
    if gate is None or actor.role == SYSTEM_ACTOR.role:
        return
    held = db.scalar(select(Certificate.id).where(
        Certificate.holder == actor.username, Certificate.role == gate.role, Certificate.level >= gate.level,
        Certificate.expires_at > now).limit(1))
    if held is None:
        raise Forbidden([Problem("training.certificate_required", "",
                                 {"action": action, "role": gate.role, "level": gate.level})])


def _form_action_is_not(body: bytes, value: str) -> bool:
    return parse_qs(body.decode("latin-1")).get("action", [""])[0] != value


def _path_action_is(params: dict[str, str], value: str) -> bool:
    return params.get("action") == value


@dataclass(frozen=True)
class GatedRoute:
    """A route of a gated action: method, path pattern, and when a request to it is that action."""

    method: str
    path: str
    action: str
    on_path: Callable[[dict[str, str]], bool] | None = None
    on_form: Callable[[bytes], bool] | None = None

    @property
    def pattern(self) -> re.Pattern[str]:
        """The path as a regular expression with one named group per parameter."""
        return re.compile("^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(self.path)) + "$")


GATED_ROUTES = (
    GatedRoute("POST", "/api/v1/risk/rules", "risk.rule_write"),
    GatedRoute("PUT", "/api/v1/risk/rules/{rule_id}", "risk.rule_write"),
    GatedRoute("POST", "/api/v1/risk/rules/{rule_id}/activate", "risk.rule_write"),
    GatedRoute("POST", "/risk/rules/new", "risk.rule_write"),
    GatedRoute("POST", "/risk/rules/{rule_id}/edit", "risk.rule_write"),
    # deactivating a rule is never gated: stopping a bad rule must not wait for a certificate
    GatedRoute("POST", "/risk/rules/{rule_id}/state", "risk.rule_write",
               on_form=lambda body: _form_action_is_not(body, "deactivate")),
    GatedRoute("POST", "/api/v1/risk/models/{model_id}/promote", "risk.model_promote"),
    GatedRoute("POST", "/risk/models/{model_id}/{action}", "risk.model_promote",
               on_path=lambda params: _path_action_is(params, "promote")),
)
_COMPILED = [(route, route.pattern) for route in GATED_ROUTES]


def gated_action(method: str, path: str, body: bytes = b"") -> str | None:
    """The gated action a request is, if any (the form body is needed only where `needs_form` says)."""
    for route, pattern in _COMPILED:
        found = pattern.match(path) if route.method == method else None
        if found is None or (route.on_path is not None and not route.on_path(found.groupdict())):
            continue
        if route.on_form is not None and not route.on_form(body):
            continue
        return route.action
    return None


def needs_form(method: str, path: str) -> bool:
    """Whether telling the action of this request needs its form body."""
    return any(route.on_form is not None and route.method == method and pattern.match(path)
               for route, pattern in _COMPILED)


class CertificationGate:
    """ASGI middleware: a request that is a gated action goes on only if the caller holds the certificate.

    It sits in front of the routes of other domains (risk's rules and models) without their importing training.
    Anonymous callers go on: the route answers 401 as usual. The check itself is `certification_check`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer the 403 problem."""
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        body, replay = b"", receive
        if needs_form(method, path):
            chunks, more = [], True
            while more:
                message = await receive()
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            body = b"".join(chunks)
            sent = False

            async def replay() -> Message:
                nonlocal sent
                if sent:
                    return await receive()
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
        action = gated_action(method, path, body)
        if action is not None:
            request = Request(scope)
            try:
                await run_in_threadpool(_request_check, request, action)
            except DomainError as exc:
                response = await _refusal(request, exc)
                await response(scope, receive, send)
                return
        await self.app(scope, replay, send)


async def _refusal(request: Request, exc: DomainError) -> Response:
    """The API keeps its problem+json; a browser's form gets the error page with the localised reason."""
    if path_is_api(request.url.path):
        return problem_response(request, status=exc.status, slug=exc.slug, title_code=exc.title_code,
                                problems=exc.problems, detail=exc.detail)
    locale = page_locale(request)
    messages = [translate(p.code, locale, **p.params) for p in exc.problems]
    return await run_in_threadpool(error_page, request, exc.status, messages)


def path_is_api(path: str) -> bool:
    """Whether a path is the JSON API's (its refusals stay problem+json)."""
    return path.startswith("/api/")


def _request_check(request: Request, action: str) -> None:
    actor = principal_from_request(request)
    if actor is None:
        return
    with get_sessionmaker()() as db, db.begin():
        certification_check(db=db, actor=actor, action=action, now=utcnow())


def certificate_read(certificate: Certificate, now: datetime) -> CertificateRead:
    """A certificate as the API shows it (valid: not yet expired)."""
    return CertificateRead(holder=certificate.holder, role=certificate.role, level=certificate.level,
                           awarded_at=certificate.awarded_at, expires_at=certificate.expires_at,
                           valid=certificate.expires_at > now, evidence=list(certificate.evidence))


def gate_read(gate: Gate) -> GateRead:
    """A gate as the API shows it."""
    return GateRead(action=gate.action, role=gate.role, level=gate.level, set_by=gate.set_by, set_at=gate.set_at)
