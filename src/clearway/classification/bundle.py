"""The model in force: the shipped bundle, or a retrained one under CLEARWAY_CLASSIFICATION_MODEL_DIR."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from clearway.classification.model import Model, model_load

ENV = "CLEARWAY_CLASSIFICATION_MODEL_DIR"


def shipped_dir() -> Path:
    """Where the package keeps its fitted bundle."""
    return Path(str(resources.files("clearway.classification").joinpath("data", "model")))


def model_dir() -> Path:
    """The bundle directory in force: the configured one if set, else the shipped one."""
    configured = os.environ.get(ENV)
    return Path(configured) if configured else shipped_dir()


@lru_cache(maxsize=4)
def _load(directory: str) -> Model:
    return model_load(Path(directory))


def model_current() -> Model:
    """The loaded model in force (read once per process and directory)."""
    return _load(str(model_dir()))


def model_forget() -> None:
    """Drop loaded bundles (after a retrain wrote a new one)."""
    _load.cache_clear()
