"""The shipped classifier: stable suggestions, the mismatch signal, languages, bundles, no network."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from clearway.classification.bundle import model_current
from clearway.classification.model import BundleMismatch, model_load
from clearway.classification.suggest import mismatch, suggest
from clearway.classification.train import Learned, model_train
from clearway.risk.rules.compile import compile_rule, matches
from clearway.risk.rules.facts import CLASSIFICATION_FIELDS, item_facts

# Fixed descriptions and the top-5 sets the shipped model gives them: a retrain that moves them is a
# change to look at, not noise.
STABLE = {
    "men's cotton t-shirts crew neck": {"610510", "610910", "610990", "620520", "620721"},
    "frozen vannamei shrimp raw shell-on 16/20": {"030616", "030617", "030635", "030636", "160521"},
    "laptop notebook computer 15.6 inch": {"847130", "847141", "847180", "850440", "852852"},
    "camarón congelado crudo": {"030617", "030636", "160521", "160529", "160540"},
    "ordinateur portable 15 pouces": {"847130", "847141", "847160", "847180", "850440"},
    "lithium-ion battery pack": {"850650", "850760", "850780", "850790", "870380"},
    "scotch whisky 12 years old 70cl": {"220830", "220870", "220890", "970610", "970690"},
}


@pytest.mark.parametrize("description", sorted(STABLE))
def test_a_fixed_sample_gives_stable_top5_sets(description: str) -> None:
    found = suggest(model_current(), description, k=5)
    assert {c.hs6 for c in found} == STABLE[description]
    assert found == sorted(found, key=lambda c: -c.score)
    assert 0 < found[-1].confidence <= found[0].confidence <= 1


@pytest.mark.parametrize(("description", "heading"), [
    ("men's cotton t-shirts", "6109"), ("camisetas de algodón para hombre", "6109"),
    ("t-shirts en coton pour homme", "6109"), ("vino tinto de mesa", "2204"), ("vin rouge en bouteilles", "2204"),
    ("neumáticos nuevos para automóviles", "4011"), ("pneus neufs pour voitures", "4011"),
])
def test_english_spanish_and_french_reach_the_same_heading(description: str, heading: str) -> None:
    assert suggest(model_current(), description, k=1)[0].hs6[:4] == heading


def test_each_suggestion_says_why() -> None:
    top = suggest(model_current(), "camisetas de algodón para hombre", k=3)[0]
    assert top.hs6 == "610910"
    assert {"camiseta", "algodon"} <= set(top.matched)


def test_a_deliberately_misclassified_item_raises_the_mismatch_signal() -> None:
    model = model_current()
    honest = mismatch(model, "laptop notebook computer 15.6 inch", "847130")
    wrong = mismatch(model, "laptop notebook computer 15.6 inch", "030617")
    assert (honest.distance, honest.declared_rank, honest.far) == (0.0, 1, False)
    assert wrong.far and wrong.distance == 1.0 and wrong.best_hs6 is not None and wrong.best_hs6[:4] == "8471"


def test_a_description_that_names_nothing_known_gives_no_signal() -> None:
    found = mismatch(model_current(), "xq zzv 1234", "847130")
    assert (found.distance, found.far) == (None, False)


def test_the_risk_engine_sees_the_mismatch_as_a_rule_fact() -> None:
    rule = compile_rule("item.description_far == true and item.description_mismatch > 0.5")
    shrimp = {"hs_code": "03061700", "description": "frozen vannamei shrimp raw shell-on", "origin_country": "VN"}
    facts = {"__items__": [item_facts(shrimp, 0, "VN", {}, classify=True),
                           item_facts({**shrimp, "hs_code": "84713000"}, 1, "VN", {}, classify=True)]}
    assert facts["__items__"][1]["item.description_mismatch"] == Decimal("1.0")
    assert matches(rule, facts) == [2]
    assert rule.fields >= CLASSIFICATION_FIELDS  # so the engine's knowledge turns the computation on
    assert item_facts(shrimp, 0, "VN", {})["item.description_far"] is None  # no rule asks: not computed


def test_learned_descriptions_change_what_is_proposed(tmp_path: Path) -> None:
    codes = ["851713", "851762", "847130", "420221", "610910"]
    before = model_train(codes=codes, with_examples=False)
    assert suggest(before, "galaxy s23 ultra 512", k=1)[0].hs6 != "420221"
    after = model_train(codes=codes, with_examples=False, learned=[Learned("420221", "galaxy s23 ultra", "ruling")])
    after.save(tmp_path / "m")
    loaded = model_load(tmp_path / "m")
    top = suggest(loaded, "galaxy s23 ultra 512", k=1)[0]
    assert (top.hs6, top.nearest) == ("420221", ("galaxy s23 ultra",))


def test_a_bundle_from_another_text_pipeline_is_refused(tmp_path: Path) -> None:
    model_train(codes=["851713", "847130"], with_examples=False).save(tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text())
    (tmp_path / "meta.json").write_text(json.dumps({**meta, "schema_hash": "0" * 12}))
    with pytest.raises(BundleMismatch):
        model_load(tmp_path)


def test_the_model_loads_and_embeds_with_networking_disabled() -> None:
    script = """
import socket
def refuse(*a, **k):
    raise OSError("network disabled in this test")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from clearway.classification.bundle import model_current
from clearway.classification.suggest import suggest
print(suggest(model_current(), "camisetas de algodón", k=1)[0].hs6)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()[:4] == "6109"
