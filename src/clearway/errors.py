"""Domain errors and their translation to RFC 9457 problem+json documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROBLEM_BASE = "https://clearway.dev/problems/"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a request: a stable code, a JSON pointer and message parameters."""

    code: str
    pointer: str = ""
    params: dict[str, Any] = field(default_factory=dict)


class DomainError(Exception):
    """Base of every error a service raises; the edge turns it into problem+json."""

    status = 400
    slug = "bad-request"
    title_code = "problem.bad_request"

    def __init__(self, problems: list[Problem] | None = None, detail: str | None = None):
        super().__init__(detail or self.slug)
        self.problems = problems or []
        self.detail = detail
        self.headers: dict[str, str] = {}


class ValidationFailed(DomainError):
    """The request was well-formed JSON but breaks one or more rules."""

    status = 422
    slug = "validation-failed"
    title_code = "problem.validation_failed"


class DeclarationInvalid(ValidationFailed):
    """A declaration failed validation; nothing was stored."""

    slug = "declaration-invalid"
    title_code = "problem.declaration_invalid"


class NotFound(DomainError):
    """The resource does not exist or the caller may not know it exists."""

    status = 404
    slug = "not-found"
    title_code = "problem.not_found"


class Unauthenticated(DomainError):
    """No valid credentials came with the request."""

    status = 401
    slug = "unauthenticated"
    title_code = "problem.unauthenticated"

    def __init__(self, detail: str | None = None):
        super().__init__([Problem("auth.required")], detail)
        self.headers = {"WWW-Authenticate": 'Bearer realm="clearway"'}


class Forbidden(DomainError):
    """The caller is known but its role does not allow this."""

    status = 403
    slug = "forbidden"
    title_code = "problem.forbidden"


class Conflict(DomainError):
    """The request conflicts with the current state of the resource."""

    status = 409
    slug = "conflict"
    title_code = "problem.conflict"


class PreconditionFailed(DomainError):
    """An If-Match precondition did not hold: someone changed the resource first."""

    status = 412
    slug = "precondition-failed"
    title_code = "problem.precondition_failed"


class PreconditionRequired(DomainError):
    """The change needs an If-Match header naming the version it applies to."""

    status = 428
    slug = "precondition-required"
    title_code = "problem.precondition_required"


class PayloadTooLarge(DomainError):
    """The request body is larger than the server accepts."""

    status = 413
    slug = "payload-too-large"
    title_code = "problem.payload_too_large"


class TooManyRequests(DomainError):
    """The caller sent too many requests."""

    status = 429
    slug = "too-many-requests"
    title_code = "problem.too_many_requests"


class ReleaseHeld(Conflict):
    """The goods may not go: each problem is one hold (`hold.<code>`), with who must act in its params."""

    slug = "release-held"
    title_code = "problem.release_held"
