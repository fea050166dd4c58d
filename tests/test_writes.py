"""insert_family writes a row and its dependents the same way on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from clearway.audit.models import AuditRecord
from clearway.db import utcnow
from clearway.declarations.models import Declaration, DeclarationEvent, DeclarationVersion
from clearway.writes import PARENT_ID, IdOf, Rows, insert_family


def _declaration(lrn: str) -> dict:
    now = utcnow()
    return dict(mrn=f"26KR0101{lrn:>09}"[:18], lrn=lrn, version=1, type="IM", office="KR0101", status="released",
                channel=None, declarant_id="KR1000000001", importer_id=None, exporter_id=None, seller_id=None,
                buyer_id=None, lodged_by="KR1000000001", currency="USD", total_value=Decimal("12.345678"),
                item_count=1, document={"lrn": lrn, "nested": [1, {"a": None}]}, channel_reasons=[],
                lodged_at=now, updated_at=now)


def _event(kind: str, declaration_id=PARENT_ID) -> dict:
    return dict(declaration_id=declaration_id, kind=kind, from_status=None, to_status=kind, at=utcnow(),
                actor="t", actor_org="t", reason=None, version=1)


def test_parent_children_and_grandchildren_are_linked(db):
    version = dict(declaration_id=PARENT_ID, version=1, document={"v": 1}, superseded_at=utcnow(),
                   superseded_by="t")
    with db.begin():
        new_id = insert_family(db.connection(), Rows(Declaration.__table__, [_declaration("W-1")]), [
            Rows(DeclarationEvent.__table__, [_event("lodged"), _event("accepted")]),
            Rows(DeclarationVersion.__table__, [version], name="v"),
            Rows(AuditRecord.__table__, []),  # empty groups are skipped
        ])
    with db.begin():
        stored = db.get(Declaration, new_id)
        kinds = db.scalars(select(DeclarationEvent.kind).where(DeclarationEvent.declaration_id == new_id)).all()
        assert stored.document == {"lrn": "W-1", "nested": [1, {"a": None}]}
        assert stored.total_value == Decimal("12.345678")
        assert sorted(kinds) == ["accepted", "lodged"]
        assert db.scalar(select(DeclarationVersion.declaration_id)) == new_id


def test_named_single_row_ids_reach_later_groups(db):
    with db.begin():
        first = insert_family(db.connection(), Rows(Declaration.__table__, [_declaration("W-2")]), [])
        insert_family(db.connection(), Rows(Declaration.__table__, [_declaration("W-3")]), [
            Rows(DeclarationVersion.__table__, [dict(declaration_id=first, version=9, document={},
                                                     superseded_at=utcnow(), superseded_by="t")], name="v"),
            Rows(DeclarationEvent.__table__, [_event("amended", declaration_id=IdOf("p"))]),
        ])
    with db.begin():
        assert db.scalar(select(DeclarationVersion.version).where(DeclarationVersion.declaration_id == first)) == 9


def test_a_too_long_value_is_refused_not_truncated(db):
    if db.bind.dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce VARCHAR lengths; the request schemas bound every field")
    row = _declaration("W-4")
    row["office"] = "TOO-LONG-OFFICE"
    with pytest.raises(DBAPIError, match="too long"), db.begin():
        insert_family(db.connection(), Rows(Declaration.__table__, [row]), [])
