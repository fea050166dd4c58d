"""Our export declarations, sent to the partner administration of the country of destination as its
pre-arrival data, in the order they were stored (the agreement decides which fields go)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.declarations.models import Declaration
from clearway.declarations.selectors import exports_after, last_declaration_id
from clearway.errors import DomainError
from clearway.exchange.models import Partner
from clearway.exchange.service import message_send, outbox_prefetch
from clearway.exchange.streams import stream_locked

log = logging.getLogger("clearway.exchange")
ACTOR = "system:exchange-exports"


def export_payload(declaration: Declaration) -> dict[str, Any]:
    """What an export declaration says that a partner may use before the goods arrive."""
    doc = declaration.document
    buyer = doc.get("buyer") or doc.get("importer") or {}
    exporter = doc.get("exporter") or doc.get("declarant") or {}
    return {"export_mrn": declaration.mrn, "destination": buyer.get("country"),
            "transport": (doc.get("transport") or {}).get("mode"),
            "exporter": {"name": exporter.get("name"), "country": exporter.get("country")},
            "consignee": {"name": buyer.get("name")},
            "items": [{"hs_code": item.get("hs_code"), "description": item.get("description"),
                       "origin": item.get("origin_country"), "quantity": (item.get("quantity") or {}).get("value"),
                       "unit": (item.get("quantity") or {}).get("unit"), "value": item.get("value"),
                       "currency": doc.get("currency")} for item in doc.get("items", [])]}


def exports_send(*, db: Session, now: datetime, limit: int = 500) -> int:
    """Queue the export declarations stored since the last pass for the partners of their destinations."""
    cursor = stream_locked(db=db, partner="*", direction="cur", name="exports")
    if cursor.last_seq == 0:  # the first pass starts from now: history is not sent (-1: from an empty table)
        cursor.last_seq = last_declaration_id(db=db) or -1
        return 0
    partners = {p.code: p for p in db.scalars(select(Partner).where(Partner.active.is_(True)))}
    batch: list[tuple[Declaration, dict[str, Any], Partner]] = []
    for declaration in exports_after(db=db, after_id=max(cursor.last_seq, 0), limit=limit):
        cursor.last_seq = declaration.id
        payload = export_payload(declaration)
        partner = partners.get(str(payload["destination"]))
        if partner is not None and "export_declaration" in partner.accepts:
            batch.append((declaration, payload, partner))
    for code in sorted({partner.code for _, _, partner in batch}):  # what is queued already: one read a partner
        outbox_prefetch(db=db, partner=code, keys=[(d.mrn, d.version) for d, _, p in batch if p.code == code])
    queued = 0
    for declaration, payload, partner in batch:
        try:
            # No savepoint: message_send refuses (agreement, version) before it writes anything.
            message_send(db=db, actor=ACTOR, partner=partner.code, doc_type="export_declaration",
                         business_id=declaration.mrn, version=declaration.version, purpose="risk_assessment",
                         payload=payload, now=now)
            queued += 1
        except DomainError as exc:  # the agreement does not allow it: not sent, and said so in the log
            log.warning("export %s not sent to %s: %s", declaration.mrn, partner.code,
                        ", ".join(p.code for p in exc.problems))
    return queued
