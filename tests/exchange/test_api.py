"""The exchange API and page: partners push signed envelopes, staff read the figures, analysts send."""

from __future__ import annotations

from clearway.db import get_sessionmaker, utcnow
from clearway.exchange import envelope
from clearway.exchange.demo import exchange_demo_seed
from clearway.exchange.exports import exports_send
from clearway.exchange.models import OutMessage
from clearway.performance import metrics
from tests.exchange.flows import jp_envelope, partner_jp
from tests.factories import auth, document


def test_a_partners_push_gets_signed_receipts_and_shows_on_the_page(client):
    jp = partner_jp()
    keys = client.get("/api/v1/exchange/keys").json()
    assert keys["party"] == "KR" and keys["keys"][0]["crv"] == "Ed25519" and "d" not in keys["keys"][0]
    batch = [jp_envelope(jp, 1, "26JP0000000001", ucr="6JP-UCR-1", items=[{"hs_code": "851712"}]),
             jp_envelope(jp, 3, "26JP0000000003")]
    r = client.post("/api/v1/exchange/inbox", json={"envelopes": batch})
    assert r.status_code == 200, r.text
    first, third = r.json()["receipts"]
    assert first["receipt"]["status"] == "accepted"
    assert (third["receipt"]["status"], third["receipt"]["expected_seq"]) == ("pending", 2)
    assert envelope.verify(first["receipt"], first["signature"], keys["keys"][0])
    officer = auth(client, "officer")
    page = client.get("/exchange", headers=officer)
    assert page.status_code == 200 and "26JP0000000001" in page.text and "6JP-UCR-1" in page.text
    listed = client.get("/api/v1/exchange/messages?direction=in", headers=officer).json()["items"]
    assert [(m["seq"], m["state"]) for m in listed] == [(3, "pending"), (1, "accepted")]
    [jp_row] = client.get("/api/v1/exchange/partners", headers=officer).json()
    assert jp_row["received"] == {"pending": 1, "received": 0, "accepted": 1, "rejected": 0}
    es = client.get("/exchange", headers={**officer, "Accept-Language": "es"})
    assert "Intercambio con socios" in es.text


def test_a_forged_push_is_refused_with_a_code_and_stored_nowhere(client):
    jp = partner_jp()
    forged = jp_envelope(envelope.key_generate(), 1, "26JP0000000001")
    forged["header"]["kid"] = jp["kid"]
    [receipt] = client.post("/api/v1/exchange/inbox", json={"envelopes": [forged]}).json()["receipts"]
    assert (receipt["receipt"]["status"], receipt["receipt"]["reasons"]) == ("refused", ["exchange.signature_invalid"])
    officer = auth(client, "officer")
    assert client.get("/api/v1/exchange/messages?direction=in", headers=officer).json()["items"] == []


def test_analysts_send_and_the_agreement_cuts_fields_others_may_only_read(client):
    partner_jp()
    body = {"doc_type": "export_declaration", "business_id": "26KR0000000001", "purpose": "risk_assessment",
            "payload": {"export_mrn": "26KR0000000001", "exporter": {"name": "Hanbit", "tax_id": "secret"}}}
    assert client.post("/api/v1/exchange/partners/JP/messages", json=body,
                       headers=auth(client, "officer")).status_code == 403
    r = client.post("/api/v1/exchange/partners/JP/messages", json=body, headers=auth(client, "analyst"))
    assert r.status_code == 201, r.text
    assert (r.json()["seq"], r.json()["state"]) == (1, "pending")
    again = client.post("/api/v1/exchange/partners/JP/messages", json=body, headers=auth(client, "analyst"))
    assert again.json()["id"] == r.json()["id"]
    refused = client.post("/api/v1/exchange/partners/JP/messages", json={**body, "purpose": "marketing"},
                          headers=auth(client, "analyst"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "exchange.purpose_not_permitted"
    assert client.get("/api/v1/exchange/partners", headers=auth(client, "trader-a")).status_code == 403
    assert client.get("/exchange", headers=auth(client, "trader-a")).status_code in (403, 404)


def test_a_pull_request_that_is_not_signed_by_a_partner_is_refused(client):
    jp = partner_jp()
    stranger = jp_envelope(envelope.key_generate(), 1, "x")
    assert client.post("/api/v1/exchange/pull", json=stranger).status_code == 422
    request = envelope.envelope_build(header={"sender": "JP", "receiver": "KR", "doc_type": "pull",
                                              "nonce": "0123456789ab", "created_at": envelope.rfc3339(utcnow())},
                                      payload={"after": {}, "limit": 10}, jwk=envelope.key_generate())
    r = client.post("/api/v1/exchange/pull", json=request)
    assert r.status_code == 401 and r.json()["errors"][0]["code"] == "exchange.pull_refused"
    good = envelope.envelope_build(header={**{k: v for k, v in request["header"].items()
                                              if k not in ("payload_hash", "kid")}},
                                   payload={"after": {}, "limit": 10}, jwk=jp)
    assert client.post("/api/v1/exchange/pull", json=good).json() == {"envelopes": []}


def test_the_demo_shows_partner_messages_each_way_and_pre_arrival_data(client):
    with get_sessionmaker()() as db, db.begin():
        assert exchange_demo_seed(db=db, now=utcnow()) == 21
    officer = auth(client, "officer")
    [jp] = client.get("/api/v1/exchange/partners", headers=officer).json()
    assert jp["received"] == {"pending": 1, "received": 0, "accepted": 10, "rejected": 2}
    assert jp["sent"]["accepted"] == 6 and jp["sent"]["pending"] == 2 and jp["lag_p95_s"] == 2.0
    rejected = client.get("/api/v1/exchange/messages?direction=in&state=rejected", headers=officer).json()["items"]
    assert sorted(r for m in rejected for r in m["reasons"]) == ["exchange.expired", "exchange.field_not_permitted"]
    page = client.get("/exchange", headers={**officer, "Accept-Language": "fr"})
    assert "Japan Customs (demo partner)" in page.text and "Expiré avant son arrivée" in page.text
    assert "26JP400000000001" in page.text


def test_metrics_show_each_partners_messages_lag_and_error_rate(client):
    with get_sessionmaker()() as db, db.begin():
        exchange_demo_seed(db=db, now=utcnow())
    metrics._database._at = -1e9  # the process keeps gauges a few seconds: read them afresh, and again after
    try:
        body = client.get("/metrics").text
    finally:
        metrics._database._at = -1e9
    assert 'clearway_exchange_messages{direction="in",partner="JP",state="accepted"} 10.0' in body
    assert 'clearway_exchange_messages{direction="out",partner="JP",state="pending"} 2.0' in body
    assert 'clearway_exchange_lag_p95_seconds{partner="JP"} 2.0' in body
    assert 'clearway_exchange_error_rate{partner="JP"}' in body


def test_our_export_declarations_go_to_the_partner_of_their_destination(client):
    partner_jp()
    with get_sessionmaker()() as db, db.begin():
        assert exports_send(db=db, now=utcnow()) == 0  # the first pass starts from now
    trader = auth(client, "trader-a")
    hanbit = {"id": "KR1000000001", "name": "Hanbit Trading Co.", "country": "KR"}
    to_japan = document(type="EX", exporter=hanbit, buyer={"name": "Tokyo Buyer KK", "country": "JP"})
    to_china = document(type="EX", exporter=hanbit, buyer={"name": "Shanghai Buyer Ltd", "country": "CN"})
    for doc in (to_japan, to_china):
        r = client.post("/api/v1/declarations", json=doc, headers=trader)
        assert r.status_code == 201, r.text
    with get_sessionmaker()() as db, db.begin():
        assert exports_send(db=db, now=utcnow()) == 1
        assert exports_send(db=db, now=utcnow()) == 0  # once
    [sent] = client.get("/api/v1/exchange/messages?direction=out", headers=auth(client, "officer")).json()["items"]
    assert (sent["partner"], sent["doc_type"], sent["seq"]) == ("JP", "export_declaration", 1)
    with get_sessionmaker()() as db:
        row = db.get(OutMessage, sent["id"])
        assert row is not None
        payload = row.envelope["payload"]
    assert payload["export_mrn"] == sent["business_id"] and payload["items"][0]["hs_code"] == "851713"
    assert "description" not in payload["items"][0]  # not among the fields this agreement lets go
