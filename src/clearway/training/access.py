"""Who may use training: instructors (admins, and officers who supervise their office) and trainees (officers and
analysts: an analyst's curriculum is its own, see certification.CURRICULA).

Everyone else is refused (fail closed). Whether an officer supervises is the controls domain's record, read
inside the caller's transaction (`instructor_check`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.controls.service import supervisor_required
from clearway.deps import roles
from clearway.errors import Forbidden, Problem

TRAINEE_ROLES = ("officer", "analyst")
Staff = Annotated[Principal, Depends(roles("officer", "admin"))]  # instructors (and officer trainees)
Learner = Annotated[Principal, Depends(roles("officer", "analyst", "admin"))]  # whoever lists exercises
Trainee = Annotated[Principal, Depends(roles(*TRAINEE_ROLES))]


def is_trainee(actor: Principal) -> bool:
    """True for a role that takes exercises (officers and analysts)."""
    return actor.role in TRAINEE_ROLES


def is_instructor(db: Session, actor: Principal) -> bool:
    """True for an admin or an officer who supervises its office."""
    if actor.role == "admin":
        return True
    if actor.role != "officer":  # analysts train, they never instruct
        return False
    try:
        supervisor_required(db=db, actor=actor)
    except Forbidden:  # not a supervisor (or no office): a trainee only
        return False
    return True


def instructor_check(db: Session, actor: Principal) -> Principal:
    """The actor if it may instruct, else 403 (an officer who does not supervise its office)."""
    if actor.role not in ("admin", "officer"):
        raise Forbidden([Problem("auth.role_forbidden", "", {"role": actor.role})])
    if actor.role != "admin":
        supervisor_required(db=db, actor=actor)
    return actor
