"""The learnt review ranking: fitted from inspected outcomes only, in time order, and kept with the model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pytest

from clearway.enforcement import combiner, indicators, ranking
from clearway.risk.ml.predict import score_batch
from clearway.risk.ml.train import TrainConfig, train
from clearway.synthetic.tbml import NETWORK_SCHEMES, TbmlWorld, generate_tbml_world, model_frame

END = date(2026, 6, 30)
CUT = pd.Timestamp("2026-05-01", tz="UTC")
QUICK = TrainConfig(rounds=60, validate=False)


def _model_out_of_time(past: pd.DataFrame, window: pd.DataFrame) -> np.ndarray:
    bundle = train(model_frame(past), seed=0, config=QUICK)
    return score_batch(model_frame(window).drop(columns=["fraud", "revenue_recovered"]), bundle)["score"].to_numpy()


def _fit(world: TbmlWorld, lines: pd.DataFrame) -> combiner.Combiner:
    history = lines[lines["date"] < CUT].reset_index(drop=True)
    return combiner.fit_time_ordered(history, model_frame(history)["fraud"].to_numpy(), world.parties, world.moved,
                                     cut=CUT, model_out_of_time=_model_out_of_time, model_version="m1",
                                     windows=2, window_days=30)


@dataclass
class Fitted:
    world: TbmlWorld
    combiner: combiner.Combiner


@pytest.fixture(scope="module")
def fitted() -> Fitted:
    """A five-month world and the combiner fitted on its inspected lines before May."""
    world = generate_tbml_world(seed=5, days=150, end=END, traders=80)
    return Fitted(world, _fit(world, world.lines))


def test_the_combiner_does_not_change_when_the_truth_of_uninspected_lines_changes(fitted):
    lines = fitted.world.lines.copy()
    hidden = ~lines["inspected"].to_numpy()
    rng = np.random.default_rng(0)
    # every uninspected line gets another truth: planted or not, found or not, another ordinary fraud
    lines.loc[hidden, "scheme"] = rng.choice(["", "shell", "phantom", "under_invoicing"], hidden.sum())
    lines.loc[hidden, "found"] = rng.random(hidden.sum()) < 0.5
    lines.loc[hidden, "base_fraud"] = rng.choice(["", "undervaluation", "prohibited"], hidden.sum())
    assert _fit(fitted.world, lines).to_json() == fitted.combiner.to_json()


def test_the_combiner_changes_when_inspection_outcomes_change(fitted):
    lines = fitted.world.lines.copy()
    inspected = np.flatnonzero(lines["inspected"].to_numpy() & (lines["date"] < CUT).to_numpy())
    flip = inspected[::3]
    lines.loc[flip, "found"] = ~lines.loc[flip, "found"].astype(bool)
    changed = _fit(fitted.world, lines)
    assert changed.fitted["positives"] != fitted.combiner.fitted["positives"]
    assert not np.allclose(changed.coef, fitted.combiner.coef)


def test_the_combiner_learns_from_inspected_lines_of_the_windows_before_the_cut_only(fitted):
    lines = fitted.world.lines
    window = (lines["date"] >= CUT - pd.Timedelta(days=60)) & (lines["date"] < CUT)
    assert fitted.combiner.fitted["labelled"] == int((window & lines["inspected"]).sum())
    assert fitted.combiner.fitted["windows"] == ["2026-03-02", "2026-04-01"]


def test_the_model_and_the_network_findings_the_inspections_confirmed_carry_weight(fitted):
    weights = fitted.combiner.weights()
    assert weights["model_logit"] > 0  # the model's own ranking still counts
    assert weights["phantom"] > 0  # inspected phantom declarations were found
    # no inspected line of the windows was a leg of a same-goods cycle, but found phantoms and shells teach the
    # weight that strong network findings share
    assert weights["network_strong"] > 0


def _queue(fitted: Fitted, rate: float) -> tuple[pd.DataFrame, np.ndarray]:
    """The lines from the cut on and the learnt ranking's picks at a review budget."""
    world, lines = fitted.world, fitted.world.lines
    past = (lines["date"] < CUT).to_numpy()
    history, new = lines[past].reset_index(drop=True), lines[~past].reset_index(drop=True)
    network = ranking.network_scores(lines, world.parties, world.moved, pd.Timestamp(END, tz="UTC"))
    x = combiner.inputs(_model_out_of_time(history, new), new, indicators.fit(history),
                        network[~past].reset_index(drop=True))
    score = combiner.predict(fitted.combiner, x)
    return new, np.argsort(-score, kind="stable")[: round(rate * len(new))]


def test_the_learnt_ranking_puts_the_network_schemes_into_a_five_percent_queue(fitted):
    new, picked = _queue(fitted, 0.05)
    recall = {s: (new["scheme"].to_numpy()[picked] == s).sum() / max((new["scheme"] == s).sum(), 1)
              for s in NETWORK_SCHEMES}
    assert min(recall.values()) >= 0.7, recall
    assert (new["base_fraud"].to_numpy()[picked] != "").mean() > (new["base_fraud"] != "").mean() * 2


def test_every_price_network_and_indicator_weight_is_at_least_zero(fitted):
    weights = fitted.combiner.weights()
    assert min(v for k, v in weights.items() if k != "model_logit") >= 0
    assert weights["model_logit"] > 0


def test_a_saved_combiner_reads_back_and_scores_alike(fitted, tmp_path):
    world = fitted.world
    lines = world.lines
    past = (lines["date"] < CUT).to_numpy()
    new = lines[~past].reset_index(drop=True)
    state = indicators.fit(lines[past].reset_index(drop=True))
    network = ranking.network_scores(lines, world.parties, world.moved, pd.Timestamp(END, tz="UTC"))
    x = combiner.inputs(np.full(len(new), 0.1), new, state, network[~past].reset_index(drop=True))
    path = combiner.save(fitted.combiner, tmp_path)
    assert path.name == "combiner.json" and path.parent == tmp_path
    back = combiner.load(tmp_path, model_version="m1")
    assert back == fitted.combiner
    np.testing.assert_array_equal(combiner.predict(back, x), combiner.predict(fitted.combiner, x))
    # one line scores as it does inside a batch (single-line features do not depend on the batch)
    one = combiner.predict(back, x.iloc[[7]])
    assert one[0] == pytest.approx(combiner.predict(back, x)[7])


def test_a_combiner_of_another_model_or_damaged_is_refused(fitted, tmp_path):
    combiner.save(fitted.combiner, tmp_path)
    with pytest.raises(combiner.CombinerError, match="not m2"):
        combiner.load(tmp_path, model_version="m2")
    data = json.loads((tmp_path / "combiner.json").read_text())
    data["features"] = data["features"][:-1]
    (tmp_path / "combiner.json").write_text(json.dumps(data))
    with pytest.raises(combiner.CombinerError, match="features"):
        combiner.load(tmp_path, model_version="m1")
    (tmp_path / "combiner.json").write_text("{")
    with pytest.raises(combiner.CombinerError, match="no readable"):
        combiner.load(tmp_path, model_version="m1")


def test_too_few_inspected_outcomes_are_refused(fitted):
    x = pd.DataFrame(0.0, index=range(30), columns=list(combiner.FEATURES))
    label = np.full(30, np.nan)
    label[:10] = [0, 1] * 5
    with pytest.raises(ValueError, match="too few inspected"):
        combiner.fit(x, label, model_version="m1")
