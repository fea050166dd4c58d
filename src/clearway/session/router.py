"""Token endpoint for machine clients and the caller's own profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from clearway.auth import throttle
from clearway.auth.models import Organisation
from clearway.auth.schemas import MeRead, TokenRead
from clearway.auth.service import token_for, user_authenticate
from clearway.config import get_settings
from clearway.db import utcnow
from clearway.deps import CurrentUser, DbSession
from clearway.errors import Unauthenticated
from clearway.openapi_docs import PROBLEMS, THROTTLED
from clearway.session.oauth import NO_STORE, TOKEN_ERROR_SCHEMA, TOKEN_OPENAPI, OAuthError, token_form

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/token", operation_id="issueToken", response_model=TokenRead, openapi_extra=TOKEN_OPENAPI,
    responses={200: {"headers": {"Cache-Control": {"description": "no-store", "schema": {"type": "string"}}}},
               400: {"description": "RFC 6749 §5.2 error: invalid_request, invalid_grant or unsupported_grant_type",
                     "content": {"application/json": {"schema": TOKEN_ERROR_SCHEMA}}},
               **THROTTLED},
)
def issue_token(
    request: Request, db: DbSession, form: Annotated[dict[str, str] | OAuthError, Depends(token_form)],
) -> Response:
    """OAuth2 password grant (RFC 6749 §4.3): a bearer token or an RFC 6749 error; 429 with Retry-After if guessing."""
    if isinstance(form, OAuthError):
        return form.response()
    username, password = form["username"], form["password"]
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
        return OAuthError("invalid_grant", "The username or password is wrong, or the account is disabled.").response()
    body = TokenRead(access_token=token, expires_in=ttl).model_dump_json()
    return Response(body, media_type="application/json", headers=NO_STORE)


@router.get("/me", operation_id="readMe", responses=PROBLEMS)
def me(db: DbSession, actor: CurrentUser) -> MeRead:
    """Who the token belongs to."""
    with db.begin():
        org = db.get(Organisation, actor.organisation_id)
    return MeRead(**actor.model_dump(), organisation_name=org.name if org else "")
