"""Demo mode: seeded world, documented users, and refusal of default secrets elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from clearway.controls.models import ControlTask, Finding
from clearway.declarations.models import Declaration
from clearway.demo import USERS, demo_seed
from tests.factories import auth, bearer_for, document, wiring
from tests.server import free_port, start_server, stop_server


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
    # officers have worked the history: controls finished (some with findings), release times that vary,
    # and only the last days' controls left in the queue
    with db.begin():
        finished = db.scalar(select(func.count()).select_from(ControlTask).where(ControlTask.closed.is_(True)))
        still_open = db.scalars(select(Declaration.lodged_at).join(ControlTask, ControlTask.declaration_id ==
                                                                   Declaration.id).where(ControlTask.closed.is_(False)))
        findings = db.scalar(select(func.count()).select_from(Finding).where(Finding.result == "discrepancy"))
        released_late = db.scalar(select(func.count()).select_from(ControlTask).where(
            ControlTask.closed.is_(True), ControlTask.finished_at.is_not(None)))
    assert finished and finished > 100 and findings and findings > 0 and released_late == finished
    assert all(utcnow() - at.replace(tzinfo=at.tzinfo or UTC) < timedelta(days=4) for at in still_open)
    assert [u[0] for u in USERS] == ["trader-a", "trader-b", "officer", "analyst", "agency", "admin", "auditor"]
    # the partner's export declarations are scored by the engine the history configured: model scores show
    from clearway.exchange.models import PreArrival

    with db.begin():
        prearrivals = list(db.scalars(select(PreArrival)))
    assert prearrivals and all(p.risk_state == "scored" and p.risk_score is not None for p in prearrivals)


def test_demo_accounts_cannot_sign_in_outside_demo_mode(client, monkeypatch):
    from clearway.config import get_settings

    assert auth(client, "trader-a")  # test mode accepts them
    monkeypatch.setenv("CLEARWAY_ENVIRONMENT", "production")
    get_settings.cache_clear()
    r = client.post("/api/v1/auth/token", data={"username": "trader-a", "password": "demo"})
    get_settings.cache_clear()
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_server_refuses_default_secret_outside_demo_mode(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLEARWAY_")}
    env.update(CLEARWAY_ENVIRONMENT="production", CLEARWAY_DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    done = subprocess.run([sys.executable, "-m", "clearway.cli", "serve"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0 and "CLEARWAY_SECRET_KEY" in done.stderr


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_clearway_demo_seeds_in_demo_mode_as_make_demo_runs_it(tmp_path):
    """`make demo` runs `clearway demo`: seeding must work in demo mode itself, not only under the test settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLEARWAY_")}
    env.update(CLEARWAY_DATABASE_URL=f"sqlite:///{tmp_path}/demo.db")
    done = subprocess.run([sys.executable, "-m", "clearway.cli", "demo", "--seed-only"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=880)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "seeded the demo world" in done.stdout


@pytest.mark.slow
def test_a_server_running_the_jobs_fills_the_traders_feed_by_itself(world, db):
    """The demo serves with the worker's jobs inside: a lodgement reaches the trader's feed with no second command."""
    token = bearer_for("trader-a")
    port = free_port()
    proc = start_server(port, extra_env={"CLEARWAY_JOBS_IN_SERVER": "true"})
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10, headers=headers) as http:
            lodged = http.post("/api/v1/declarations", json=document(), headers={"Idempotency-Key": "demo-feed"})
            assert lodged.status_code == 201, lodged.text
            deadline = time.monotonic() + 60
            mrns: set[str] = set()
            while time.monotonic() < deadline and lodged.json()["mrn"] not in mrns:
                time.sleep(0.5)
                feed = http.get("/api/v1/notifications").json()
                mrns = {item.get("mrn") or (item.get("data") or {}).get("mrn") for item in feed["items"]}
    finally:
        stop_server(proc)
    assert lodged.json()["mrn"] in mrns
