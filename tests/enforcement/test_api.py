"""The enforcement API: analysts read and write, the FIU reads only what was referred to it, nobody else
anything; price evidence and leads come from the lodged declarations."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import auth

pytestmark = pytest.mark.usefixtures("world")
BASE = "/api/v1/enforcement"
CASE = {"title": "Phones round-tripped through HK", "marking": "TLP:AMBER+STRICT",
        "leads": [{"kind": "circular", "score": 900000, "explanation": "round-trip of 2 firms",
                   "parties": ["KR1", "KR2"], "evidence": {"indicators": ["tbml.circular"]}}]}


def fiu() -> None:
    """The FIU's organisation and user `fiu` (as the demo has them)."""
    from clearway.db import get_sessionmaker, utcnow
    from clearway.enforcement.demo import fiu_account

    with get_sessionmaker()() as db, db.begin():
        fiu_account(db=db, now=utcnow())


def history(days: int = 45, per_day: int = 6) -> None:
    """A small synthetic history lodged through the normal flow (its own declarations are the evidence)."""
    from clearway.assembly import wiring_build
    from clearway.db import get_sessionmaker, utcnow
    from clearway.demo import demo_history

    with get_sessionmaker()() as db, db.begin():
        demo_history(db=db, wiring=wiring_build(), now=utcnow(), days=days, per_day=per_day)


def comparable_mrn() -> str:
    """The latest declaration of the most frequent (HS6, origin, currency) line: it has earlier comparables.

    Which leads come first varies with the history the seed drew for today, so tests of price evidence pick
    their declaration this way rather than from the top lead."""
    from clearway.db import get_sessionmaker
    from clearway.enforcement.evidence import lines_of

    with get_sessionmaker()() as db:
        lines = lines_of(db)
    top = lines.groupby(["hs6", "origin", "currency"]).size().idxmax()
    same = lines[(lines["hs6"] == top[0]) & (lines["origin"] == top[1]) & (lines["currency"] == top[2])]
    return str(same.sort_values("date")["declaration_id"].iloc[-1])


def _open(client: Any, who: str = "analyst") -> Any:
    return client.post(f"{BASE}/cases", json=CASE, headers=auth(client, who))


def test_only_analysts_open_and_change_cases_and_the_fiu_reads_only_referred_ones(client):
    fiu()
    for who in ("trader-a", "officer", "agency", "auditor", "admin", "fiu"):  # read never implies write
        assert _open(client, who).status_code == 403, who
    r = _open(client)
    assert r.status_code == 201, r.text
    ref = r.json()["reference"]
    for who in ("trader-a", "officer", "agency"):  # the MFDS agency is not the FIU
        assert client.get(f"{BASE}/cases/{ref}", headers=auth(client, who)).status_code == 403, who
        assert client.get(f"{BASE}/cases", headers=auth(client, who)).status_code == 403, who
    assert client.get(f"{BASE}/cases/{ref}", headers=auth(client, "fiu")).status_code == 404  # not referred yet
    assert client.get(f"{BASE}/cases", headers=auth(client, "fiu")).json()["items"] == []
    r = client.patch(f"{BASE}/cases/{ref}", json={"notes": "Ask HK customs for the exports"},
                     headers=auth(client, "analyst"))
    assert r.status_code == 200 and r.json()["notes"] == "Ask HK customs for the exports"
    assert client.patch(f"{BASE}/cases/{ref}", json={"notes": "x"}, headers=auth(client, "fiu")).status_code == 403
    assert client.post(f"{BASE}/cases/{ref}/referral", headers=auth(client, "fiu")).status_code == 403
    r = client.post(f"{BASE}/cases/{ref}/referral", headers=auth(client, "analyst"))
    assert r.status_code == 200 and r.json()["marking"] == "TLP:AMBER+STRICT"
    assert client.post(f"{BASE}/cases/{ref}/referral", headers=auth(client, "analyst")).status_code == 409
    package = client.get(f"{BASE}/cases/{ref}/referral", headers=auth(client, "fiu"))
    assert package.status_code == 200
    body = package.json()
    assert body["schema_version"] == "clearway.fiu-referral/1" and body["parties"] == ["KR1", "KR2"]
    assert body["indicators"] == ["tbml.circular"]
    schema = client.get(f"{BASE}/referral-schema", headers=auth(client, "fiu")).json()
    assert {"marking", "case", "indicators", "parties"} <= set(schema["required"])
    assert [c["reference"] for c in client.get(f"{BASE}/cases", headers=auth(client, "fiu")).json()["items"]] == [ref]
    assert client.post(f"{BASE}/cases/{ref}/leads", json=CASE["leads"][0],
                       headers=auth(client, "fiu")).status_code == 403
    assert client.post(f"{BASE}/cases/{ref}/leads", json=CASE["leads"][0],
                       headers=auth(client, "analyst")).status_code == 409  # referred: what the FIU got stays


def test_the_fiu_reading_a_referral_is_audited(client):
    from sqlalchemy import select

    from clearway.audit.models import AuditRecord
    from clearway.db import get_sessionmaker

    fiu()
    ref = _open(client).json()["reference"]
    client.post(f"{BASE}/cases/{ref}/referral", headers=auth(client, "analyst"))
    client.get(f"{BASE}/cases/{ref}/referral", headers=auth(client, "fiu"))
    with get_sessionmaker()() as db:
        readers = list(db.scalars(select(AuditRecord.actor).where(AuditRecord.target_id == ref,
                                                                  AuditRecord.action == "enforcement.referral_read")))
    assert readers == ["fiu"]


def test_price_evidence_and_leads_come_from_the_lodged_declarations_for_analysts_only(client):
    fiu()
    history()
    leads = client.get(f"{BASE}/leads", headers=auth(client, "analyst"))
    assert leads.status_code == 200
    items = leads.json()["items"]
    assert items and all(lead["explanation"] and lead["evidence"]["indicators"] for lead in items)
    assert items == sorted(items, key=lambda lead: -lead["score"])
    mrn = next(lead["evidence"]["declarations"][0] for lead in items if lead["evidence"]["declarations"])
    for who in ("trader-a", "officer", "fiu", "agency"):
        assert client.get(f"{BASE}/leads", headers=auth(client, who)).status_code == 403, who
        assert client.get(f"{BASE}/declarations/{mrn}/price-evidence",
                          headers=auth(client, who)).status_code == 403, who
    mrn = comparable_mrn()
    ev = client.get(f"{BASE}/declarations/{mrn}/price-evidence", headers=auth(client, "analyst"))
    assert ev.status_code == 200, ev.text
    body = ev.json()
    assert body["mrn"] == mrn and body["items"]
    with_ref = [it for it in body["items"] if it["reference_kg"]]
    assert with_ref, body
    for it in with_ref:
        assert it["n"] >= 5 and it["spread"] > 0 and it["deviation"] is not None
        assert it["reference_kg"]["currency"] == body["currency"] and "." in it["reference_kg"]["amount"]
        assert sum(b["count"] for b in it["distribution"]) == len(it["comparables"])
        assert sum(b["this"] for b in it["distribution"]) == 1
        assert all(set(c) == {"ref", "period", "unit_value_kg", "unit_value_unit", "kept"} for c in it["comparables"])
    key = items[0]["key"]
    r = client.post(f"{BASE}/cases/from-leads", json={"title": "From the lead list", "keys": [key]},
                    headers=auth(client, "analyst"))
    assert r.status_code == 201 and r.json()["leads"][0]["explanation"] == items[0]["explanation"]
    r = client.post(f"{BASE}/cases/from-leads", json={"title": "Stale", "keys": ["0" * 16]},
                    headers=auth(client, "analyst"))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "enforcement.lead_unknown"
    assert r.json()["errors"][0]["pointer"] == "/keys/0"
