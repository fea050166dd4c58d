"""Certificates per role and level from exercise scores, and the gate that asks for one before a sensitive
production action: off until an administrator sets it, then a coded 403 for whoever lacks the certificate."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from clearway.errors import Forbidden
from clearway.training import certification
from clearway.training.models import TrainingCase
from tests.factories import auth
from tests.training.helpers import INSTRUCTOR, NOW, fresh, small_world, trainee

API = "/api/v1/training"


def _work(db, exercise_id: int, *, catch: int, false_alarms: int = 0, name: str = "officer") -> None:
    """The trainee flags `catch` of the frauds and `false_alarms` compliant declarations, then hands in."""
    from clearway.training import selectors, service
    from clearway.training.schemas import DecisionCreate

    actor = trainee(name)
    with fresh(db).begin():
        exercise = selectors.exercise_get(db, exercise_id)
        key = selectors.exercise_read(db, exercise, instructor=True).items
        frauds = [i for i in key if i.truth and i.truth.fraud][:catch]
        compliant = [i for i in key if i.truth and not i.truth.fraud][:false_alarms]
        for item in frauds + compliant:
            service.decision_record(db=db, actor=actor, exercise=exercise, item_id=item.id, now=NOW,
                                    body=DecisionCreate(decision="flag"))
        service.attempt_finish(db=db, actor=actor, exercise=exercise, now=NOW + timedelta(minutes=20))


def _classify(db, level: int = 1, right: int = 4, size: int = 5, name: str = "officer") -> None:
    """A classification exercise where the trainee gives the true subheading `right` times of `size`."""
    from clearway.training import selectors, service
    from clearway.training.schemas import DecisionCreate

    exercise_id = _exercise(db, level=level, size=size, frauds=0, budget=0, kind="classification")
    actor = trainee(name)
    with fresh(db).begin():
        exercise = selectors.exercise_get(db, exercise_id)
        for n, item in enumerate(selectors.exercise_read(db, exercise, instructor=True).items):
            code = item.truth.hs_code if n < right else "999999"
            service.decision_record(db=db, actor=actor, exercise=exercise, item_id=item.id, now=NOW,
                                    body=DecisionCreate(hs_code=code))
        service.attempt_finish(db=db, actor=actor, exercise=exercise, now=NOW + timedelta(minutes=20))


def _check_papers(db, level: int = 1, name: str = "officer", false_marks: int = 0) -> None:
    """A documentary check where the trainee marks every discrepancy, and `false_marks` values that agree."""
    from clearway.training import documentary, selectors, service
    from clearway.training.models import ExerciseItem
    from clearway.training.schemas import DecisionCreate

    exercise_id = _exercise(db, level=level, size=4, frauds=1, budget=0, kind="documentary")
    actor = trainee(name)
    with fresh(db).begin():
        exercise = selectors.exercise_get(db, exercise_id)
        for item in db.scalars(select(ExerciseItem).where(ExerciseItem.exercise_id == exercise_id)):
            points = selectors.points_of(exercise, item, db.get(TrainingCase, item.case_id))
            wrong = [p.key for p in points if not p.discrepant][:false_marks]
            service.decision_record(db=db, actor=actor, exercise=exercise, item_id=item.id, now=NOW,
                                    body=DecisionCreate(marks=sorted(documentary.discrepancies(points)) + wrong))
        service.attempt_finish(db=db, actor=actor, exercise=exercise, now=NOW + timedelta(minutes=20))


def _write_rule(db, level: int = 1, name: str = "officer", catches: bool = True) -> None:
    """A rule-writing exercise where the trainee's rule selects exactly the planted frauds (or nothing)."""
    from clearway.training import selectors, service
    from clearway.training.schemas import RuleWrite

    exercise_id = _exercise(db, level=level, size=8, frauds=2, budget=0, kind="rule")
    actor = trainee(name)
    with fresh(db).begin():
        exercise = selectors.exercise_get(db, exercise_id)
        frauds = [i for i in selectors.exercise_read(db, exercise, instructor=True).items if i.truth.fraud]
        totals = ", ".join(i.invoice_total for i in frauds)
        expression = f"declaration.invoice_total in [{totals}]" if catches else "declaration.item_count > 999"
        service.rule_write(db=db, actor=actor, exercise=exercise, body=RuleWrite(expression=expression), now=NOW)
        service.attempt_finish(db=db, actor=actor, exercise=exercise, now=NOW + timedelta(minutes=20))


def _release(db, level: int = 1, name: str = "officer") -> None:
    """A release exercise where the trainee holds exactly the goods something holds and releases the rest."""
    from clearway.training import selectors, service
    from clearway.training.schemas import DecisionCreate

    exercise_id = _exercise(db, level=level, size=8, frauds=2, budget=0, kind="release")
    actor = trainee(name)
    with fresh(db).begin():
        exercise = selectors.exercise_get(db, exercise_id)
        for item in selectors.exercise_read(db, exercise, instructor=True).items:
            decision = "flag" if item.truth.holding else "clear"
            service.decision_record(db=db, actor=actor, exercise=exercise, item_id=item.id, now=NOW,
                                    body=DecisionCreate(decision=decision))
        service.attempt_finish(db=db, actor=actor, exercise=exercise, now=NOW + timedelta(minutes=20))


def _exercise(db, level: int = 1, size: int = 10, frauds: int = 4, budget: int = 6, kind: str = "targeting") -> int:
    from clearway.training.schemas import ExerciseCreate
    from clearway.training.service import exercise_create

    if not db.scalar(select(TrainingCase.id).limit(1)):
        small_world(db)
    with fresh(db).begin():
        return exercise_create(db=db, actor=INSTRUCTOR, now=NOW, body=ExerciseCreate(
            cohort="c1", title=f"{kind}, level {level}", budget=budget, size=size, frauds=frauds,
            level=level, kind=kind)).id


def _held(db, holder: str = "officer") -> list[tuple[str, int]]:
    fresh(db)
    return [(c.role, c.level) for c in certification.certificates_of(db, holder)]


def test_passing_an_exercise_awards_the_certificates_of_its_level_and_failing_awards_none(db, world):
    _work(db, _exercise(db), catch=2, name="officer")  # 2 of 4 frauds: 50 %, below the pass mark
    assert _held(db) == []
    _work(db, _exercise(db, level=2), catch=4, false_alarms=1, name="officer")  # 4 of 4, 1 of 6 compliant
    assert _held(db) == []  # an analyst must also write a rule, an officer pass valuation
    _write_rule(db, level=2)
    assert _held(db) == [("analyst", 1), ("analyst", 2)]
    _work(db, _exercise(db, level=1, kind="valuation", frauds=3), catch=3, name="officer")
    assert _held(db) == [("analyst", 1), ("analyst", 2)]  # and classification
    _classify(db, right=3)  # 3 of 5: 60 %, below the pass mark
    assert _held(db) == [("analyst", 1), ("analyst", 2)]
    _classify(db, right=4)  # 80 %
    assert _held(db) == [("analyst", 1), ("analyst", 2)]  # and a documentary check
    _check_papers(db, false_marks=3)  # every discrepancy, but 3 marks on values that agree
    assert _held(db) == [("analyst", 1), ("analyst", 2)]
    _check_papers(db)
    assert _held(db) == [("analyst", 1), ("analyst", 2)]  # and release decisions
    _release(db)
    assert _held(db) == [("analyst", 1), ("analyst", 2), ("officer", 1)]
    (first, *_) = certification.certificates_of(db, "officer")
    assert first.expires_at - first.awarded_at == timedelta(days=365)


def test_an_analysts_certificate_asks_for_a_passed_rule_writing_exercise(db, world):
    _work(db, _exercise(db), catch=4, name="analyst")
    assert _held(db, "analyst") == []  # targeting alone no longer makes an analyst
    _write_rule(db, name="analyst", catches=False)  # a rule that selects nothing misses every fraud
    assert _held(db, "analyst") == []
    _write_rule(db, name="analyst")
    assert _held(db, "analyst") == [("analyst", 1)]
    (certificate,) = certification.certificates_of(db, "analyst")
    assert len(certificate.evidence) == 2  # the targeting exercise and the rule


def test_an_officers_certificate_asks_for_a_passed_release_exercise(db, world):
    _work(db, _exercise(db), catch=4)
    _work(db, _exercise(db, kind="valuation", frauds=3), catch=3)
    _classify(db)
    _check_papers(db)
    assert ("officer", 1) not in _held(db)
    _release(db)
    assert ("officer", 1) in _held(db)


def test_every_kind_of_exercise_is_in_the_curriculum_of_the_role_that_needs_it():
    from clearway.training.schemas import ExerciseKind

    assert set(certification.CURRICULA["officer"]) == {"targeting", "valuation", "classification", "documentary",
                                                       "release"}
    assert set(certification.CURRICULA["analyst"]) == {"targeting", "rule"}
    assert {k for kinds in certification.CURRICULA.values() for k in kinds} == set(ExerciseKind.__args__)  # type: ignore[attr-defined]


def test_too_many_false_alarms_fail_even_when_every_fraud_is_found(db, world):
    _work(db, _exercise(db), catch=4, false_alarms=2)  # 2 of 6 compliant flagged: a third
    assert _held(db) == []


def test_the_gate_is_off_by_default_and_refuses_the_uncertified_once_set(db, world):
    _work(db, _exercise(db), catch=4, name="officer")
    _work(db, _exercise(db, kind="valuation", frauds=3), catch=3, name="officer")
    _classify(db)
    _check_papers(db)
    _release(db)
    officer, other = trainee("officer"), trainee("supervisor")
    fresh(db)
    certification.certification_check(db=db, actor=other, action="release.red", now=NOW)  # no gate: passes
    with fresh(db).begin():
        certification.gate_set(db=db, actor=INSTRUCTOR, action="release.red", role="officer", level=1, now=NOW)
    fresh(db)
    certification.certification_check(db=db, actor=officer, action="release.red", now=NOW)
    with pytest.raises(Forbidden) as refused:
        certification.certification_check(db=db, actor=other, action="release.red", now=NOW)
    problem = refused.value.problems[0]
    assert problem.code == "training.certificate_required" and problem.params == {
        "action": "release.red", "role": "officer", "level": 1}
    with pytest.raises(Forbidden):  # a certificate expires after a year
        certification.certification_check(db=db, actor=officer, action="release.red", now=NOW + timedelta(days=366))
    with pytest.raises(Forbidden):  # a level-1 certificate does not meet a level-2 gate
        with fresh(db).begin():
            certification.gate_set(db=db, actor=INSTRUCTOR, action="release.red", role="officer", level=2, now=NOW)
        certification.certification_check(db=db, actor=officer, action="release.red", now=NOW)


def test_releasing_red_channel_goods_asks_the_gate_and_other_channels_do_not(db, world):
    from clearway.declarations.models import Declaration
    from tests.factories import lodge_direct, wiring

    (mrn,) = lodge_direct("trader-a", 1)
    with fresh(db).begin():
        certification.gate_set(db=db, actor=INSTRUCTOR, action="release.red", role="officer", level=1, now=NOW)
    release = wiring().release
    for channel, gated in (("red", True), ("yellow", False)):
        with fresh(db).begin():
            declaration = db.scalar(select(Declaration).where(Declaration.mrn == mrn))
            declaration.channel = channel
            try:
                release.decide(db=db, declaration=declaration, actor=trainee("officer"), reason="go", now=NOW)
                outcome: type = type(None)
            except Exception as exc:  # which refusal is the point of the test
                outcome = type(exc)
            db.rollback()
        assert (outcome is Forbidden) == gated, (channel, outcome)  # ungated: the usual holds or status answer


def test_gated_routes_answer_a_coded_403_only_once_an_administrator_sets_the_gate(client, db):
    admin, analyst = auth(client, "admin"), auth(client, "analyst")
    assert client.get(f"{API}/gates", headers=auth(client, "officer")).json()["items"] == []
    assert client.post("/api/v1/risk/models/999999/promote", headers=analyst).status_code == 404  # gate off
    assert client.put(f"{API}/gates/risk.model_promote", headers=auth(client, "officer"),
                      json={"role": "analyst", "level": 1}).status_code == 403
    r = client.put(f"{API}/gates/risk.model_promote", headers=admin, json={"role": "analyst", "level": 1})
    assert r.status_code == 200 and r.json()["set_by"] == "admin"
    r = client.post("/api/v1/risk/models/999999/promote", headers=analyst)
    assert r.status_code == 403 and r.json()["errors"][0]["code"] == "training.certificate_required"
    assert client.put("/api/v1/risk/rules/999999", headers=analyst, json={}).status_code != 403  # not gated yet
    assert client.put(f"{API}/gates/risk.rule_write", headers=admin,
                      json={"role": "analyst", "level": 2}).status_code == 200
    r = client.put("/api/v1/risk/rules/999999", headers=analyst, json={})
    assert r.status_code == 403 and "level 2" in r.json()["errors"][0]["message"]
    assert client.put(f"{API}/gates/risk.rule_write", headers=admin, json={"role": "pilot", "level": 1}
                      ).status_code == 422
    assert client.delete(f"{API}/gates/risk.rule_write", headers=admin).status_code == 204
    assert client.put("/api/v1/risk/rules/999999", headers=analyst, json={}).status_code != 403
    assert [g["action"] for g in client.get(f"{API}/gates", headers=admin).json()["items"]] == ["risk.model_promote"]


def test_officers_see_their_certificates_and_instructors_see_everyones(client, db):
    _work(db, _exercise(db), catch=4)
    _work(db, _exercise(db, kind="valuation", frauds=3), catch=3)
    _classify(db)
    _check_papers(db)
    _release(db)
    _write_rule(db)
    mine = client.get(f"{API}/me", headers=auth(client, "officer")).json()["certificates"]
    assert [(c["role"], c["level"], c["valid"]) for c in mine] == [("analyst", 1, True), ("officer", 1, True)]
    listed = client.get(f"{API}/certificates", headers=auth(client, "admin")).json()["items"]
    assert {c["holder"] for c in listed} == {"officer"}


def test_the_new_training_messages_are_in_spanish_and_french():
    from tests.locales import assert_translated

    assert_translated("training2", {"es": set(), "fr": set()})


def test_on_the_rule_page_activating_is_gated_and_deactivating_never_is(client, db):
    from tests.web.conftest import csrf_of, sign_in

    with fresh(db).begin():
        certification.gate_set(db=db, actor=INSTRUCTOR, action="risk.rule_write", role="analyst", level=1, now=NOW)
    fresh(db)
    assert sign_in(client, "analyst").status_code == 303
    csrf = csrf_of(client.get("/risk/rules").text)
    refused = client.post("/risk/rules/999999/state", data={"csrf": csrf, "action": "activate"},
                          follow_redirects=False)
    # a browser's form gets the error page with the reason in words, not a problem document
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")
    assert "This action asks for a" in html.unescape(refused.text)
    assert "training.certificate_required" not in refused.text
    spanish = client.post("/risk/rules/999999/state", data={"csrf": csrf, "action": "activate"},
                          headers={"Accept-Language": "es"}, follow_redirects=False)
    assert spanish.status_code == 403 and "Esta acción exige un certificado" in html.unescape(spanish.text)
    # the form the gate read is handed on whole: the rule page answers as it would with no gate (no such rule)
    stopped = client.post("/risk/rules/999999/state", data={"csrf": csrf, "action": "deactivate"},
                          follow_redirects=False)
    assert stopped.status_code == 404
    with fresh(db).begin():
        certification.gate_set(db=db, actor=INSTRUCTOR, action="risk.model_promote", role="analyst", level=1,
                               now=NOW)
    fresh(db)
    assert client.post("/risk/models/999999/promote", data={"csrf": csrf}, follow_redirects=False).status_code == 403
    retire = client.post("/risk/models/999999/retire", data={"csrf": csrf}, follow_redirects=False)
    assert retire.status_code != 403  # only promotion is gated among a model's moves
