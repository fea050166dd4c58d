"""The learned model in the engine: declarations as the model's canonical records, bundles loaded once.

Scoring and explaining are the ML core's own functions (`predict.score_one`, `explain.explain_one`,
`bundle.load`); this module only maps a lodged document to their canonical field names and keeps
loaded bundles in memory, keyed by directory and checked against the card's modification time.
The duty rate is not known at this point of lodging and goes in as unknown.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from clearway.risk.ml import bundle as bundles
from clearway.risk.ml.bundle import Bundle
from clearway.risk.ml.explain import explain_one
from clearway.risk.ml.features import build_row
from clearway.risk.ml.objectives import Assessment
from clearway.risk.ml.predict import score_one, score_rows

log = logging.getLogger("clearway.risk")
MODELS_DIR_ENV = "CLEARWAY_RISK_MODELS_DIR"
_cache: dict[str, tuple[float, Bundle]] = {}
_lock = threading.Lock()


def models_root() -> Path:
    """The directory model bundles must live under (CLEARWAY_RISK_MODELS_DIR, default ./models)."""
    return Path(os.environ.get(MODELS_DIR_ENV, "models")).resolve()


def bundle_path(path: str) -> Path | None:
    """A bundle directory inside the models root (relative paths are taken from it), else None."""
    root = models_root()
    candidate = (root / path).resolve()
    return candidate if candidate == root or root in candidate.parents else None


def bundle_load(path: str) -> Bundle:
    """A bundle, loaded once per directory and card version, warmed for one-row scoring."""
    resolved = bundle_path(path)
    if resolved is None:
        raise bundles.BundleError(f"{path}: outside the models directory")
    try:
        stamp = (resolved / bundles.CARD_FILE).stat().st_mtime
    except OSError as exc:
        raise bundles.BundleError(f"{path}: no readable {bundles.CARD_FILE} ({exc.strerror})") from None
    with _lock:
        cached = _cache.get(str(resolved))
        if cached is None or cached[0] != stamp:
            loaded = bundles.load(resolved)
            loaded.state.warm()
            cached = _cache[str(resolved)] = (stamp, loaded)
    return cached[1]


@dataclass(frozen=True)
class ModelSlot:
    """A registered model in memory: its registry id, version and bundle."""

    model_id: int
    version: str
    bundle: Bundle

    def score(self, records: list[dict[str, Any]]) -> tuple[float, int]:
        """The highest item score of a declaration and the index of that item.

        One item goes through the ML core's `score_one`; several are featured one by one with its
        `build_row` and predicted in one booster call, which gives the same numbers at a fraction of
        the per-call cost a many-item declaration would otherwise pay.
        """
        if len(records) == 1:
            return score_one(records[0], self.bundle).score, 0
        x = np.vstack([build_row(record, self.bundle.state).x for record in records])
        scores = np.asarray(self.bundle.booster.predict(x, num_threads=1), dtype=np.float64)
        at = int(np.argmax(scores))
        return float(scores[at]), at

    def assess(self, records: list[dict[str, Any]]) -> Assessment:
        """A declaration's fraud and serious-fraud probabilities (its riskiest item's) and its expected
        revenue (summed over items: a control checks them all), with the index of the riskiest item."""
        if len(records) == 1:
            one = score_one(records[0], self.bundle)
            return Assessment(one.score, one.critical_score, one.expected_revenue, 0)
        rows = [build_row(record, self.bundle.state) for record in records]
        value = np.array([row.atoms.numbers["value"] for row in rows], dtype=np.float64)
        duty_rate = np.array([row.atoms.numbers["duty_rate"] for row in rows], dtype=np.float64)
        prob, critical, revenue = score_rows(self.bundle, np.vstack([row.x for row in rows]), value, duty_rate,
                                             threads=1)
        at = int(np.argmax(prob))
        worst = float(np.nan) if np.isnan(critical).all() else float(np.nanmax(critical))
        return Assessment(float(prob[at]), worst, float(revenue.sum()), at)

    def explain(self, record: Mapping[str, Any], top: int = 3) -> list[dict[str, Any]]:
        """The model's main reasons for one item, strongest first, as sentences."""
        explanation = explain_one(record, self.bundle, top=top)
        return [{"group": r.group, "contribution": round(r.contribution, 4), "text": r.text}
                for r in explanation.reasons]


def slot_load(model_id: int, version: str, path: str) -> ModelSlot | None:
    """A model ready to score, or None (logged) when its bundle cannot be loaded: lodging never fails on it."""
    try:
        return ModelSlot(model_id, version, bundle_load(path))
    except (bundles.BundleError, ValueError, OSError) as exc:
        log.error("risk model %s (%s) not loaded: %s", version, path, exc)
        return None
