"""An alert sent to a partner administration through the exchange: the marking decides who may send it, the
agreement what goes, the source's handle never leaves, and the partner then reads it as one more recipient."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from clearway.db import get_sessionmaker, utcnow
from clearway.exchange import directory, envelope
from clearway.exchange.models import OutMessage
from clearway.intelligence import selectors
from clearway.intelligence.markings import Party, permitted
from tests.factories import auth
from tests.intelligence.helpers import TEXT, create

pytestmark = pytest.mark.usefixtures("world")
FIELDS = ["reference", "marking", "purposes", "subject_type", "subject_value", "text", "source_grade",
          "info_grade", "valid_to"]
AGREEMENT: dict[str, Any] = {
    "legal_basis": "KR-JP agreement on mutual administrative assistance in customs matters, art. 5",
    "purposes": ["enforcement", "risk_assessment"], "retention_days": 365, "reciprocity": True,
    "documents": {"assistance_request": {"out": FIELDS, "in": FIELDS}}}


def _partner(code: str = "JP", documents: list[str] | None = None, agreement: dict[str, Any] | None = None) -> None:
    docs = documents if documents is not None else ["assistance_request"]
    with get_sessionmaker()() as db, db.begin():
        now = utcnow()
        if code == "JP":
            directory.own_key_rotate(db=db, actor="test", now=now, party="KR")
        directory.partner_add(db=db, actor="test", code=code, name=f"{code} Customs (test)",
                              endpoint="http://127.0.0.1:9", sends=docs, accepts=docs,
                              agreement=agreement or AGREEMENT, now=now)
        directory.partner_key_add(db=db, actor="test", partner=code, public_jwk=envelope.public_of(
            envelope.key_generate()), now=now)


def _send(client, ref: str, who: str, partner: str = "JP", purpose: str = "enforcement"):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/intelligence/alerts/{ref}/partner-messages", params={"purpose": "control"},
                       json={"partner": partner, "exchange_purpose": purpose}, headers=auth(client, who))


def test_an_amber_alert_goes_to_a_partner_only_as_its_marking_allows_and_without_its_source(client):
    _partner()
    ref = create(marking="AMBER")
    refused = _send(client, ref, "officer")  # the originator's colleague: beyond the marking without consent
    assert refused.status_code == 403 and refused.json()["code"] == "intelligence.beyond_marking_needs_consent"
    assert _send(client, ref, "agency").status_code == 403  # only customs addresses a partner administration
    sent = _send(client, ref, "analyst")
    assert sent.status_code == 201, sent.text
    assert (sent.json()["partner"], sent.json()["doc_type"], sent.json()["state"]) == (
        "JP", "assistance_request", "pending")
    with get_sessionmaker()() as db:
        (message,) = db.scalars(select(OutMessage)).all()
        payload = message.envelope["payload"]
        assert payload["marking"] == "TLP:AMBER" and payload["text"] == TEXT
        assert "HUMINT-7" not in str(message.envelope) and "originator" not in payload  # cut by the agreement
        alert = selectors.alert_get(db=db, reference=ref)
        handling = selectors.handling_of(db=db, alert=alert)
    assert "partner:JP" in handling.recipients
    assert permitted(handling, Party.partner("JP"), "read", "control")
    assert not permitted(handling, Party.partner("CN"), "read", "control")
    again = _send(client, ref, "analyst")  # the same message again: one record, one delivery
    assert again.status_code == 201 and again.json()["seq"] == sent.json()["seq"]


def test_the_agreement_refuses_what_it_does_not_cover_and_nothing_is_shared(client):
    _partner()
    _partner("CN", documents=[], agreement={**AGREEMENT, "documents": {}})
    ref = create(marking="GREEN")
    r = _send(client, ref, "officer", partner="CN")
    assert r.status_code == 422 and r.json()["code"] == "exchange.doc_type_not_permitted"
    r = _send(client, ref, "officer", purpose="curiosity")
    assert r.status_code == 422 and r.json()["code"] == "exchange.purpose_not_permitted"
    assert _send(client, ref, "officer", partner="XX").json()["code"] == "intelligence.recipient_unknown"
    with get_sessionmaker()() as db:
        assert db.scalars(select(OutMessage)).all() == []
        handling = selectors.handling_of(db=db, alert=selectors.alert_get(db=db, reference=ref))
    assert handling.recipients == {"org:KRMFDS"}
    red = create(marking="RED", recipients=[])
    assert _send(client, red, "officer").status_code == 404  # a reader it does not name learns nothing
