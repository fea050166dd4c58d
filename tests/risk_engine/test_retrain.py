"""The learning loop: stored declarations and finished controls become a registered candidate."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.declarations.models import Declaration
from clearway.demo import demo_history
from clearway.risk.ml import retrain as loop
from clearway.risk.models import RiskModel
from tests.factories import wiring

ANALYST = Principal(user_id=0, username="risk-retrain", role="analyst", organisation_id=0, organisation_code="X")


@pytest.fixture
def history(world, db, tmp_path, monkeypatch):
    monkeypatch.setenv("CLEARWAY_RISK_MODELS_DIR", str(tmp_path))
    with db.begin():
        demo_history(db=db, wiring=wiring(), now=utcnow(), days=20, per_day=15)


def test_without_finished_controls_nothing_is_registered(history, db):
    with pytest.raises(ValueError, match="no labelled rows"), db.begin():
        loop.retrain(db=db, actor=ANALYST, name="c1", now=utcnow())
    with db.begin():
        assert db.scalar(select(RiskModel.id)) is None


def test_control_findings_become_labels_and_a_registered_candidate(history, db, monkeypatch):
    with db.begin():
        ids = list(db.scalars(select(Declaration.id).order_by(Declaration.id)))
    # Controls finished on every third declaration; those on even ids found fraud.
    labels = {i: (int(i % 2 == 0), 1000.0 * (i % 2 == 0), n % 4 == 0) for n, i in enumerate(ids[::3])}
    monkeypatch.setattr(loop, "_labels", lambda db: labels)
    with db.begin():
        frame = loop.training_frame(db=db)
        assert frame["fraud"].notna().sum() >= len(labels)  # every item of a controlled declaration
        assert frame["fraud"].isna().sum() > 0  # the rest feed histories, unlabelled
        model = loop.retrain(db=db, actor=ANALYST, name="c2", now=utcnow())
    assert model.status == "registered" and model.path == "c2"
    assert model.card["data_window"]
    sample = model.card["random_sample"]  # the unbiased view: random-sample controls only
    assert sample["random_controls"] == sum(1 for label in labels.values() if label[2])
    low, high = sample["fraud_rate_wilson95"]
    assert low <= sample["fraud_rate"] <= high


def test_replay_compares_the_objectives_on_stored_declarations(history, db, monkeypatch):
    from datetime import timedelta

    from typer.testing import CliRunner

    from clearway.risk.api.cli import app

    with db.begin():
        ids = list(db.scalars(select(Declaration.id).order_by(Declaration.id)))
    labels = {i: (int(i % 2 == 0), 1500.0 * (i % 2 == 0), False) for i in ids[::2]}  # every other one controlled
    monkeypatch.setattr(loop, "_labels", lambda db: labels)
    since = (utcnow() - timedelta(days=6)).date().isoformat()
    result = CliRunner().invoke(app, ["replay", "--objectives", "--stored", since, "--budget", "0.2"])
    assert result.exit_code == 0, result.output
    assert "oracle (true amounts)" in result.output and "revenue recovered" in result.output
    assert "serious" in result.output
    bad = CliRunner().invoke(app, ["replay", "--objectives", "--stored", "yesterday"])
    assert bad.exit_code == 2
