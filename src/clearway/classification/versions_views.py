"""Classifier versions page (analysts and admins): every version with its figures, which one is in force, and
promote / roll back, calling the same service as the API inside one transaction. Retraining is a command."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import RedirectResponse, Response

from clearway.auth.schemas import Principal
from clearway.classification import selectors, versions
from clearway.db import utcnow
from clearway.deps import DbSession, roles
from clearway.errors import DomainError
from clearway.i18n import translate
from clearway.web.render import render
from clearway.web.security import CheckedForm, page_locale

router = APIRouter(include_in_schema=False)
PageManager = Annotated[Principal, Depends(roles("analyst", "admin"))]
Version = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


def _page(request: Request, actor: Principal, errors: list[str] | None = None, status: int = 200) -> Response:
    return render(request, "classification/models.html", user=actor, listing=selectors.versions_page(),
                  errors=errors or [], status=status, nav="classification")


@router.get("/classification/models")
def models_page(request: Request, actor: PageManager) -> Response:
    """Every classifier version, newest first, with its held-out figures and the one in force."""
    return _page(request, actor)


def _act(request: Request, db: DbSession, actor: Principal, change: str, version: str | None) -> Response:
    try:
        with db.begin():
            if change == "promote" and version is not None:
                versions.classification_promote(db=db, actor=actor, version=version, now=utcnow())
            else:
                versions.classification_rollback(db=db, actor=actor, now=utcnow())
    except DomainError as exc:
        locale = page_locale(request)
        messages = [translate(p.code, locale, **p.params) for p in exc.problems] or [translate(exc.title_code, locale)]
        return _page(request, actor, errors=messages, status=exc.status)
    return RedirectResponse("/classification/models", status_code=303)


@router.post("/classification/models/{version}/promote")
def model_promote_form(request: Request, db: DbSession, actor: PageManager, form: CheckedForm,
                       version: Version) -> Response:
    """Put a registered version in force."""
    return _act(request, db, actor, "promote", version)


@router.post("/classification/models/rollback")
def model_rollback_form(request: Request, db: DbSession, actor: PageManager, form: CheckedForm) -> Response:
    """Return to the version in force before the current one."""
    return _act(request, db, actor, "rollback", None)
