"""Enforcement API shapes: cases, leads and the FIU referral package."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from clearway.body import Number

Marking = Literal["TLP:RED", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:GREEN"]


class LeadCreate(BaseModel):
    """A lead to add to a case."""

    kind: Literal["price", "mirror", "shared_attributes", "circular", "phantom", "newcomer", "indicator"]
    score: Number = Field(ge=0, le=1e15)
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


class CaseUpdate(BaseModel):
    """What an analyst may change on a case: wording, marking, and closing it (closing replaces deleting)."""

    title: str | None = Field(default=None, min_length=3, max_length=200)
    notes: str | None = Field(default=None, max_length=4000)
    marking: Marking | None = None
    status: Literal["closed"] | None = None


class CaseSummary(BaseModel):
    """A case in a list."""

    reference: str
    title: str
    status: str
    marking: str
    opened_at: datetime
    referred_at: datetime | None
    leads: int


class CaseList(BaseModel):
    """Cases the caller may see."""

    items: list[CaseSummary]


class Money(BaseModel):
    """A Decimal amount as a string with its ISO 4217 code."""

    amount: str
    currency: str


class Comparable(BaseModel):
    """One earlier transaction of the same goods, origin and currency, anonymised."""

    ref: str
    period: str
    unit_value_kg: Money
    unit_value_unit: Money | None
    kept: bool


class Bin(BaseModel):
    """A bar of the price distribution (per kg); `this` marks the declaration's own bar."""

    low: Money
    high: Money
    count: int
    this: bool


class ItemEvidence(BaseModel):
    """One item's price evidence: its price, the reference from earlier lines, spread, n and deviation."""

    item: int
    hs6: str
    origin: str
    unit: str
    unit_value_kg: Money | None
    unit_value_unit: Money | None
    reference_kg: Money | None
    reference_unit: Money | None
    spread: float | None = Field(description="robust spread of log unit value (1.4826 × MAD)")
    n: int = Field(description="transactions behind the reference, after the trim")
    trimmed: int
    deviation: float | None = Field(description="spreads from the reference: + dearer, - cheaper")
    ratio: float | None = Field(description="this price per kg / the reference per kg")
    comparables: list[Comparable]
    distribution: list[Bin]


class PriceEvidence(BaseModel):
    """A declaration's price evidence: a targeting signal, never a reason to reject the transaction value."""

    mrn: str
    currency: str
    items: list[ItemEvidence]


class LeadFound(BaseModel):
    """A computed, ranked lead with the key to open a case from it."""

    key: str
    kind: str
    score: float
    parties: list[str]
    explanation: str
    evidence: dict[str, Any]


class LeadFoundList(BaseModel):
    """The ranked leads."""

    items: list[LeadFound]


class CaseFromLeads(BaseModel):
    """Open a case from computed leads, by their keys."""

    title: str = Field(min_length=3, max_length=200)
    marking: Marking = "TLP:AMBER"
    keys: list[str] = Field(min_length=1, max_length=50)
