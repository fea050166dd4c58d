"""Turning pydantic validation errors into Clearway problems with stable codes and pointers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from clearway.errors import Problem

_DECIMAL_FIELDS = {"net_mass_kg", "gross_mass_kg", "value", "invoice_total", "freight", "insurance"}

_CODES = {
    "missing": "field.required",
    "extra_forbidden": "field.unknown",
    "string_too_short": "field.length",
    "string_too_long": "field.length",
    "string_pattern_mismatch": "field.format",
    "literal_error": "field.choice",
    "enum": "field.choice",
    "too_short": "field.count",
    "too_long": "field.count",
    "greater_than": "field.range",
    "greater_than_equal": "field.range",
    "less_than": "field.range",
    "less_than_equal": "field.range",
    "json_invalid": "body.malformed",
    "datetime_parsing": "field.datetime",
    "datetime_from_date_parsing": "field.datetime",
    "datetime_type": "field.datetime",
    "timezone_aware": "field.datetime",
}


def pointer(loc: Sequence[Any]) -> str:
    """A JSON pointer (RFC 6901) from a pydantic location."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in loc)


def _code(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    loc = err.get("loc", ())
    if kind == "string_pattern_mismatch" and loc:
        last = str(loc[-1])
        if last in _DECIMAL_FIELDS or (last == "value" and len(loc) > 1 and loc[-2] == "quantity"):
            return "decimal.format"
        if last == "hs_code":
            return "hs_code.format"
    if kind.endswith("_type") and kind not in _CODES:
        return "field.type"
    return _CODES.get(kind, "field.invalid")


def from_pydantic(errors: Iterable[dict[str, Any]], strip: int = 0) -> list[Problem]:
    """Problems from pydantic errors; `strip` drops leading location parts such as 'body'."""
    problems = []
    for err in errors:
        loc = tuple(err.get("loc", ()))[strip:]
        params: dict[str, Any] = {"field": str(loc[-1]) if loc else "body"}
        ctx = err.get("ctx") or {}
        for key in ("min_length", "max_length", "pattern", "expected", "ge", "le", "gt", "lt"):
            if key in ctx:
                params[key] = str(ctx[key])
        problems.append(Problem(_code(err), pointer(loc), params))
    return problems
