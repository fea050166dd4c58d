"""The demo's partner exchange: Japan Customs as a partner, export declarations received from it as pre-arrival
data (signed with a demo key for it, through the same receiving path as the API), and messages sent to it, most
settled by its signed receipts and a few waiting for it to come online (`clearway exchange demo-partner`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.exchange import directory, envelope
from clearway.exchange.handlers import HANDLERS
from clearway.exchange.inbox import envelopes_receive
from clearway.exchange.models import ExchangeKey, OutMessage, PreArrival
from clearway.exchange.prearrival import prearrival_score
from clearway.exchange.service import message_send, receipts_apply
from clearway.exchange.streams import stream_locked

PARTNER = "JP"
PARTNER_URL = "http://127.0.0.1:8001"
FIELDS = ["export_mrn", "ucr", "exporter.name", "exporter.country", "consignee.name", "destination", "transport",
          "items.hs_code", "items.description", "items.origin", "items.quantity", "items.unit", "items.value",
          "items.currency"]
REQUEST = ["reference", "legal_basis", "purpose", "subject", "questions", "references", "deadline"]
REPLY = ["reference", "outcome", "answer", "documents", "replied_at"]
AGREEMENT: dict[str, Any] = {
    "legal_basis": "Agreement between Japan and Korea on mutual assistance in customs matters (demo), art. 5",
    "purposes": ["risk_assessment", "mirror_check", "connectivity"], "retention_days": 365, "reciprocity": True,
    "documents": {"export_declaration": {"out": FIELDS, "in": FIELDS}, "test": {"out": ["n"], "in": ["n"]},
                  # Requests for assistance (WTO TFA art. 12) and their replies, asked and answered from the pages.
                  "assistance_request": {"out": REQUEST, "in": REQUEST},
                  "assistance_reply": {"out": REPLY, "in": REPLY}},
}
DOCS = ["export_declaration", "test", "assistance_request", "assistance_reply"]
GOODS = [("851712", "Smartphones", "120", "PCE", "36000.00"), ("870323", "Passenger cars", "4", "PCE", "88000.00"),
         ("300490", "Medicaments, packaged", "900", "KGM", "51000.00"), ("392690", "Plastic fittings", "2400", "KGM",
                                                                         "9600.00"),
         ("030389", "Frozen fish", "5000", "KGM", "27500.00"), ("847130", "Laptops", "60", "PCE", "42000.00")]
EXPORTERS = ["Osaka Electronics KK", "Nagoya Motors KK", "Kobe Pharma KK", "Yokohama Plastics KK"]


def _export(n: int, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    hs, description, quantity, unit, value = GOODS[n % len(GOODS)]
    return {"export_mrn": f"26JP4{n:011d}", "ucr": f"6JP{n:08d}-KR", "destination": "KR", "transport": "sea",
            "exporter": {"name": EXPORTERS[n % len(EXPORTERS)], "country": "JP"},
            "consignee": {"name": "Hanbit Trading Co."},
            "items": [{"hs_code": hs, "description": description, "origin": "JP", "quantity": quantity, "unit": unit,
                       "value": value, "currency": "USD"}], **(extra or {})}


def _from_partner(jwk: dict[str, Any], seq: int, created: datetime, payload: dict[str, Any],
                  expires: datetime | None = None) -> dict[str, Any]:
    header = {"sender": PARTNER, "receiver": "KR", "doc_type": "export_declaration", "purpose": "risk_assessment",
              "business_id": payload["export_mrn"], "version": 1, "stream": "export_declaration", "seq": seq,
              "created_at": envelope.rfc3339(created),
              "expires_at": envelope.rfc3339(expires or created + timedelta(days=3))}
    return envelope.envelope_build(header=header, payload=payload, jwk=jwk)


def _test_from_partner(jwk: dict[str, Any], seq: int, created: datetime) -> dict[str, Any]:
    header = {"sender": PARTNER, "receiver": "KR", "doc_type": "test", "purpose": "connectivity",
              "business_id": f"TEST-{seq}", "version": 1, "stream": "test", "seq": seq,
              "created_at": envelope.rfc3339(created), "expires_at": envelope.rfc3339(created + timedelta(days=3))}
    return envelope.envelope_build(header=header, payload={"n": seq}, jwk=jwk)


def exchange_demo_seed(*, db: Session, now: datetime) -> int:
    """Seed the partner exchange of the demo; how many messages it holds."""
    actor = "demo-seed"
    if db.scalar(select(ExchangeKey.id).where(ExchangeKey.own.is_(True)).limit(1)) is None:
        directory.own_key_rotate(db=db, actor=actor, now=now - timedelta(days=30))
    party = directory.own_party(db=db)
    directory.partner_add(db=db, actor=actor, code=PARTNER, name="Japan Customs (demo partner)", endpoint=PARTNER_URL,
                          sends=DOCS, accepts=DOCS,
                          agreement={**AGREEMENT, "legal_basis": AGREEMENT["legal_basis"].replace("Korea", party)},
                          now=now - timedelta(days=30))
    jwk = envelope.key_generate()  # the partner's key in this demo; its private half is not kept
    directory.partner_key_add(db=db, actor=actor, partner=PARTNER, public_jwk=envelope.public_of(jwk),
                              now=now - timedelta(days=30))
    incoming = [_from_partner(jwk, seq, now - timedelta(hours=40 - 3 * seq), _export(seq)) for seq in range(1, 11)]
    # One with a field the agreement does not permit (refused with a code), one that expired on the way.
    incoming.append(_from_partner(jwk, 11, now - timedelta(hours=6), _export(11, extra={"exporter_tax_id": "J-77"})))
    incoming.append(_from_partner(jwk, 12, now - timedelta(days=4), _export(12)))
    # A connectivity test numbered 2 arrived before number 1: it waits for the gap to be filled.
    incoming.append(_test_from_partner(jwk, 2, now - timedelta(minutes=30)))
    envelopes_receive(db=db, envelopes=incoming, now=now - timedelta(minutes=20), handlers=HANDLERS)
    sent = []
    for n in range(1, 9):
        mrn = f"26KR5{n:011d}"
        body: dict[str, Any] = {"export_mrn": mrn, "ucr": f"6KR{n:08d}-JP", "destination": "JP", "transport": "air",
                "exporter": {"name": "Hanbit Trading Co.", "country": party, "tax_id": "KR1000000001"},
                "items": [{"hs_code": "854231", "description": "Memory chips", "origin": party, "quantity": "5000",
                           "unit": "PCE", "value": "125000.00", "currency": "USD"}]}
        sent.append(message_send(db=db, actor=actor, partner=PARTNER, doc_type="export_declaration",
                                 business_id=mrn, version=1, purpose="risk_assessment", payload=body,
                                 now=now - timedelta(hours=30 - 3 * n)))
    receipts = []
    for row in sent[:6]:
        header = row.envelope["header"]
        receipt: dict[str, Any] = {"sender": PARTNER, "receiver": party, "ref": {k: header[k] for k in (
            "stream", "seq", "business_id", "version", "payload_hash")}, "status": "accepted", "reasons": [],
            "duplicate": False, "created_at": envelope.rfc3339(row.created_at + timedelta(seconds=2))}
        receipts.append(envelope.receipt_build(body=receipt, jwk=jwk))
    receipts_apply(db=db, partner=PARTNER, receipts=receipts, now=now - timedelta(hours=1))
    for row in sent[:6]:  # settled about two seconds after each was queued, as a live partner would
        row.settled_at = row.acknowledged_at = row.created_at + timedelta(seconds=2)
        row.sent_at, row.attempts = row.created_at + timedelta(seconds=1), 1
    return len(incoming) + len(sent)


def exchange_demo_rescore(*, db: Session, now: datetime) -> int:
    """Score the demo's pre-arrival records again once the history has configured the risk engine (they arrived
    before the seed built it: scored then, they showed no model score); how many."""
    rows = list(db.scalars(select(PreArrival).order_by(PreArrival.id)))
    for row in rows:
        prearrival_score(db=db, row=row, now=max(row.scored_at or now, now))
    return len(rows)


def demo_partner_prepare(*, home: Session, partner: Session, home_url: str, partner_url: str,
                         now: datetime) -> list[str]:
    """Make `partner` (an empty, migrated database) the demo's Japan Customs, known to `home` (the demo), where
    the seeded history left the streams; queue export declarations for home. The business ids queued."""
    home_code = directory.own_party(db=home)
    if partner.scalar(select(ExchangeKey.id).where(ExchangeKey.own.is_(True)).limit(1)) is None:
        directory.own_key_rotate(db=partner, actor="demo-partner", now=now - timedelta(minutes=1), party=PARTNER)
    key = directory.own_public_keys(db=partner, now=now)[0]
    directory.partner_key_add(db=home, actor="demo-partner", partner=PARTNER, public_jwk=key, now=now)
    directory.partner_get(db=home, code=PARTNER).endpoint = partner_url
    directory.partner_add(db=partner, actor="demo-partner", code=home_code, name=f"Customs {home_code} (demo)",
                          endpoint=home_url, sends=DOCS, accepts=DOCS, agreement=AGREEMENT,
                          now=now)
    for home_key in directory.own_public_keys(db=home, now=now):
        directory.partner_key_add(db=partner, actor="demo-partner", partner=home_code, public_jwk=home_key, now=now)
    # Carry on the streams from the seeded history: numbers home already applied from us, and what home
    # sent us that its signed receipts (made in the seed) already settled.
    applied = stream_locked(db=home, partner=PARTNER, direction="in", name="export_declaration").last_seq
    ours = stream_locked(db=partner, partner=home_code, direction="out", name="export_declaration")
    ours.last_seq = max(ours.last_seq, applied)
    settled = [row.seq for row in home.scalars(select(OutMessage).where(
        OutMessage.partner == PARTNER, OutMessage.stream == "export_declaration", OutMessage.settled.is_(True)
    ).order_by(OutMessage.seq))]
    contiguous = next((n for n, seq in enumerate(settled, start=1) if seq != n), len(settled) + 1) - 1
    theirs = stream_locked(db=partner, partner=home_code, direction="in", name="export_declaration")
    theirs.last_seq = max(theirs.last_seq, contiguous)
    queued = []
    for n in range(100, 105):
        body = _export(n + int(now.timestamp()) % 10_000 * 10)
        message_send(db=partner, actor="demo-partner", partner=home_code, doc_type="export_declaration",
                     business_id=body["export_mrn"], version=1, purpose="risk_assessment", payload=body, now=now)
        queued.append(body["export_mrn"])
    return queued
