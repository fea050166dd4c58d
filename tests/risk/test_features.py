"""Features: one definition for every path, each row seen as of its own lodgement day."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clearway.risk.ml.features import FEATURE_NAMES, build_features, build_row, fit_state
from tests.risk.conftest import records


def test_feature_names_are_unique_and_match_the_matrix(history: pd.DataFrame) -> None:
    x = build_features(history.head(5), fit_state(history))
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES) == x.shape[1]


def test_one_row_path_gives_the_batch_features(history: pd.DataFrame, recent: pd.DataFrame) -> None:
    state = fit_state(history)
    for part in (recent.head(40), history.sample(40, random_state=1)):
        batch = build_features(part, state)
        rows = np.vstack([build_row(r, state).x for r in records(part)])
        np.testing.assert_array_equal(rows, batch)


def test_training_features_equal_a_state_fitted_on_earlier_days_only(history: pd.DataFrame) -> None:
    day = history["lodged_at"].dt.floor("D")
    cut = day.unique()[20]
    today = history[day == cut]
    as_of_then = build_features(today, fit_state(history[day < cut]))
    np.testing.assert_array_equal(build_features(today, fit_state(history)), as_of_then)


def test_a_row_never_sees_its_own_label_nor_its_days(history: pd.DataFrame) -> None:
    day = history["lodged_at"].dt.floor("D")
    until = (day <= day.unique()[25]).to_numpy()
    today = (day == day.unique()[25]).to_numpy()
    flipped = history.copy()
    flipped.loc[today, "fraud"] = 1.0 - flipped.loc[today, "fraud"]
    before, after = build_features(history, fit_state(history)), build_features(history, fit_state(flipped))
    np.testing.assert_array_equal(after[until], before[until])  # a day's outcomes feed only later days


def test_future_labels_never_change_past_features(history: pd.DataFrame) -> None:
    day = history["lodged_at"].dt.floor("D")
    future = (day >= day.unique()[30]).to_numpy()
    shuffled = history.copy()
    shuffled.loc[future, "fraud"] = np.random.default_rng(0).permutation(shuffled.loc[future, "fraud"].to_numpy())
    before, after = build_features(history, fit_state(history)), build_features(history, fit_state(shuffled))
    np.testing.assert_array_equal(after[~future], before[~future])
    assert not np.array_equal(after[future], before[future], equal_nan=True)  # the shuffle did bite


def test_unseen_entities_and_codes_give_empty_histories(history: pd.DataFrame, recent: pd.DataFrame) -> None:
    record = records(recent.head(1))[0] | {"importer_id": "NEVER-SEEN", "office": "NEW"}
    row = build_row(record, fit_state(history))
    assert row.stats["importer"]["n"] == 0 and np.isnan(row.stats["importer"]["first"])
    assert np.isnan(row.x[0, FEATURE_NAMES.index("office_code")])


def test_hs_code_punctuation_and_national_digits_reduce_to_hs6(history: pd.DataFrame) -> None:
    state = fit_state(history)
    record = records(history.head(1))[0]
    dotted = record | {"hs_code": f"{record['hs_code'][:4]}.{record['hs_code'][4:6]}.99"}
    np.testing.assert_array_equal(build_row(dotted, state).x, build_row(record, state).x)


def test_counts_include_unlabelled_declarations(history: pd.DataFrame) -> None:
    blind = history.assign(fraud=np.nan)
    state = fit_state(blind)
    x = build_features(blind, state)
    assert np.nanmax(x[:, FEATURE_NAMES.index("importer_n")]) > 0
    assert state.labelled == 0
