"""Import every domain's tables so metadata (and Alembic) sees them all."""

from __future__ import annotations

import importlib
import pkgutil

import clearway

_SKIP = {"migrations"}


def load_all() -> None:
    """Import each `clearway.<domain>.models` module that exists."""
    for info in pkgutil.iter_modules(clearway.__path__):
        if info.ispkg and info.name not in _SKIP:
            try:
                importlib.import_module(f"clearway.{info.name}.models")
            except ModuleNotFoundError as exc:
                if exc.name != f"clearway.{info.name}.models":
                    raise
    importlib.import_module("clearway.idempotency")
