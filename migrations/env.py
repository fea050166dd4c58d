"""Alembic environment: runs against CLEARWAY_DATABASE_URL (or the URL given by the caller)."""

from __future__ import annotations

from alembic import context

from clearway.db import Base, make_engine
from clearway.models import load_all

load_all()
config = context.config
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
if not url:
    from clearway.config import get_settings

    url = get_settings().database_url


def run() -> None:
    """Run migrations online against the configured database."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url, pool_size=1)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
