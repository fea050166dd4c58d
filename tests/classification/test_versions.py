"""Classifier versions like the risk models: a retrain registers a version not in force; promote puts it in force
for the suggest endpoint (which says which version answered); rollback returns to the one before."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from clearway.classification import registry, versions
from clearway.classification.bundle import model_current
from clearway.classification.cli import app
from clearway.db import get_sessionmaker, utcnow
from tests.factories import auth

CODES = ("610910", "610990", "851713", "851714", "030617")


@pytest.fixture
def models_dir(monkeypatch, tmp_path: Path) -> Path:
    monkeypatch.setenv(registry.MODELS_ENV, str(tmp_path))
    monkeypatch.delenv("CLEARWAY_CLASSIFICATION_MODEL_DIR", raising=False)
    return tmp_path


def _retrain() -> str:
    with get_sessionmaker()() as db, db.begin():
        return versions.classification_retrain(db=db, actor=None, now=utcnow(), codes=CODES)["version"]


def _suggest(client) -> dict:
    r = client.post("/api/v1/classification/suggest", json={"description": "frozen shrimp"},
                    headers=auth(client, "trader-a"))
    assert r.status_code == 200, r.text
    return r.json()


def test_a_retrained_version_is_used_only_once_promoted_and_rollback_restores_the_one_before(client, models_dir):
    shipped = model_current().version
    new = _retrain()
    assert (models_dir / new / "meta.json").exists()
    analyst = auth(client, "analyst")
    listing = client.get("/api/v1/classification/models", headers=analyst).json()
    assert listing["in_force"] == shipped and [(m["version"], m["status"]) for m in listing["items"]] == [
        (new, "registered")]
    assert _suggest(client)["model_version"] == shipped

    assert client.post(f"/api/v1/classification/models/{new}/promote", headers=auth(client, "trader-a")
                       ).status_code == 403
    promoted = client.post(f"/api/v1/classification/models/{new}/promote", headers=analyst)
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["in_force"] == new
    answer = _suggest(client)
    assert answer["model_version"] == new and {s["hs6"] for s in answer["suggestions"]} <= set(CODES)
    again = client.post(f"/api/v1/classification/models/{new}/promote", headers=auth(client, "admin"))
    assert again.status_code == 409

    rolled = client.post("/api/v1/classification/models/rollback", headers=auth(client, "admin"))
    assert rolled.status_code == 200 and rolled.json()["in_force"] == shipped
    assert _suggest(client)["model_version"] == shipped
    assert [m["status"] for m in rolled.json()["items"]] == ["rolled_back"]
    assert client.post("/api/v1/classification/models/rollback", headers=analyst).status_code == 409
    assert client.post("/api/v1/classification/models/clf-none/promote", headers=analyst).status_code == 404


def test_the_commands_promote_and_roll_back_between_two_versions(world, models_dir):
    first, second = _retrain(), _retrain()
    runner = CliRunner()
    assert runner.invoke(app, ["promote", first]).output.strip() == f"in force: {first}"
    assert runner.invoke(app, ["promote", second]).output.strip() == f"in force: {second}"
    listed = runner.invoke(app, ["models"]).output
    assert listed.splitlines()[0] == f"in force: {second}" and f"{first}  retired" in listed
    assert runner.invoke(app, ["rollback"]).output.strip() == f"in force: {first}"
    assert model_current().version == first
    failed = runner.invoke(app, ["promote", "clf-none"])
    assert failed.exit_code == 1 and "No classifier version clf-none" in failed.output


def test_each_version_is_listed_with_its_held_out_figures_in_the_api_and_the_command(client, models_dir):
    new = _retrain()
    listing = client.get("/api/v1/classification/models", headers=auth(client, "analyst")).json()
    (item,) = listing["items"]
    figures = item["metrics"]
    # The shipped bundle in force has figures too (every example of every code), to compare the new version with.
    assert listing["in_force_metrics"]["n"] > 300 and listing["in_force_metrics"]["hs4_top1"] > 0.5
    # The examples of the five codes, ranked with the examples left out: nomenclature, glossary and prior alone.
    assert item["version"] == new and figures["held_out"] == "examples" and figures["n"] >= 5
    assert 0 <= figures["hs6_top1"] <= figures["hs6_top5"] <= 1 and figures["hs4_top1"] >= figures["hs6_top1"]
    assert figures["hs6_top5"] >= 0.5 and set(figures["by_lang"]) >= {"en"}
    listed = CliRunner().invoke(app, ["models"]).output
    assert f"{new}  registered" in listed and f"held-out examples (n={figures['n']}): HS6@1 " in listed


def test_the_versions_page_lists_figures_and_promotes_and_rolls_back_in_spanish(client, models_dir):
    from tests.web.conftest import csrf_of, sign_in

    shipped = model_current().version
    new = _retrain()
    sign_in(client, "analyst")
    page = client.get("/classification/models", headers={"Accept-Language": "es"})
    assert page.status_code == 200
    assert "Versiones del clasificador" in page.text and f'id="version-{new}"' in page.text
    assert "Registrada, no en vigor" in page.text and "Ejemplos reservados" in page.text
    token = csrf_of(page.text)
    promoted = client.post(f"/classification/models/{new}/promote", data={"csrf": token}, follow_redirects=False)
    assert promoted.status_code == 303 and model_current().version == new
    page = client.get("/classification/models", headers={"Accept-Language": "es"})
    assert f'<strong class="mono" id="model-in-force">{new}</strong>' in page.text
    assert "Volver a la versión" in page.text
    again = client.post(f"/classification/models/{new}/promote", data={"csrf": token},
                        headers={"Accept-Language": "es"})
    assert again.status_code == 409 and f"La versión {new} ya está en vigor" in again.text
    assert client.post("/classification/models/rollback", data={"csrf": token},
                       follow_redirects=False).status_code == 303
    assert model_current().version == shipped
    assert client.post("/classification/models/rollback", data={"csrf": "wrong"}).status_code == 403


def test_traders_and_officers_cannot_see_the_versions_page(client, models_dir):
    from tests.web.conftest import sign_in

    for user in ("trader-a", "officer"):
        sign_in(client, user)
        assert client.get("/classification/models").status_code == 403, user


def test_the_versions_page_and_the_notes_have_no_english_in_spanish_and_french(client, models_dir):
    from tests.web.conftest import sign_in
    from tests.web.test_no_english_leaks import leaks

    _retrain()
    sign_in(client, "analyst")
    for locale in ("es", "fr"):
        client.cookies.set("lang", locale)
        for path in ("/classification/models", "/classification?q=raw+cane+sugar+solid"):
            r = client.get(path)
            assert r.status_code == 200 and f'lang="{locale}"' in r.text[:300], path
            assert leaks(r.text, locale) == [], (locale, path)
