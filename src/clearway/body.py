"""Reading raw JSON bodies ourselves, so validation can report every problem in one answer."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from pydantic import BaseModel

from clearway.errors import DomainError, Problem


class MalformedBody(DomainError):
    """The body is not JSON, or not of a type this endpoint reads."""

    status = 400
    slug = "malformed-json"
    title_code = "problem.malformed_json"


class UnsupportedMediaType(DomainError):
    """The body is not sent as application/json."""

    status = 415
    slug = "unsupported-media-type"
    title_code = "problem.unsupported_media_type"


async def raw_json(request: Request) -> Any:
    """The parsed JSON body; 415 for another media type, 400 when it does not parse."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/json", "") and not content_type.endswith("+json"):
        raise UnsupportedMediaType([Problem("body.media_type", "", {"value": content_type[:80]})])
    data = await request.body()
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        raise MalformedBody([Problem("body.malformed", "", {})]) from None


def json_body_spec(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI `openapi_extra` declaring a JSON request body of a model (added to components)."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}}
