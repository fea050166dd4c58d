"""Batch scoring on Spark (local mode, a real JVM) gives the API's numbers, row for row.

Spark hands its partitions to the ML core's own `build_features` and `score_batch`; these tests
check that splitting the rows across workers and partitions changes no feature and no score.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clearway.risk.ml import bundle as bundles
from clearway.risk.ml.bundle import Bundle
from clearway.risk.ml.data import load
from clearway.risk.ml.features import FEATURE_NAMES, build_features
from clearway.risk.ml.mappings import NATIVE
from clearway.risk.ml.predict import score_batch
from clearway.risk.ml.train import train
from tests.risk.conftest import FAST, make_declarations

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120),
              pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")]
SCORES = ["score", "critical_score", "expected_revenue"]


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    """A local Spark session with two Python workers (fails, not skips, without Java or PySpark)."""
    if shutil.which("java") is None:
        pytest.fail("java is not installed (make system-deps installs openjdk-17-jre-headless)")
    from clearway.risk.ml import spark as batch

    session = batch.session(2, memory="1g")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def items(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Synthetic declaration items (canonical frame, with labels) over 60 days."""
    path = tmp_path_factory.mktemp("spark") / "declarations.csv"
    make_declarations(n=3000, seed=7).to_csv(path, index=False)
    return load([path], NATIVE, with_labels=True)


@pytest.fixture(scope="module")
def model(items: pd.DataFrame) -> Bundle:
    """A small model trained on the first 45 days."""
    return train(items[items["lodged_at"] < pd.Timestamp("2024-02-15", tz="UTC")].reset_index(drop=True),
                 config=FAST, seed=0)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory, model: Bundle) -> Path:
    """The model saved as a bundle directory, as a batch job finds it."""
    return bundles.save(model, tmp_path_factory.mktemp("bundle"))


def test_spark_scores_every_row_exactly_as_the_in_process_batch(spark, items: pd.DataFrame, model: Bundle,
                                                                model_dir: Path) -> None:
    from clearway.risk.ml import spark as batch

    unlabelled = items.drop(columns=["fraud", "revenue_recovered", "critical"])
    expected = score_batch(unlabelled, model).set_index("declaration_id")
    got = batch.score(batch.from_pandas(spark, unlabelled, partitions=7), model_dir).toPandas()
    got = got.set_index("declaration_id").loc[expected.index]
    assert len(got) == len(items)
    np.testing.assert_array_equal(got["item_no"].to_numpy(), expected["item_no"].to_numpy().astype(np.int64))
    for col in SCORES:
        np.testing.assert_array_equal(got[col].to_numpy(), expected[col].to_numpy(np.float64), err_msg=col)
    assert got["score"].std() > 0.05  # real, varied scores, not a constant that would match trivially


def test_spark_features_are_the_build_features_matrix(spark, items: pd.DataFrame, model: Bundle,
                                                      model_dir: Path) -> None:
    from clearway.risk.ml import spark as batch

    sample = items.sample(500, random_state=1).reset_index(drop=True)
    expected = build_features(sample, model.state)
    got = batch.features(batch.from_pandas(spark, sample, partitions=3), model_dir).toPandas()
    got = got.set_index("declaration_id").loc[sample["declaration_id"]]
    assert list(got.columns[1:]) == FEATURE_NAMES
    np.testing.assert_array_equal(got[FEATURE_NAMES].to_numpy(), expected)


def test_parquet_job_writes_scores_and_refuses_a_stale_bundle(spark, items: pd.DataFrame, model: Bundle,
                                                              model_dir: Path, tmp_path: Path) -> None:
    from clearway.risk.ml import spark as batch

    recent = items[items["lodged_at"] >= pd.Timestamp("2024-02-15", tz="UTC")].reset_index(drop=True)
    batch.from_pandas(spark, recent).write.parquet(str(tmp_path / "items"))
    batch.score(spark.read.parquet(str(tmp_path / "items")), model_dir).write.parquet(str(tmp_path / "scores"))
    written = pd.read_parquet(tmp_path / "scores").set_index("declaration_id")
    expected = score_batch(recent, model).set_index("declaration_id")
    np.testing.assert_array_equal(written.loc[expected.index, "score"].to_numpy(), expected["score"].to_numpy())

    stale = Path(shutil.copytree(model_dir, tmp_path / "stale"))
    card = json.loads((stale / bundles.CARD_FILE).read_text())
    (stale / bundles.CARD_FILE).write_text(json.dumps(card | {"schema_hash": "0" * 64}))
    with pytest.raises(bundles.BundleError, match="other feature code"):
        batch.score(spark.read.parquet(str(tmp_path / "items")), stale)
