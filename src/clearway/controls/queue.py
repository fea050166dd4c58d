"""The work queue of an office: listing, claiming, automatic assignment, reassignment, workload.

Two officers never hold the same task: a claim is one conditional UPDATE that succeeds only
while the task is still open (PostgreSQL re-checks the condition after waiting on the row lock;
SQLite runs one writer at a time), and "claim next" picks with FOR UPDATE SKIP LOCKED on
PostgreSQL so concurrent officers step past each other's rows instead of queueing on them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, exists, false, func, or_, select, tuple_, union_all, update
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.controls.models import ControlTask, Examiner
from clearway.controls.roles import examiner_get, supervisor_required, task_in_office
from clearway.controls.withdrawal import TERMINAL
from clearway.declarations.models import Declaration
from clearway.errors import Conflict, NotFound, Problem

OPEN_DECLARATION = ("under_control", "detained")
# An open task of a withdrawn declaration (left open before withdrawals closed them) is nobody's work: it is
# neither assigned nor counted in a workload.
_NOT_WITHDRAWN = ~exists().where(Declaration.id == ControlTask.declaration_id, Declaration.status.in_(TERMINAL))
QUEUE_COLUMNS = (ControlTask.id, ControlTask.kind, ControlTask.status, ControlTask.priority, ControlTask.weight,
                 ControlTask.section, ControlTask.assignee, ControlTask.created_at, ControlTask.random_pick,
                 Declaration.mrn, Declaration.channel, Declaration.channel_reasons, Declaration.declarant_id,
                 Declaration.item_count)


@dataclass(frozen=True)
class QueueCursor:
    """Where a queue page ended: the last row's ordering key."""

    priority: int
    created_at: datetime
    id: int


def _queue_query(office: str, kind: str | None, assignee: str | None, search: str | None = None) -> Select[Any]:
    query = (select(*QUEUE_COLUMNS).join(Declaration, Declaration.id == ControlTask.declaration_id)
             .where(ControlTask.office == office, ControlTask.closed == false(),
                    Declaration.status.in_(OPEN_DECLARATION)))
    if kind:
        query = query.where(ControlTask.kind == kind)
    if assignee:
        query = query.where(ControlTask.assignee == assignee)
    if search:  # the start of an MRN or of a declarant's number (both upper-case codes)
        start = search.strip().upper().replace("%", "").replace("_", "") + "%"
        query = query.where(or_(Declaration.mrn.like(start), Declaration.declarant_id.like(start)))
    return query


def queue_fetch(*, db: Session, office: str, limit: int, after: QueueCursor | None = None,
                kind: str | None = None, assignee: str | None = None, search: str | None = None) -> list[Any]:
    """Open tasks of an office, most risky first, then longest waiting, with their declaration's reasons."""
    order = (ControlTask.priority.desc(), ControlTask.created_at, ControlTask.id)
    if after is None:
        return list(db.execute(_queue_query(office, kind, assignee, search).order_by(*order).limit(limit)).all())
    # After a cursor: the rest of its priority, then the lower ones. Two index range scans joined,
    # where one OR-ed condition would make the database walk the index from the top.
    same = (_queue_query(office, kind, assignee, search)
            .where(ControlTask.priority == after.priority,
                   tuple_(ControlTask.created_at, ControlTask.id) > tuple_(after.created_at, after.id))
            .order_by(*order).limit(limit))
    lower = (_queue_query(office, kind, assignee, search).where(ControlTask.priority < after.priority)
             .order_by(*order).limit(limit))
    # Each part wrapped as a subquery: SQLite refuses ORDER BY/LIMIT on a bare member of a UNION.
    both = union_all(select(same.subquery()), select(lower.subquery())).subquery()
    return list(db.execute(select(both).order_by(both.c.priority.desc(), both.c.created_at, both.c.id)
                           .limit(limit)).all())


def _claimable(actor: Principal) -> Any:
    return and_(ControlTask.office == actor.office, ControlTask.status == "open",
                or_(ControlTask.assignee.is_(None), ControlTask.assignee == actor.username))


def task_claim(*, db: Session, actor: Principal, task_id: int, now: datetime) -> ControlTask:
    """Take an open task of one's office (unassigned, or assigned to oneself); 409 when someone was first."""
    done = db.execute(
        update(ControlTask).where(ControlTask.id == task_id, _claimable(actor))
        .values(status="in_progress", assignee=actor.username, claimed_at=now,
                assigned_at=func.coalesce(ControlTask.assigned_at, now))
        .execution_options(synchronize_session=False))
    task = db.get(ControlTask, task_id, populate_existing=True)
    if task is None or task.office != actor.office:
        raise NotFound([Problem("control.task_not_found", "", {"id": task_id})])
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict([Problem("control.task_taken", "", {"id": task_id, "assignee": task.assignee or "-"})])
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="control.claimed",
                 target_type="control_task", target_id=str(task_id), detail={}, at=now)
    return task


def task_claim_next(*, db: Session, actor: Principal, now: datetime) -> ControlTask:
    """Take the most urgent open task one may work on (one's HS sections, if any); 404 when none is left."""
    examiner = examiner_get(db=db, actor=actor)
    query = (select(ControlTask.id).join(Declaration, Declaration.id == ControlTask.declaration_id)
             .where(_claimable(actor), ControlTask.closed == false(), Declaration.status.in_(OPEN_DECLARATION)))
    if examiner.sections:
        query = query.where(ControlTask.section.in_(examiner.sections))
    query = query.order_by(ControlTask.priority.desc(), ControlTask.created_at, ControlTask.id).limit(1)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=ControlTask, skip_locked=True)
    task_id = db.scalar(query)
    if task_id is None:
        raise NotFound([Problem("control.queue_empty", "", {"office": actor.office or "-"})])
    return task_claim(db=db, actor=actor, task_id=task_id, now=now)


def _loads(db: Session, office: str) -> dict[str, Decimal]:
    rows = db.execute(select(ControlTask.assignee, func.sum(ControlTask.weight))
                      .where(ControlTask.office == office, ControlTask.closed == false(),
                             ControlTask.assignee.is_not(None), _NOT_WITHDRAWN).group_by(ControlTask.assignee)).all()
    return {str(name): Decimal(total or 0) for name, total in rows}


def _pick(examiners: list[Examiner], section: str, loads: dict[str, Decimal]) -> Examiner:
    """Specialists of the section if any, else generalists, else anyone: the least loaded of them."""
    specialists = [e for e in examiners if section in (e.sections or [])]
    generalists = [e for e in examiners if not e.sections]
    pool = specialists or generalists or examiners
    return min(pool, key=lambda e: (loads.get(e.username, Decimal(0)), e.username))


def assignments_run(*, db: Session, office: str, now: datetime, limit: int = 500) -> int:
    """Give unassigned open tasks to the office's active examiners by section and workload; how many."""
    examiners = list(db.scalars(select(Examiner).where(Examiner.office == office, Examiner.active.is_(True))))
    if not examiners:
        return 0
    query = (select(ControlTask.id, ControlTask.section, ControlTask.weight)
             .where(ControlTask.office == office, ControlTask.closed == false(), ControlTask.status == "open",
                    ControlTask.assignee.is_(None), _NOT_WITHDRAWN)
             .order_by(ControlTask.priority.desc(), ControlTask.created_at, ControlTask.id).limit(limit))
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    loads = _loads(db, office)
    assigned = 0
    for task_id, section, weight in db.execute(query).all():
        chosen = _pick(examiners, section, loads)
        done = db.execute(update(ControlTask).where(ControlTask.id == task_id, ControlTask.assignee.is_(None))
                          .values(assignee=chosen.username, assigned_at=now)
                          .execution_options(synchronize_session=False))
        if done.rowcount == 1:  # type: ignore[attr-defined]
            loads[chosen.username] = loads.get(chosen.username, Decimal(0)) + Decimal(weight)
            assigned += 1
    return assigned


def task_reassign(*, db: Session, actor: Principal, task_id: int, username: str, reason: str,
                  now: datetime) -> ControlTask:
    """A supervisor gives a task to another examiner of the office (audited)."""
    supervisor_required(db=db, actor=actor)
    task = task_in_office(db=db, actor=actor, task_id=task_id, lock=True)
    if task.closed:
        raise Conflict([Problem("control.task_closed", "", {"id": task_id})])
    target = db.scalar(select(Examiner).where(Examiner.username == username, Examiner.office == task.office,
                                              Examiner.active.is_(True)))
    if target is None:
        raise Conflict([Problem("control.examiner_unknown", "/username", {"username": username})])
    before = task.assignee
    task.assignee, task.assigned_at = username, now
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="control.reassigned",
                 target_type="control_task", target_id=str(task_id),
                 detail={"from": before, "to": username, "reason": reason}, at=now)
    db.flush()
    return task


@dataclass(frozen=True)
class Workload:
    """One examiner's share of the office's open work."""

    username: str
    sections: list[str]
    supervisor: bool
    active: bool
    tasks: int
    weight: Decimal


def workload(*, db: Session, office: str) -> tuple[list[Workload], int, Decimal]:
    """Every examiner's open tasks and weight, and what is still unassigned."""
    counts: dict[str | None, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for who, n, total in db.execute(
            select(ControlTask.assignee, func.count(), func.sum(ControlTask.weight))
            .where(ControlTask.office == office, ControlTask.closed == false(), _NOT_WITHDRAWN)
            .group_by(ControlTask.assignee)):
        counts[who] = [int(n), Decimal(total or 0)]
    people = db.scalars(select(Examiner).where(Examiner.office == office).order_by(Examiner.username))
    rows = [Workload(e.username, list(e.sections or []), e.supervisor, e.active, *counts[e.username])
            for e in people]
    unassigned = counts[None]
    return rows, int(unassigned[0]), Decimal(unassigned[1])
