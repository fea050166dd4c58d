"""What an accepted message does, per document type: each returns refusal codes (empty when applied)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.exchange.inbox import Handler
from clearway.exchange.models import InMessage, PreArrival


def _short_text(value: object, limit: int = 40) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit


def export_declaration(db: Session, message: InMessage) -> list[str]:
    """A partner's export declaration becomes pre-arrival data here (a later version replaces an earlier)."""
    data = message.payload
    if not _short_text(data.get("export_mrn")) or not isinstance(data.get("items", []), list) \
            or ("ucr" in data and not _short_text(data["ucr"])):
        return ["exchange.payload_invalid"]
    found = db.scalar(select(PreArrival).where(PreArrival.sender == message.sender,
                                               PreArrival.export_mrn == data["export_mrn"]))
    if found is None:
        db.add(PreArrival(sender=message.sender, export_mrn=data["export_mrn"], ucr=data.get("ucr"),
                          version=message.version, data=data, received_at=message.received_at))
    elif found.version < message.version:
        found.version, found.data, found.ucr = message.version, data, data.get("ucr")
    else:
        return ["exchange.version_superseded"]
    return []


def test_message(db: Session, message: InMessage) -> list[str]:
    """Connectivity checks: accepted, nothing else happens."""
    return []


HANDLERS: dict[str, Handler] = {"export_declaration": export_declaration, "test": test_message}
