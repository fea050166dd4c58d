"""Training pages in English, Spanish and French: every page says it is the training world; the instructor
creates an exercise and projects a test; the officer inspects, decides, hands in and sees the score."""

from __future__ import annotations

import html
import re

import pytest

from tests.factories import auth
from tests.locales import assert_translated, catalogue
from tests.training.helpers import small_world
from tests.web.conftest import csrf_of, sign_in

SAME = {"es": set(), "fr": {"ui.training.projections", "ui.training.minutes"}}  # French spells these as English
WORDS = {"en": ("Training world.", "Create the exercise", "Hand in", "Frauds found"),
         "es": ("Mundo de formación.", "Crear el ejercicio", "Entregar", "Fraudes detectados"),
         "fr": ("Monde de formation.", "Créer l'exercice", "Rendre", "Fraudes détectées")}


def _load(lang: str) -> dict[str, str]:
    return catalogue("training", lang)


def test_spanish_and_french_have_every_key_with_its_placeholders_and_no_english_left():
    assert_translated("training", SAME)


def test_every_fraud_kind_and_outcome_has_a_label():
    from clearway.synthetic.records import FRAUD_KINDS

    en = _load("en")
    assert all(f"ui.training.kind.{k}" in en for k in FRAUD_KINDS)
    assert all(f"ui.training.outcome.{k}" in en for k in ("hit", "miss", "false_alarm", "correct"))


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_instructor_creates_an_exercise_and_the_officer_works_it_to_a_score(client, db, lang):
    small_world(db)
    banner, create, hand_in, found = WORDS[lang]
    h = {"Accept-Language": lang}
    sign_in(client, "admin")
    home = client.get("/training", headers=h)
    assert home.status_code == 200 and banner in home.text and create in html.unescape(home.text)
    r = client.post("/training/exercises", data={"csrf": csrf_of(home.text), "cohort": "c1", "title": "Day one",
                                                 "size": "4", "frauds": "1", "budget": "1"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    where = r.headers["location"]
    client.cookies.clear()
    sign_in(client, "officer")
    queue = client.get(where, headers=h)
    assert queue.status_code == 200 and banner in queue.text and hand_in in queue.text
    opened = re.search(r'action="(/training/exercises/\d+/items/\d+)/open"', queue.text).group(1)  # type: ignore[union-attr]
    r = client.post(f"{opened}/open", data={"csrf": csrf_of(queue.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == opened
    item = client.get(opened, headers=h)
    assert item.status_code == 200 and banner in item.text and 'name="decision" value="flag"' in item.text
    r = client.post(f"{opened}/decision", data={"csrf": csrf_of(item.text), "decision": "flag",
                                                "suspected": "undervaluation"}, follow_redirects=False)
    assert r.status_code == 303
    queue = client.get(where, headers=h)
    r = client.post(f"{where}/finish", data={"csrf": csrf_of(queue.text)}, follow_redirects=False)
    assert r.status_code == 303
    done = client.get(where, headers=h)
    assert 'id="score"' in done.text and found in done.text and hand_in not in done.text
    mine = client.get("/training", headers=h)
    assert f'href="{where}"' in mine.text


def test_the_instructor_projects_a_test_from_the_dashboard(client, db):
    from sqlalchemy import select

    from clearway.training.models import TrainingCase

    small_world(db)
    reference = db.scalar(select(TrainingCase.reference).where(TrainingCase.fraud_kind.is_not(None)))
    db.commit()
    sign_in(client, "admin")
    home = client.get("/training")
    r = client.post("/training/projections", data={"csrf": csrf_of(home.text), "case": reference,
                                                   "officer": "officer"}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/training")
    assert reference in page.text and "awaiting the officer" in page.text


def test_traders_get_no_training_page(client):
    sign_in(client, "trader-a")
    assert client.get("/training").status_code == 403


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_an_analyst_takes_an_exercise_and_the_page_names_the_declarant_not_a_code(client, db, lang):
    from tests.training.helpers import exercise

    small_world(db)
    exercise_id = exercise(db, size=4, frauds=1, budget=1)
    h = {"Accept-Language": lang}
    sign_in(client, "analyst")
    home = client.get("/training", headers=h)
    assert home.status_code == 200 and f"/training/exercises/{exercise_id}" in home.text
    assert 'action="/training/exercises"' not in home.text  # an analyst trains, it never instructs
    queue = client.get(f"/training/exercises/{exercise_id}", headers=h)
    assert queue.status_code == 200
    opened = re.search(r'action="(/training/exercises/\d+/items/\d+)/open"', queue.text).group(1)  # type: ignore[union-attr]
    assert client.post(f"{opened}/open", data={"csrf": csrf_of(queue.text)}, follow_redirects=False).status_code == 303
    item = client.get(opened, headers=h)
    r = client.post(f"{opened}/decision", data={"csrf": csrf_of(item.text), "decision": "clear"},
                    follow_redirects=False)
    assert r.status_code == 303
    done = client.post(f"/training/exercises/{exercise_id}/finish", data={"csrf": csrf_of(queue.text)},
                       follow_redirects=False)
    assert done.status_code == 303
    page = html.unescape(client.get(f"/training/exercises/{exercise_id}", headers=h).text)
    assert 'id="score"' in page
    names = re.findall(r"<td>([^<]+) <span class=\"muted\">\((KR\d+)\)</span></td>", page)
    assert len(names) == 4 and all(not name.startswith("KR") for name, _ in names)  # a name, its code beside it
    assert catalogue("training2", lang)["ui.training2.kind.targeting"] in page


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_administrator_gates_an_action_and_sets_a_projection_rate_from_the_dashboard(client, db, lang):
    words = catalogue("training3", lang)
    h = {"Accept-Language": lang}
    small_world(db)
    sign_in(client, "admin")
    home = client.get("/training", headers=h)
    assert words["ui.training3.gates"] in html.unescape(home.text) and words["ui.training3.no_injection"] in \
        html.unescape(home.text)
    r = client.post("/training/gates", data={"csrf": csrf_of(home.text), "action": "risk.rule_write",
                                             "role": "analyst", "level": "2"}, follow_redirects=False)
    assert r.status_code == 303
    gates = client.get("/api/v1/training/gates", headers=auth(client, "admin")).json()["items"]
    assert [(g["action"], g["role"], g["level"]) for g in gates] == [("risk.rule_write", "analyst", 2)]
    r = client.post("/training/injection", data={"csrf": csrf_of(home.text), "office": "kr0101", "per_day": "3",
                                                 "cohort": "c1"}, follow_redirects=False)
    assert r.status_code == 303
    page = html.unescape(client.get("/training", headers=h).text)
    rows = re.search(r'id="injection-list">(.*?)</table>', page, re.S).group(1)  # type: ignore[union-attr]
    assert "KR0101" in rows and ">3<" in rows
    refused = client.post("/training/injection", data={"csrf": csrf_of(home.text), "office": "KR0101",
                                                       "per_day": "3", "cohort": "nosuch"}, headers=h,
                          follow_redirects=False)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("text/html")
    r = client.post("/training/gates", data={"csrf": csrf_of(home.text), "action": "risk.rule_write", "clear": "1"},
                    follow_redirects=False)
    assert r.status_code == 303 and client.get("/api/v1/training/gates", headers=auth(client, "admin")
                                               ).json()["items"] == []
    client.post("/training/injection", data={"csrf": csrf_of(home.text), "office": "KR0101", "clear": "1"})
    assert words["ui.training3.no_injection"] in html.unescape(client.get("/training", headers=h).text)


def test_only_an_administrator_sets_gates_from_the_page(client, db):
    r = client.put("/api/v1/controls/examiners/officer", json={"sections": [], "supervisor": True},
                   headers=auth(client, "admin"))
    assert r.status_code == 200
    sign_in(client, "officer")  # a supervisor instructs but does not gate
    home = client.get("/training")
    assert 'action="/training/gates"' not in home.text and 'id="gate-list"' in home.text
    r = client.post("/training/gates", data={"csrf": csrf_of(home.text), "action": "release.red", "role": "officer",
                                             "level": "1"}, follow_redirects=False)
    assert r.status_code == 403


def test_an_exercise_title_reads_in_the_trainees_language_where_the_instructor_gave_it(client, db):
    small_world(db)
    sign_in(client, "admin")
    client.cookies.set("lang", "es")
    home = client.get("/training")
    assert 'name="title_en"' in home.text and 'name="title_fr"' in home.text and 'name="title_es"' not in home.text
    r = client.post("/training/exercises", data={"csrf": csrf_of(home.text), "cohort": "c1", "title": "Día uno",
                                                 "title_en": "Day one", "title_fr": "  ", "size": "4", "frauds": "1",
                                                 "budget": "1"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    where = r.headers["location"]
    client.cookies.clear()
    sign_in(client, "officer")
    seen = {}
    for lang in ("en", "es", "fr"):
        client.cookies.set("lang", lang)
        page = html.unescape(client.get(where).text)
        seen[lang] = re.search(r"<h1>([^<]*)</h1>", page).group(1)  # type: ignore[union-attr]
        listed = html.unescape(client.get("/training").text)
        assert f'href="{where}">{seen[lang]}</a>' in listed
    # French was left blank: the title as the instructor wrote it
    assert seen == {"en": "Day one", "es": "Día uno", "fr": "Día uno"}


def test_the_demo_exercises_have_spanish_and_french_titles(client, db):
    from clearway.training.demo import training_demo_seed
    from tests.training.helpers import NOW, fresh

    with fresh(db).begin():
        training_demo_seed(db=db, now=NOW)
    sign_in(client, "officer")
    for lang, words in (("es", "Control documental: encuentre los errores"), ("fr", "Contrôle documentaire : trouvez")):
        client.cookies.set("lang", lang)
        listed = html.unescape(client.get("/training").text)
        assert words in listed and "Targeting: find" not in listed and "Documentary check: find" not in listed


def test_the_dashboard_shows_each_trainees_standing_per_competence(client, db):
    from clearway.training import certification, results
    from clearway.training.demo import training_demo_seed
    from tests.training.helpers import NOW, fresh

    with fresh(db).begin():
        training_demo_seed(db=db, now=NOW)
    fresh(db)
    expected: dict[tuple[str, str], str] = {}
    for trainee in ("officer", "analyst"):
        for score in results.trainee_report(db, trainee):
            state = ("passed" if certification.passed(score) else "not_passed") if score.finished else "in_progress"
            rank = {"passed": 3, "not_passed": 2, "in_progress": 1}
            if rank[state] > rank.get(expected.get((trainee, score.kind), ""), 0):
                expected[(trainee, score.kind)] = state
    assert {k for t, k in expected if t == "officer"} >= {"targeting", "documentary", "release"}
    assert ("analyst", "rule") in expected
    fresh(db)  # end the test's read transaction before the app writes its audit records
    assert sign_in(client, "admin").status_code == 303
    for lang, word in (("en", "Scores per competence"), ("es", "Resultados por competencia"),
                       ("fr", "Résultats par compétence")):
        client.cookies.set("lang", lang)
        page = html.unescape(client.get("/training").text)
        table = page[page.index('id="competence-title"'):page.index('id="report-title"')]
        assert word in page
        for (trainee, kind), state in expected.items():
            row = re.search(rf'<tr><th scope="row">{trainee}</th>.*?</tr>', table, re.S)
            assert row is not None, (lang, trainee)
            cells = re.findall(r'data-standing="([a-z_]+)"', row.group(0))
            kinds = ("targeting", "valuation", "classification", "documentary", "rule", "release")
            assert cells[kinds.index(kind)] == state, (lang, trainee, kind)
    client.cookies.clear()
    sign_in(client, "officer")  # a trainee sees only its own scores, not the cohort's table
    assert 'id="competence-title"' not in client.get("/training").text
