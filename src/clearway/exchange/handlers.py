"""What an accepted message does, per document type: each returns refusal codes (empty when applied)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from clearway.exchange.assistance import reply_received, request_received
from clearway.exchange.inbox import Handler
from clearway.exchange.mirror import mirror_imports_prefetch, mirror_on_export
from clearway.exchange.models import InMessage, PartnerAeo, PreArrival
from clearway.exchange.prearrival import prearrival_score
from clearway.exchange.streams import tx_cache


def _short_text(value: object, limit: int = 40) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit


def export_declaration(db: Session, message: InMessage) -> list[str]:
    """A partner's export declaration becomes pre-arrival data here (a later version replaces an earlier), scored
    on arrival by our risk engine."""
    data = message.payload
    if not _short_text(data.get("export_mrn")) or not isinstance(data.get("items", []), list) \
            or ("ucr" in data and not _short_text(data["ucr"])):
        return ["exchange.payload_invalid"]
    # Rows added earlier in this transaction are not flushed yet (one flush per pass): kept here to be found, with
    # the ones the pass read at its start (`export_declarations_prefetch`).
    cache = tx_cache(db)
    added, known = cache.setdefault("prearrivals", {}), cache.setdefault("prearrivals_known", set())
    key = (message.sender, data["export_mrn"])
    found = added.get(key)
    if found is None and key not in known:
        found = db.scalar(select(PreArrival).where(PreArrival.sender == message.sender,
                                                   PreArrival.export_mrn == data["export_mrn"]))
    if found is None:
        found = added[(message.sender, data["export_mrn"])] = PreArrival(
            sender=message.sender, export_mrn=data["export_mrn"], ucr=data.get("ucr"), version=message.version,
            data=data, received_at=message.received_at)
        db.add(found)
    elif found.version < message.version:
        found.version, found.data, found.ucr = message.version, data, data.get("ucr")
    else:
        return ["exchange.version_superseded"]
    prearrival_score(db=db, row=found, now=message.received_at)  # by our engine, before the goods arrive
    mirror_on_export(db=db, sender=message.sender, export=data, now=message.received_at)  # imports lodged before it
    return []


def export_declarations_prefetch(db: Session, messages: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
    """Read once for a receiving pass what its export declarations look up one by one: the pre-arrival records
    they replace and the imports waiting for them (two statements instead of two per message)."""
    cache = tx_cache(db)
    added, known = cache.setdefault("prearrivals", {}), cache.setdefault("prearrivals_known", set())
    keys = {(sender, p["export_mrn"]) for sender, p in messages if _short_text(p.get("export_mrn"))} - known
    by_sender: dict[str, set[str]] = {}
    for sender, mrn in keys:
        by_sender.setdefault(sender, set()).add(mrn)
    if by_sender:
        each = [(PreArrival.sender == sender) & PreArrival.export_mrn.in_(sorted(mrns))
                for sender, mrns in sorted(by_sender.items())]
        for row in db.scalars(select(PreArrival).where(or_(*each))):
            added.setdefault((row.sender, row.export_mrn), row)
    known |= keys
    mirror_imports_prefetch(db=db, exports=[p for _, p in messages])


export_declaration.prefetch = export_declarations_prefetch  # type: ignore[attr-defined]


def aeo_list(db: Session, message: InMessage) -> list[str]:
    """A partner's list of authorised economic operators replaces its previous one (mutual recognition)."""
    operators = message.payload.get("operators")
    if not isinstance(operators, list) or len(operators) > 100_000 or not all(
            isinstance(o, dict) and _short_text(o.get("id")) and _short_text(o.get("name"), 200)
            and (o.get("valid_until") is None or _short_text(o.get("valid_until"), 10)) for o in operators):
        return ["exchange.payload_invalid"]
    db.flush()  # an earlier list of this pass is written before it is replaced
    db.execute(delete(PartnerAeo).where(PartnerAeo.sender == message.sender))
    seen: set[str] = set()
    for o in operators:
        if o["id"] in seen:
            continue
        seen.add(o["id"])
        db.add(PartnerAeo(sender=message.sender, operator_id=o["id"], name=o["name"],
                          valid_until=o.get("valid_until"), list_version=message.version))
    return []


def test_message(db: Session, message: InMessage) -> list[str]:
    """Connectivity checks: accepted, nothing else happens."""
    return []


HANDLERS: dict[str, Handler] = {"export_declaration": export_declaration, "aeo_list": aeo_list, "test": test_message,
                                "assistance_request": request_received, "assistance_reply": reply_received}
