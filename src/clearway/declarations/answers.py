"""How the API answers with a declaration: its JSON view, its strong ETag, and If-Match (RFC 9110 §13.1.1)."""

from __future__ import annotations

import re

import orjson
from fastapi.responses import Response

from clearway.declarations.models import Declaration
from clearway.idempotency import Answer

# The headers a declaration answer carries, as the OpenAPI documents them.
DECLARATION_HEADERS = {"ETag": {"description": "The strong entity tag of the declaration's version",
                                "schema": {"type": "string"}},
                       "Location": {"description": "The declaration's URL", "schema": {"type": "string"}}}
_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')


def etag_of(declaration: Declaration) -> str:
    """The strong ETag of a declaration's current version."""
    return f'"v{declaration.version}"'


def location_of(declaration: Declaration) -> str:
    """The URL of a declaration in the API."""
    return f"/api/v1/declarations/{declaration.mrn}"


def read_json(declaration: Declaration) -> bytes:
    """The API view of a declaration (the DeclarationRead shape), serialised once."""
    return orjson.dumps({
        "mrn": declaration.mrn, "version": declaration.version, "status": declaration.status,
        "channel": declaration.channel, "type": declaration.type, "office": declaration.office,
        "lrn": declaration.lrn, "declarant_id": declaration.declarant_id, "lodged_at": declaration.lodged_at,
        "updated_at": declaration.updated_at, "document": declaration.document, "etag": etag_of(declaration),
    })


def declaration_answer(declaration: Declaration, status: int = 200) -> Answer:
    """The answer carrying a declaration, with its ETag and Location."""
    return Answer(status, read_json(declaration), {"ETag": etag_of(declaration), "Location": location_of(declaration)})


def declaration_response(declaration: Declaration, status: int = 200) -> Response:
    """The HTTP response carrying a declaration, with its ETag and Location."""
    return declaration_answer(declaration, status).response()


def if_match_holds(header: str, current: str) -> bool:
    """Whether an If-Match field value matches the current strong ETag: `*`, or a list naming it (strong
    comparison: a weak tag never matches)."""
    value = header.strip()
    if value == "*":
        return True
    position, tags = 0, []
    while position < len(value):
        found = _TAG.match(value, position)
        if found is None:
            return False  # not a list of entity tags
        tags.append((found.group(1) is None, f'"{found.group(2)}"'))
        position = found.end()
    return any(strong and tag == current for strong, tag in tags)
