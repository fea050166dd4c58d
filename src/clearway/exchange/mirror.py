"""Transaction-level mirror checks: our import declaration against the partner's export declaration it refers
to (its export MRN or UCR among the import's previous or additional documents).

Value, quantity, HS code and origin are compared; a gap beyond tolerance is a finding. The findings become facts
the risk engine's rules read at lodging (`mirror.*`, see `mirror_facts`), so a gap is a risk signal in our
selection, and a line in the mirror report (`MirrorCheck`, written with the lodgement).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from clearway.exchange.models import MirrorCheck, MirrorImport, PartnerAeo, PreArrival
from clearway.exchange.settings import exchange_settings
from clearway.exchange.streams import tx_cache

# The facts this module gives the risk engine for each lodgement (None when nothing was matched).
FACTS = ("mirror.found", "mirror.gap", "mirror.partner", "mirror.value_gap", "mirror.quantity_gap",
         "mirror.hs_mismatch", "mirror.origin_mismatch", "exporter.partner_aeo")


def _amount(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        return None
    return found if found.is_finite() else None


def _relative(ours: Decimal | None, theirs: Decimal | None) -> Decimal | None:
    """|ours - theirs| / theirs, None when either is missing or theirs is zero."""
    if ours is None or theirs is None or theirs == 0:
        return None
    return abs(ours - theirs) / abs(theirs)


@dataclass
class Comparison:
    """What a mirror check found: the largest relative value and quantity gaps, mismatches, the findings."""

    sender: str
    export_mrn: str
    matched_by: str
    value_gap: Decimal | None = None
    quantity_gap: Decimal | None = None
    hs_mismatch: bool = False
    origin_mismatch: bool = False
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def gap(self) -> bool:
        """Whether anything differs beyond tolerance."""
        return bool(self.findings)


def compare(import_doc: Mapping[str, Any], export: Mapping[str, Any], *, sender: str, matched_by: str,
            value_tolerance: Decimal, quantity_tolerance: Decimal) -> Comparison:
    """Set the import's items against the export's, position by position, and the totals against each other."""
    result = Comparison(sender=sender, export_mrn=str(export.get("export_mrn", "")), matched_by=matched_by)
    ours = list(import_doc.get("items") or [])
    theirs = [i for i in (export.get("items") or []) if isinstance(i, dict)]
    currency, their_currency = import_doc.get("currency"), next(
        (i.get("currency") for i in theirs if i.get("currency")), None)
    if len(ours) != len(theirs):
        result.findings.append({"code": "mirror.item_count", "item": None, "import": str(len(ours)),
                                "export": str(len(theirs))})
    if currency and their_currency and currency != their_currency:
        # Values in two currencies are not compared here (no rate is assumed): said so instead.
        result.findings.append({"code": "mirror.currency", "item": None, "import": currency,
                                "export": their_currency})
    else:
        total_ours = sum((_amount(i.get("value")) or Decimal(0) for i in ours), Decimal(0))
        total_theirs = sum((_amount(i.get("value")) or Decimal(0) for i in theirs), Decimal(0))
        result.value_gap = _relative(total_ours, total_theirs)
        if result.value_gap is not None and result.value_gap > value_tolerance:
            result.findings.append({"code": "mirror.value", "item": None, "import": f"{total_ours:f}",
                                    "export": f"{total_theirs:f}", "gap": f"{result.value_gap:.4f}"})
    for n, (mine, other) in enumerate(zip(ours, theirs, strict=False), start=1):
        quantity = _relative(_amount((mine.get("quantity") or {}).get("value")), _amount(other.get("quantity")))
        if quantity is not None:
            result.quantity_gap = max(result.quantity_gap or Decimal(0), quantity)
            if quantity > quantity_tolerance:
                result.findings.append({"code": "mirror.quantity", "item": n,
                                        "import": str((mine.get("quantity") or {}).get("value")),
                                        "export": str(other.get("quantity")), "gap": f"{quantity:.4f}"})
        code, their_code = str(mine.get("hs_code", ""))[:6], str(other.get("hs_code") or "")[:6]
        if their_code and code != their_code:
            result.hs_mismatch = True
            result.findings.append({"code": "mirror.hs_code", "item": n, "import": code, "export": their_code})
        origin, their_origin = mine.get("origin_country"), other.get("origin")
        if their_origin and origin != their_origin:
            result.origin_mismatch = True
            result.findings.append({"code": "mirror.origin", "item": n, "import": origin, "export": their_origin})
    return result


def references_of(document: Mapping[str, Any]) -> list[str]:
    """The references an import gives to earlier documents (previous and additional documents)."""
    found: list[str] = []
    for key in ("previous_documents", "documents"):
        for ref in document.get(key) or []:
            if isinstance(ref, dict) and isinstance(ref.get("reference"), str) and ref["reference"] not in found:
                found.append(ref["reference"])
    return found[:50]


def mirrors_of(*, db: Session, document: Mapping[str, Any]) -> list[Comparison]:
    """The mirror comparisons of an import declaration with the partners' exports it refers to."""
    if document.get("type") != "IM":
        return []
    refs = references_of(document)
    if not refs:
        return []
    settings = exchange_settings()
    rows = db.scalars(select(PreArrival).where(or_(PreArrival.export_mrn.in_(refs), PreArrival.ucr.in_(refs)))
                      .order_by(PreArrival.id).limit(10))
    return [compare(document, row.data, sender=row.sender,
                    matched_by="export_mrn" if row.export_mrn in refs else "ucr",
                    value_tolerance=Decimal(str(settings.mirror_value_tolerance)),
                    quantity_tolerance=Decimal(str(settings.mirror_quantity_tolerance))) for row in rows]


def partner_aeo_of(*, db: Session, document: Mapping[str, Any], on: date) -> str | None:
    """The partner whose AEO list (mutual recognition) holds the exporter or seller on that day, if any."""
    ids = [str(p["id"]) for p in (document.get("exporter"), document.get("seller"))
           if isinstance(p, dict) and p.get("id")]
    if not ids:
        return None
    for row in db.scalars(select(PartnerAeo).where(PartnerAeo.operator_id.in_(ids)).order_by(PartnerAeo.sender)):
        if row.valid_until is None or row.valid_until >= on.isoformat():
            return row.sender
    return None


def mirror_facts(*, db: Session, document: Mapping[str, Any], on: date) -> dict[str, Any]:
    """The `mirror.*` facts of a lodgement (the first match decides; gaps are the largest) and whether a
    partner recognises the exporter as AEO."""
    comparisons = mirrors_of(db=db, document=document)
    partner_aeo = partner_aeo_of(db=db, document=document, on=on)
    facts: dict[str, Any] = dict.fromkeys(FACTS)
    facts["exporter.partner_aeo"] = partner_aeo is not None
    facts["mirror.found"] = bool(comparisons)
    if comparisons:
        gaps = [c.value_gap for c in comparisons if c.value_gap is not None]
        quantities = [c.quantity_gap for c in comparisons if c.quantity_gap is not None]
        facts.update({"mirror.gap": any(c.gap for c in comparisons), "mirror.partner": comparisons[0].sender,
                      "mirror.value_gap": max(gaps) if gaps else None,
                      "mirror.quantity_gap": max(quantities) if quantities else None,
                      "mirror.hs_mismatch": any(c.hs_mismatch for c in comparisons),
                      "mirror.origin_mismatch": any(c.origin_mismatch for c in comparisons)})
    return facts


def _snapshot(document: Mapping[str, Any]) -> dict[str, Any]:
    """What a mirror check reads of an import, kept for an export that arrives after it."""
    return {"type": document.get("type"), "currency": document.get("currency"),
            "previous_documents": [{"reference": r} for r in references_of(document)],
            "items": [{"hs_code": i.get("hs_code"), "origin_country": i.get("origin_country"),
                       "quantity": {"value": (i.get("quantity") or {}).get("value")}, "value": i.get("value")}
                      for i in document.get("items") or [] if isinstance(i, dict)]}


def _line(*, db: Session, mrn: str, declaration_id: int, c: Comparison, found_on: str,
          now: datetime) -> MirrorCheck:
    """The report line of one import against one partner export, created or brought up to date; a line whose
    findings change is open for review again."""
    # Lines added earlier in this transaction are not flushed yet (sessions do not autoflush): kept to be found.
    added = tx_cache(db).setdefault("mirror_lines", {})
    key = (mrn, c.sender, c.export_mrn)
    row = added.get(key) or db.scalar(select(MirrorCheck).where(
        MirrorCheck.import_mrn == mrn, MirrorCheck.sender == c.sender, MirrorCheck.export_mrn == c.export_mrn))
    if row is None:
        row = added[key] = MirrorCheck(declaration_id=declaration_id, import_mrn=mrn, sender=c.sender,
                                       export_mrn=c.export_mrn, found_on=found_on, review="open")
        db.add(row)
    elif row.findings != c.findings:
        row.review, row.reviewed_by, row.reviewed_at, row.review_note = "open", None, None, None
    row.matched_by, row.gap, row.findings, row.checked_at = c.matched_by, c.gap, c.findings, now
    return row


def mirror_record(*, db: Session, declaration_id: int, mrn: str, document: Mapping[str, Any], now: datetime,
                  amended: bool = False) -> list[MirrorCheck]:
    """Store the mirror checks of a lodged (or amended) import: one line per partner export it refers to; and
    its references, so that an export arriving later is checked against it."""
    if document.get("type") != "IM":
        return []
    if amended:  # the amended import's references replace the earlier ones
        db.execute(delete(MirrorImport).where(MirrorImport.import_mrn == mrn))
        tx_cache(db).pop("mirror_waiting", None)  # what a pass of this transaction read may name them
    snapshot = _snapshot(document)
    waiting = _waiting_cache(db)
    for reference in references_of(document):
        db.add(MirrorImport(declaration_id=declaration_id, import_mrn=mrn, reference=reference[:80],
                            document=snapshot, lodged_at=now))
        waiting.pop(reference[:80], None)  # a pass of this transaction read it without this import: ask again
    stored = [_line(db=db, mrn=mrn, declaration_id=declaration_id, c=c, found_on="import", now=now)
              for c in mirrors_of(db=db, document=document)]
    db.flush()
    return stored


def export_keys(export: Mapping[str, Any]) -> list[str]:
    """The shared keys an export declaration is matched by: its export MRN and UCR."""
    return [k for k in (export.get("export_mrn"), export.get("ucr")) if isinstance(k, str) and k]


def mirror_imports_prefetch(*, db: Session, exports: Sequence[Mapping[str, Any]]) -> None:
    """Read, in one statement, the imports waiting for any of these exports (a receiving pass's), so that
    `mirror_on_export` asks nothing per export; a reference read here and not found has no import waiting."""
    keys = sorted({k for export in exports for k in export_keys(export)} - set(_waiting_cache(db)))
    cache = _waiting_cache(db)
    for chunk in (keys[i:i + 500] for i in range(0, len(keys), 500)):
        found: dict[str, list[MirrorImport]] = {k: [] for k in chunk}
        for row in db.scalars(select(MirrorImport).where(MirrorImport.reference.in_(chunk))
                              .order_by(MirrorImport.id)):
            found[row.reference].append(row)
        cache.update(found)


def _waiting_cache(db: Session) -> dict[str, list[MirrorImport]]:
    # Imports are written by lodging, never by a receiving pass: what was read at its start stays true in it.
    cache: dict[str, list[MirrorImport]] = tx_cache(db).setdefault("mirror_waiting", {})
    return cache


def _waiting(db: Session, keys: list[str]) -> list[MirrorImport]:
    """The first imports (by id) that refer to any of the keys: read before by the pass, or asked now."""
    cache = _waiting_cache(db)
    if all(k in cache for k in keys):
        rows = {row.id: row for k in keys for row in cache[k]}
        return [rows[i] for i in sorted(rows)][:50]
    return list(db.scalars(select(MirrorImport).where(MirrorImport.reference.in_(keys)).order_by(MirrorImport.id)
                           .limit(50)))


def mirror_on_export(*, db: Session, sender: str, export: Mapping[str, Any], now: datetime) -> list[MirrorCheck]:
    """Check a partner's export declaration (new, or a later version) against our imports lodged before it that
    refer to it by export MRN or UCR: the comparison runs on whichever of the two arrives second."""
    keys = export_keys(export)
    if not keys:
        return []
    waiting: dict[str, MirrorImport] = {}
    for row in _waiting(db, keys):
        waiting.setdefault(row.import_mrn, row)
    if not waiting:
        return []
    settings = exchange_settings()
    lines = []
    for mrn, row in waiting.items():
        refs = references_of(row.document)
        c = compare(row.document, export, sender=sender,
                    matched_by="export_mrn" if export.get("export_mrn") in refs else "ucr",
                    value_tolerance=Decimal(str(settings.mirror_value_tolerance)),
                    quantity_tolerance=Decimal(str(settings.mirror_quantity_tolerance)))
        lines.append(_line(db=db, mrn=mrn, declaration_id=row.declaration_id, c=c, found_on="export", now=now))
    return lines
