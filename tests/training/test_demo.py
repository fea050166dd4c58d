"""The training demo: a demo cohort's world, one closed exercise the demo officer worked, and a handed-in and an
unfinished attempt of each newer kind (documentary check, release, rule writing), with their scores."""

from __future__ import annotations

from clearway.training import results, selectors
from clearway.training.demo import training_demo_seed
from tests.training.helpers import NOW, fresh


def test_the_demo_has_a_finished_exercise_with_the_officers_scores(db, world):
    with fresh(db).begin():
        exercise_id = training_demo_seed(db=db, now=NOW).id
    fresh(db)
    exercise = selectors.exercise_get(db, exercise_id)
    assert exercise.status == "closed"
    (score,) = results.exercise_report(db, exercise)
    assert (score.trainee, score.finished, score.size) == ("officer", True, 20)
    assert (score.hits, score.misses, score.false_alarms, score.kinds_named) == (4, 1, 1, 3)
    assert score.decided == 20 and score.seconds is not None and 15 * 60 < score.seconds < 30 * 60
    assert len(score.missed) == 1
    assert [w.cohort for w in selectors.worlds_list(db)] == ["demo"]


def _words(lang: str) -> dict[str, str]:
    from tests.locales import catalogue

    return {**catalogue("training", lang), **catalogue("training2", lang), **catalogue("training3", lang)}


def test_the_demo_has_a_handed_in_and_an_unfinished_attempt_of_each_newer_kind_on_the_training_pages(client, db):
    import html
    import re

    from tests.web.conftest import sign_in

    with fresh(db).begin():
        training_demo_seed(db=db, now=NOW)
    fresh(db)
    open_exercises = selectors.exercises_list(db, open_only=True)
    for kind, trainee in (("documentary", "officer"), ("release", "officer"), ("rule", "analyst")):
        scores = [s for e in open_exercises if e.kind == kind
                  for s in results.exercise_report(db, selectors.exercise_get(db, e.id))]
        assert sorted(s.finished for s in scores) == [False, True] and {s.trainee for s in scores} == {trainee}
        done, started = sorted(scores, key=lambda s: not s.finished)
        assert done.hits > 0 and done.seconds and done.decided == (1 if kind == "rule" else done.size)
        assert 0 < started.decided < started.size or (kind == "rule" and started.expression)
        if kind != "release":  # a documentary or rule score reads as precision and recall
            assert done.precision is not None and done.recall is not None
    fresh(db)
    for trainee, kinds in (("officer", ("documentary", "release")), ("analyst", ("rule",))):
        client.cookies.clear()
        assert sign_in(client, trainee).status_code == 303
        for lang in ("en", "es", "fr"):
            words = _words(lang)
            home = html.unescape(client.get("/training", headers={"Accept-Language": lang}).text)
            listed, mine = home[:home.index('id="mine-title"')], home[home.index('id="mine-title"'):]
            for kind in kinds:
                label = words[f"ui.training2.kind.{kind}"]
                assert listed.count(f"({label}, ") == 2, (lang, kind)  # the open exercises, levels 1 and 2
                rows = [r for r in mine.split("<tr>") if f"({label})" in r]
                assert len(rows) == 2 and any(words["ui.training.handed_in"] in r for r in rows) and \
                    any(words["ui.training.in_progress"] in r for r in rows), (lang, kind)
                for exercise_id in re.findall(r'href="/training/exercises/(\d+)">#\d+</a> <span class="muted">\('
                                              + re.escape(label), mine):
                    page = client.get(f"/training/exercises/{exercise_id}", headers={"Accept-Language": lang})
                    assert page.status_code == 200 and 'id="score"' in page.text, (lang, kind)
