"""Scoring paths agree, and explanations speak an officer's language."""

from __future__ import annotations

import numpy as np
import pandas as pd

from clearway.risk.ml.bundle import Bundle
from clearway.risk.ml.evaluate import auc, average_precision, evaluate_scores, ranking_metrics
from clearway.risk.ml.explain import explain_one
from clearway.risk.ml.predict import score_batch, score_one
from clearway.risk.ml.train import calibrated, platt, train
from tests.risk.conftest import FAST, records


def test_golden_sample_one_row_and_batch_give_the_same_scores(model: Bundle, recent: pd.DataFrame) -> None:
    sample = recent.sample(60, random_state=3)
    batch = score_batch(sample, model)
    one = [score_one(r, model) for r in records(sample)]
    np.testing.assert_allclose([s.score for s in one], batch["score"], rtol=1e-12)
    np.testing.assert_allclose([s.expected_revenue for s in one], batch["expected_revenue"], rtol=1e-12)
    assert batch["declaration_id"].tolist() == sample["declaration_id"].tolist()


def test_without_amount_model_expected_revenue_is_probability_times_duty_at_stake(model: Bundle,
                                                                                  recent: pd.DataFrame) -> None:
    plain = Bundle(booster=model.booster, state=model.state, card=model.card, critical=model.critical)
    scores = score_batch(recent, plain)
    at_stake = recent["value"] * recent["duty_rate"] / 100 * model.state.revenue_ratio
    np.testing.assert_allclose(scores["expected_revenue"], scores["score"] * at_stake)
    assert model.state.revenue_ratio > 1.0  # the synthetic controls recover 1.5 × the declared duty


def test_learnt_amount_ranks_the_money_better_than_the_probability(model: Bundle, frame: pd.DataFrame,
                                                                   recent: pd.DataFrame) -> None:
    truth = frame[frame["lodged_at"] >= pd.Timestamp("2024-02-15", tz="UTC")].reset_index(drop=True)
    scores = score_batch(recent, model)
    assert model.amount is not None
    money = truth["revenue_recovered"].to_numpy()
    by_revenue = ranking_metrics(scores["expected_revenue"].to_numpy(), truth["fraud"].to_numpy(), money)
    by_score = ranking_metrics(scores["score"].to_numpy(), truth["fraud"].to_numpy(), money)
    assert by_revenue[1]["revenue_share"] > by_score[1]["revenue_share"]


def test_explanation_names_the_undervaluation_and_the_model_version(model: Bundle, recent: pd.DataFrame) -> None:
    record = records(recent.head(1))[0]
    cheap = record | {"value": record["value"] * 0.05}
    explanation = explain_one(cheap, model, top=5)
    assert explanation.model_version == model.version
    assert abs(explanation.score - score_one(cheap, model).score) < 1e-9
    assert any("below the usual value for" in r.text for r in explanation.reasons)
    assert all(r.contribution > 0 for r in explanation.reasons)


def test_explanation_of_a_new_importer_says_so(model: Bundle, recent: pd.DataFrame) -> None:
    from clearway.risk.ml.explain import sentence
    from clearway.risk.ml.features import build_row

    row = build_row(records(recent.head(1))[0] | {"importer_id": "NEW"}, model.state)
    assert sentence("importer", row) == "importer NEW: never seen before"


def test_precision_recall_and_revenue_at_rates() -> None:
    score, fraud = np.array([0.9, 0.8, 0.1, 0.7]), np.array([1, 0, 1, 1])
    rows = ranking_metrics(score, fraud, np.array([10.0, 0.0, 5.0, 1.0]), rates=(0.5,))
    assert rows[0] == {"rate": 0.5, "inspected": 2, "precision": 0.5, "recall": 1 / 3,
                       "revenue": 10.0, "revenue_share": 10 / 16}


def test_average_precision_is_one_for_a_perfect_ranking_and_lower_otherwise() -> None:
    assert average_precision(np.array([0.9, 0.8, 0.1]), np.array([1, 1, 0])) == 1.0
    assert average_precision(np.array([0.9, 0.8, 0.1]), np.array([0, 1, 1])) == (1 / 2 + 2 / 3) / 2


def test_evaluation_reports_both_rankings(model: Bundle, frame: pd.DataFrame) -> None:
    table = evaluate_scores(score_batch(frame, model), frame)
    assert set(table["ranking"]) == {"probability", "expected revenue"}
    assert table["rate"].tolist() == [0.01, 0.05, 0.10] * 2


def test_one_row_and_batch_give_the_same_critical_score(model: Bundle, recent: pd.DataFrame) -> None:
    sample = recent.sample(60, random_state=4)
    batch = score_batch(sample, model)
    one = [score_one(r, model).critical_score for r in records(sample)]
    np.testing.assert_allclose(one, batch["critical_score"], rtol=1e-12)


def test_critical_score_ranks_the_serious_frauds_above_the_minor_ones(model: Bundle, frame: pd.DataFrame,
                                                               recent: pd.DataFrame) -> None:
    truth = frame[frame["lodged_at"] >= pd.Timestamp("2024-02-15", tz="UTC")].reset_index(drop=True)
    scores = score_batch(recent, model)
    serious = truth["critical"].to_numpy()
    assert serious.sum() > 5
    critical, plain = scores["critical_score"].to_numpy(), scores["score"].to_numpy()
    assert auc(critical, serious) > auc(plain, serious)
    assert average_precision(critical, serious) > average_precision(plain, serious) + 0.1
    assert model.card["critical"]["target"] == "serious fraud"
    assert "auc" in model.card["validation"]["critical"]


def test_bundle_without_serious_findings_scores_critical_as_unknown(history: pd.DataFrame,
                                                                    recent: pd.DataFrame) -> None:
    bundle = train(history.assign(critical=0.0), config=FAST, seed=0)
    assert bundle.critical is None and bundle.card["critical"] is None
    assert score_batch(recent.head(5), bundle)["critical_score"].isna().all()


def test_platt_calibration_pulls_overconfident_scores_to_the_observed_rate() -> None:
    rng = np.random.default_rng(0)
    raw = rng.uniform(0.0, 1.0, 4000)
    outcome = (rng.uniform(0.0, 1.0, 4000) < raw * 0.1).astype(float)  # true rate is a tenth of the score
    fixed = calibrated(raw, platt(raw, outcome))
    assert abs(fixed.mean() - outcome.mean()) < 0.01 < abs(raw.mean() - outcome.mean())


def test_auc_is_one_for_a_perfect_ranking_and_a_half_for_ties() -> None:
    assert auc(np.array([0.9, 0.8, 0.1]), np.array([1, 1, 0])) == 1.0
    assert auc(np.array([0.5, 0.5, 0.5, 0.5]), np.array([1, 0, 1, 0])) == 0.5
