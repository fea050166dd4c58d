"""The rule-writing exercise: the trainee writes a selectivity rule in the risk engine's language; it is
test-run on the exercise's declarations and scored on the planted frauds by precision and recall."""

from __future__ import annotations

import html
import re

import pytest

from clearway.training.certification import passed
from clearway.training.schemas import ScoreRead
from tests.factories import auth
from tests.locales import catalogue
from tests.training.helpers import small_world
from tests.web.conftest import csrf_of, sign_in

API = "/api/v1/training"


def _rule_exercise(client, db, size: int = 10, frauds: int = 3) -> dict:
    small_world(db)
    r = client.post(f"{API}/exercises", headers=auth(client, "admin"), json={
        "cohort": "c1", "title": "Rules", "budget": 0, "size": size, "frauds": frauds, "kind": "rule"})
    assert r.status_code == 201, r.text
    return r.json()


def _hand_in(client, made: dict, who: str, expression: str) -> dict:
    headers = auth(client, who)
    r = client.put(f"{API}/exercises/{made['id']}/rule", headers=headers, json={"expression": expression})
    assert r.status_code == 200, r.text
    assert r.json()["evaluated"] == made["size"] and "hits" not in r.json()  # the truth waits for the hand-in
    return client.post(f"{API}/exercises/{made['id']}/finish", headers=headers).json()


def test_a_rule_that_selects_everything_catches_every_fraud_and_fails_on_precision(client, db):
    made = _rule_exercise(client, db)
    r = client.put(f"{API}/exercises/{made['id']}/rule", headers=auth(client, "analyst"),
                   json={"expression": "declaration.item_count >= 1"})
    assert r.json()["selected"] == 10
    score = client.post(f"{API}/exercises/{made['id']}/finish", headers=auth(client, "analyst")).json()
    assert (score["hits"], score["false_alarms"], score["recall"]) == (3, 7, 1.0)
    assert score["precision"] == pytest.approx(0.3) and score["expression"] == "declaration.item_count >= 1"
    assert not passed(ScoreRead.model_validate(score))


def test_a_rule_that_names_the_planted_frauds_passes_and_one_that_selects_nothing_misses_them(client, db):
    made = _rule_exercise(client, db)
    frauds = [i for i in made["items"] if i["truth"]["fraud"]]
    totals = ", ".join(i["invoice_total"] for i in frauds)
    good = _hand_in(client, made, "analyst", f"declaration.invoice_total in [{totals}]")
    assert (good["hits"], good["false_alarms"], good["precision"], good["recall"]) == (3, 0, 1.0, 1.0)
    assert passed(ScoreRead.model_validate(good))
    none = _hand_in(client, made, "officer", "declaration.item_count > 999")
    assert (none["hits"], none["misses"], none["recall"], none["precision"]) == (0, 3, 0.0, None)
    assert sorted(none["missed"]) == sorted(i["reference"] for i in frauds)


def test_a_rule_that_does_not_compile_is_the_engines_coded_422_and_other_exercises_take_no_rule(client, db):
    made = _rule_exercise(client, db)
    r = client.put(f"{API}/exercises/{made['id']}/rule", headers=auth(client, "officer"),
                   json={"expression": "item.uv_ratio <"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"].startswith("rule.")
    assert r.json()["errors"][0]["pointer"] == "/expression"
    targeting = client.post(f"{API}/exercises", headers=auth(client, "admin"), json={
        "cohort": "c1", "title": "T", "budget": 1, "size": 4, "frauds": 1}).json()
    r = client.put(f"{API}/exercises/{targeting['id']}/rule", headers=auth(client, "officer"),
                   json={"expression": "declaration.item_count >= 1"})
    assert r.status_code == 409 and r.json()["code"] == "training.not_rule_exercise"


def test_unit_value_rules_read_the_training_worlds_reference_prices(client, db):
    small_world(db, cohort="month", days=30)
    made = client.post(f"{API}/exercises", headers=auth(client, "admin"), json={
        "cohort": "month", "title": "Prices", "budget": 0, "size": 20, "frauds": 3, "kind": "rule"}).json()
    # without the world's compliant declarations as references no line would have a known reference price
    known = client.put(f"{API}/exercises/{made['id']}/rule", headers=auth(client, "officer"),
                       json={"expression": "ref.known == true"}).json()
    assert 0 < known["selected"] <= 20


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_analyst_writes_and_tests_a_rule_on_the_page(client, db, lang):
    made = _rule_exercise(client, db)
    words = catalogue("training3", lang)
    h = {"Accept-Language": lang}
    sign_in(client, "analyst")
    page = client.get(f"/training/exercises/{made['id']}", headers=h)
    assert page.status_code == 200 and 'name="expression"' in page.text
    r = client.post(f"/training/exercises/{made['id']}/rule", data={"csrf": csrf_of(page.text),
                                                                     "expression": "declaration.item_count >= 2"},
                    follow_redirects=False)
    assert r.status_code == 303
    tested = html.unescape(client.get(f"/training/exercises/{made['id']}", headers=h).text)
    run = re.search(r'id="test-run">([^<]+)<', tested).group(1)  # type: ignore[union-attr]
    assert words["ui.training3.test_run"].split("{")[0] in run and "declaration.item_count &gt;= 2" in \
        client.get(f"/training/exercises/{made['id']}", headers=h).text
    bad = client.post(f"/training/exercises/{made['id']}/rule", data={"csrf": csrf_of(page.text),
                                                                       "expression": "item.value <"}, headers=h)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")
    client.post(f"/training/exercises/{made['id']}/finish", data={"csrf": csrf_of(page.text)})
    done = html.unescape(client.get(f"/training/exercises/{made['id']}", headers=h).text)
    assert words["ui.training3.rule_precision"] in done and 'name="expression"' not in done
