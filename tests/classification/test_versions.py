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
