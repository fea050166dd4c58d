"""The trader's notifications page: the feed, the webhook endpoint and its secrets, the delivery log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from clearway.auth.schemas import Principal
from clearway.db import utcnow
from clearway.deps import DbSession, roles
from clearway.errors import DomainError
from clearway.i18n import translate
from clearway.notifications import service
from clearway.web.render import render
from clearway.web.security import CheckedForm, page_locale

router = APIRouter(include_in_schema=False)
WebTrader = Annotated[Principal, Depends(roles("trader"))]
SHOWN = 100


def _page(request: Request, db: DbSession, actor: Principal, *, created: dict[str, Any] | None = None,
          errors: list[str] | None = None, status: int = 200) -> Response:
    org = actor.organisation_code
    with db.begin():
        subscriber = service.endpoint_get(db=db, organisation=org)
        last = subscriber.last_seq if subscriber else 0
        feed, _ = service.feed(db=db, organisation=org, after=max(0, last - SHOWN), limit=SHOWN)
        log = service.deliveries_log(db=db, organisation=org, status=None, limit=50)
        counts = service.delivery_counts(db=db, organisation=org)
    return render(request, "notifications/index.html", user=actor, feed=list(reversed(feed)), log=log,
                  subscriber=subscriber, counts=counts, created=created, errors=errors or [], status=status)


@router.get("/notifications")
def notifications_page(request: Request, db: DbSession, actor: WebTrader) -> Response:
    """What the trader was told, where webhooks go, and how each delivery went."""
    return _page(request, db, actor)


@router.post("/notifications")
def notifications_post(request: Request, form: CheckedForm, db: DbSession, actor: WebTrader) -> Response:
    """Set or remove the endpoint, add or retire a secret, or send dead letters again."""
    action, created = form.get("action"), None
    try:
        with db.begin():
            now = utcnow()
            if action == "endpoint":
                _, created = service.endpoint_set(db=db, actor=actor, url=str(form.get("url", ""))[:500], now=now)
            elif action == "remove":
                service.endpoint_remove(db=db, actor=actor, now=now)
            elif action == "secret":
                created = service.secret_add(db=db, actor=actor, now=now)
            elif action == "retire":
                service.secret_retire(db=db, actor=actor, secret_id=str(form.get("secret_id", ""))[:40], now=now)
            elif action == "redrive":
                service.deliveries_redrive(db=db, actor=actor, now=now)
    except DomainError as exc:
        db.rollback()
        locale = page_locale(request)
        return _page(request, db, actor, errors=[translate(p.code, locale, **p.params) for p in exc.problems],
                     status=exc.status)
    if created:  # a secret is shown once, on the page that answers its creation
        return _page(request, db, actor, created=created)
    return RedirectResponse("/notifications", status_code=303)
