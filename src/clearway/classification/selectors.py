"""What other domains read from classification: the mismatch of a description with a declared code.

Pure functions over the shipped (or configured) model: no database, no import of any domain above,
so the risk engine and the lodge form can call them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from clearway.classification import registry
from clearway.classification.bundle import model_current
from clearway.classification.evaluate import model_metrics
from clearway.classification.schemas import ModelVersionPage, ModelVersionRead
from clearway.classification.suggest import Mismatch, mismatch


def description_mismatch(description: str, hs_code: str) -> Mismatch:
    """How far a declared code is from its goods description (cached: declarations repeat their lines)."""
    model = model_current()
    return _cached(model.version, description, hs_code)


@lru_cache(maxsize=50_000)
def _cached(version: str, description: str, hs_code: str) -> Mismatch:
    # Keyed by the model version, so that a retrained model in force never answers from the old one.
    return mismatch(model_current(), description, hs_code)


def mismatch_distance(description: str | None, hs_code: str | None) -> float | None:
    """The 0..1 distance as a number feature; None when either side is missing or says nothing known."""
    if not description or not hs_code:
        return None
    return description_mismatch(description, hs_code).distance


def mismatch_far(description: str | None, hs_code: str | None) -> bool | None:
    """True when the declared heading is far from the description (a rule atom); None when unknown."""
    if not description or not hs_code:
        return None
    found = description_mismatch(description, hs_code)
    return None if found.distance is None else found.far


def version_read(entry: dict[str, Any]) -> ModelVersionRead:
    """A registry entry as the API and the page show it, with the figures its bundle was fitted with."""
    fields = {k: entry.get(k) for k in ModelVersionRead.model_fields if k != "metrics"}
    return ModelVersionRead.model_validate({**fields, "metrics": (entry.get("trained") or {}).get("metrics") or {}})


def versions_page() -> ModelVersionPage:
    """The version in force with its figures, and every registered version, newest first."""
    current = model_current()
    metrics = current.trained.get("metrics")
    return ModelVersionPage(in_force=current.version,
                            in_force_metrics=metrics if isinstance(metrics, dict) else _figures_of(current.version),
                            items=[version_read(m) for m in registry.models_list()])


@lru_cache(maxsize=4)
def _figures_of(version: str) -> dict[str, Any]:
    # A bundle fitted before versions carried their figures (the shipped one, until it is refitted): computed once
    # per process and version, so that a new version can be compared with the one in force.
    return model_metrics(model_current())
