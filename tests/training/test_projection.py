"""Declaration threat projection: a training case lodged into an officer's live queue, marked as a test. It is
never released, reaches no trader, counts in no performance figure; the officer's decision is revealed and scored,
and the declaration withdrawn."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from clearway.controls import service as controls
from clearway.declarations.exercises import PROJECTION_DECLARANTS
from clearway.declarations.models import Declaration
from clearway.errors import ReleaseHeld, ValidationFailed
from clearway.training import results
from clearway.training.models import TrainingCase
from clearway.training.projection import DISGUISE, projection_create, projections_sync
from clearway.training.schemas import ProjectionCreate
from tests.factories import wiring
from tests.training.helpers import INSTRUCTOR, NOW, fresh, small_world


def _principal(db, username: str):
    from clearway.auth.models import User
    from clearway.auth.service import principal_of

    return principal_of(db.scalar(select(User).where(User.username == username)))


def _case(db, fraud: bool) -> str:
    query = select(TrainingCase.reference).order_by(TrainingCase.id)
    query = query.where(TrainingCase.fraud_kind.is_not(None) if fraud else TrainingCase.fraud_kind.is_(None))
    return str(db.scalars(query).first())


def _project(db, fraud: bool = True, officer: str = "officer", at=NOW):
    if not db.scalar(select(TrainingCase.id).limit(1)):
        small_world(db)
    reference = _case(db, fraud)
    with fresh(db).begin():
        projection = projection_create(db=db, actor=INSTRUCTOR, now=at,
                                       body=ProjectionCreate(case=reference, officer=officer))
        return projection.id, projection.declaration_id, reference


def _task(db, declaration_id: int):
    officer = _principal(db, "officer")
    mrn = db.get(Declaration, declaration_id).mrn
    rows = controls.queue_fetch(db=db, office="KR0101", limit=50, assignee="officer")
    return officer, next((r for r in rows if r.mrn == mrn), None)


def test_the_projection_lands_in_the_officers_queue_like_a_model_pick_and_lodged_by_no_trader(db, world):
    _, declaration_id, _ = _project(db)
    _, row = _task(db, declaration_id)
    assert row is not None and row.kind == "documentary"
    declaration = db.get(Declaration, declaration_id)
    assert declaration.status == "under_control" and declaration.office == "KR0101"
    assert declaration.channel_reasons == [DISGUISE]  # what a model's documentary pick shows
    assert not row.random_pick  # yet it enters no random-sample figure (and names no model version)
    # Lodged under an exercise code that reads like any trader's (one saying TRAINING would give it away).
    assert declaration.declarant_id in PROJECTION_DECLARANTS and "TRAIN" not in declaration.declarant_id
    parties = [declaration.document[r]["id"] for r in ("declarant", "importer", "buyer")]
    assert parties == [declaration.declarant_id] * 3


def test_projections_rotate_their_declarant_and_stay_out_of_every_figure(db, world):
    """Successive projections are lodged under different codes; every one is held and counted as an exercise."""
    from clearway.declarations.exercises import exercise_ids

    ids = [_project(db)[1] for _ in range(3)]
    declarants = {db.get(Declaration, i).declarant_id for i in ids}
    assert len(declarants) == 3 and declarants <= set(PROJECTION_DECLARANTS)
    with fresh(db).begin():
        assert exercise_ids(db) >= set(ids)
        for i in ids:  # held by its open check as any declaration is; the training hold waits behind it
            assert [h.code for h in wiring().release.holds(db, db.get(Declaration, i))] == ["control.open"]


def test_a_projected_declaration_can_never_be_released(db, world):
    from clearway.controls.models import ControlTask
    from clearway.training.models import Projection

    _, declaration_id, _ = _project(db)
    release = wiring().release
    with fresh(db).begin():
        declaration = db.get(Declaration, declaration_id)
        with pytest.raises(ReleaseHeld):
            release.decide(db=db, declaration=declaration, actor=_principal(db, "officer"), reason="go", now=NOW)
        # Its control closed with no decision synced (a lost task): the training hold alone still keeps the goods,
        db.query(ControlTask).filter(ControlTask.declaration_id == declaration_id).update({"closed": True})
        assert [h.code for h in release.holds(db, declaration)] == ["training.projected"]
        with pytest.raises(ReleaseHeld):
            release.decide(db=db, declaration=declaration, actor=_principal(db, "officer"), reason="go", now=NOW)
        # and so does the exercise declarant alone, were the projection row lost too.
        db.query(Projection).filter(Projection.declaration_id == declaration_id).delete()
        assert [h.code for h in release.holds(db, declaration)] == ["training.projected"]
        db.rollback()


def test_the_officer_clearing_a_planted_fraud_is_a_miss_and_the_declaration_is_withdrawn(db, world):
    _, declaration_id, _ = _project(db, fraud=True)
    officer, row = _task(db, declaration_id)
    with fresh(db).begin():
        controls.task_claim(db=db, actor=officer, task_id=row.id, now=NOW)
        controls.documentary_accept(db=db, actor=officer, task_id=row.id, note="looks fine", release=wiring().release,
                                    now=NOW + timedelta(minutes=5))
    assert db.get(Declaration, declaration_id).status == "under_control"  # the release decision held it
    assert results.projections_list(db)[0].fraud_kind is None  # not revealed before the sync
    with fresh(db).begin():
        assert projections_sync(db=db, now=NOW + timedelta(minutes=6)) == 1
    fresh(db)
    (seen,) = results.projections_list(db)
    assert (seen.decision, seen.outcome) == ("clear", "miss") and seen.fraud_kind
    assert db.get(Declaration, declaration_id).status == "cancelled"
    assert _task(db, declaration_id)[1] is None  # out of the queue
    with fresh(db).begin():
        assert projections_sync(db=db, now=NOW + timedelta(minutes=7)) == 0  # scored once


def test_asking_for_an_inspection_reveals_it_at_once_as_a_hit_and_no_team_is_sent(db, world):
    _, declaration_id, _ = _project(db, fraud=True)
    officer, row = _task(db, declaration_id)
    with fresh(db).begin():
        controls.task_claim(db=db, actor=officer, task_id=row.id, now=NOW)
        controls.documentary_escalate(db=db, actor=officer, task_id=row.id, reason="value too low", now=NOW)
        assert projections_sync(db=db, now=NOW) == 1
    fresh(db)
    assert results.projections_list(db)[0].outcome == "hit"
    assert db.get(Declaration, declaration_id).status == "cancelled"
    rows = controls.queue_fetch(db=db, office="KR0101", limit=50)
    assert all(r.mrn != db.get(Declaration, declaration_id).mrn for r in rows)  # the inspection reaches no one's queue


def test_flagging_a_compliant_projection_is_a_false_alarm(db, world):
    _, declaration_id, _ = _project(db, fraud=False)
    officer, row = _task(db, declaration_id)
    with fresh(db).begin():
        controls.task_claim(db=db, actor=officer, task_id=row.id, now=NOW)
        controls.documentary_escalate(db=db, actor=officer, task_id=row.id, reason="odd", now=NOW)
        projections_sync(db=db, now=NOW)
    fresh(db)
    assert results.projections_list(db)[0].outcome == "false_alarm"


def test_projections_count_in_no_performance_figure(db, world):
    from clearway.performance.filters import Filters
    from clearway.performance.outcomes import outcomes_load
    from clearway.performance.timelines import timelines_refresh
    from tests.factories import lodge_direct

    _, declaration_id, _ = _project(db, fraud=True)
    officer, row = _task(db, declaration_id)
    with fresh(db).begin():
        controls.task_claim(db=db, actor=officer, task_id=row.id, now=NOW)
        controls.documentary_accept(db=db, actor=officer, task_id=row.id, note=None, release=wiring().release,
                                    now=NOW)
    fresh(db)
    (real,) = lodge_direct("trader-a", 1)
    with fresh(db).begin():
        timelines_refresh(db=db, now=NOW + timedelta(days=1))
    fresh(db)
    counted = set(db.execute(text("SELECT declaration_id FROM performance_timelines")).scalars())
    real_id = db.scalar(select(Declaration.id).where(Declaration.mrn == real))
    assert real_id in counted and declaration_id not in counted
    outcomes = outcomes_load(db=db, filters=Filters()) or []
    assert all(o.mrn != db.get(Declaration, declaration_id).mrn for o in outcomes)


def test_only_an_officer_with_an_office_can_be_projected_to_and_the_case_must_exist(db, world):
    small_world(db)
    with pytest.raises(ValidationFailed) as unknown, fresh(db).begin():
        projection_create(db=db, actor=INSTRUCTOR, now=NOW, body=ProjectionCreate(case=_case(db, True),
                                                                                 officer="analyst"))
    assert unknown.value.problems[0].pointer == "/officer"
    with pytest.raises(ValidationFailed) as missing, fresh(db).begin():
        projection_create(db=db, actor=INSTRUCTOR, now=NOW, body=ProjectionCreate(case="TRN-99-1", officer="officer"))
    assert missing.value.problems[0].pointer == "/case"


def test_officer_scores_carry_a_confidence_interval(db, world):
    for n in range(3):
        _, declaration_id, _ = _project(db, fraud=True, at=NOW + timedelta(minutes=n))
        officer, row = _task(db, declaration_id)
        with fresh(db).begin():
            controls.task_claim(db=db, actor=officer, task_id=row.id, now=NOW)
            if n < 2:
                controls.documentary_escalate(db=db, actor=officer, task_id=row.id, reason="check", now=NOW)
            else:
                controls.documentary_accept(db=db, actor=officer, task_id=row.id, note=None,
                                            release=wiring().release, now=NOW)
            projections_sync(db=db, now=NOW)
    fresh(db)
    scores = results.officer_scores(db)
    (one,) = scores.items
    assert (one.officer, one.projected, one.hits, one.misses) == ("officer", 3, 2, 1)
    assert one.detection == pytest.approx(2 / 3) and one.detection_ci[0] < 2 / 3 < one.detection_ci[1]
    assert scores.reliability is None  # one officer: nothing to correlate


def test_notifications_of_a_projection_reach_no_real_trader(db, world):
    from clearway.notifications.jobs import relay
    from tests.factories import job_context, lodge_direct

    _, declaration_id, _ = _project(db, fraud=True)
    officer, row = _task(db, declaration_id)
    with fresh(db).begin():
        controls.task_claim(db=db, actor=officer, task_id=row.id, now=NOW)
        controls.documentary_escalate(db=db, actor=officer, task_id=row.id, reason="check", now=NOW)
        projections_sync(db=db, now=NOW)
    fresh(db)
    lodge_direct("trader-a", 1)  # a real lodgement, so the relay has something a trader should hear of
    relay(job_context())
    fresh(db)
    mrn = db.get(Declaration, declaration_id).mrn
    told = set(db.execute(text("SELECT organisation FROM notifications")).scalars())
    assert "KR1000000001" in told  # the relay did run
    about = db.execute(text("SELECT organisation, payload FROM notifications")).all()
    declarant = db.get(Declaration, declaration_id).declarant_id
    assert {org for org, payload in about if mrn in str(payload)} == {declarant}  # its (exercise) declarant only


def test_the_reveal_job_scores_what_officers_decided(db, world):
    from clearway.training.jobs import jobs, reveal
    from tests.factories import job_context

    _, declaration_id, _ = _project(db, fraud=False)
    officer, row = _task(db, declaration_id)
    with fresh(db).begin():
        controls.task_claim(db=db, actor=officer, task_id=row.id, now=NOW)
        controls.documentary_accept(db=db, actor=officer, task_id=row.id, note=None, release=wiring().release,
                                    now=NOW)
    fresh(db)
    assert [j.name for j in jobs()] == ["training-reveal", "training-inject"]
    assert reveal(job_context()) == 1 and reveal(job_context()) == 0
    assert results.projections_list(db)[0].outcome == "correct"


def test_a_finished_check_of_a_projection_never_becomes_a_risk_model_label(db, world):
    from clearway.risk.ml.retrain import _labels

    _, declaration_id, _ = _project(db, fraud=True)
    officer, row = _task(db, declaration_id)
    with fresh(db).begin():
        controls.task_claim(db=db, actor=officer, task_id=row.id, now=NOW)
        controls.documentary_escalate(db=db, actor=officer, task_id=row.id, reason="value too low", now=NOW)
        projections_sync(db=db, now=NOW)
    fresh(db)
    assert declaration_id not in _labels(db)


def test_the_worker_reveals_projections(db, world):
    from clearway.worker import jobs_all

    assert "training-reveal" in {job.name for job in jobs_all()}


# What would tell an officer that a declaration is a test: the domain's name, the projection's words in each
# language, the training hold's code, a test LRN. The site's menu links to the training pages for every officer,
# so it is left out of the page read.
MARKERS = ("training", "projected", "projection", "proyección", "proyectada", "projetée", "prj-", "krtraining")


def _own(page: str) -> str:
    """The page without the site's menu."""
    return (page[:page.index('<nav class="main-nav"')] + page[page.index("</nav>") + len("</nav>"):]).lower()


def test_nothing_in_the_officers_pages_or_their_html_tells_a_projection_until_the_officer_acts(client, db):
    import re

    from tests.factories import auth
    from tests.locales import catalogue
    from tests.web.conftest import sign_in

    _, declaration_id, _ = _project(db, fraud=True)
    mrn = fresh(db).get(Declaration, declaration_id).mrn
    fresh(db)
    officer = auth(client, "officer")
    task_id = next(t["id"] for t in client.get("/api/v1/controls/queue", headers=officer).json()["items"]
                   if t["mrn"] == mrn)
    held = client.get(f"/api/v1/declarations/{mrn}/holds", headers=officer).json()
    assert "training" not in str(held) and [h["code"] for h in held["holds"]] == ["control.open"]
    assert sign_in(client, "officer").status_code == 303
    urls = ("/controls/queue?mine=1", f"/controls/tasks/{task_id}", f"/declarations/{mrn}",
            f"/controls/declarations/{mrn}/decide/release", f"/controls/declarations/{mrn}/decide/detain")
    for lang in ("en", "es", "fr"):
        hold_text = catalogue("training", lang)["hold.training.projected"].split("}", 1)[1].strip().lower()
        for url in urls:
            page = client.get(url, headers={"Accept-Language": lang})
            assert page.status_code in (200, 409) and mrn in page.text, url
            own = _own(page.text)
            assert [m for m in MARKERS if m in own] == [] and hold_text not in own, (lang, url)
            # the holds listed are those of any declaration whose documentary check is open
            assert set(re.findall(r'data-hold="([^"]+)"', page.text)) <= {"control.open"}, (lang, url)
    # Once the officer has decided, the projection's own hold stands alone, and still keeps the goods.
    officer_principal, row = _task(db, declaration_id)
    with fresh(db).begin():
        controls.task_claim(db=db, actor=officer_principal, task_id=row.id, now=NOW)
        controls.documentary_accept(db=db, actor=officer_principal, task_id=row.id, note=None,
                                    release=wiring().release, now=NOW)
    with fresh(db).begin():
        declaration = db.get(Declaration, declaration_id)
        assert declaration.status == "under_control"
        assert [h.code for h in wiring().release.holds(db, declaration)] == ["training.projected"]
        with pytest.raises(ReleaseHeld):
            wiring().release.decide(db=db, declaration=declaration, actor=officer_principal, reason="go", now=NOW)


def test_the_queue_page_serves_projections_by_the_same_queries_as_real_tasks(client, db):
    """The officer's queue page runs as many SQL statements with five projections as with one: no lookup per
    projection (which would also make it slower as the rate grows, and tell projections apart by timing)."""
    from sqlalchemy import bindparam, event

    from clearway.db import get_engine
    from tests.web.conftest import sign_in

    assert sign_in(client, "officer").status_code == 303

    def statements_of_the_page() -> tuple[int, str]:
        fresh(db)
        seen: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            seen.append(statement)

        event.listen(get_engine(), "before_cursor_execute", count)
        try:
            page = client.get("/controls/queue")
        finally:
            event.remove(get_engine(), "before_cursor_execute", count)
        assert page.status_code == 200
        return len(seen), page.text

    mrns = [fresh(db).get(Declaration, _project(db, fraud=i % 2 == 0)[1]).mrn for i in range(5)]
    statements_of_the_page()  # the examiner row is made on the first visit: count the visits after it
    five, text_five = statements_of_the_page()
    assert all(m in text_five for m in mrns)  # all five are on the page
    with fresh(db).begin():  # leave one: the others' tasks go to another office's queue
        db.execute(text("UPDATE control_tasks SET office = 'KR0999' WHERE declaration_id IN "
                        "(SELECT id FROM declarations WHERE mrn IN :mrns)").bindparams(
                            bindparam("mrns", expanding=True)), {"mrns": mrns[1:]})
    one, text_one = statements_of_the_page()
    assert mrns[0] in text_one and not any(m in text_one for m in mrns[1:])
    assert five == one, (five, one)
