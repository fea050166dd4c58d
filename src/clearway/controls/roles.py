"""Examiners and supervisors: an officer's HS sections and whether it may supervise its office.

Choice: a supervisor is an officer whose examiner record carries `supervisor = true` (granted by
an admin), not a separate role, so a senior officer keeps examining while supervising, and the
account model of the auth domain stays as it is. An officer without a record is a generalist
examiner (all sections) and no supervisor.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.models import User
from clearway.auth.schemas import Principal
from clearway.controls.intake import SECTION_CODES
from clearway.controls.models import ControlTask, Examiner
from clearway.errors import Forbidden, NotFound, Problem, ValidationFailed


def examiner_get(*, db: Session, actor: Principal) -> Examiner:
    """The actor's examiner record; an unsaved generalist one when it has none yet."""
    found = db.get(Examiner, actor.user_id)
    if found is not None:
        return found
    return Examiner(user_id=actor.user_id, username=actor.username, office=actor.office or "", sections=[],
                    supervisor=False, active=True)


def examiner_ensure(*, db: Session, actor: Principal, now: datetime) -> Examiner:
    """The actor's examiner record, registered as an active generalist the first time it works the queue."""
    found = db.get(Examiner, actor.user_id)
    if found is not None:
        return found
    try:
        with db.begin_nested():  # a concurrent first visit of the same officer may win the insert
            db.add(Examiner(user_id=actor.user_id, username=actor.username, office=office_required(actor),
                            sections=[], supervisor=False, active=True, updated_at=now))
    except IntegrityError:
        pass
    found = db.get(Examiner, actor.user_id)
    assert found is not None
    return found


def office_required(actor: Principal) -> str:
    """The office an officer works at; 403 for an officer attached to none."""
    if not actor.office:
        raise Forbidden([Problem("control.no_office", "", {"user": actor.username})])
    return actor.office


def supervisor_required(*, db: Session, actor: Principal) -> Examiner:
    """The actor's record if it supervises its office, else 403."""
    office_required(actor)
    examiner = db.get(Examiner, actor.user_id)
    if examiner is None or not examiner.supervisor or not examiner.active or examiner.office != actor.office:
        raise Forbidden([Problem("control.supervisor_required", "", {"user": actor.username})])
    return examiner


def examiner_put(*, db: Session, actor: Principal, username: str, sections: list[str], supervisor: bool,
                 active: bool, now: datetime) -> Examiner:
    """Create or change an officer's examiner record (admin only, audited)."""
    unknown = [s for s in sections if s not in SECTION_CODES]
    if unknown:
        raise ValidationFailed([Problem("control.section_unknown", f"/sections/{sections.index(s)}", {"value": s})
                                for s in unknown])
    user = db.scalar(select(User).where(User.username == username))
    if user is None or user.role != "officer" or not user.office:
        raise NotFound([Problem("control.officer_not_found", "", {"username": username})])
    examiner = db.get(Examiner, user.id)
    if examiner is None:
        examiner = Examiner(user_id=user.id, username=user.username)
        db.add(examiner)
    examiner.office, examiner.sections, examiner.supervisor = user.office, sorted(set(sections)), supervisor
    examiner.active, examiner.updated_at = active, now
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="control.examiner_set",
                 target_type="user", target_id=username,
                 detail={"sections": examiner.sections, "supervisor": supervisor, "active": active}, at=now)
    db.flush()
    return examiner


def examiners_list(*, db: Session, office: str | None = None) -> list[Examiner]:
    """Examiner records, of one office or all."""
    query = select(Examiner).order_by(Examiner.office, Examiner.username)
    if office:
        query = query.where(Examiner.office == office)
    return list(db.scalars(query))


def task_in_office(*, db: Session, actor: Principal, task_id: int, lock: bool = False) -> ControlTask:
    """A control task of the actor's office (locked for update when asked), else 404 as if it did not exist."""
    task = db.get(ControlTask, task_id, with_for_update=lock or None)
    if task is None or task.office != actor.office:
        raise NotFound([Problem("control.task_not_found", "", {"id": task_id})])
    return task
