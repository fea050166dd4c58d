"""Who may use training: instructors (admins, and officers who supervise their office) and trainees (officers).

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
from clearway.errors import Forbidden

Staff = Annotated[Principal, Depends(roles("officer", "admin"))]  # instructors and trainees
Trainee = Annotated[Principal, Depends(roles("officer"))]


def is_instructor(db: Session, actor: Principal) -> bool:
    """True for an admin or an officer who supervises its office."""
    if actor.role == "admin":
        return True
    try:
        supervisor_required(db=db, actor=actor)
    except Forbidden:  # not a supervisor (or no office): a trainee only
        return False
    return True


def instructor_check(db: Session, actor: Principal) -> Principal:
    """The actor if it may instruct, else 403 (an officer who does not supervise its office)."""
    if actor.role != "admin":
        supervisor_required(db=db, actor=actor)
    return actor
