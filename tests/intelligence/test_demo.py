"""The intelligence demo: alerts in every marking from the demo's own users, one with its outcome reported."""

from __future__ import annotations

import time

import pytest

from tests.enforcement.test_api import history
from tests.factories import auth
from tests.intelligence.helpers import fiu

pytestmark = pytest.mark.usefixtures("world")


def _seen(client, who: str, purpose: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/intelligence/alerts", params={"purpose": purpose}, headers=auth(client, who))
    assert r.status_code == 200, r.text
    return {a["marking"]: a["reference"] for a in r.json()["items"]}


def test_the_demo_seeds_alerts_each_reader_sees_as_its_marking_allows_and_one_outcome(client):
    from clearway.assembly import wiring_build
    from clearway.db import get_sessionmaker, utcnow
    from clearway.intelligence.demo import intelligence_demo_seed

    history(days=10, per_day=4)
    fiu()
    with get_sessionmaker()() as db, db.begin():
        start = time.perf_counter()
        assert intelligence_demo_seed(db=db, now=utcnow(), release=wiring_build().release) == 4
        assert time.perf_counter() - start < 5
    assert set(_seen(client, "analyst", "control")) == {"AMBER", "GREEN", "RED", "AMBER+STRICT"}
    assert set(_seen(client, "officer", "control")) == {"AMBER", "GREEN", "AMBER+STRICT"}  # RED: the FIU only
    assert set(_seen(client, "fiu", "investigation")) == {"RED"}
    assert set(_seen(client, "agency", "control")) == {"AMBER", "GREEN", "AMBER+STRICT"}  # its own report too
    amber = _seen(client, "analyst", "risk_targeting")["AMBER"]
    read = client.get(f"/api/v1/intelligence/alerts/{amber}", params={"purpose": "risk_targeting"},
                      headers=auth(client, "analyst")).json()
    assert [o["outcome"] for o in read["outcomes"]] == ["hit"] and read["outcomes"][0]["recorded_by"] == "officer"
    assert client.get(f"/api/v1/intelligence/alerts/{amber}", params={"purpose": "control"},
                      headers=auth(client, "trader-a")).status_code == 404
