"""What the risk engine reads from stored history: declarations in a window, traders seen, AEO operators.

The one module of the risk domain that reads other domains' tables, read-only and in bulk
(test-runs, thresholds, reference values, drift). Row-level access by users still goes through
`declarations.selectors`, which scopes and audits it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select, union
from sqlalchemy.orm import Session

from clearway.auth.models import Organisation
from clearway.declarations.models import Declaration


@dataclass(frozen=True)
class StoredDeclaration:
    """A stored declaration as the risk engine replays it."""

    id: int
    mrn: str
    office: str
    type: str
    declarant: str
    lodged_at: datetime
    total_value: Decimal
    channel: str | None
    document: dict[str, Any]


def declarations_between(*, db: Session, start: datetime, end: datetime, office: str | None = None,
                         direction: str | None = None, limit: int = 50_000,
                         after: tuple[datetime, int] | None = None) -> Iterator[StoredDeclaration]:
    """Declarations lodged in [start, end), oldest first, optionally of one office and direction, and only those
    after a (lodged at, id) position (to read on in batches)."""
    query = (select(Declaration.id, Declaration.mrn, Declaration.office, Declaration.type, Declaration.declarant_id,
                    Declaration.lodged_at, Declaration.total_value, Declaration.channel, Declaration.document)
             .where(Declaration.lodged_at >= start, Declaration.lodged_at < end))
    if after is not None:
        query = query.where(or_(Declaration.lodged_at > after[0],
                                and_(Declaration.lodged_at == after[0], Declaration.id > after[1])))
    if office and office != "*":
        query = query.where(Declaration.office == office)
    if direction:
        query = query.where(Declaration.type == direction)
    rows = db.execute(query.order_by(Declaration.lodged_at, Declaration.id).limit(limit).execution_options(
        yield_per=1000))
    for row in rows:
        yield StoredDeclaration(*row)


def parties_seen(*, db: Session, before: datetime | None = None) -> set[str]:
    """Ids of declarants, importers and sellers of every declaration (lodged before a time, if given)."""
    parts = []
    for column in (Declaration.declarant_id, Declaration.importer_id, Declaration.seller_id):
        part = select(column.label("party")).where(column.is_not(None))
        parts.append(part.where(Declaration.lodged_at < before) if before is not None else part)
    return {str(row[0]) for row in db.execute(union(*parts)) if row[0]}


def aeo_operators(*, db: Session) -> frozenset[str]:
    """Codes of the organisations holding authorised economic operator status."""
    return frozenset(db.scalars(select(Organisation.code).where(Organisation.aeo.is_(True))))


def declaration_id_of(*, db: Session, mrn: str) -> int | None:
    """The row id of a declaration by MRN (callers have already checked the reader may see it)."""
    return db.scalar(select(Declaration.id).where(Declaration.mrn == mrn))


def latest_declaration_id(*, db: Session, since: datetime) -> int | None:
    """The row id of the declaration lodged last since a time, if any."""
    return db.scalar(select(Declaration.id).where(Declaration.lodged_at >= since)
                     .order_by(Declaration.lodged_at.desc(), Declaration.id.desc()).limit(1))
