"""A retrain embeds only the texts no earlier bundle has embedded, and writes the same vectors as a cold build."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from clearway.classification import registry, versions
from clearway.classification.model import model_load
from clearway.classification.suggest import suggest
from clearway.classification.train import Learned, model_train
from clearway.db import get_sessionmaker, utcnow

CODES = ("610910", "610990", "851713", "851714", "030617", "030616")
NEW = Learned("610910", "souvenir tee printed with a lighthouse, combed cotton jersey", "declaration")


def _saved_vectors(model, directory: Path) -> dict[str, np.ndarray]:
    model.save(directory)
    with np.load(directory / "arrays.npz") as raw:
        codes, scales = raw["vec_codes"], raw["vec_scales"]
    return {d.text: (codes[i], scales[i]) for i, d in enumerate(model.documents)}


def test_a_retrain_embeds_only_new_texts_and_its_bundle_matches_a_cold_build(tmp_path):
    cold = model_train(codes=CODES, with_examples=False, learned=[NEW])
    assert cold.trained["embedded"] == len(cold.documents) and cold.trained["reused"] == 0
    earlier = model_train(codes=CODES, with_examples=False)
    earlier.save(tmp_path / "earlier")
    warm = model_train(codes=CODES, with_examples=False, learned=[NEW], reuse=[model_load(tmp_path / "earlier")])
    assert warm.trained["embedded"] == 1 and warm.trained["reused"] == len(warm.documents) - 1
    cold_saved, warm_saved = _saved_vectors(cold, tmp_path / "cold"), _saved_vectors(warm, tmp_path / "warm")
    assert cold_saved.keys() == warm_saved.keys()
    for text, (codes, scale) in cold_saved.items():
        assert np.array_equal(codes, warm_saved[text][0]), text
        assert scale == pytest.approx(warm_saved[text][1], rel=1e-6), text
    assert [c.hs6 for c in suggest(warm, "lighthouse souvenir tee", k=3)] == [
        c.hs6 for c in suggest(cold, "lighthouse souvenir tee", k=3)]


def test_texts_repeated_in_one_build_are_embedded_once():
    twice = [NEW, Learned("610990", NEW.text, "ruling")]
    model = model_train(codes=CODES, with_examples=False, learned=twice)
    assert model.trained["embedded"] == len(model.documents) - 1


def test_the_retrain_command_reuses_the_bundle_in_force(world, monkeypatch, tmp_path):
    monkeypatch.setenv(registry.MODELS_ENV, str(tmp_path))
    monkeypatch.delenv("CLEARWAY_CLASSIFICATION_MODEL_DIR", raising=False)
    with get_sessionmaker()() as db, db.begin():
        entry = versions.classification_retrain(db=db, actor=None, now=utcnow(), codes=CODES)
    trained = entry["trained"]
    # The shipped bundle holds every nomenclature text and example: nothing is embedded again.
    assert trained["embedded"] == 0 and trained["reused"] == trained["documents"] > len(CODES)
