"""Bundles: plain files, faithful round trip, refusal of foreign feature code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from clearway.risk.ml import bundle as bundles
from clearway.risk.ml.bundle import Bundle, BundleError
from clearway.risk.ml.predict import score_batch


def test_bundle_is_text_model_json_state_and_card(model_dir: Path) -> None:
    names = sorted(p.name for p in model_dir.iterdir())
    assert names == ["amount.txt", "card.json", "critical.txt", "model.txt", "state.json"]
    assert (model_dir / "model.txt").read_text().startswith("tree")
    card = json.loads((model_dir / "card.json").read_text())
    assert {"model_version", "data_window", "validation", "versions", "schema_hash"} <= set(card)
    assert {"lightgbm", "numpy", "pandas", "python"} <= set(card["versions"])


def test_round_trip_scores_identically(model: Bundle, model_dir: Path, recent: pd.DataFrame) -> None:
    loaded = bundles.load(model_dir)
    pd.testing.assert_frame_equal(score_batch(recent, loaded), score_batch(recent, model))
    assert loaded.version == model.version


def test_card_holds_time_ordered_validation_metrics(model: Bundle) -> None:
    validation = model.card["validation"]
    assert validation["train_window"]["to"] < validation["valid_window"]["from"]
    assert [m["rate"] for m in validation["metrics"]] == [0.01, 0.05, 0.10]


def test_bundle_with_another_schema_hash_is_refused(model_dir: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(model_dir, tmp_path / "copy"))
    card = json.loads((copy / "card.json").read_text())
    (copy / "card.json").write_text(json.dumps(card | {"schema_hash": "0" * 64}))
    with pytest.raises(BundleError, match="other feature code"):
        bundles.load(copy)


def test_changed_feature_code_refuses_old_bundles(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundles, "schema_hash", lambda: "f" * 64)
    with pytest.raises(BundleError, match="retrain"):
        bundles.load(model_dir)


def test_schema_hash_ignores_comments_but_not_code() -> None:
    import ast
    import inspect

    from clearway.risk.ml import features

    source = inspect.getsource(features)
    same = ast.dump(ast.parse(source + "\n# a comment\n"))
    changed = ast.dump(ast.parse(source.replace("SMOOTHING = 5.0", "SMOOTHING = 6.0")))
    assert same == ast.dump(ast.parse(source)) != changed


def test_damaged_bundle_is_refused(model_dir: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(model_dir, tmp_path / "copy"))
    (copy / "state.json").write_text("{not json")
    with pytest.raises(BundleError, match="damaged"):
        bundles.load(copy)
