"""Reading declarations: row scoping by organisation and role, pagination, events.

A trader sees a declaration only where its organisation is a party; anything else is "not
found", so a trader cannot even learn that a competitor's MRN exists. Customs staff reading
another organisation's data leave an audit record in the same transaction.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, false, func, insert, or_, select, true
from sqlalchemy.orm import Session

from clearway.audit.models import AuditRecord
from clearway.audit.service import audit_row
from clearway.auth.schemas import Principal
from clearway.declarations.models import Declaration, DeclarationEvent
from clearway.declarations.mrn import mrn_valid
from clearway.errors import Forbidden, NotFound, Problem, ValidationFailed


def visible_to(actor: Principal) -> ColumnElement[bool]:
    """The row filter of declarations an actor may see."""
    if actor.role == "trader":
        code = actor.organisation_code
        return or_(Declaration.declarant_id == code, Declaration.lodged_by == code,
                   Declaration.importer_id == code, Declaration.exporter_id == code,
                   Declaration.seller_id == code, Declaration.buyer_id == code)
    if actor.role == "officer" and actor.office:
        return Declaration.office == actor.office
    if actor.role in ("officer", "analyst", "admin", "auditor"):
        return true()
    return false()  # partner agencies see only what is referred to them (single window, later)


def _audit_read(db: Session, actor: Principal, action: str, target: str, detail: dict[str, Any],
                now: datetime) -> None:
    if actor.is_customs:
        db.execute(insert(AuditRecord), [audit_row(
            actor=actor.username, actor_org=actor.organisation_code, action=action,
            target_type="declaration", target_id=target, detail=detail, at=now)])


def mrn_checked(mrn: str) -> str:
    """The MRN itself, or a 422 problem when its shape or check character is wrong."""
    if not mrn_valid(mrn):
        raise ValidationFailed([Problem("mrn.invalid", "", {"value": mrn[:40], "parameter": "mrn"})])
    return mrn


def declaration_get(*, db: Session, actor: Principal, mrn: str, now: datetime, for_update: bool = False,
                    audit: bool = True) -> Declaration:
    """The declaration with this MRN if the actor may see it, else NotFound."""
    query = select(Declaration).where(Declaration.mrn == mrn_checked(mrn), visible_to(actor))
    if for_update:
        query = query.with_for_update()
    declaration = db.scalar(query)
    if declaration is None:
        raise NotFound([Problem("declaration.not_found", "", {"mrn": mrn})])
    if audit and declaration.declarant_id != actor.organisation_code:
        _audit_read(db, actor, "declaration.read", mrn, {}, now)
    return declaration


def may_change(actor: Principal, declaration: Declaration) -> bool:
    """True when the actor may write to a declaration it can see: its declarant or the representative who lodged it.

    Being named as importer, exporter, seller or buyer lets a trader read a declaration, never change
    it; customs staff are limited by their roles and the state machine, not by party.
    """
    if actor.role != "trader":
        return True
    return actor.organisation_code in (declaration.declarant_id, declaration.lodged_by)


def declaration_for_change(*, db: Session, actor: Principal, mrn: str, now: datetime) -> Declaration:
    """The declaration locked for a write by the actor: NotFound if hidden, Forbidden if only a named party."""
    declaration = declaration_get(db=db, actor=actor, mrn=mrn, now=now, for_update=True, audit=False)
    change_check(actor=actor, declaration=declaration)
    return declaration


def change_check(*, actor: Principal, declaration: Declaration) -> None:
    """Raise Forbidden unless the actor may change the declaration (see may_change)."""
    if not may_change(actor, declaration):
        raise Forbidden([Problem("declaration.not_declarant", "", {"mrn": declaration.mrn})],
                        "only the declarant or its representative may change a declaration")


@dataclass(frozen=True)
class ListFilters:
    """What a declaration list may be narrowed by."""

    status: str | None = None
    channel: str | None = None
    office: str | None = None
    type: str | None = None
    lrn: str | None = None
    lodged_from: datetime | None = None
    lodged_to: datetime | None = None
    text: str | None = None  # search: an MRN, LRN or declarant id (or their start), or words of the goods


SEARCH_MIN = 3  # shorter words would match nearly every document (country codes, units)


def _like(term: str) -> str:
    """A LIKE pattern containing the term literally (its own % and _ escaped)."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _search(term: str) -> ColumnElement[bool]:
    """Declarations whose MRN, LRN or declarant starts with the term, or whose goods mention it (any case)."""
    upper, start = term.upper(), term.upper().replace("%", "").replace("_", "") + "%"
    found = [Declaration.mrn.like(start), func.upper(Declaration.lrn).like(start), Declaration.declarant_id.like(start)]
    if len(term) >= SEARCH_MIN:
        # The document is JSON: its text holds the goods' descriptions and codes (and the parties' names).
        found.append(func.upper(cast(Declaration.document, String)).like(_like(upper), escape="\\"))
    return or_(*found)


def _filtered(actor: Principal, filters: ListFilters) -> Select[Declaration]:
    query = select(Declaration).where(visible_to(actor))
    for field in ("status", "channel", "office", "type", "lrn"):
        value = getattr(filters, field)
        if value is not None:
            query = query.where(getattr(Declaration, field) == value)
    if filters.lodged_from is not None:
        query = query.where(Declaration.lodged_at >= filters.lodged_from)
    if filters.lodged_to is not None:
        query = query.where(Declaration.lodged_at < filters.lodged_to)
    if filters.text:
        query = query.where(_search(filters.text))
    return query


def declarations_count(*, db: Session, actor: Principal, filters: ListFilters) -> int:
    """How many visible declarations match the filters (the total a list shows above its pages)."""
    return int(db.scalar(select(func.count()).select_from(_filtered(actor, filters).subquery())) or 0)


def cursor_encode(last_id: int) -> str:
    """An opaque cursor pointing after a row id."""
    return base64.urlsafe_b64encode(f"d:{last_id}".encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> int:
    """The row id inside a cursor, or a 422 problem."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, value = text.split(":", 1)
        number = int(value)
        # Row ids are 63-bit at most: anything else is forged (and overflows SQLite's integer binding).
        if kind != "d" or not 0 < number < 2**63 or not (value.isascii() and value.isdigit()):
            raise ValueError(kind)
        return number
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed([Problem("cursor.invalid", "", {"parameter": "cursor"})]) from None


def declarations_list(*, db: Session, actor: Principal, filters: ListFilters, cursor: str | None,
                      limit: int, now: datetime) -> tuple[list[Declaration], str | None]:
    """A page of visible declarations, newest first, and the cursor of the next page."""
    rows, next_cursor, _ = declarations_page(db=db, actor=actor, filters=filters, cursor=cursor, limit=limit, now=now)
    return rows, next_cursor


def declarations_page(*, db: Session, actor: Principal, filters: ListFilters, cursor: str | None, limit: int,
                      now: datetime, before: str | None = None) -> tuple[list[Declaration], str | None, str | None]:
    """A page of visible declarations, newest first, with the cursors of the next and the previous page.

    `cursor` pages on (older rows); `before` pages back (the newer rows just above a page's first row).
    """
    query = _filtered(actor, filters)
    if before:
        newer = list(db.scalars(query.where(Declaration.id > cursor_decode(before))
                                .order_by(Declaration.id.asc()).limit(limit + 1)))
        rows = list(reversed(newer[:limit]))
        more_newer = len(newer) > limit
        older = rows and db.scalar(select(func.count()).select_from(
            _filtered(actor, filters).where(Declaration.id < rows[-1].id).limit(1).subquery()))
        next_cursor = cursor_encode(rows[-1].id) if rows and older else None
        prev_cursor = cursor_encode(rows[0].id) if rows and more_newer else None
    else:
        if cursor:
            query = query.where(Declaration.id < cursor_decode(cursor))
        rows = list(db.scalars(query.order_by(Declaration.id.desc()).limit(limit + 1)))
        next_cursor = cursor_encode(rows[limit - 1].id) if len(rows) > limit else None
        rows = rows[:limit]
        prev_cursor = cursor_encode(rows[0].id) if cursor and rows else None
    foreign = [r.mrn for r in rows if r.declarant_id != actor.organisation_code]
    if foreign:
        _audit_read(db, actor, "declaration.list", "*", {"mrns": foreign[:200], "count": len(foreign)}, now)
    return rows, next_cursor, prev_cursor


def declaration_events(*, db: Session, declaration: Declaration) -> list[DeclarationEvent]:
    """Every lifecycle event of a declaration, oldest first."""
    return list(db.scalars(
        select(DeclarationEvent).where(DeclarationEvent.declaration_id == declaration.id)
        .order_by(DeclarationEvent.id)
    ))


def item_descriptions(*, db: Session, statuses: tuple[str, ...],
                      limit: int = 200_000) -> list[tuple[int, int, str, str]]:
    """(declaration id, item index from 0, description, declared code) of declarations in the given states."""
    rows = db.execute(select(Declaration.id, Declaration.document).where(Declaration.status.in_(statuses))
                      .order_by(Declaration.id).limit(limit)).all()
    return [(d_id, i, str(item.get("description") or ""), str(item.get("hs_code") or ""))
            for d_id, document in rows for i, item in enumerate((document or {}).get("items") or [])]


def exports_after(*, db: Session, after_id: int, limit: int) -> list[Declaration]:
    """Export declarations stored after a row id, oldest first, without rejected or cancelled ones (for the
    partner exchange, which sends them to the country of destination)."""
    return list(db.scalars(select(Declaration).where(Declaration.id > after_id, Declaration.type == "EX",
                                                     Declaration.status.not_in(("rejected", "cancelled")))
                           .order_by(Declaration.id).limit(limit)))


def last_declaration_id(*, db: Session) -> int:
    """The highest declaration row id (0 when there is none)."""
    return int(db.scalar(select(func.max(Declaration.id))) or 0)
