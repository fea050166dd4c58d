"""Declaration pages that read only this domain: the list (trader dashboard, officer office view).

Lodging by form or file and the declaration page (duties, risk reasons, holds) span domains: they
are the clearance flow's pages (`clearway.clearance.views`).
"""

from __future__ import annotations

import csv
import io
from typing import get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clearway.db import utcnow
from clearway.declarations import selectors
from clearway.declarations.schemas import Channel, Status
from clearway.deps import CurrentUser, DbSession
from clearway.downloads import attachment
from clearway.errors import Conflict, Problem, ValidationFailed
from clearway.web.render import iso, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
STATUSES, CHANNELS = get_args(Status), get_args(Channel)


EXPORT_LIMIT = 10_000  # rows in one CSV export; the API pages through more


def _chosen(status: str, channel: str, q: str) -> dict[str, str]:
    text = " ".join(q.split())[:70]
    return {"status": status if status in STATUSES else "", "channel": channel if channel in CHANNELS else "",
            "q": text}


def _filters(chosen: dict[str, str]) -> selectors.ListFilters:
    return selectors.ListFilters(status=chosen["status"] or None, channel=chosen["channel"] or None,
                                 text=chosen["q"] or None)


def _cursor_checked(*cursors: str) -> None:
    for cursor in cursors:
        if len(cursor) > 64:
            raise ValidationFailed([Problem("cursor.invalid", "", {"parameter": "cursor"})])


@router.get("/declarations")
def declaration_list(request: Request, db: DbSession, actor: CurrentUser, status: str = "", channel: str = "",
                     q: str = "", cursor: str = "", before: str = "") -> Response:
    """Declarations the user may see, newest first, filtered by status, channel and a search, a page at a time,
    with how many match."""
    _cursor_checked(cursor, before)
    chosen = _chosen(status, channel, q)
    filters = _filters(chosen)
    with db.begin():
        rows, next_cursor, prev_cursor = selectors.declarations_page(
            db=db, actor=actor, filters=filters, cursor=cursor or None, before=before or None, limit=PAGE_SIZE,
            now=utcnow())
        total = selectors.declarations_count(db=db, actor=actor, filters=filters)
    query = {k: v for k, v in chosen.items() if v}
    next_url = f"/declarations?{urlencode({**query, 'cursor': next_cursor})}" if next_cursor else None
    prev_url = f"/declarations?{urlencode({**query, 'before': prev_cursor})}" if prev_cursor else None
    first_url = f"/declarations?{urlencode(query)}" if (cursor or before) else None
    export_url = f"/declarations/export.csv?{urlencode(query)}" if query else "/declarations/export.csv"
    return render(request, "declarations/list.html", user=actor, rows=rows, chosen=chosen, statuses=STATUSES,
                  next_url=next_url, prev_url=prev_url, first_url=first_url, total=total, export_url=export_url,
                  customs=actor.is_customs)


@router.get("/declarations/export.csv")
def declaration_export(db: DbSession, actor: CurrentUser, status: str = "", channel: str = "",
                       q: str = "") -> Response:
    """The declarations of the list, as filtered, in one CSV file (newest first, up to EXPORT_LIMIT rows)."""
    filters = _filters(_chosen(status, channel, q))
    with db.begin():
        rows, _ = selectors.declarations_list(db=db, actor=actor, filters=filters, cursor=None, limit=EXPORT_LIMIT,
                                              now=utcnow())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["mrn", "lrn", "declarant_id", "type", "office", "status", "channel", "lodged_at",
                     "item_count", "total_value", "currency"])
    for r in rows:
        writer.writerow([r.mrn, r.lrn, r.declarant_id, r.type, r.office, r.status, r.channel or "", iso(r.lodged_at),
                         r.item_count, format(r.total_value.normalize(), "f"), r.currency])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment("declarations.csv"), "Cache-Control": "no-store"})


RELEASE_STATES = ("released", "cleared")


@router.get("/declarations/{mrn}/release-note")
def release_note(request: Request, db: DbSession, actor: CurrentUser, mrn: str) -> Response:
    """A printable release note: the goods, the parties and when (and by whom) the goods were released."""
    with db.begin():
        declaration = selectors.declaration_get(db=db, actor=actor, mrn=mrn, now=utcnow())
        if declaration.status not in RELEASE_STATES:
            raise Conflict([Problem("declaration.not_released", "/status", {"status": declaration.status})])
        events = selectors.declaration_events(db=db, declaration=declaration)
    released = next((e for e in reversed(events) if e.to_status == "released" and e.from_status != "released"), None)
    return render(request, "declarations/release_note.html", user=actor, d=declaration, doc=declaration.document,
                  released=released, printed_at=utcnow())
