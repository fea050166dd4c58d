"""This instance (KR) with a partner (JP) whose private key the test holds, to play the partner's side."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from clearway.db import get_sessionmaker, utcnow
from clearway.declarations.models import Declaration
from clearway.exchange import directory, envelope
from clearway.exchange.models import AssistanceRequest, MirrorCheck
from tests.exchange.kit import AGREEMENT, DOCS


def partner_jp(*, pull: bool = False) -> dict[str, Any]:
    """Give the configured database our key and partner JP; JP's private key."""
    jp = envelope.key_generate()
    with get_sessionmaker()() as db, db.begin():
        now = utcnow()
        directory.own_key_rotate(db=db, actor="test", now=now - timedelta(days=1), party="KR")
        directory.partner_add(db=db, actor="test", code="JP", name="Japan Customs (test)",
                              endpoint="http://127.0.0.1:9", sends=DOCS, accepts=DOCS, agreement=AGREEMENT,
                              pull=pull, now=now)
        directory.partner_key_add(db=db, actor="test", partner="JP", public_jwk=envelope.public_of(jp), now=now)
    return jp


def jp_envelope(jwk: dict[str, Any], seq: int, business_id: str, *, version: int = 1,
                **payload: Any) -> dict[str, Any]:
    """An export declaration from JP (a version of it), signed by JP."""
    now = utcnow()
    header = {"sender": "JP", "receiver": "KR", "doc_type": "export_declaration", "purpose": "risk_assessment",
              "business_id": business_id, "version": version, "stream": "export_declaration", "seq": seq,
              "created_at": envelope.rfc3339(now), "expires_at": envelope.rfc3339(now + timedelta(days=1))}
    return envelope.envelope_build(header=header, payload={"export_mrn": business_id, **payload}, jwk=jwk)


def assistance_from_jp() -> int:
    """An open request for assistance from JP recorded here (as its message would leave it); its id."""
    with get_sessionmaker()() as db, db.begin():
        now = utcnow()
        row = AssistanceRequest(partner="JP", direction="in", reference="JP-RFA-2026-000001",
                                legal_basis="Agreement, art. 7", purpose="risk_assessment", subject="Valuation",
                                questions="Invoice of export 26JP0000000001?", references=["26JP0000000001"],
                                deadline=now + timedelta(days=30), state="open", documents=[],
                                requested_by="partner:JP", created_at=now)
        db.add(row)
        db.flush()
        return row.id


def mirror_gap_from_jp() -> int:
    """A mirror line with a value gap between a JP export and an import lodged here (by trader-a, referring to it),
    open for review; its id."""
    from tests.factories import lodge_direct

    [mrn] = lodge_direct("trader-a", 1)
    with get_sessionmaker()() as db, db.begin():
        declaration = db.scalar(select(Declaration).where(Declaration.mrn == mrn))
        assert declaration is not None
        row = MirrorCheck(declaration_id=declaration.id, import_mrn=mrn, sender="JP", export_mrn="26JP0000000001",
                          matched_by="export_mrn", gap=True, checked_at=utcnow(), found_on="export", review="open",
                          findings=[{"code": "mirror.value", "item": None, "import": "100.00", "export": "900.00",
                                     "gap": "0.8889"}])
        db.add(row)
        db.flush()
        return row.id
