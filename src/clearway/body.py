"""Reading raw JSON bodies ourselves, so validation can report every problem in one answer."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import Request
from pydantic import AwareDatetime, BaseModel, BeforeValidator
from pydantic_core import PydanticCustomError

from clearway.errors import DomainError, Problem, ValidationFailed

_RFC3339_START = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _rfc3339_only(value: Any) -> Any:
    # pydantic would read 0.5 or "1700000000" as Unix seconds: the contract says RFC 3339 text.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339_START.match(value):
        raise PydanticCustomError("datetime_type", "an RFC 3339 date-time is expected")
    return value


def _no_bool(value: Any) -> Any:
    # JSON true is not the number 1; strings of digits stay accepted for forms and bulk files.
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "a number is expected, not a boolean")
    return value


Rfc3339 = Annotated[datetime, BeforeValidator(_rfc3339_only)]
AwareRfc3339 = Annotated[AwareDatetime, BeforeValidator(_rfc3339_only)]
Count = Annotated[int, BeforeValidator(_no_bool)]
Number = Annotated[float, BeforeValidator(_no_bool)]


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


def _nul_pointers(value: Any, path: str, found: list[str], budget: list[int]) -> None:
    budget[0] -= 1
    if budget[0] < 0 or len(found) >= 20:
        return
    if isinstance(value, str):
        if "\x00" in value:
            found.append(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                found.append(path + "/" + key.replace("\x00", ""))
            _nul_pointers(item, f"{path}/{key.replace('~', '~0').replace('/', '~1')}", found, budget)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _nul_pointers(item, f"{path}/{i}", found, budget)


async def raw_json(request: Request) -> Any:
    """The parsed JSON body; 415 for another media type, 400 when it does not parse."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/json", "") and not content_type.endswith("+json"):
        raise UnsupportedMediaType([Problem("body.media_type", "", {"value": content_type[:80]})])
    data = await request.body()
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise MalformedBody([Problem("body.malformed", "", {})]) from None
    if b"\\u0000" in data:
        # No text column anywhere may hold NUL (PostgreSQL refuses it): say where it is.
        found: list[str] = []
        _nul_pointers(parsed, "", found, [100_000])
        if found:
            raise ValidationFailed([Problem("text.nul_character", p, {}) for p in found])
    return parsed


def json_body_spec(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI `openapi_extra` declaring a JSON request body of a model (added to components)."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}}


# Text parameters outside JSON bodies (query strings, form fields) may not carry control characters.
SAFE_TEXT = r"^[^\x00-\x1f\x7f]*$"
