"""Enforcement API shapes: cases, leads and the FIU referral package."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Marking = Literal["TLP:RED", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:GREEN"]


class LeadCreate(BaseModel):
    """A lead to add to a case."""

    kind: Literal["price", "mirror", "shared_attributes", "circular", "phantom", "newcomer", "indicator"]
    score: float = Field(ge=0, le=1e15)
    explanation: str = Field(min_length=1, max_length=1000)
    parties: list[str] = Field(default_factory=list, max_length=200)
    evidence: dict[str, Any] = Field(default_factory=dict)


class CaseCreate(BaseModel):
    """Open a case."""

    title: str = Field(min_length=3, max_length=200)
    marking: Marking = "TLP:AMBER"
    notes: str = Field(default="", max_length=4000)
    leads: list[LeadCreate] = Field(default_factory=list, max_length=100)


class LeadRead(LeadCreate):
    """A stored lead."""

    id: int
    added_at: datetime


class CaseRead(BaseModel):
    """A case with its leads."""

    reference: str
    title: str
    status: str
    marking: str
    opened_by: str
    opened_at: datetime
    referred_at: datetime | None
    notes: str
    leads: list[LeadRead]


class Referral(BaseModel):
    """The structured package sent to the financial intelligence unit (schema: Referral.model_json_schema())."""

    schema_version: Literal["clearway.fiu-referral/1"] = "clearway.fiu-referral/1"
    marking: str
    case: CaseRead
    indicators: list[str]
    parties: list[str]
    generated_at: datetime
