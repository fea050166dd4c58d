"""Programmatic Alembic: upgrade to head and tell whether a database is at head."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def _config(url: str) -> Config:
    root = Path(__file__).resolve().parents[2]
    scripts = root / "migrations"
    if not scripts.is_dir():  # installed as a wheel: migrations ship inside the package
        scripts = Path(str(resources.files("clearway").joinpath("migrations")))
    cfg = Config()
    cfg.set_main_option("script_location", str(scripts))
    cfg.attributes["url"] = url
    return cfg


def upgrade_head(url: str) -> None:
    """Apply every pending migration to the database at url."""
    # "heads": parallel branches (one per domain, chained later by the lead) all apply.
    command.upgrade(_config(url), "heads")


def is_at_head(engine: Engine) -> bool:
    """True when the database's revision is the latest migration."""
    script = ScriptDirectory.from_config(_config(str(engine.url)))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    return set(current) == set(script.get_heads())
