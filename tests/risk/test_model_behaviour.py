"""Behaviour of a trained model: what must and must not move a score."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from clearway.risk.ml.bundle import Bundle
from clearway.risk.ml.features import fit_state
from clearway.risk.ml.predict import score_batch, score_one
from tests.risk.conftest import records


def test_renamed_importer_name_leaves_the_score_unchanged(model: Bundle, recent: pd.DataFrame) -> None:
    renamed = recent.assign(importer_name="Totally Different Trading Co")
    pd.testing.assert_frame_equal(score_batch(renamed, model), score_batch(recent, model))
    record = records(recent.head(1))[0]
    assert score_one(record | {"importer_name": "Another Name"}, model) == score_one(record, model)


def test_renaming_a_new_importer_to_another_new_id_leaves_the_score_unchanged(
    model: Bundle, recent: pd.DataFrame
) -> None:
    record = records(recent.head(1))[0]
    first = score_one(record | {"importer_id": "NEW-1"}, model)
    assert score_one(record | {"importer_id": "NEW-2"}, model) == first


def test_larger_unit_value_deviation_scores_higher(model: Bundle, recent: pd.DataFrame) -> None:
    # New goods lines (value nudged off any seen line), declared at 100 %, 50 % and 10 % of their value.
    base = [r | {"value": r["value"] * 1.0001} for r in records(recent.head(30))]
    scores = np.array([[score_one(r | {"value": r["value"] * f}, model).score for f in (1.0, 0.5, 0.1)]
                       for r in base])
    assert (scores[:, 2] > scores[:, 0]).mean() >= 0.9
    assert scores[:, 2].mean() > scores[:, 1].mean() > scores[:, 0].mean()


def test_a_line_found_irregular_before_outranks_a_new_one(model: Bundle, history: pd.DataFrame) -> None:
    record = records(history[history["fraud"] == 1].tail(1))[0] | {"lodged_at": "2024-03-01T09:00:00Z"}
    fresh = record | {"value": record["value"] * 1.0001}
    assert score_one(record, model).score > score_one(fresh, model).score


def test_future_labels_do_not_change_a_past_score(model: Bundle, history: pd.DataFrame) -> None:
    # The leakage guard: a past row's score depends on outcomes known before its lodgement only.
    day = history["lodged_at"].dt.floor("D")
    future = (day >= day.unique()[30]).to_numpy()
    shuffled = history.copy()
    shuffled.loc[future, "fraud"] = np.random.default_rng(1).permutation(shuffled.loc[future, "fraud"].to_numpy())
    leaky = dataclasses.replace(model, state=fit_state(shuffled))
    before, after = score_batch(history, model)["score"], score_batch(history, leaky)["score"]
    np.testing.assert_array_equal(after[~future], before[~future])
    assert not np.allclose(after[future], before[future])  # the shuffle did reach later rows
