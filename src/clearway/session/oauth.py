"""The token endpoint's language (RFC 6749 §5): its form, its errors and the headers every answer carries."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from clearway.body import SAFE_TEXT

# RFC 6749 §5.1 and §5.2: token answers must never be cached.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FORM = "application/x-www-form-urlencoded"
_SAFE = re.compile(SAFE_TEXT)
_LIMITS = {"username": 64, "password": 256, "grant_type": 64, "scope": 256}


class OAuthError(Exception):
    """An error the token endpoint answers in RFC 6749's own format, not as a problem document."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(error)
        self.error, self.description, self.status = error, description, status

    def response(self) -> JSONResponse:
        """The 400 (or 401) answer with the error code and no-store headers."""
        headers = dict(NO_STORE)
        if self.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="clearway"'
        return JSONResponse({"error": self.error, "error_description": self.description},
                            status_code=self.status, headers=headers)


async def token_form(request: Request) -> dict[str, str] | OAuthError:
    """The token request's parameters checked as RFC 6749 §3.2 and §4.3.2 ask, or the error to answer."""
    try:
        return await _parameters(request)
    except OAuthError as error:
        return error


async def _parameters(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != _FORM:
        raise OAuthError("invalid_request", f"The body must be {_FORM}.")
    form = await request.form()
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if not isinstance(value, str):
            raise OAuthError("invalid_request", f"Parameter {name} must be text.")
        if name in fields:
            raise OAuthError("invalid_request", f"Parameter {name} is given more than once.")
        if name in _LIMITS and (len(value) > _LIMITS[name] or not _SAFE.match(value)):
            raise OAuthError("invalid_request", f"Parameter {name} is malformed.")
        fields[name] = value
    grant = fields.get("grant_type", "password")  # clients of the first API versions omitted it
    if grant != "password":
        raise OAuthError("unsupported_grant_type", "Only the password grant is supported.")
    for name in ("username", "password"):
        if not fields.get(name):
            raise OAuthError("invalid_request", f"Parameter {name} is required.")
    return fields


TOKEN_OPENAPI: dict[str, Any] = {
    "requestBody": {"required": True, "content": {_FORM: {"schema": {
        "type": "object", "required": ["username", "password"],
        "properties": {"grant_type": {"type": "string", "enum": ["password"]},
                       "username": {"type": "string", "maxLength": 64},
                       "password": {"type": "string", "maxLength": 256, "format": "password"},
                       "scope": {"type": "string"}}}}}},
}
TOKEN_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "string", "enum": [
        "invalid_request", "invalid_grant", "unsupported_grant_type", "invalid_client"]},
        "error_description": {"type": "string"}}}
