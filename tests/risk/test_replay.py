"""Replay: daily capacity, honest random samples, outcomes revealed only where a policy looked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from clearway.risk.api.cli import app
from clearway.risk.ml import replay as replay_module
from clearway.risk.ml.replay import POLICIES, ReplayConfig, daily_quota, replay
from tests.risk.conftest import FAST


@pytest.fixture(scope="module")
def period(frame: pd.DataFrame) -> pd.DataFrame:
    """Ten labelled days after the history."""
    start = pd.Timestamp("2024-02-15", tz="UTC")
    return frame[(frame["lodged_at"] >= start) & (frame["lodged_at"] < start + pd.Timedelta(days=10))]


def test_daily_quota_carries_fractions() -> None:
    assert daily_quota(np.array([5, 5, 5, 5]), 0.1).tolist() == [0, 1, 0, 1]


def test_replay_keeps_the_budget_and_reveals_only_selected_outcomes(
    history: pd.DataFrame, period: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen_by_training: list[pd.DataFrame] = []
    real_train = replay_module.train

    def spy(frame: pd.DataFrame, **kwargs: object) -> object:
        seen_by_training.append(frame)
        return real_train(frame, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(replay_module, "train", spy)
    config = ReplayConfig(budget=0.2, random_rate=0.05, retrain_every=3, train=FAST)
    result = replay(history, period, config=config)
    picks = result.selections[POLICIES[0]]
    assert len(picks) == int(np.floor(len(period) * 0.2 + 1e-9))
    assert set(picks["reason"]) == {"random", "targeted"}
    assert (picks["reason"] == "random").sum() == int(np.floor(len(period) * 0.05 + 1e-9))
    assert len(seen_by_training) >= 3  # first model, then retrained on schedule
    last = seen_by_training[-1].iloc[len(history):]
    labelled = set(last.loc[last["fraud"].notna(), "declaration_id"])
    assert labelled and labelled <= set(picks["declaration_id"])
    assert list(result.summary["policy"]) == list(POLICIES)


def test_cli_replay_writes_selections_with_day_and_reason(data_file: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(data_file)
    frame.head(1100).to_csv(tmp_path / "history.csv", index=False)
    frame.iloc[1100:1300].to_csv(tmp_path / "period.csv", index=False)
    out = tmp_path / "selections.csv"
    result = CliRunner().invoke(app, ["replay", "--history", str(tmp_path / "history.csv"), "--data",
                                      str(tmp_path / "period.csv"), "--budget", "0.1", "--random", "0.02",
                                      "--retrain-every", "7", "--out", str(out)])
    assert result.exit_code == 0, result.output
    picks = pd.read_csv(out)
    assert {"day", "declaration_id", "item_no", "reason", "score", "fraud"} <= set(picks.columns)
    assert "random only" in result.output and "true fraud rate" in result.output


@pytest.fixture(scope="module")
def world_days() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A small synthetic world: history labelled by its own inspections, later days with every outcome."""
    from datetime import date

    return replay_module.synthetic_days(seed=1, days=80, per_day=30, end=date(2024, 6, 30))


def test_synthetic_days_hide_what_inspections_did_not_see_and_keep_the_truth_of_the_period(world_days) -> None:
    past, later = world_days
    assert past["lodged_at"].max() < later["lodged_at"].min()
    assert 0.03 < past["fraud"].notna().mean() < 0.3  # only inspected declarations carry an outcome
    assert later["fraud"].notna().all() and later["revenue_recovered"].notna().all()


def test_each_objective_finds_most_of_what_it_ranks_by(world_days, monkeypatch: pytest.MonkeyPatch) -> None:
    past, later = world_days
    truth = later.groupby("declaration_id").agg(fraud=("fraud", "max"), critical=("critical", "max"),
                                                revenue=("revenue_recovered", "sum"))
    real = replay_module.score_batch
    noise = np.random.default_rng(0)

    def informed(frame: pd.DataFrame, bundle: object) -> pd.DataFrame:
        # A model that knows each part of the truth on its own: what an objective finds then shows its ranking.
        out = real(frame, bundle)  # type: ignore[arg-type]
        known = truth.reindex(out["declaration_id"])
        if known["fraud"].notna().all():
            out["score"] = known["fraud"].to_numpy() * 0.5 + noise.random(len(out)) * 0.4
            out["critical_score"] = known["critical"].to_numpy() * 0.5 + noise.random(len(out)) * 0.4
            out["expected_revenue"] = known["revenue"].to_numpy() + noise.random(len(out))
        return out

    monkeypatch.setattr(replay_module, "score_batch", informed)
    result = replay_module.compare_objectives(past, later, budget=0.08, random_rate=0.01,
                                              weights={"frauds": 0.5, "serious": 0, "revenue": 0.5},
                                              train_config=FAST)
    rows = result.summary.set_index("objective")
    assert rows["inspected"].nunique() == 1  # the same capacity for every objective and reference
    assert rows.loc["frauds", "frauds_found"] >= rows["frauds_found"].drop("oracle (true amounts)").max()
    assert rows.loc["revenue", "revenue_recovered"] >= rows.loc[["frauds", "serious", "random only"],
                                                                "revenue_recovered"].max()
    assert rows.loc["serious", "serious_found"] >= rows.loc[["revenue", "random only"], "serious_found"].max()
    assert rows.loc["oracle (true amounts)", "revenue_recovered"] >= rows["revenue_recovered"].max()
    assert rows.loc["random only", "frauds_found"] < rows.loc["frauds", "frauds_found"]


def test_cli_replay_compares_the_objectives_on_a_synthetic_world() -> None:
    result = CliRunner().invoke(app, ["replay", "--objectives", "--synthetic", "--days", "60", "--per-day", "25",
                                      "--budget", "0.1", "--weights", "0.2,0.3,0.5"])
    assert result.exit_code == 0, result.output
    for name in ("frauds", "serious", "revenue", "mix", "oracle (true amounts)", "random only",
                 "revenue recovered", "serious found", "frauds 0.2, serious 0.3, revenue 0.5"):
        assert name in result.output
    refused = CliRunner().invoke(app, ["replay", "--objectives", "--synthetic", "--weights", "0,0,0"])
    assert refused.exit_code == 2
