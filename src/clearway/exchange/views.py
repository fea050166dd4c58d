"""The partner exchange page for customs staff: per-partner figures, messages each way, pre-arrival data."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.deps import DbSession, roles
from clearway.exchange import selectors
from clearway.web.render import render

router = APIRouter(include_in_schema=False)
WebStaff = Annotated[Principal, Depends(roles("officer", "analyst", "admin", "auditor"))]
SHOWN = 50


@router.get("/exchange")
def exchange_page(request: Request, db: DbSession, actor: WebStaff,
                  partner: Annotated[str | None, Query(min_length=2, max_length=8, pattern="^[A-Z0-9]+$")] = None,
                  state: Literal["pending", "received", "accepted", "rejected"] | None = None) -> Response:
    """Partners with messages sent, acknowledged, refused and pending, lag and error rate; the latest messages."""
    with db.begin():
        partners = selectors.partners(db=db, now=utcnow())
        sent, _ = selectors.messages(db=db, partner=partner, direction="out", state=state, before=None, limit=SHOWN)
        got, _ = selectors.messages(db=db, partner=partner, direction="in", state=state, before=None, limit=SHOWN)
        prearrivals = selectors.prearrivals(db=db, limit=20)
    return render(request, "exchange/index.html", user=actor, nav="exchange", partners=partners, sent=sent,
                  got=got, prearrivals=prearrivals, partner=partner, state=state)


@router.get("/exchange/mirror")
def mirror_page(request: Request, db: DbSession, actor: WebStaff,
                gap: Literal["yes", "no"] | None = None) -> Response:
    """The mirror report: our imports against partners' export declarations, with what differs."""
    with db.begin():
        report = selectors.mirror_report(db=db, gap=None if gap is None else gap == "yes", limit=SHOWN * 4)
    return render(request, "exchange/mirror.html", user=actor, nav="exchange", report=report, gap=gap)


@router.get("/exchange/assistance")
def assistance_page(request: Request, db: DbSession, actor: WebStaff) -> Response:
    """Requests for assistance each way: legal basis, purpose, deadline, what was asked and what was given."""
    with db.begin():
        now = utcnow()
        made = selectors.assistance_list(db=db, now=now, direction="out", limit=SHOWN)
        received = selectors.assistance_list(db=db, now=now, direction="in", limit=SHOWN)
    return render(request, "exchange/assistance.html", user=actor, nav="exchange", made=made, received=received)
