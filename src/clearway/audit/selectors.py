"""Reading the audit trail: newest first, narrowed by target, actor or action, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from clearway.audit.models import AuditRecord


@dataclass(frozen=True)
class TrailFilters:
    """What the audit trail may be narrowed by (exact target and actor, action by its start)."""

    target_id: str | None = None
    actor: str | None = None
    action: str | None = None


def _where(filters: TrailFilters) -> Select[AuditRecord]:
    query = select(AuditRecord)
    if filters.target_id:
        query = query.where(AuditRecord.target_id == filters.target_id)
    if filters.actor:
        query = query.where(AuditRecord.actor == filters.actor)
    if filters.action:
        escaped = filters.action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(AuditRecord.action.like(escaped + "%", escape="\\"))
    return query


def audit_trail(*, db: Session, filters: TrailFilters, before_id: int | None, limit: int,
                ) -> tuple[list[AuditRecord], int | None]:
    """A page of audit records, newest first, and the id to page on from (None on the last page)."""
    query = _where(filters)
    if before_id is not None:
        query = query.where(AuditRecord.id < before_id)
    rows = list(db.scalars(query.order_by(AuditRecord.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def audit_trail_count(*, db: Session, filters: TrailFilters) -> int:
    """How many audit records match the filters."""
    return int(db.scalar(select(func.count()).select_from(_where(filters).subquery())) or 0)
