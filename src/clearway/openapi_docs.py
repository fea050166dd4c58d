"""OpenAPI pieces shared by routers: the problem document and the error responses."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ProblemItem(BaseModel):
    """One problem inside a problem document."""

    code: str = Field(description="Stable machine code, e.g. hs_code.unknown")
    pointer: str = Field(description="JSON pointer (RFC 6901) into the request body; empty when not body")
    message: str
    parameter: str | None = Field(None, description="Query, path or header parameter concerned")


class ProblemDocument(BaseModel):
    """An RFC 9457 problem document with Clearway's code and errors[] extensions."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    errors: list[ProblemItem]


def _problem(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDocument"}}}}


PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: _problem("Malformed request"),
    401: _problem("Missing or invalid credentials"),
    403: _problem("Role not allowed"),
    404: _problem("Not found or not visible to the caller"),
    409: _problem("Conflicts with the current state"),
    412: _problem("If-Match does not name the current version"),
    413: _problem("Body too large"),
    415: _problem("Body is not JSON"),
    422: _problem("Validation failed: every problem with its code and JSON pointer"),
    428: _problem("If-Match required"),
    503: {**_problem("The database is busy: nothing was stored, try again after Retry-After seconds"),
          "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}},
}
# Sign-in only: too many failed attempts for the account or the client address (see SECURITY.md).
THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {**_problem("Too many failed sign-in attempts: wait Retry-After seconds"),
          "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}},
}
