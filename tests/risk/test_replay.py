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
