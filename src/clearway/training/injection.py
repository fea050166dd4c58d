"""Threat projection at a configured rate: the worker projects training cases into each office's live queue, N a
day per office, spread over the day, to the office's officers in turn.

Each injection is an ordinary projection (`projection.projection_create`): never released, never counted, revealed
and scored once the officer decides. Which case and which officer are drawn from a generator seeded by the office,
the day and the count, so a rerun of the job in the same minute draws the same and injects nothing twice.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.models import User
from clearway.auth.schemas import Principal
from clearway.errors import Forbidden, Problem, ValidationFailed
from clearway.training.models import InjectionRate, Projection, TrainingCase, TrainingWorld
from clearway.training.projection import projection_create
from clearway.training.schemas import ProjectionCreate

INJECTOR = Principal(user_id=0, username="training-injection", role="system", organisation_id=0,
                     organisation_code="KRCUSTOMS")
FRAUD_SHARE = 0.5  # half the injected cases carry a planted fraud: each one is a detection event


def rate_set(*, db: Session, actor: Principal, office: str, per_day: int, cohort: str, now: datetime
             ) -> InjectionRate:
    """Inject `per_day` cases of the cohort's world into the office's queue each day (0 pauses it; audited).

    A supervising officer sets its own office only; an administrator any office."""
    if actor.role != "admin" and actor.office != office:
        raise Forbidden([Problem("training.office_not_yours", "/office", {"office": office})])
    if db.scalar(select(TrainingWorld.id).where(TrainingWorld.cohort == cohort)) is None:
        raise ValidationFailed([Problem("training.cohort_unknown", "/cohort", {"cohort": cohort})])
    rate = db.get(InjectionRate, office)
    if rate is None:
        rate = InjectionRate(office=office, per_day=per_day, cohort=cohort, set_by=actor.username, set_at=now)
        db.add(rate)
    else:
        rate.per_day, rate.cohort, rate.set_by, rate.set_at = per_day, cohort, actor.username, now
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="training.injection_set",
                 target_type="office", target_id=office, detail={"per_day": per_day, "cohort": cohort}, at=now)
    db.flush()
    return rate


def rate_clear(*, db: Session, actor: Principal, office: str, now: datetime) -> None:
    """Stop injecting into the office's queue (audited)."""
    if actor.role != "admin" and actor.office != office:
        raise Forbidden([Problem("training.office_not_yours", "/office", {"office": office})])
    db.execute(delete(InjectionRate).where(InjectionRate.office == office))
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="training.injection_cleared",
                 target_type="office", target_id=office, at=now)


def rates_list(db: Session) -> list[InjectionRate]:
    """The configured rates, by office."""
    return list(db.scalars(select(InjectionRate).order_by(InjectionRate.office)))


def due(per_day: int, now: datetime) -> int:
    """How many of the day's injections should have happened by `now` (spread evenly over the UTC day)."""
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return min(per_day, math.ceil(per_day * (now - start) / timedelta(days=1)))


def _office_injection(db: Session, rate: InjectionRate, now: datetime) -> int:
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    done = int(db.scalar(select(func.count()).select_from(Projection).where(
        Projection.office == rate.office, Projection.projected_by == INJECTOR.username,
        Projection.projected_at >= start)) or 0)
    officers = list(db.scalars(select(User.username).where(User.role == "officer", User.office == rate.office,
                                                           User.active.is_(True)).order_by(User.username)))
    world = db.scalar(select(TrainingWorld).where(TrainingWorld.cohort == rate.cohort))
    if not officers or world is None:
        return 0
    injected = 0
    for n in range(done, due(rate.per_day, now)):
        rng = random.Random(f"{rate.office}:{start.date()}:{n}")
        today = dict(db.execute(select(Projection.officer, func.count()).where(
            Projection.office == rate.office, Projection.projected_at >= start)
            .group_by(Projection.officer)).tuples().all())
        fewest = min(today.get(o, 0) for o in officers)
        officer = rng.choice([o for o in officers if today.get(o, 0) == fewest])  # in turn: fewest today first
        seen = select(Projection.case_reference).where(Projection.officer == officer)
        fraud = rng.random() < FRAUD_SHARE
        query = select(TrainingCase.reference).where(
            TrainingCase.world_id == world.id, TrainingCase.reference.not_in(seen),
            TrainingCase.fraud_kind.is_not(None) if fraud else TrainingCase.fraud_kind.is_(None))
        count = int(db.scalar(select(func.count()).select_from(query.subquery())) or 0)
        if count == 0:  # the officer has seen every case of that kind: the world is exhausted for it
            continue
        reference = db.scalar(query.order_by(TrainingCase.id).offset(rng.randrange(count)).limit(1))
        projection_create(db=db, actor=INJECTOR, body=ProjectionCreate(case=str(reference), officer=officer), now=now)
        injected += 1
    return injected


def injection_run(*, db: Session, now: datetime) -> int:
    """Inject what each office's rate makes due by now; how many projections were made."""
    return sum(_office_injection(db, rate, now) for rate in rates_list(db) if rate.per_day > 0)
