"""Sign-in and sign-out pages: a browser session in a signed, HttpOnly cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from clearway.auth import throttle
from clearway.auth.demo import USERS
from clearway.auth.schemas import Principal
from clearway.auth.service import (
    password_change,
    session_end,
    token_for,
    user_authenticate,
    user_set_active,
    users_list,
)
from clearway.config import get_settings
from clearway.db import utcnow
from clearway.deps import SESSION_COOKIE, CurrentUser, DbSession, principal_optional, roles
from clearway.errors import Unauthenticated, ValidationFailed
from clearway.i18n import translate
from clearway.web.render import render
from clearway.web.security import CheckedForm, cookie_clear, page_locale, principal_or_none, safe_next, session_start

router = APIRouter(include_in_schema=False)


def _demo_users(db: DbSession) -> list[str]:
    """In demo mode, every active account (other domains' seeds add theirs, such as `fiu`); otherwise none."""
    if not get_settings().is_demo:
        return []
    with db.begin():
        seeded = [u.username for u in users_list(db=db) if u.active]
    known = [name for name, *_ in USERS]
    return [name for name in known if name in seeded] + [name for name in seeded if name not in known]


def _login_page(request: Request, *, next_url: str, demo_users: list[str], username: str = "",
                failed: bool = False, wait_s: int = 0) -> Response:
    response = render(request, "login.html", user=None, status=429 if wait_s else 401 if failed else 200,
                      next_url=next_url, username=username, failed=failed or bool(wait_s), wait_s=wait_s,
                      demo_users=demo_users)
    if wait_s:
        response.headers["Retry-After"] = str(wait_s)
    return response


@router.get("/login")
def login_form(request: Request, principal: Annotated[Principal | None, Depends(principal_optional)],
               db: DbSession, next: str = "") -> Response:
    """The sign-in form (or the home page, for a browser already signed in)."""
    if principal is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_url=safe_next(next), demo_users=_demo_users(db))


@router.post("/login")
def login(request: Request, form: CheckedForm, db: DbSession) -> Response:
    """Check the credentials and start a browser session."""
    settings = get_settings()
    username, password = str(form.get("username", "")).strip()[:64], str(form.get("password", ""))[:256]
    next_url = safe_next(form.get("next"))
    keys = throttle.login_keys(username=username, client=request.client.host if request.client else None)
    with db.begin():
        wait = throttle.login_wait_s(db=db, keys=keys, now=utcnow())
    if wait:  # the same throttle as the API: the form is not a way around it
        return _login_page(request, next_url=next_url, username=username, wait_s=wait, demo_users=_demo_users(db))
    try:
        with db.begin():
            user = user_authenticate(db=db, username=username, password=password)
            throttle.login_succeeded(db=db, username=username, now=utcnow())
            token = token_for(user=user, secret=settings.secret_key, ttl_s=settings.token_ttl_minutes * 60,
                              kind="s")
    except Unauthenticated:
        with db.begin():
            throttle.login_failed(db=db, keys=keys, now=utcnow())
        return _login_page(request, next_url=next_url, username=username, failed=True,
                           demo_users=_demo_users(db))
    response = RedirectResponse(next_url, status_code=303)
    session_start(response, token)
    return response


@router.post("/logout")
def logout(request: Request, form: CheckedForm, db: DbSession) -> Response:
    """End the browser session: the cookie is revoked on the server, not only removed from the browser."""
    principal = principal_or_none(request)  # an already invalid session has nothing left to revoke
    if principal is not None:
        with db.begin():
            session_end(db=db, user_id=principal.user_id)
    response = RedirectResponse("/login", status_code=303)
    cookie_clear(response, SESSION_COOKIE)
    return response


WebAdmin = Annotated[Principal, Depends(roles("admin"))]


@router.get("/admin/users")
def users_page(request: Request, db: DbSession, actor: WebAdmin) -> Response:
    """Every user with its role and whether it may sign in; an admin disables or enables them here."""
    with db.begin():
        users = [(u.username, u.role, u.organisation.code, u.active) for u in users_list(db=db)]
    return render(request, "auth/users.html", user=actor, users=users)


@router.post("/admin/users/{username}/active")
def users_set_active(request: Request, username: str, form: CheckedForm, db: DbSession, actor: WebAdmin) -> Response:
    """Disable or enable one user; a disabled user's tokens and sessions stop working at once."""
    with db.begin():
        user_set_active(db=db, username=username[:64], active=form.get("active") == "true", actor=actor.username,
                        actor_org=actor.organisation_code, now=utcnow())
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/account/password")
def password_page(request: Request, actor: CurrentUser, done: str = "") -> Response:
    """The form to change one's own password."""
    return render(request, "auth/password.html", user=actor, errors={}, done=done == "1")


@router.post("/account/password")
def password_submit(request: Request, form: CheckedForm, db: DbSession, actor: CurrentUser) -> Response:
    """Change the password; this browser stays signed in with a new session, every other session and token ends."""
    settings = get_settings()
    current, new = str(form.get("current", ""))[:256], str(form.get("password", ""))[:256]
    if new != str(form.get("confirm", ""))[:256]:
        errors = {"confirm": translate("user.password_mismatch", page_locale(request))}
        return render(request, "auth/password.html", user=actor, errors=errors, done=False, status=422)
    try:
        with db.begin():
            user = password_change(db=db, user_id=actor.user_id, current=current, new=new, now=utcnow())
            token = token_for(user=user, secret=settings.secret_key, ttl_s=settings.token_ttl_minutes * 60, kind="s")
    except ValidationFailed as exc:
        locale = page_locale(request)
        errors = {p.pointer.strip("/") or "password": translate(p.code, locale, **p.params) for p in exc.problems}
        return render(request, "auth/password.html", user=actor, errors=errors, done=False, status=422)
    response = RedirectResponse("/account/password?done=1", status_code=303)
    session_start(response, token)
    return response
