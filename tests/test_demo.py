"""Demo mode: seeded world, documented users, and refusal of default secrets elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import func, select

from clearway.declarations.models import Declaration
from clearway.demo import USERS, demo_seed
from tests.factories import auth, wiring


def test_demo_seed_gives_every_documented_user_and_a_history(db_url, db):
    from clearway.db import utcnow

    with db.begin():
        count = demo_seed(db=db, wiring=wiring(), now=utcnow())
    with db.begin():
        stored = db.scalar(select(func.count()).select_from(Declaration))
        mine = db.scalar(select(func.count()).select_from(Declaration)
                         .where(Declaration.declarant_id == "KR1000000001"))
    assert count == stored > 1000
    assert mine and mine > 10
    assert [u[0] for u in USERS] == ["trader-a", "trader-b", "officer", "analyst", "agency", "admin", "auditor"]


def test_demo_accounts_cannot_sign_in_outside_demo_mode(client, monkeypatch):
    from clearway.config import get_settings

    assert auth(client, "trader-a")  # test mode accepts them
    monkeypatch.setenv("CLEARWAY_ENVIRONMENT", "production")
    get_settings.cache_clear()
    r = client.post("/api/v1/auth/token", data={"username": "trader-a", "password": "demo"})
    get_settings.cache_clear()
    assert r.status_code == 401


def test_server_refuses_default_secret_outside_demo_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLEARWAY_")}
    env.update(CLEARWAY_ENVIRONMENT="production", CLEARWAY_DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    done = subprocess.run([sys.executable, "-m", "clearway.cli", "serve"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0 and "CLEARWAY_SECRET_KEY" in done.stderr
