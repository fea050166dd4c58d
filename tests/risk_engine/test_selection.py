"""Selection: the model fills the capacity left, the random draw is apart and flagged, AEO rates are lower,
and the final channel is the most severe of everything that voted."""

from __future__ import annotations

import copy
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from clearway.declarations.channelling import ChannelContext
from clearway.declarations.schemas import EXAMPLE
from clearway.risk.engine.decision import Snapshot, decide
from clearway.risk.engine.live import Engine
from clearway.risk.engine.selection import LiveSetting, Selection
from clearway.risk.ml.objectives import Assessment, objective_of
from clearway.risk.ml.thresholds import thresholds_for
from clearway.risk.rules.compile import compile_rule
from clearway.risk.rules.facts import Knowledge
from clearway.risk.rules.ruleset import LiveRule, RuleSet
from clearway.risk.rules.watchlist_index import LiveEntry, WatchlistIndex

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TOTAL = Decimal("12500")


@dataclass
class StubModel:
    """Scores whatever the test sets; explains nothing."""

    value: float = 0.0
    version: str = "stub-1"

    critical: float = float("nan")
    revenue: float = 0.0

    def score(self, records: list[dict]) -> tuple[float, int]:
        return self.value, 0

    def assess(self, records: list[dict]) -> Assessment:
        return Assessment(self.value, self.critical, self.revenue, 0)


def setting(**changes: object) -> LiveSetting:
    base = dict(office="*", direction="IM", red_share=0.03, yellow_share=0.07, random_rate=0.01,
                aeo_random_rate=0.002, aeo_factor=0.5, random_channel="red",
                thresholds={"red": 0.9, "yellow": 0.7, "aeo_red": 0.95, "aeo_yellow": 0.85})
    return LiveSetting(**{**base, **changes})  # type: ignore[arg-type]


def snapshot(*, rules: list[LiveRule] = (), entries: list[LiveEntry] = (), model: StubModel | None = None,
             settings: list[LiveSetting] | None = None, aeo: frozenset[str] = frozenset()) -> Snapshot:
    return Snapshot(version=(1, "t"), rules=RuleSet(rules), watchlists=WatchlistIndex(entries),
                    selection=Selection(settings if settings is not None else [setting()]),
                    knowledge=Knowledge(aeo=aeo), model=model)  # type: ignore[arg-type]


def rule(channel: str, source: str = "true", rule_id: int = 7) -> LiveRule:
    return LiveRule(rule_id, 3, "r", channel, 10, f"{channel} rule", frozenset(), frozenset(), None, None,
                    compile_rule(source))


def run(snap: Snapshot, *, draw: float = 0.99, declarant: str = "KR1000000001", document: dict | None = None):
    return decide(snap, copy.deepcopy(document or EXAMPLE), TOTAL, declarant=declarant, lodged_at=AT, draw=draw)


def test_thresholds_are_quantiles_of_the_capacity_left_after_random_and_rules():
    scores = np.random.default_rng(0).random(20_000)
    row = SimpleNamespace(red_share=Decimal("0.03"), yellow_share=Decimal("0.07"), random_rate=Decimal("0.01"),
                          aeo_factor=Decimal("0.5"), random_channel="red")
    t = thresholds_for(scores, row, taken_red=0.005, taken_any=0.02)  # type: ignore[arg-type]
    assert (t["model_red_share"], t["model_share"]) == (0.015, 0.07)
    assert np.mean(scores >= t["red"]) == pytest.approx(0.015, abs=0.002)
    assert np.mean(scores >= t["yellow"]) == pytest.approx(0.07, abs=0.003)
    assert np.mean(scores >= t["aeo_yellow"]) == pytest.approx(0.035, abs=0.003)


def test_no_capacity_left_means_no_threshold():
    row = SimpleNamespace(red_share=Decimal("0.01"), yellow_share=Decimal("0"), random_rate=Decimal("0.01"),
                          aeo_factor=Decimal("0.5"), random_channel="red")
    t = thresholds_for(np.linspace(0, 1, 100), row, taken_red=0.0, taken_any=0.0)  # type: ignore[arg-type]
    assert t["red"] is None and t["yellow"] is None


def test_over_many_declarations_selection_stays_within_capacity_and_random_picks_are_flagged():
    rng = random.Random(4)
    scores = np.array([rng.random() for _ in range(4000)])
    row = SimpleNamespace(red_share=Decimal("0.03"), yellow_share=Decimal("0.07"), random_rate=Decimal("0.01"),
                          aeo_factor=Decimal("0.5"), random_channel="red")
    limits = thresholds_for(scores, row, 0.0, 0.0)  # type: ignore[arg-type]
    model = StubModel()
    snap = snapshot(model=model, settings=[setting(thresholds=limits)])
    channels, randoms, random_high = [], 0, 0
    for score in scores:
        model.value = float(score)
        decision = run(snap, draw=rng.random())
        channels.append(decision.channel)
        assert decision.record is not None
        if decision.record["random_pick"]:
            randoms += 1
            random_high += score >= limits["yellow"]
            assert any(r.get("random_sample") for r in decision.reasons)
    red, any_control = channels.count("red") / 4000, (channels.count("red") + channels.count("yellow")) / 4000
    assert red <= 0.03 + 0.01 and any_control <= 0.10 + 0.015
    assert any_control == pytest.approx(0.10, abs=0.015)
    assert randoms / 4000 == pytest.approx(0.01, abs=0.006)
    assert random_high <= randoms  # drawn whatever the score: random picks land at any score


def test_aeo_declarations_get_the_lower_random_rate_and_need_a_higher_score():
    model = StubModel(0.9)
    snap = snapshot(model=model, aeo=frozenset({"KR1000000001"}))
    assert run(snap, draw=0.005, declarant="KR1000000001").record["random_pick"] is False
    assert run(snap, draw=0.005, declarant="KR9").record["random_pick"] is True
    assert run(snap, draw=0.001, declarant="KR1000000001").record["random_pick"] is True
    assert run(snap, declarant="KR1000000001").channel == "yellow"  # 0.9 < AEO red threshold 0.95
    assert run(snap, declarant="KR9").channel == "red"
    assert run(snap, declarant="KR1000000001").record["aeo"] is True


def test_the_final_channel_is_the_most_severe_vote():
    seller = LiveEntry(5, "seller", "Shenzhen Bright Electronics", None, None, 90, "high", "tip", None)
    snap = snapshot(rules=[rule("yellow")], entries=[seller], model=StubModel(0.75))
    decision = run(snap)
    assert decision.channel == "red" and decision.record["sources"] == ["watchlist"]
    assert {r["rule"] for r in decision.reasons} == {"rule:7:v3", "watchlist:5", "model"}
    assert run(snapshot(rules=[rule("blue")])).channel == "blue"
    assert run(snapshot(rules=[rule("blue")]), draw=0.0).channel == "red"
    assert run(snapshot(rules=[rule("yellow", 'item.origin == "DE"')])).channel == "green"


def test_the_default_rules_stay_in_force_as_a_baseline():
    arms = copy.deepcopy(EXAMPLE)
    arms["items"][0]["hs_code"] = "930200"
    decision = run(snapshot(rules=[rule("yellow")]), document=arms)
    assert decision.channel == "red" and decision.record["sources"] == ["baseline"]
    assert decision.record["rule_hits"][0]["baseline"] == "default.sensitive_goods"


def test_reasons_stored_for_everyone_disclose_no_criterion():
    decision = run(snapshot(rules=[rule("red", 'seller.name contains "Bright"')]))
    assert all("Bright" not in r["text"] for r in decision.reasons)
    assert decision.record["rule_hits"][0]["text"] == "red rule"


def test_an_engine_with_nothing_configured_answers_exactly_the_default():
    engine = Engine(draw=lambda: 0.0)
    fake_db = SimpleNamespace(get_bind=lambda: "bind")
    engine.snapshot = Snapshot(version=(0, ""), rules=RuleSet([]), watchlists=WatchlistIndex([]),
                               selection=Selection([]), loaded_at=time.monotonic())
    engine.bind, engine.checked = "bind", time.monotonic()
    context = ChannelContext(declarant="KR1000000001", lodged_at=AT, db=fake_db)
    decision = engine.decide(document=copy.deepcopy(EXAMPLE), total_value=TOTAL, context=context)
    assert (decision.channel, decision.engine, decision.record) == ("green", "default-rules-v1", None)


def _population(n: int = 600, seed: int = 3) -> pd.DataFrame:
    """Declarations whose fraud, serious-fraud and revenue rankings disagree, as they do in practice."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"score": rng.random(n), "critical_score": rng.random(n) * 0.05,
                         "expected_revenue": rng.lognormal(6, 1.5, n)})


def _selected_under(objective: str, population: pd.DataFrame, weights: dict[str, float] | None = None):
    """The declarations the engine sends to control when the office ranks by `objective`, and one decision."""
    goal = objective_of(objective, weights or {}, population)
    row = SimpleNamespace(red_share=Decimal("0.05"), yellow_share=Decimal("0.05"), random_rate=Decimal("0"),
                          aeo_factor=Decimal("0.5"), random_channel="red")
    limits = {**thresholds_for(goal.values(population), row, 0.0, 0.0), "objective": goal.to_json()}  # type: ignore[arg-type]
    model = StubModel()
    snap = snapshot(model=model, settings=[setting(random_rate=0.0, aeo_random_rate=0.0, thresholds=limits)])
    picked, last = set(), None
    for i, r in enumerate(population.itertuples()):
        model.value, model.critical, model.revenue = r.score, r.critical_score, r.expected_revenue
        decision = run(snap)
        if decision.channel in ("red", "yellow"):
            picked.add(i)
            last = decision
    return picked, last, goal.values(population)


def test_switching_the_objective_changes_which_declarations_are_selected():
    population = _population()
    top = {name: set(np.argsort(-population[col].to_numpy())[:60].tolist())
           for name, col in (("frauds", "score"), ("serious", "critical_score"), ("revenue", "expected_revenue"))}
    chosen = {}
    for objective in ("frauds", "serious", "revenue"):
        picked, decision, _ = _selected_under(objective, population)
        assert picked == top[objective]  # the capacity (10 %) is filled by the best of that objective
        (reason,) = [r for r in decision.reasons if r["rule"] == "model"]
        assert reason["objective"] == objective and reason["expected_revenue"] > 0
        chosen[objective] = picked
    assert len(chosen["frauds"] & chosen["revenue"]) < 20 and len(chosen["frauds"] & chosen["serious"]) < 20


def test_a_weighted_mix_selects_between_its_parts():
    population = _population()
    money, _, _ = _selected_under("revenue", population)
    frauds, _, _ = _selected_under("frauds", population)
    mixed, decision, values = _selected_under("mix", population, {"frauds": 0.5, "revenue": 0.5})
    assert len(mixed) == 60 and mixed == set(np.argsort(-values)[:60].tolist())
    # Half and half: the selection shares declarations with each pure objective, and is neither of them.
    assert mixed != money and mixed != frauds and mixed & money and mixed & frauds
    assert np.mean([population["score"][i] for i in mixed]) > np.mean([population["score"][i] for i in money])
    (reason,) = [r for r in decision.reasons if r["rule"] == "model"]
    assert reason["objective"] == "mix"


def test_without_a_serious_fraud_model_the_serious_objective_ranks_by_the_score():
    population = _population().assign(critical_score=np.nan)
    serious, _, _ = _selected_under("serious", population)
    frauds, _, _ = _selected_under("frauds", population)
    assert serious == frauds


def test_thresholds_older_than_objectives_rank_by_the_fraud_probability():
    snap = snapshot(model=StubModel(0.95, critical=0.0, revenue=1.0))
    decision = run(snap)
    assert decision.channel == "red"
    assert [r["objective"] for r in decision.reasons if r["rule"] == "model"] == ["frauds"]
