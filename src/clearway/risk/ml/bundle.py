"""A trained model as a directory of plain files, and the check that it fits the running code.

Layout: ``model.txt`` (LightGBM's own text format), ``critical.txt`` (the serious-fraud booster,
if the data had serious findings), ``amount.txt`` (recovered amounts, likewise),
``state.json`` (the fitted FeatureState), ``card.json`` (data
window, metrics, parameters, library versions, schema hash). Nothing is pickled:
loading a bundle parses data and never runs code from it.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb

from clearway.risk.ml import atoms, features, history
from clearway.risk.ml.features import FeatureState

MODEL_FILE, STATE_FILE, CARD_FILE = "model.txt", "state.json", "card.json"
CRITICAL_FILE = "critical.txt"  # the serious-fraud booster, when the training data had serious findings
AMOUNT_FILE = "amount.txt"  # the recovered-amount booster, when the training data had enough amounts
# The modules whose code defines what a feature means; any change to them invalidates bundles.
_FEATURE_CODE = (atoms, history, features)


class BundleError(ValueError):
    """A bundle is missing, damaged, or was built by different feature code."""


@dataclass
class Bundle:
    """Booster, fitted feature state and model card: everything scoring needs."""

    booster: lgb.Booster
    state: FeatureState
    card: dict[str, Any]
    critical: lgb.Booster | None = None  # serious fraud; its calibration is in card["critical"]
    amount: lgb.Booster | None = None  # log1p of the revenue a finding recovers

    @property
    def version(self) -> str:
        """The model version shown to officers next to every explanation."""
        return str(self.card["model_version"])


def schema_hash() -> str:
    """Hash of the feature code's definition (syntax tree, so comments and layout do not count)."""
    digest = hashlib.sha256()
    for module in _FEATURE_CODE:
        digest.update(ast.dump(ast.parse(inspect.getsource(module))).encode())
    digest.update(json.dumps(features.FEATURE_NAMES).encode())
    return digest.hexdigest()


def model_version(booster: lgb.Booster, trained_at: str) -> str:
    """A readable, content-derived version: training date plus a hash of the model text."""
    text = booster.model_to_string()
    return f"{trained_at[:10]}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def save(bundle: Bundle, directory: str | Path) -> Path:
    """Write the bundle's three files into `directory` (created if needed)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    bundle.booster.save_model(str(out / MODEL_FILE))
    if bundle.critical is not None:
        bundle.critical.save_model(str(out / CRITICAL_FILE))
    if bundle.amount is not None:
        bundle.amount.save_model(str(out / AMOUNT_FILE))
    (out / STATE_FILE).write_text(json.dumps(bundle.state.to_json(), separators=(",", ":")))
    (out / CARD_FILE).write_text(json.dumps(bundle.card, indent=2, sort_keys=True))
    return out


def load(directory: str | Path) -> Bundle:
    """Read a bundle, refusing one whose schema hash differs from the running feature code."""
    src = Path(directory)
    try:
        card = json.loads((src / CARD_FILE).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise BundleError(f"{src}: no readable {CARD_FILE} ({exc})") from None
    expected = schema_hash()
    if card.get("schema_hash") != expected:
        raise BundleError(
            f"{src}: model built by other feature code (schema {str(card.get('schema_hash'))[:12]}, "
            f"this code {expected[:12]}); retrain it with `clearway risk train`"
        )
    try:
        state = FeatureState.from_json(json.loads((src / STATE_FILE).read_text()))
        booster = lgb.Booster(model_file=str(src / MODEL_FILE))
        critical = lgb.Booster(model_file=str(src / CRITICAL_FILE)) if card.get("critical") else None
        amount = lgb.Booster(model_file=str(src / AMOUNT_FILE)) if card.get("amount") else None
    except (OSError, json.JSONDecodeError, KeyError, lgb.basic.LightGBMError) as exc:
        raise BundleError(f"{src}: damaged bundle ({exc})") from None
    if booster.feature_name() != features.FEATURE_NAMES or (
            any(b is not None and b.feature_name() != features.FEATURE_NAMES for b in (critical, amount))):
        raise BundleError(f"{src}: model features differ from the feature code")
    return Bundle(booster=booster, state=state, card=card, critical=critical, amount=amount)
