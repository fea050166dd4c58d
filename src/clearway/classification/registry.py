"""Versions of the classifier, like the risk models: a retrain registers a bundle (not in force), an analyst or
admin promotes it, and a rollback returns to the version in force before (the shipped bundle after the first).

The registry is `registry.json` in the models directory (`CLEARWAY_CLASSIFICATION_MODELS_DIR`), next to the
bundles it names, so that every process reading the same bundles agrees on the one in force without a database
read on the lodging path: `bundle.model_dir` checks the file's modification time on each call. Writes take a
file lock and replace the file atomically. Who did what is in the audit trail (the caller's transaction).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from clearway.classification.model import BundleMismatch, model_load
from clearway.errors import Conflict, NotFound, Problem, ValidationFailed

MODELS_ENV = "CLEARWAY_CLASSIFICATION_MODELS_DIR"
REGISTRY = "registry.json"
SHIPPED = "shipped"  # the version name of "no registered version in force": the bundle in the package


def models_root() -> Path:
    """The directory holding retrained bundles and their registry."""
    return Path(os.environ.get(MODELS_ENV, "classification-models"))


def registry_read(root: Path | None = None) -> dict[str, Any]:
    """The registry: every version with its status, the one in force and the ones in force before it."""
    path = (root or models_root()) / REGISTRY
    try:
        found = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {"active": None, "history": [], "models": {}}
    return found if isinstance(found, dict) else {"active": None, "history": [], "models": {}}


@contextmanager
def _writing() -> Iterator[dict[str, Any]]:
    """The registry under an exclusive lock, written back atomically when the block ends without error."""
    root = models_root()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".registry.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = registry_read(root)
        yield state
        scratch = root / f".{REGISTRY}.{os.getpid()}"
        scratch.write_text(json.dumps(state, indent=1, ensure_ascii=False), "utf-8")
        os.replace(scratch, root / REGISTRY)


def active_dir(root: Path | None = None) -> Path | None:
    """The bundle directory of the version in force, None when the shipped bundle is."""
    state = registry_read(root)
    active = state.get("active")
    entry = state["models"].get(active) if active else None
    return Path(entry["dir"]) if entry else None


def model_register(*, version: str, directory: Path, trained: dict[str, Any], actor: str,
                   now: datetime) -> dict[str, Any]:
    """Register a bundle that was just written, not in force."""
    with _writing() as state:
        if version in state["models"] or version == SHIPPED:
            raise Conflict([Problem("classification.model_exists", "/version", {"version": version})])
        entry = {"version": version, "dir": str(directory.resolve()), "status": "registered", "trained": trained,
                 "registered_at": now.isoformat(), "registered_by": actor, "promoted_at": None, "promoted_by": None}
        state["models"][version] = entry
    return entry


def models_list() -> list[dict[str, Any]]:
    """Every registered version, newest first."""
    return sorted(registry_read()["models"].values(), key=lambda m: m["registered_at"], reverse=True)


def _loadable(entry: dict[str, Any]) -> None:
    try:
        model_load(Path(entry["dir"]))
    except (OSError, ValueError, KeyError, BundleMismatch) as exc:
        raise ValidationFailed([Problem("classification.model_unloadable", "/version",
                                        {"version": entry["version"], "reason": str(exc)[:200]})]) from None


def model_promote(*, version: str, actor: str, now: datetime) -> dict[str, Any]:
    """Put a registered version in force (after loading it once); the one in force before is remembered."""
    entry = registry_read()["models"].get(version)
    if entry is None:
        raise NotFound([Problem("classification.model_not_found", "/version", {"version": version})])
    _loadable(entry)  # outside the lock: loading takes a moment
    with _writing() as state:
        entry = state["models"][version]
        if state["active"] == version:
            raise Conflict([Problem("classification.model_in_force", "/version", {"version": version})])
        before = state["active"]
        if before:
            state["models"][before]["status"] = "retired"
        state["history"].append(before)  # None: the shipped bundle was in force
        entry.update(status="active", promoted_at=now.isoformat(), promoted_by=actor)
        state["active"] = version
    return entry


def model_rollback(*, actor: str, now: datetime) -> str:
    """Take the version in force out and put back the one before it; returns the version now in force."""
    with _writing() as state:
        current = state["active"]
        if not current:
            raise Conflict([Problem("classification.nothing_to_roll_back", "", {})])
        state["models"][current].update(status="rolled_back", rolled_back_at=now.isoformat(), rolled_back_by=actor)
        previous = state["history"].pop() if state["history"] else None
        if previous:
            state["models"][previous]["status"] = "active"
        state["active"] = previous
    return previous or SHIPPED
