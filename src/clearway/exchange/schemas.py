"""Shapes of the exchange API: what partners post (envelopes, pull requests, receipts) and what staff read."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from clearway.body import Count, Rfc3339

BusinessId = Field(min_length=1, max_length=80, pattern=r"^[\x21-\x7e]+$")


class EnvelopeBatch(BaseModel):
    """Envelopes pushed by a partner, applied in the order given."""

    envelopes: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


class ReceiptBatch(BaseModel):
    """Signed receipts, one per envelope."""

    receipts: list[dict[str, Any]] = Field(max_length=1000)


class PulledBatch(BaseModel):
    """Envelopes held for the partner that pulled."""

    envelopes: list[dict[str, Any]]


class AckRead(BaseModel):
    """How many acknowledgements settled a message, held it, or were ignored (unsigned, forged or stray)."""

    settled: int
    held: int
    refused: int
    ignored: int


class KeysRead(BaseModel):
    """Our administration's code and its valid public keys (JWK, Ed25519)."""

    party: str
    keys: list[dict[str, Any]]


class MessageCreate(BaseModel):
    """A message to a partner; fields its agreement does not permit are cut before signing."""

    model_config = ConfigDict(extra="forbid")

    doc_type: str = Field(min_length=1, max_length=40)
    business_id: str = BusinessId
    version: Count = Field(default=1, ge=1, le=1_000_000)
    purpose: str = Field(min_length=1, max_length=40)
    payload: dict[str, Any]


class MessageRead(BaseModel):
    """One message sent to or received from a partner, and where it stands."""

    id: int
    direction: str
    partner: str
    stream: str
    seq: int
    doc_type: str
    business_id: str
    version: int
    state: str
    reasons: list[str]
    attempts: int | None = None
    last_error: str | None = None
    created_at: datetime
    settled_at: datetime | None = None


class MessagePage(BaseModel):
    """Messages, newest first; pass `next_before` as `before` for the next page."""

    items: list[MessageRead]
    next_before: int | None


class Counts(BaseModel):
    """Messages by state."""

    pending: int = 0
    received: int = 0
    accepted: int = 0
    rejected: int = 0


class PartnerRead(BaseModel):
    """A partner administration with its exchange figures."""

    code: str
    name: str
    endpoint: str | None
    active: bool
    pull: bool
    sends: list[str]
    accepts: list[str]
    agreement: dict[str, Any]
    sent: Counts
    received: Counts
    failing: int = Field(description="Unsettled messages whose last attempt failed")
    lag_p95_s: float | None = Field(description="p95 of queue-to-settlement time of recent outgoing messages")
    oldest_pending_s: float | None
    error_rate: float = Field(description="Share of recent messages rejected or failing, both ways")


class PreArrivalRisk(BaseModel):
    """Our risk engine's decision on a partner's export declaration, made on its arrival."""

    state: Literal["scored", "not_scored"]
    channel: str | None = Field(description="The channel the goods would get if lodged now (scored only)")
    score: float | None = Field(description="The promoted model's fraud probability (none without a model)")
    model_version: str | None
    engine: str | None
    reasons: list[dict[str, Any]] = Field(description="The channel reasons, as lodging stores them")
    rule_hits: list[dict[str, Any]]
    error: str | None = Field(description="Why it is not scored: exchange.risk_degraded (with the engine's "
                                          "cause), exchange.risk_failed, exchange.risk_not_run")
    cause: str | None
    scored_at: datetime | None


class PreArrivalRead(BaseModel):
    """A partner's export declaration kept as pre-arrival data, with our risk engine's view of it."""

    id: int
    sender: str
    export_mrn: str
    ucr: str | None
    version: int
    items: int
    received_at: datetime
    risk: PreArrivalRisk


class PreArrivalPage(BaseModel):
    """Pre-arrival records, newest first."""

    items: list[PreArrivalRead]
    next_before: int | None = None


class MirrorFinding(BaseModel):
    """One difference beyond tolerance between the partner's export and our import (item: None for totals)."""

    code: str
    item: int | None = None
    import_value: str | None = Field(None, alias="import")
    export_value: str | None = Field(None, alias="export")
    gap: str | None = Field(None, description="Relative gap, |import − export| / export")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class MirrorRead(BaseModel):
    """A line of the mirror report: our import set against the partner's export declaration it refers to."""

    id: int
    import_mrn: str
    sender: str
    export_mrn: str
    matched_by: str = Field(description="export_mrn or ucr: the shared key that matched")
    gap: bool
    findings: list[MirrorFinding]
    checked_at: datetime
    found_on: str = Field(description="import: found when the import was lodged (selection saw it); export: "
                                      "found when the partner's export arrived after the import")
    review: str = Field(description="open, acknowledged or escalated")
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    control_task_id: int | None = Field(default=None, description="The control (task id) the escalation opened on "
                                                                  "the import declaration; it holds the goods")


class MirrorReview(BaseModel):
    """An officer's decision on a mirror line: seen and explained (acknowledged), or sent on (escalated)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Literal["acknowledged", "escalated"]
    note: str = Field(min_length=3, max_length=1000, description="Why: what explains the gap, or what to do")


class MirrorPage(BaseModel):
    """Mirror report lines, newest first, and how many show a gap in all."""

    items: list[MirrorRead]
    gaps: int
    total: int


class AssistanceCreate(BaseModel):
    """A request for assistance to a partner (WTO TFA art. 12): on which legal basis, for which purpose, about
    which declarations, what is asked, and by when the answer is due."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    legal_basis: str = Field(min_length=3, max_length=300, description="The provision the request rests on")
    purpose: str = Field(min_length=1, max_length=40, description="One of the agreement's purposes")
    subject: str = Field(min_length=3, max_length=200)
    questions: str = Field(min_length=3, max_length=20_000, description="What is asked of the partner")
    references: list[str] = Field(default_factory=list, max_length=50,
                                  description="Declarations concerned (MRNs, ours or the partner's)")
    deadline: Rfc3339 = Field(description="When the answer is due (UTC), within a year")


class AssistanceReply(BaseModel):
    """The answer to a partner's request, or why it is declined (TFA art. 12.6/12.7)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: Literal["answered", "declined"]
    answer: str = Field(min_length=3, max_length=20_000)
    documents: list[dict[str, Any]] = Field(default_factory=list, max_length=100,
                                            description="What is given: e.g. {type, reference, summary}")


class AssistanceRead(BaseModel):
    """A request for assistance as this side records it: what was asked, and what was given."""

    id: int
    partner: str
    direction: str = Field(description="out: we asked the partner; in: the partner asked us")
    reference: str
    legal_basis: str
    purpose: str
    subject: str
    questions: str
    references: list[str]
    deadline: datetime
    state: str = Field(description="open, answered or declined")
    overdue: bool = Field(description="Still open past its deadline")
    answer: str | None
    documents: list[dict[str, Any]]
    requested_by: str
    replied_by: str | None
    created_at: datetime
    replied_at: datetime | None
