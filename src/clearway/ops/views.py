"""The public status page at /status: no sign-in, en/es/fr, component health and notices."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from clearway.deps import DbSession
from clearway.ops.router import status_read
from clearway.web.render import render
from clearway.web.security import page_locale

router = APIRouter(include_in_schema=False)


@router.get("/status")
def status_page(request: Request, db: DbSession) -> Response:
    """Public: is Clearway working, and what is planned or going on (answers even when the database does not)."""
    current = status_read(db)
    response = render(request, "ops/status.html", user=None, status_now=current, lang=page_locale(request))
    response.headers["Cache-Control"] = "no-cache"
    return response
