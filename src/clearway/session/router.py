"""Token endpoint for machine clients and the caller's own profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request

from clearway.auth import throttle
from clearway.auth.models import Organisation
from clearway.auth.schemas import MeRead, TokenRead
from clearway.auth.service import token_for, user_authenticate
from clearway.body import SAFE_TEXT
from clearway.config import get_settings
from clearway.db import utcnow
from clearway.deps import CurrentUser, DbSession
from clearway.errors import Unauthenticated
from clearway.openapi_docs import PROBLEMS, THROTTLED

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", operation_id="issueToken", responses={**PROBLEMS, **THROTTLED})
def issue_token(
    request: Request,
    db: DbSession,
    username: Annotated[str, Form(min_length=1, max_length=64, pattern=SAFE_TEXT)],
    password: Annotated[str, Form(min_length=1, max_length=256, pattern=SAFE_TEXT)],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> TokenRead:
    """OAuth2 password grant: a bearer token for a username and password (429 with Retry-After when guessing)."""
    settings = get_settings()
    keys = throttle.login_keys(username=username, client=request.client.host if request.client else None)
    with db.begin():
        throttle.login_allowed(db=db, keys=keys, now=utcnow())
    try:
        with db.begin():
            user = user_authenticate(db=db, username=username, password=password)
            throttle.login_succeeded(db=db, username=username, now=utcnow())
            ttl = settings.token_ttl_minutes * 60
            token = token_for(user=user, secret=settings.secret_key, ttl_s=ttl, kind="b")
    except Unauthenticated:
        with db.begin():  # its own transaction: the failure is counted although the sign-in failed
            throttle.login_failed(db=db, keys=keys, now=utcnow())
        raise
    return TokenRead(access_token=token, expires_in=ttl)


@router.get("/me", operation_id="readMe", responses=PROBLEMS)
def me(db: DbSession, actor: CurrentUser) -> MeRead:
    """Who the token belongs to."""
    with db.begin():
        org = db.get(Organisation, actor.organisation_id)
    return MeRead(**actor.model_dump(), organisation_name=org.name if org else "")
