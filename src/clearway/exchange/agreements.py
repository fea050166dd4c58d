"""Agreements as code: per partner, which documents and fields may go each way, for which purposes, how long
they are kept, whether reciprocity applies, and the legal basis. Checked on every message in and out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

DOC_TYPES = ("export_declaration", "aeo_list", "assistance_request", "assistance_reply", "test")


class DocumentTerms(BaseModel):
    """The fields (dotted paths into the payload; `items.hs_code` inside each item) permitted each way."""

    model_config = ConfigDict(extra="forbid")

    out: list[str] = Field(default_factory=list, max_length=200)
    into: list[str] = Field(default_factory=list, max_length=200, alias="in")


class Agreement(BaseModel):
    """The terms under which two administrations exchange data."""

    model_config = ConfigDict(extra="forbid")

    legal_basis: str = Field(min_length=3, max_length=300)
    purposes: list[str] = Field(min_length=1, max_length=20)
    retention_days: int = Field(ge=1, le=3650)
    reciprocity: bool = True
    documents: dict[str, DocumentTerms]


def _allowed(path: str, permitted: set[str]) -> bool:
    return path in permitted or any(p.startswith(path + ".") for p in permitted)


def fields_filter(value: Any, permitted: set[str], prefix: str = "") -> tuple[Any, list[str]]:
    """The value with only the permitted paths kept, and the paths that were dropped."""
    if isinstance(value, list):
        kept_items: list[Any] = []
        dropped_items: list[str] = []
        for element in value:
            k, d = fields_filter(element, permitted, prefix)
            kept_items.append(k)
            dropped_items += [x for x in d if x not in dropped_items]
        return kept_items, dropped_items
    if not isinstance(value, dict):
        return value, []
    out: dict[str, Any] = {}
    dropped: list[str] = []
    for key, inner in value.items():
        path = f"{prefix}{key}"
        if path in permitted:
            out[key] = inner
        elif _allowed(path, permitted) and isinstance(inner, dict | list):
            out[key], more = fields_filter(inner, permitted, path + ".")
            dropped += more
        else:
            dropped.append(path)
    return out, dropped


def outbound_check(*, agreement: dict[str, Any] | Agreement, accepts: list[str], doc_type: str, purpose: str,
                   payload: dict[str, Any]) -> tuple[dict[str, Any], list[str], list[str]]:
    """(payload cut to what may be sent, dropped fields, refusal codes) for a message to a partner."""
    terms = agreement if isinstance(agreement, Agreement) else Agreement.model_validate(agreement)
    document = terms.documents.get(doc_type)
    reasons = []
    if document is None or not document.out:
        reasons.append("exchange.doc_type_not_permitted")
    elif doc_type not in accepts:
        reasons.append("exchange.doc_type_not_accepted")
    elif terms.reciprocity and not document.into:
        reasons.append("exchange.not_reciprocal")
    if purpose not in terms.purposes:
        reasons.append("exchange.purpose_not_permitted")
    if reasons or document is None:
        return {}, [], reasons
    kept, dropped = fields_filter(payload, set(document.out))
    return kept, dropped, []


def inbound_check(*, agreement: dict[str, Any] | Agreement, sends: list[str], doc_type: str, purpose: str,
                  payload: dict[str, Any]) -> list[str]:
    """Refusal codes for a message from a partner (empty when the agreement permits it)."""
    terms = agreement if isinstance(agreement, Agreement) else Agreement.model_validate(agreement)
    document = terms.documents.get(doc_type)
    if document is None or not document.into or doc_type not in sends:
        return ["exchange.doc_type_not_permitted"]
    reasons = []
    if purpose not in terms.purposes:
        reasons.append("exchange.purpose_not_permitted")
    _, dropped = fields_filter(payload, set(document.into))
    if dropped:
        reasons.append("exchange.field_not_permitted")
    return reasons
