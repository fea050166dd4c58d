"""The classification exercise: goods classified from their description with the codes hidden (no assistant),
scored against the true subheading, with the heading as partial credit; passing it counts for certificates."""

from __future__ import annotations

from clearway.training import selectors
from clearway.training.schemas import ExerciseCreate
from clearway.training.service import exercise_create
from tests.factories import auth
from tests.training.helpers import INSTRUCTOR, NOW, fresh, small_world

API = "/api/v1/training"


def _classification(db, size: int = 5) -> int:
    small_world(db)
    with fresh(db).begin():
        return exercise_create(db=db, actor=INSTRUCTOR, now=NOW, body=ExerciseCreate(
            cohort="c1", title="Classify", budget=0, size=size, kind="classification")).id


def test_the_codes_are_hidden_and_the_answers_scored_against_the_true_subheading(client, db):
    exercise_id = _classification(db)
    fresh(db)
    key = selectors.exercise_read(db, selectors.exercise_get(db, exercise_id), instructor=True).items
    truths = {i.id: i.truth.hs_code for i in key}
    fresh(db)
    assert len(truths) == 5 and all(code and len(code) == 6 for code in truths.values())
    officer = auth(client, "officer")
    answers = list(truths.items())
    for n, (item_id, code) in enumerate(answers):
        opened = client.post(f"{API}/exercises/{exercise_id}/items/{item_id}/open", headers=officer).json()
        assert all("hs_code" not in line for line in opened["document"]["items"]) and opened["truth"] is None
        given = code if n < 3 else (code[:4] + ("00" if code[4:] != "00" else "11") if n == 3 else "999999")
        r = client.put(f"{API}/exercises/{exercise_id}/items/{item_id}/decision", headers=officer,
                       json={"hs_code": given})
        assert r.status_code == 200 and r.json()["answer"] == given
    bad = client.put(f"{API}/exercises/{exercise_id}/items/{answers[0][0]}/decision", headers=officer,
                     json={"decision": "flag"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "/hs_code"
    score = client.post(f"{API}/exercises/{exercise_id}/finish", headers=officer).json()
    assert (score["kind"], score["classified"], score["classified_right"], score["heading_right"]) == (
        "classification", 5, 3, 4)
    assert score["accuracy"] == 0.6  # below the 70 % pass mark: no certificate
    assert client.get(f"{API}/me", headers=officer).json()["certificates"] == []
    shown = client.get(f"{API}/exercises/{exercise_id}", headers=officer).json()["items"]
    assert {i["id"]: i["truth"]["hs_code"] for i in shown} == truths  # revealed once handed in


def test_a_classification_exercise_refuses_planted_frauds(client, db):
    small_world(db)
    r = client.post(f"{API}/exercises", headers=auth(client, "admin"), json={
        "cohort": "c1", "title": "x", "budget": 0, "size": 3, "frauds": 1, "kind": "classification"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "training.classification_frauds"


def test_the_classification_page_asks_for_a_subheading_in_three_languages(client, db):
    from tests.web.conftest import sign_in

    exercise_id = _classification(db, size=2)
    fresh(db)
    item = selectors.exercise_read(db, selectors.exercise_get(db, exercise_id), instructor=True).items[0]
    fresh(db)
    assert sign_in(client, "officer").status_code == 303
    for lang, label in (("en", "HS subheading"), ("es", "Subpartida SA"), ("fr", "Sous-position SH")):
        page = client.get(f"/training/exercises/{exercise_id}/items/{item.id}", headers={"Accept-Language": lang})
        assert page.status_code == 200 and label in page.text and 'name="hs_code"' in page.text, lang
