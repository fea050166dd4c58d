"""The documentary check: each declaration comes with its invoice, packing list and certificate of origin; the
trainee marks the values that differ from the declaration and is scored on found, missed and false marks."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import date

import pytest

from clearway.synthetic import generate_world
from clearway.training import documentary
from tests.factories import auth
from tests.locales import catalogue
from tests.training.helpers import small_world
from tests.web.conftest import csrf_of, sign_in

API = "/api/v1/training"


def _records():
    return generate_world(seed=3, days=10, end=date(2026, 6, 14), declarations_per_day=20).declarations


def test_the_papers_tell_the_truth_so_an_under_invoiced_declaration_shows_the_real_value():
    case = next(r for r in _records() if r.truth.fraud_kind == "undervaluation")
    points = {p.key: p for p in documentary.check_points(case.document, dataclasses.asdict(case.truth), salt=1)}
    line = points["invoice.1.value"]
    assert line.declared == case.document["items"][0]["value"] and line.shown == case.truth.items[0].value
    assert line.discrepant and "invoice.1.value" in documentary.discrepancies(list(points.values()))
    assert points["invoice.total"].discrepant  # the real invoice totals the real value


def test_the_ground_truth_is_exactly_the_values_that_differ_and_the_same_item_shows_the_same_papers():
    sizes = []
    for n, case in enumerate(_records()[:80]):
        truth = dataclasses.asdict(case.truth)
        points = documentary.check_points(case.document, truth, salt=n, level=2)
        assert points == documentary.check_points(case.document, truth, salt=n, level=2)
        found = documentary.discrepancies(points)
        assert found == {p.key for p in points if p.shown != p.declared and not _same_number(p.shown, p.declared)}
        sizes.append(len(found))
    assert 0 in sizes and max(sizes) >= 2  # some sets are clean: marking everything cannot score well


def _agree(point: dict) -> bool:
    return point["shown"] == point["declared"] or _same_number(point["shown"], point["declared"])


def _same_number(a: str, b: str) -> bool:
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def test_a_basic_slip_is_plain_and_an_advanced_one_is_a_few_per_cent():
    def strays(level: int) -> list[float]:
        out = []
        for n, case in enumerate(_records()[:120]):
            for p in documentary.check_points(case.document, dataclasses.asdict(case.truth), salt=n, level=level):
                if p.discrepant and p.field == "net_mass_kg" and case.truth.fraud_kind is None:
                    out.append(abs(float(p.shown) / float(p.declared) - 1))
        return out

    basic, advanced = strays(1), strays(3)
    assert basic and advanced and min(basic) >= 0.24 and max(advanced) <= 0.061


def _documentary(client, db, level: int = 1) -> dict:
    small_world(db)
    r = client.post(f"{API}/exercises", headers=auth(client, "admin"), json={
        "cohort": "c1", "title": "Papers", "budget": 0, "size": 5, "frauds": 2, "kind": "documentary",
        "level": level})
    assert r.status_code == 201, r.text
    return r.json()


def test_a_trainee_marks_discrepancies_and_is_scored_on_found_missed_and_false_marks(client, db):
    made = _documentary(client, db)
    officer = auth(client, "officer")
    marked: dict[int, list[str]] = {}
    for n, item in enumerate(made["items"]):
        opened = client.post(f"{API}/exercises/{made['id']}/items/{item['id']}/open", headers=officer).json()
        points = opened["check_points"]
        assert points and all(p["discrepant"] is None for p in points)  # no truth before handing in
        assert set(opened["papers"]) == {"invoice", "packing", "origin"}
        # the trainee marks the first value that differs on sight and, on the first declaration, one that agrees
        differ = [p["key"] for p in points if not _agree(p)]
        agree = [p["key"] for p in points if _agree(p)]
        marked[item["id"]] = differ[:1] + (agree[:1] if n == 0 else [])
        r = client.put(f"{API}/exercises/{made['id']}/items/{item['id']}/decision", headers=officer,
                       json={"marks": marked[item["id"]]})
        assert r.status_code == 200 and r.json()["decision"] == "checked", r.text
    score = client.post(f"{API}/exercises/{made['id']}/finish", headers=officer).json()
    revealed = [client.post(f"{API}/exercises/{made['id']}/items/{i['id']}/open", headers=officer)
                for i in made["items"]]
    assert all(r.status_code == 409 for r in revealed)  # handed in: no more opening
    truth, found, false_marks = 0, 0, 0
    for item in made["items"]:
        points = _revealed(client, made["id"], item["id"], officer)
        for p in points:
            truth += p["discrepant"]
            found += p["discrepant"] and p["marked"]
            false_marks += p["marked"] and not p["discrepant"]
    assert (score["discrepancies"], score["found"], score["false_marks"]) == (truth, found, false_marks)
    assert score["misses"] == truth - found and false_marks == 1 and found >= 1
    assert score["precision"] == pytest.approx(found / (found + false_marks))
    assert score["recall"] == pytest.approx(found / truth)
    assert len(score["missed"]) == truth - found


def _revealed(client, exercise_id: int, item_id: int, headers: dict) -> list[dict]:
    from clearway.db import get_sessionmaker
    from clearway.training import selectors

    with get_sessionmaker()() as db, db.begin():
        detail = selectors.item_detail(db, selectors.exercise_get(db, exercise_id), item_id, "officer")
    points = [p.model_dump() for p in detail.check_points]
    assert all(p["discrepant"] is not None for p in points)  # handed in: the truth is shown
    return points


def test_marks_must_name_values_of_the_papers_and_marking_nothing_is_an_answer(client, db):
    made = _documentary(client, db)
    officer = auth(client, "officer")
    item = made["items"][0]["id"]
    r = client.put(f"{API}/exercises/{made['id']}/items/{item}/decision", headers=officer,
                   json={"marks": ["invoice.9.value"]})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "training.mark_unknown"
    assert r.json()["errors"][0]["pointer"] == "/marks/0"
    r = client.put(f"{API}/exercises/{made['id']}/items/{item}/decision", headers=officer,
                   json={"decision": "flag"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "training.marks_required"
    r = client.put(f"{API}/exercises/{made['id']}/items/{item}/decision", headers=officer, json={"marks": []})
    assert r.status_code == 200 and r.json()["decision"] == "checked"


def test_marking_every_value_finds_everything_but_fails_on_precision(client, db):
    from clearway.training.certification import passed
    from clearway.training.schemas import ScoreRead

    made = _documentary(client, db)
    officer = auth(client, "officer")
    for item in made["items"]:
        points = client.post(f"{API}/exercises/{made['id']}/items/{item['id']}/open", headers=officer
                             ).json()["check_points"]
        client.put(f"{API}/exercises/{made['id']}/items/{item['id']}/decision", headers=officer,
                   json={"marks": [p["key"] for p in points]})
    score = client.post(f"{API}/exercises/{made['id']}/finish", headers=officer).json()
    assert score["recall"] == 1.0 and score["misses"] == 0 and score["precision"] < 0.5
    assert not passed(ScoreRead.model_validate(score))


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_the_officer_checks_the_papers_on_the_page_and_reads_the_score(client, db, lang):
    small_world(db)
    words = catalogue("training3", lang)
    h = {"Accept-Language": lang}
    sign_in(client, "admin")
    home = client.get("/training", headers=h)
    assert words["ui.training2.kind.documentary"] in html.unescape(home.text)
    r = client.post("/training/exercises", data={"csrf": csrf_of(home.text), "cohort": "c1", "title": "Papers",
                                                 "size": "3", "frauds": "1", "budget": "0", "kind": "documentary"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    where = r.headers["location"]
    client.cookies.clear()
    sign_in(client, "officer")
    queue = client.get(where, headers=h)
    opened = re.search(r'action="(/training/exercises/\d+/items/\d+)/open"', queue.text).group(1)  # type: ignore[union-attr]
    client.post(f"{opened}/open", data={"csrf": csrf_of(queue.text)}, follow_redirects=False)
    item = client.get(opened, headers=h)
    page = html.unescape(item.text)
    assert item.status_code == 200 and words["ui.training3.doc.packing"] in page
    assert words["ui.training3.doc.origin"] in page
    boxes = re.findall(r'name="mark" value="([a-z0-9._]+)"', item.text)
    assert "invoice.total" in boxes and any(b.startswith("packing.1.") for b in boxes)
    r = client.post(f"{opened}/decision", data={"csrf": csrf_of(item.text), "papers": "1", "mark": boxes[:2]},
                    follow_redirects=False)
    assert r.status_code == 303
    again = client.get(opened, headers=h).text
    assert len(re.findall(r'name="mark" value="[a-z0-9._]+"[^>]*checked', again)) == 2  # the marks were kept
    client.post(f"{where}/finish", data={"csrf": csrf_of(again)}, follow_redirects=False)
    done = html.unescape(client.get(where, headers=h).text)
    assert words["ui.training3.false_marks"] in done and words["ui.training3.found"] in done
    shown = html.unescape(client.get(opened, headers=h).text)
    assert words["ui.training3.declared"] in shown and 'name="mark"' not in shown  # the truth, read-only


def test_the_documentary_messages_are_in_spanish_and_french():
    from tests.locales import assert_translated

    assert_translated("training3", {"es": set(), "fr": set()})
