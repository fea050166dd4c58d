"""Declaration pages that read only this domain: the list (trader dashboard, officer office view).

Lodging by form or file and the declaration page (duties, risk reasons, holds) span domains: they
are the clearance flow's pages (`clearway.clearance.views`).
"""

from __future__ import annotations

from typing import get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clearway.db import utcnow
from clearway.declarations import selectors
from clearway.declarations.schemas import Channel, Status
from clearway.deps import CurrentUser, DbSession
from clearway.errors import Problem, ValidationFailed
from clearway.web.render import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
STATUSES, CHANNELS = get_args(Status), get_args(Channel)


@router.get("/declarations")
def declaration_list(request: Request, db: DbSession, actor: CurrentUser, status: str = "", channel: str = "",
                     cursor: str = "") -> Response:
    """Declarations the user may see, newest first, filtered by status and channel, a page at a time."""
    if len(cursor) > 64:
        raise ValidationFailed([Problem("cursor.invalid", "", {"parameter": "cursor"})])
    chosen = {"status": status if status in STATUSES else "", "channel": channel if channel in CHANNELS else ""}
    filters = selectors.ListFilters(status=chosen["status"] or None, channel=chosen["channel"] or None)
    with db.begin():
        rows, next_cursor = selectors.declarations_list(db=db, actor=actor, filters=filters, cursor=cursor or None,
                                                        limit=PAGE_SIZE, now=utcnow())
    query = {k: v for k, v in chosen.items() if v}
    next_url = f"/declarations?{urlencode({**query, 'cursor': next_cursor})}" if next_cursor else None
    first_url = f"/declarations?{urlencode(query)}" if cursor else None
    return render(request, "declarations/list.html", user=actor, rows=rows, chosen=chosen, statuses=STATUSES,
                  next_url=next_url, first_url=first_url, customs=actor.is_customs)
