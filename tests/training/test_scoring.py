"""The arithmetic of scores: outcomes, Wilson intervals, d', and the split-half reliability of detection scores
measured on simulated officers of known skill (about 100 projected events give a reliable score)."""

from __future__ import annotations

import random

from clearway.training.scoring import Counts, counted, d_prime, outcome_of, split_half, wilson


def test_each_decision_is_a_hit_a_miss_a_false_alarm_or_a_correct_rejection():
    assert [outcome_of(True, True), outcome_of(True, False), outcome_of(False, True), outcome_of(False, False)] == \
        ["hit", "miss", "false_alarm", "correct"]
    c = counted(["hit", "hit", "miss", "false_alarm", "correct", "correct", "correct"])
    assert (c.hits, c.misses, c.false_alarms, c.correct_rejections, c.frauds, c.compliant) == (2, 1, 1, 3, 3, 4)


def test_wilson_interval_narrows_with_more_events_and_stays_inside_zero_one():
    few, many = wilson(8, 10), wilson(80, 100)
    assert few is not None and many is not None
    assert 0 <= few[0] < 0.8 < few[1] <= 1 and many[1] - many[0] < few[1] - few[0]
    assert wilson(10, 10) is not None and wilson(10, 10)[1] > 0.999  # type: ignore[index]
    assert wilson(0, 0) is None


def test_d_prime_orders_a_sharp_officer_above_a_guessing_one():
    sharp = d_prime(Counts(hits=9, misses=1, false_alarms=1, correct_rejections=9))
    guess = d_prime(Counts(hits=5, misses=5, false_alarms=5, correct_rejections=5))
    assert sharp is not None and guess is not None and sharp > 2 > abs(guess)
    assert d_prime(Counts(hits=3)) is None  # no compliant case: sensitivity is undefined


def _cohort(rng: random.Random, officers: int, events: int, low: float, high: float) -> list[list[int]]:
    return [[int(rng.random() < p) for _ in range(events)] for p in (rng.uniform(low, high) for _ in range(officers))]


def test_a_hundred_projected_events_give_a_split_half_reliability_of_at_least_0_7():
    rng = random.Random(22)
    found = [split_half(_cohort(rng, 40, 100, 0.3, 0.95)) for _ in range(20)]
    assert all(r is not None and r >= 0.7 for r in found), found
    # With few events the same officers cannot be told apart so well.
    few = [split_half(_cohort(rng, 40, 10, 0.3, 0.95)) for _ in range(20)]
    assert sum(r for r in few if r is not None) / len(few) < sum(r for r in found if r is not None) / len(found)


def test_officers_of_equal_skill_have_no_reliable_differences():
    rng = random.Random(5)
    found = [split_half(_cohort(rng, 40, 100, 0.7, 0.7)) for _ in range(20)]
    assert sum(r for r in found if r is not None) / len(found) < 0.4
    assert split_half([[1, 1, 1, 1]] * 5) is None  # nobody varies: no reliability to speak of
