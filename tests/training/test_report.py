"""The supervisor's monthly report of an office and the officer's own view: the detection score on projections
next to the field hit rate of real controls (projections left out of it), exercises and certificates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from clearway.controls import service as controls
from clearway.controls.intake import task_values
from clearway.controls.models import ControlTask
from clearway.declarations.models import Declaration
from clearway.training import report, results
from clearway.training.models import TrainingCase
from clearway.training.projection import projection_create, projections_sync
from clearway.training.schemas import ProjectionCreate
from tests.factories import auth, lodge_direct, wiring
from tests.training.helpers import INSTRUCTOR, NOW, fresh, small_world
from tests.web.conftest import sign_in

JUNE = NOW.date().replace(day=1)


def _real_controls(db, found: list[bool], at=NOW) -> None:
    """Real declarations whose documentary checks the officer finished, finding fraud or not."""
    mrns = lodge_direct("trader-a", len(found))
    with fresh(db).begin():
        for mrn, fraud in zip(mrns, found, strict=True):
            declaration = db.scalar(select(Declaration).where(Declaration.mrn == mrn))
            values = task_values(declaration_id=declaration.id, office="KR0101", kind="documentary", reasons=[],
                                 items=declaration.document["items"], now=at)
            db.add(ControlTask(**{**values, "assignee": "officer", "status": "done", "closed": True,
                                  "finished_at": at, "fraud_found": fraud, "result": "discrepancy" if fraud
                                  else "compliant"}))


def _projected(db, outcomes: list[str], at=NOW) -> None:
    """Project one case per wanted outcome ('hit', 'miss', 'false_alarm', 'correct') and decide it so."""
    from clearway.auth.models import User
    from clearway.auth.service import principal_of

    if not db.scalar(select(TrainingCase.id).limit(1)):
        small_world(db)
    frauds = iter(db.scalars(select(TrainingCase.reference).where(TrainingCase.fraud_kind.is_not(None))).all())
    clean = iter(db.scalars(select(TrainingCase.reference).where(TrainingCase.fraud_kind.is_(None))).all())
    for outcome in outcomes:
        reference = next(frauds) if outcome in ("hit", "miss") else next(clean)
        with fresh(db).begin():
            p = projection_create(db=db, actor=INSTRUCTOR, now=at, body=ProjectionCreate(case=reference,
                                                                                     officer="officer"))
            officer = principal_of(db.scalar(select(User).where(User.username == "officer")))
            task = db.scalar(select(ControlTask).where(ControlTask.declaration_id == p.declaration_id))
            controls.task_claim(db=db, actor=officer, task_id=task.id, now=at)
            if outcome in ("hit", "false_alarm"):
                controls.documentary_escalate(db=db, actor=officer, task_id=task.id, reason="check it", now=at)
            else:
                controls.documentary_accept(db=db, actor=officer, task_id=task.id, note=None,
                                            release=wiring().release, now=at)
            projections_sync(db=db, now=at)


def test_the_monthly_report_puts_detection_next_to_the_field_hit_rate_of_real_controls_only(db, world):
    _projected(db, ["hit", "hit", "miss", "false_alarm"])
    _projected(db, ["hit"], at=NOW + timedelta(days=30))  # July: not in June's report
    _real_controls(db, [True, False, False, False])
    fresh(db)
    june = report.monthly_report(db, office="KR0101", month=JUNE, score_of=results.score_of)
    (row,) = [r for r in june.officers if r.officer == "officer"]
    assert (row.decided, row.hits, row.misses, row.false_alarms) == (4, 2, 1, 1)
    assert abs(row.detection - 2 / 3) < 1e-9 and row.detection_ci[0] < 2 / 3 < row.detection_ci[1]
    # the projections' own finished checks are left out of the field figure: 4 real controls, 1 found fraud
    assert (row.field_controls, row.field_hits, row.field_hit_rate) == (4, 1, 0.25)
    assert (june.total.hits, june.total.field_controls) == (2, 4) and june.month == "2026-06"
    july = report.monthly_report(db, office="KR0101", month=JUNE.replace(month=7), score_of=results.score_of)
    (row,) = [r for r in july.officers if r.officer == "officer"]
    assert (row.decided, row.hits, row.field_controls) == (1, 1, 0) and row.field_hit_rate is None


def test_the_report_api_is_for_the_offices_supervisor_and_administrators(client, db):
    _projected(db, ["hit", "miss"])
    fresh(db)
    admin = auth(client, "admin")
    r = client.get("/api/v1/training/reports/KR0101/2026-06", headers=admin)
    assert r.status_code == 200, r.text
    assert [(o["officer"], o["hits"], o["misses"]) for o in r.json()["officers"] if o["officer"] == "officer"] == [
        ("officer", 1, 1)]
    assert client.get("/api/v1/training/reports/KR0101/2026-13", headers=admin).status_code == 422
    officer = auth(client, "officer")
    assert client.get("/api/v1/training/reports/KR0101/2026-06", headers=officer).status_code == 403  # no supervisor
    assert client.put("/api/v1/controls/examiners/officer", json={"sections": [], "supervisor": True},
                      headers=admin).status_code == 200
    assert client.get("/api/v1/training/reports/KR0101/2026-06", headers=officer).status_code == 200
    r = client.get("/api/v1/training/reports/KR0202/2026-06", headers=officer)
    assert r.status_code == 403 and r.json()["code"] == "training.office_not_yours"
    scores = client.get("/api/v1/training/projections/scores", headers=admin).json()["items"]
    assert scores[0]["field_controls"] == 0 and scores[0]["field_hit_rate"] is None


def test_the_report_page_and_the_officers_own_view_in_three_languages(client, db):
    _projected(db, ["hit", "miss"])
    _real_controls(db, [True, False])
    fresh(db)
    words = {"en": ("Field hit rate", "Whole office"), "es": ("Tasa de aciertos en el terreno", "Toda la oficina"),
             "fr": ("Taux de succès sur le terrain", "Tout le bureau")}
    assert sign_in(client, "admin").status_code == 303
    for lang, (field, total) in words.items():
        page = client.get("/training/reports/KR0101/2026-06", headers={"Accept-Language": lang})
        assert page.status_code == 200 and field in page.text and total in page.text, lang
        assert 'data-officer="officer"' in page.text
    picked = client.get("/training/reports?office=kr0101&month=2026-06", follow_redirects=False)
    assert picked.status_code == 303 and picked.headers["location"] == "/training/reports/KR0101/2026-06"
    client.cookies.clear()
    assert sign_in(client, "officer").status_code == 303
    for lang, (field, _) in words.items():
        home = client.get("/training", headers={"Accept-Language": lang})
        assert home.status_code == 200 and 'id="my-field"' in home.text and field in home.text, lang
        assert "(50 %)" in home.text  # 1 of 2 real controls found fraud
