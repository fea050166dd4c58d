"""The enforcement demo: computed from the demo's own declarations, a case sent to the FIU, one still open."""

from __future__ import annotations

import time

import pytest

from tests.enforcement.test_api import history
from tests.factories import auth

pytestmark = pytest.mark.usefixtures("world")


def test_the_demo_seed_sends_a_case_to_the_fiu_and_leaves_one_open_quickly(client):
    from clearway.db import get_sessionmaker, utcnow
    from clearway.enforcement.demo import enforcement_demo_seed

    history()
    with get_sessionmaker()() as db, db.begin():
        start = time.perf_counter()
        assert enforcement_demo_seed(db=db, now=utcnow()) == 2
        assert time.perf_counter() - start < 5
    seen = client.get("/api/v1/enforcement/cases", headers=auth(client, "analyst")).json()["items"]
    assert sorted(c["status"] for c in seen) == ["open", "referred"] and all(c["leads"] for c in seen)
    (sent,) = client.get("/api/v1/enforcement/cases", headers=auth(client, "fiu")).json()["items"]
    assert sent["status"] == "referred"
    package = client.get(f"/api/v1/enforcement/cases/{sent['reference']}/referral", headers=auth(client, "fiu"))
    assert package.status_code == 200 and package.json()["case"]["leads"]
