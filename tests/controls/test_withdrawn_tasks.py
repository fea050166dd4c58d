"""A withdrawn declaration leaves no control open (issue 22): a training projection revealed after the officer
ordered an inspection closes that inspection, so no examiner is assigned it and no workload counts it; a
task left open on a cancelled declaration before this was fixed is skipped by assignment and workload."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from clearway.controls import service as controls
from clearway.controls.models import ControlTask
from clearway.controls.outcomes import control_outcomes
from clearway.controls.withdrawal import WITHDRAWN, ControlsStep
from clearway.declarations.models import Declaration
from clearway.training.projection import projections_sync
from tests.factories import wiring
from tests.training.helpers import NOW, fresh
from tests.training.test_projection import _project, _task

OFFICE = "KR0101"


def _tasks(db, declaration_id: int) -> list[ControlTask]:
    fresh(db)
    return list(db.scalars(select(ControlTask).where(ControlTask.declaration_id == declaration_id)
                           .order_by(ControlTask.id)))


def _unassigned(db) -> int:
    fresh(db)
    return controls.workload(db=db, office=OFFICE)[1]


def test_a_revealed_projection_closes_the_inspection_the_officer_ordered(db, world):
    _, declaration_id, _ = _project(db, fraud=True)
    officer, row = _task(db, declaration_id)
    with fresh(db).begin():
        controls.task_claim(db=db, actor=officer, task_id=row.id, now=NOW)
        controls.documentary_escalate(db=db, actor=officer, task_id=row.id, reason="value too low", now=NOW)
    inspection = [t for t in _tasks(db, declaration_id) if not t.closed]
    assert [t.kind for t in inspection] == ["physical"]  # an open inspection, waiting for an examiner
    before = _unassigned(db)
    assert before >= 1

    with fresh(db).begin():
        assert projections_sync(db=db, now=NOW + timedelta(minutes=1)) == 1
    tasks = _tasks(db, declaration_id)
    assert db.get(Declaration, declaration_id).status == "cancelled"
    assert all(t.closed for t in tasks)
    closed = next(t for t in tasks if t.id == inspection[0].id)
    assert (closed.result, closed.assignee) == (WITHDRAWN, None) and closed.finished_at == NOW + timedelta(minutes=1)
    assert _unassigned(db) == before - 1  # the workload no longer counts it
    with fresh(db).begin():
        controls.assignments_run(db=db, office=OFFICE, now=NOW + timedelta(minutes=2))
    assert _tasks(db, declaration_id)[-1].assignee is None  # and the assignment run gave it to no one
    fresh(db)
    labels = control_outcomes(db=db, declaration_ids=[declaration_id])
    assert all(o.task_id != closed.id for o in labels)  # a withdrawn control is no risk-model label


def test_a_task_left_open_on_a_cancelled_declaration_is_nobodys_work(db, world):
    # A database from before the fix: the declaration was cancelled, its documentary check stayed open.
    _, declaration_id, _ = _project(db, fraud=False)
    (task,) = _tasks(db, declaration_id)
    with fresh(db).begin():
        db.execute(update(ControlTask).where(ControlTask.id == task.id).values(assignee=None))
    fresh(db)
    _, before, _ = controls.workload(db=db, office=OFFICE)
    with fresh(db).begin():
        db.execute(update(Declaration).where(Declaration.id == declaration_id).values(status="cancelled"))
    fresh(db)
    _, after, _ = controls.workload(db=db, office=OFFICE)
    assert after == before - 1
    with fresh(db).begin():
        controls.assignments_run(db=db, office=OFFICE, now=NOW)
    (still,) = _tasks(db, declaration_id)
    assert still.assignee is None and not still.closed


def test_cancelling_through_the_clearance_flow_closes_open_controls(db, world):
    # The wiring's cancelling steps include the controls' part, so any cancelled declaration closes its controls.
    steps = [s for s in wiring().steps if isinstance(s, ControlsStep)]
    assert len(steps) == 1
    _, declaration_id, _ = _project(db, fraud=False)
    with fresh(db).begin():
        declaration = db.get(Declaration, declaration_id)
        declaration.status = "cancelled"
        for step in wiring().steps:
            if isinstance(step, ControlsStep):
                step.withdrawn(db=db, declaration=declaration, now=NOW)
    (task,) = _tasks(db, declaration_id)
    assert task.closed and task.result == WITHDRAWN and task.status == "done"
    _, row = _task(db, declaration_id)
    assert row is None  # out of the officer's queue
