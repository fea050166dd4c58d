"""Projection at a configured rate: the worker injects N training cases a day into an office's live queue, spread
over the day and shared among its officers; the officer's queue and task pages show them like any declaration
until the officer decides, and the exclusions (no release, no trader, no figure) stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from clearway.errors import Forbidden, ValidationFailed
from clearway.training import injection, results
from clearway.training.models import Projection
from tests.training.helpers import INSTRUCTOR, NOW, fresh, small_world, trainee
from tests.web.conftest import sign_in

MIDNIGHT = NOW.replace(hour=0)


def _second_officer(db) -> None:
    from clearway.auth.models import Organisation
    from clearway.auth.service import user_create

    with fresh(db).begin():
        org = db.scalar(select(Organisation).where(Organisation.code == "KRCUSTOMS"))
        user_create(db=db, username="officer2", password="demo-password-2", role="officer", organisation=org,
                    office="KR0101", now=NOW)


def _rate(db, per_day: int, office: str = "KR0101") -> None:
    with fresh(db).begin():
        injection.rate_set(db=db, actor=INSTRUCTOR, office=office, per_day=per_day, cohort="c1", now=NOW)


def _run(db, at) -> int:
    with fresh(db).begin():
        return injection.injection_run(db=db, now=at)


def test_a_rate_of_n_a_day_is_spread_over_the_day_and_never_injected_twice(db, world):
    small_world(db)
    _rate(db, 4)
    assert [injection.due(4, MIDNIGHT + timedelta(hours=h)) for h in (0, 1, 6, 12, 18, 23)] == [0, 1, 1, 2, 3, 4]
    assert _run(db, MIDNIGHT + timedelta(hours=11)) == 2
    assert _run(db, MIDNIGHT + timedelta(hours=11, minutes=5)) == 0  # the next pass finds nothing due
    assert _run(db, MIDNIGHT + timedelta(hours=23, minutes=59)) == 2
    assert _run(db, MIDNIGHT + timedelta(days=1, hours=5)) == 1  # a new day, a new allowance
    fresh(db)
    rows = list(db.scalars(select(Projection)))
    assert len(rows) == 5 and {p.office for p in rows} == {"KR0101"} and {p.officer for p in rows} == {"officer"}
    assert len({p.case_reference for p in rows}) == 5  # an officer never sees the same case twice
    assert {p.projected_by for p in rows} == {"training-injection"}


def test_injections_are_shared_among_the_offices_officers_and_a_paused_rate_injects_nothing(db, world):
    small_world(db)
    _second_officer(db)
    _rate(db, 6)
    assert _run(db, MIDNIGHT + timedelta(hours=23)) == 6
    fresh(db)
    officers = [p.officer for p in db.scalars(select(Projection))]
    assert sorted(officers) == ["officer"] * 3 + ["officer2"] * 3
    _rate(db, 0)
    assert _run(db, MIDNIGHT + timedelta(days=1, hours=23)) == 0


def test_a_supervisor_sets_its_own_office_only_and_the_cohort_must_exist(db, world):
    small_world(db)
    with pytest.raises(Forbidden), fresh(db).begin():
        injection.rate_set(db=db, actor=trainee(), office="KR0202", per_day=1, cohort="c1", now=NOW)
    with pytest.raises(ValidationFailed) as unknown, fresh(db).begin():
        injection.rate_set(db=db, actor=INSTRUCTOR, office="KR0101", per_day=1, cohort="nobody", now=NOW)
    assert unknown.value.problems[0].pointer == "/cohort"


def test_the_officers_queue_and_task_pages_show_an_injected_projection_like_any_declaration(client, db):
    small_world(db)
    _rate(db, 1)
    assert _run(db, MIDNIGHT + timedelta(hours=23)) == 1
    fresh(db)
    mrn = db.scalar(select(Projection.mrn))
    fresh(db)
    signed = sign_in(client, "officer")
    assert signed.status_code == 303, signed.text[:2000]
    for lang, reason in (("en", "documentary check"), ("es", "control documental"), ("fr", "contrôle documentaire")):
        queue = client.get("/controls/queue?mine=1", headers={"Accept-Language": lang})
        assert queue.status_code == 200 and mrn in queue.text, queue.text[queue.text.find("<main"):][:3000]
        task_id = next(t["id"] for t in client.get("/api/v1/controls/queue").json()["items"] if t["mrn"] == mrn)
        task = client.get(f"/controls/tasks/{task_id}", headers={"Accept-Language": lang})
        assert task.status_code == 200
        for page in (queue.text, task.text):  # the page's own content (the site's menu links to training)
            lowered = page[page.index("<main"):page.index("</main>")].lower()
            assert "krtraining" not in lowered and "projection" not in lowered and "proyección" not in lowered
            assert "training" not in lowered and "formación" not in lowered and "formation" not in lowered
        assert reason in task.text.lower(), lang
    (seen,) = results.projections_list(fresh(db))
    assert seen.fraud_kind is None and seen.outcome is None  # not revealed before the decision
