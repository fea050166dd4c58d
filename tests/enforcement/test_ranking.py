"""The review ranking's network signals on a small TBML world: planted schemes stand out, ordinary two-way trade,
data gaps and business centres do not, and the pass scales by copies of a world (the learnt combination of these
signals with the model: test_combiner)."""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import pandas as pd
import pytest

from clearway.enforcement import ranking
from clearway.synthetic.tbml import TbmlWorld, generate_tbml_world

END = date(2026, 6, 30)


@pytest.fixture(scope="module")
def world() -> TbmlWorld:
    """A small world of five months."""
    return generate_tbml_world(seed=5, days=150, end=END, traders=80)


@pytest.fixture(scope="module")
def network(world: TbmlWorld) -> pd.DataFrame:
    """The network signals of every line."""
    return ranking.network_scores(world.lines, world.parties, world.moved, pd.Timestamp(END, tz="UTC"))


def _precision_recall(flag: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    return truth[flag].mean(), truth[flag].sum() / truth.sum()


def test_same_goods_cycles_are_the_round_trips_and_carousels_not_ordinary_two_way_trade(world, network):
    truth = world.truth("round_trip") | world.truth("carousel")
    precision, recall = _precision_recall(network["cycle"].to_numpy() >= 1, truth)
    assert recall >= 0.9 and precision >= 0.6
    assert (network["cycle"].to_numpy() > 0).mean() > 0.1  # ordinary two-way trade is on cycles too, weakly


def test_phantom_traders_stand_out_from_data_gaps(world, network):
    precision, recall = _precision_recall(network["phantom"].to_numpy() > 0.5, world.truth("phantom"))
    assert recall >= 0.8 and precision >= 0.9
    gaps = ~world.lines["declaration_id"].isin(world.moved).to_numpy() & ~world.truth("phantom")
    assert gaps.sum() > 50 and (network["phantom"].to_numpy()[gaps] > 0.5).mean() < 0.05


def test_firms_sharing_every_contact_are_the_shells_not_business_centres(world, network):
    shared = network["shared"].to_numpy()
    precision, recall = _precision_recall(shared >= 3, world.truth("shell"))
    assert recall == 1.0 and precision == 1.0
    assert ((shared >= 1) & ~world.truth("shell")).sum() > 100  # a shared address alone is common


def test_the_network_pass_over_copies_of_a_world_finds_each_copy_alike_in_bounded_time(world, network):
    copies = []
    for c in range(4):
        lines, parties = world.lines.copy(), world.parties.copy()
        for col in ("importer", "seller", "declarant", "declaration_id"):
            lines[col] = lines[col] + f"~{c}"
        for col in ("id", "address", "phone", "payment_ref"):
            parties[col] = parties[col] + f"~{c}"
        copies.append((lines, parties))
    lines = pd.concat([x for x, _ in copies], ignore_index=True)
    parties = pd.concat([p for _, p in copies], ignore_index=True)
    moved = {m + f"~{c}" for m in world.moved for c in range(4)}
    start = time.perf_counter()
    big = ranking.network_scores(lines, parties, moved, pd.Timestamp(END, tz="UTC"))
    took = time.perf_counter() - start
    expected = pd.concat([network] * 4, ignore_index=True)
    pd.testing.assert_frame_equal(big.reset_index(drop=True), expected)
    # about 80,000 lines; the 1,000,000-line figure is benchmarks/enforcement.py's (under 2 minutes there)
    assert took < 60, took
