"""The performance API: who may read it, what an officer sees, and how bad input is answered."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tests.factories import auth
from tests.performance.conftest import add_declaration, green, hours

from clearway.db import get_sessionmaker

T = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)
Q = "/api/v1/performance/release-times?date_from=2026-01-01&date_to=2026-03-31"


def _seed() -> None:
    with get_sessionmaker()() as db, db.begin():
        add_declaration(db, green(T, hours(1)), office="KR0101")
        add_declaration(db, green(T, hours(3)), office="KR0201")
        add_declaration(db, [("released", T)], office="KR0201")  # missing its earlier events


def _headline(body, office=None):
    return [s for s in body["stats"] if s["interval"] == "lodgement_to_release"
            and (office is None or s["group"].get("office") == office)]


def test_an_analyst_reads_release_times_by_office_with_anomalies(client):
    _seed()
    r = client.get(f"{Q}&group_by=office", headers=auth(client, "analyst"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["timelines"] == 3 and body["group_by"] == ["office"]
    assert _headline(body, "KR0101")[0]["mean_s"] == 3600
    assert _headline(body, "KR0201")[0]["median_s"] == 3 * 3600
    checks = {c["check"]: c for c in body["anomalies"]}
    assert checks["risk_before_released"]["missing"] == 1
    listed = client.get("/api/v1/performance/release-times/anomalies", headers=auth(client, "analyst")).json()
    assert [a["missing"] for a in listed["items"]] == [["risk_before_released"]]


def test_an_officer_sees_only_its_own_office(client):
    _seed()
    body = client.get(f"{Q}&group_by=office", headers=auth(client, "officer")).json()
    assert {s["group"]["office"] for s in body["stats"]} == {"KR0101"}
    body = client.get(f"{Q}&office=KR0201", headers=auth(client, "officer")).json()
    assert body["timelines"] == 1  # asking for another office still gives its own


def test_traders_and_agencies_may_not_read_performance(client):
    for role in ("trader-a", "agency"):
        assert client.get(Q, headers=auth(client, role)).status_code == 403
    assert client.get(Q).status_code == 401


def test_out_of_range_and_reversed_dates_are_problems(client):
    headers = auth(client, "analyst")
    r = client.get("/api/v1/performance/release-times?date_from=1900-01-01", headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "performance.date_out_of_range"
    r = client.get("/api/v1/performance/revenue?date_from=2026-05-01&date_to=2026-04-01", headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "performance.date_range_reversed"


def test_effectiveness_from_control_outcomes(client, monkeypatch):
    _seed()
    outcomes = [
        {"declaration_id": 1, "office": "KR0101", "channel": "red", "inspected": True, "random_pick": False,
         "hit": True, "revenue": "1500.00", "rules": ["R1"], "model_version": "m-1", "overridden": False, "at": T},
        {"declaration_id": 2, "office": "KR0201", "channel": "red", "inspected": True, "random_pick": True,
         "hit": False, "revenue": "0", "rules": [], "model_version": "m-1", "overridden": True, "at": T},
    ]
    from clearway.performance import outcomes as reader

    # The controls domain's reader, answering as a finished control of each kind would.
    monkeypatch.setattr(reader, "control_outcomes", lambda **_: outcomes)
    body = client.get("/api/v1/performance/effectiveness", headers=auth(client, "analyst")).json()
    tables = {t["name"]: t for t in body["tables"]}
    assert body["available"] is True
    rates = {row[0]: row for row in tables["hit_rates"]["rows"]}
    assert rates["hit_rate_risk_selected"][1:4] == [1, 1, 1.0]
    assert rates["non_compliance_random_sample"][1:3] == [0, 1] and rates["non_compliance_random_sample"][5] > 0.7
    assert rates["override_rate"][1:3] == [1, 2]
    assert tables["hit_rate_by_rule"]["rows"] == [["R1", 1, 1, 1.0, None, None]]
    assert Decimal(tables["revenue_per_inspection"]["rows"][0][1]) == Decimal("750")


def test_revenue_comes_from_the_tariff_domain(client):
    from clearway.tariff.revenue import revenue_adjust

    with get_sessionmaker()() as db, db.begin():
        revenue_adjust(db=db, declaration_id=1, office="KR0101", tax="duty", amount=Decimal("120.50"), currency="KRW",
                       reason="finding", finding_ref="F-1", now=T)
    body = client.get("/api/v1/performance/revenue?date_from=2026-01-01", headers=auth(client, "auditor")).json()
    assert body["rows"] == [["KR0101", "2026-02", "duty", "KRW", "0", "0", "120.50"]]
