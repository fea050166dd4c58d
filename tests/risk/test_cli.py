"""`clearway risk` commands, driven in-process."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from clearway.risk.api.cli import app
from clearway.risk.ml import data as loader

runner = CliRunner()


@pytest.fixture(scope="module")
def unlabelled_file(tmp_path_factory: pytest.TempPathFactory, declarations: pd.DataFrame) -> Path:
    path = tmp_path_factory.mktemp("cli") / "new.csv"
    declarations.tail(300).drop(columns=["fraud", "revenue_recovered", "critical"]).to_csv(path, index=False)
    return path


def _score(model_dir: Path, data: Path, out: Path) -> pd.DataFrame:
    result = runner.invoke(app, ["score", "--model", str(model_dir), "--data", str(data),
                                 "--mapping", "native", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return pd.read_csv(out, dtype={"declaration_id": str})


def test_train_writes_a_bundle_and_prints_validation(data_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", "--data", str(data_file), "--mapping", "native", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "model.txt").exists() and "precision" in result.output


def test_score_a_file_without_label_columns(model_dir: Path, unlabelled_file: Path, tmp_path: Path) -> None:
    scores = _score(model_dir, unlabelled_file, tmp_path / "scores.csv")
    assert list(scores.columns) == ["declaration_id", "item_no", "score", "critical_score", "expected_revenue"]
    assert len(scores) == 300 and scores["score"].between(0, 1).all()
    assert scores["critical_score"].between(0, 1).all() and scores["critical_score"].nunique() > 10


def test_score_never_reads_label_columns(model_dir: Path, declarations: pd.DataFrame, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    poisoned = declarations.tail(300).assign(fraud="not a label", revenue_recovered="secret", critical="secret")
    poisoned["Critical Fraud"] = "x"
    path = tmp_path / "with_labels.csv"
    poisoned.to_csv(path, index=False)
    asked: list[list[str]] = []
    read_csv = pd.read_csv

    def spy(*args: object, **kwargs: object) -> pd.DataFrame:
        asked.append(list(kwargs.get("usecols") or []))  # type: ignore[call-overload]
        return read_csv(*args, **kwargs)

    monkeypatch.setattr(loader.pd, "read_csv", spy)
    scores = _score(model_dir, path, tmp_path / "scores.csv")
    clean = declarations.tail(300).drop(columns=["fraud", "revenue_recovered", "critical"])
    clean.to_csv(tmp_path / "clean.csv", index=False)
    pd.testing.assert_frame_equal(scores, _score(model_dir, tmp_path / "clean.csv", tmp_path / "clean_scores.csv"))
    read = {c for cols in asked for c in cols}
    assert read and not read & {"fraud", "revenue_recovered", "Critical Fraud", "critical"}


def test_evaluate_prints_precision_recall_and_revenue_at_three_rates(model_dir: Path, data_file: Path) -> None:
    result = runner.invoke(app, ["evaluate", "--model", str(model_dir), "--data", str(data_file),
                                 "--mapping", "native"])
    assert result.exit_code == 0, result.output
    for text in ("precision", "recall", "revenue", "1%", "5%", "10%", "expected revenue"):
        assert text in result.output


def test_score_with_a_foreign_bundle_fails_cleanly(model_dir: Path, unlabelled_file: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from clearway.risk.ml import bundle

    monkeypatch.setattr(bundle, "schema_hash", lambda: "0" * 64)
    result = runner.invoke(app, ["score", "--model", str(model_dir), "--data", str(unlabelled_file),
                                 "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 2 and not (tmp_path / "s.csv").exists()


def test_train_without_outcomes_is_refused(unlabelled_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", "--data", str(unlabelled_file), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2 and "no labelled rows" in result.output
