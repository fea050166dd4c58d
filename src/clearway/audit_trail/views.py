"""The auditor's pages: the audit trail, searchable by target, actor and action, and verification of its chain."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from clearway.audit import selectors
from clearway.audit.service import audit_append, audit_verify
from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.deps import DbSession, roles
from clearway.web.render import render

router = APIRouter(include_in_schema=False)
Auditor = Annotated[Principal, Depends(roles("auditor", "admin"))]
PAGE_SIZE = 50


def _clean(value: str, size: int) -> str:
    return "".join(c for c in value.strip() if c.isprintable())[:size]


@router.get("/audit")
def audit_page(request: Request, db: DbSession, actor: Auditor, target: str = "", who: str = "", action: str = "",
               before: str = "") -> Response:
    """The audit trail, newest first, 50 records a page, with how many match."""
    chosen = {"target": _clean(target, 64), "who": _clean(who, 64), "action": _clean(action, 64)}
    filters = selectors.TrailFilters(target_id=chosen["target"] or None, actor=chosen["who"] or None,
                                     action=chosen["action"] or None)
    before_id = int(before) if before.isdigit() and len(before) < 19 else None
    with db.begin():
        rows, next_id = selectors.audit_trail(db=db, filters=filters, before_id=before_id, limit=PAGE_SIZE)
        total = selectors.audit_trail_count(db=db, filters=filters)
    query = {k: v for k, v in chosen.items() if v}
    next_url = f"/audit?{urlencode({**query, 'before': next_id})}" if next_id else None
    first_url = f"/audit?{urlencode(query)}" if before_id else None
    records = [(r, orjson.dumps(r.detail, option=orjson.OPT_SORT_KEYS).decode()[:300]) for r in rows]
    return render(request, "audit/trail.html", user=actor, records=records, chosen=chosen, total=total,
                  next_url=next_url, first_url=first_url, verified=None)


@router.get("/audit/verify")
def audit_verify_page(request: Request, db: DbSession, actor: Auditor) -> Response:
    """Check every record's hash and the chain's links, and say what was found (the check itself is audited)."""
    with db.begin():
        result = audit_verify(db=db)
    with db.begin():
        audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="audit.verified",
                     target_type="audit", target_id="chain",
                     detail={"ok": result.ok, "sealed": result.sealed, "unsealed": result.unsealed}, at=utcnow())
    return render(request, "audit/trail.html", user=actor, records=[], chosen={"target": "", "who": "", "action": ""},
                  total=None, next_url=None, first_url=None, verified=result)
