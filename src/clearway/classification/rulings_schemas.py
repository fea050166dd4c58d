"""Advance-ruling workflow shapes: a trader's request, the analyst's workbench and decision, past rulings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clearway.classification.schemas import SuggestResponse
from clearway.tariff.models import AdvanceRuling

Goods = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=512)]
Terms = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}(\d{2}){0,2}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=2000)]


class RulingRequestCreate(BaseModel):
    """A trader's request for a binding classification ruling on goods it describes."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"goods_description": "Men's T-shirts, 100% cotton, knitted, crew neck, model TS-200",
         "match_terms": "TS-200 t-shirt", "proposed_hs": "61091000"}]})

    goods_description: Goods
    match_terms: Terms = Field(description="Words an item description must all contain for the ruling to apply")
    proposed_hs: Code | None = None


class RulingDecision(BaseModel):
    """The analyst's decision: issue with a code (and optional dates), or refuse with a reason."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"outcome": "issue", "hs_code": "61091000", "justification": "GIR 1 and 6: knitted, of cotton"},
        {"outcome": "refuse", "justification": "The goods are not described well enough to classify"}]})

    outcome: Literal["issue", "refuse"]
    hs_code: Code | None = None
    valid_from: date | None = Field(None, description="Default: the day of the decision")
    valid_to: date | None = Field(None, description="Default: three years after valid_from")
    justification: Text | None = None


class RulingItemRead(BaseModel):
    """A ruling as the queue and the workbench show it."""

    reference: str
    holder_id: str
    status: str
    goods_description: str
    match_terms: str
    proposed_hs: str | None
    hs_code: str | None
    valid_from: date | None
    valid_to: date | None
    justification: str | None
    requested_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, ruling: AdvanceRuling) -> RulingItemRead:
        """The read shape of a stored ruling."""
        return cls(reference=ruling.reference, holder_id=ruling.holder_id, status=ruling.status,
                   goods_description=ruling.goods_description, match_terms=ruling.match_terms,
                   proposed_hs=ruling.proposed_hs, hs_code=ruling.hs_code, valid_from=ruling.valid_from,
                   valid_to=ruling.valid_to, justification=ruling.justification, requested_at=ruling.requested_at,
                   decided_at=ruling.decided_at)


class NearRulingRead(BaseModel):
    """An issued ruling whose goods are near the request's, by embedding cosine."""

    reference: str
    goods_description: str
    hs_code: str
    similarity: float = Field(ge=-1, le=1)


class RulingWorkbenchRead(BaseModel):
    """What the analyst decides from: the request, the assistant's suggestions and the nearest past rulings."""

    ruling: RulingItemRead
    assistant: SuggestResponse
    similar: list[NearRulingRead]


class RulingPage(BaseModel):
    """A list of rulings, the oldest request first."""

    items: list[RulingItemRead]
