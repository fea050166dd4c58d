"""The model in force: CLEARWAY_CLASSIFICATION_MODEL_DIR if set, else the version promoted in the registry
(see `registry`), else the bundle shipped in the package."""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from clearway.classification.model import BundleMismatch, Model, model_load
from clearway.classification.registry import REGISTRY, active_dir, models_root

ENV = "CLEARWAY_CLASSIFICATION_MODEL_DIR"


def shipped_dir() -> Path:
    """Where the package keeps its fitted bundle."""
    return Path(str(resources.files("clearway.classification").joinpath("data", "model")))


# Registry file identity (inode, mtime) -> the directory it puts in force, per models root: a promotion replaces
# the file (a new inode), so one stat per call tells whether to read it again.
_seen: dict[str, tuple[tuple[int, int], Path | None]] = {}


def model_dir() -> Path:
    """The bundle directory in force: the configured one if set, else the promoted version, else the shipped one."""
    configured = os.environ.get(ENV)
    if configured:
        return Path(configured)
    root = models_root()
    try:
        info = os.stat(root / REGISTRY)
    except FileNotFoundError:
        return shipped_dir()
    stamp = (info.st_ino, info.st_mtime_ns)
    cached = _seen.get(str(root))
    if cached is None or cached[0] != stamp:
        cached = (stamp, active_dir(root))
        _seen[str(root)] = cached
    return cached[1] or shipped_dir()


@lru_cache(maxsize=4)
def _load(directory: str) -> Model:
    return model_load(Path(directory))


def model_current() -> Model:
    """The loaded model in force (read once per process and directory)."""
    return _load(str(model_dir()))


def reusable_models() -> list[Model]:
    """Bundles whose embeddings a retrain may reuse: the one in force and the shipped one (a bundle that no
    longer loads, e.g. built by another pipeline, is skipped: its texts are embedded again)."""
    out = []
    for directory in dict.fromkeys((model_dir(), shipped_dir())):
        try:
            out.append(_load(str(directory)))
        except (OSError, ValueError, KeyError, BundleMismatch):
            continue
    return out


def model_forget() -> None:
    """Drop loaded bundles (after a retrain wrote a new one)."""
    _load.cache_clear()
