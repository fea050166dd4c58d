"""Relief consignments: a simplified declaration while a relief emergency covers the office and goods, lodged
through the lodging flow (rules still apply), and refused with coded problems outside one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from clearway.crisis.service import emergency_activate
from clearway.db import utcnow
from clearway.declarations.models import Declaration
from tests.factories import auth

RELIEF: dict[str, Any] = {"office": "KR0101", "lrn": "RELIEF-0001", "consignee": "Korean Red Cross",
          "consignor": {"name": "Medecins Aid Geneva", "country": "CH"},
          "items": [{"hs_code": "300490", "description": "Antibiotics, boxed", "origin_country": "CH",
                     "gross_mass_kg": "120.5", "packages": 12}]}


def _relief(db, params=None, **scope):
    with db.begin():
        return emergency_activate(db=db, kind="relief", scope=scope, params=params or {}, reason="flood", actor="admin",
                                  expires_at=utcnow() + timedelta(hours=6), now=utcnow()).id


def test_outside_a_relief_emergency_the_simplified_declaration_is_refused_with_a_code(client, db):
    r = client.post("/api/v1/crisis/relief", json=RELIEF, headers={**auth(client, "trader-a"),
                                                                   "Accept-Language": "es"})
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    error = r.json()["errors"][0]
    assert (error["code"], error["pointer"]) == ("crisis.relief_not_in_force", "/office")
    assert "declaración completa" in error["message"]
    assert db.scalar(select(Declaration)) is None  # nothing stored


def test_goods_outside_the_relief_scope_are_pointed_at(client, db):
    _relief(db, offices=["KR0101"], hs_prefixes=["30"])
    body = {**RELIEF, "items": [*RELIEF["items"], {**RELIEF["items"][0], "hs_code": "851713",
                                                  "description": "Smartphones"}]}
    r = client.post("/api/v1/crisis/relief", json=body, headers=auth(client, "trader-a"))
    assert r.status_code == 409
    assert [(e["code"], e["pointer"]) for e in r.json()["errors"]] == [("crisis.relief_goods_outside",
                                                                        "/items/1/hs_code")]


def test_a_relief_consignment_is_released_at_once_for_post_clearance_audit(client, db):
    # The profile waives the duties (no tariff here: without the waiver the goods wait, see test_relief_duties).
    profile = _relief(db, {"duties": "waived"}, offices=["KR0101"], hs_prefixes=["30"])
    r = client.post("/api/v1/crisis/relief", json=RELIEF, headers=auth(client, "trader-a"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["status"], body["channel"], body["profile"], body["post_clearance_audit"]) == (
        "released", "blue", profile, True)
    declaration = db.scalar(select(Declaration).where(Declaration.mrn == body["mrn"]))
    assert declaration is not None and declaration.document["seller"]["name"] == "Medecins Aid Geneva"
    assert declaration.document["items"][0]["net_mass_kg"] == "108.450"
    db.rollback()
    assert client.post("/api/v1/crisis/relief", json=RELIEF, headers=auth(client, "officer")).status_code == 403


def test_a_rule_control_is_kept_for_relief_goods(client, db):
    from clearway.crisis.emergency import emergency_apply
    from clearway.crisis.models import EmergencyProfile
    from clearway.declarations.channelling import ChannelDecision

    profile = EmergencyProfile(id=9, kind="relief", effect="lighter", scope={}, params={})
    ruled = ChannelDecision("yellow", [], engine="risk", record={"sources": ["rule"]})
    modelled = ChannelDecision("yellow", [], engine="risk", record={"sources": ["model"]})
    assert emergency_apply(ruled, [profile]).channel == "yellow"
    assert emergency_apply(modelled, [profile]).channel == "blue"
