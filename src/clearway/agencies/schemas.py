"""Shapes of the single-window API: agencies, permit applications and permits, referrals, joint inspections."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from clearway.agencies.models import JointInspection, Permit, Referral
from clearway.agencies.permits import remaining
from clearway.body import Rfc3339

DecimalStr = Annotated[str, StringConstraints(pattern=r"^\d{1,15}(\.\d{1,6})?$", max_length=22)]
NO_NUL = r"^[^\x00]*$"  # no text column may hold NUL (PostgreSQL refuses it): a 422, not a 500
Text = Annotated[str, StringConstraints(min_length=3, max_length=2000, strip_whitespace=True, pattern=NO_NUL)]
Note = Annotated[str, StringConstraints(max_length=2000, pattern=NO_NUL)]
AgencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{1,15}$")]
LpcoCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9-]{1,15}$")]
HsPrefix = Annotated[str, StringConstraints(pattern=r"^\d{2}(\d{2}){0,4}$")]


class Strict(BaseModel):
    """Requests: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(Decimal(value).normalize(), "f")


class AgencyRead(BaseModel):
    """A live agency as every user may see it: what it regulates and issues, its target, how it is reached."""

    code: str
    name: str
    service_level_minutes: int
    reach: str
    decisions: list[str]
    lpco: list[dict[str, Any]]
    competence: list[dict[str, Any]]


class AgencyList(BaseModel):
    """The live agencies."""

    items: list[AgencyRead]


class PermitApply(Strict):
    """A trader's application for an LPCO (licence, permit, certificate or other document)."""

    agency: AgencyCode
    lpco: LpcoCode
    hs_prefixes: list[HsPrefix] = Field(min_length=1, max_length=20)
    origin: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    quantity: DecimalStr | None = None
    unit: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,3}$")] | None = None
    value: DecimalStr | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    purpose: Text


class PermitDecision(Strict):
    """The agency's decision on an application: approved (amounts, validity, conditions), refused, or info asked."""

    outcome: Literal["approved", "refused", "info_requested"]
    quantity: DecimalStr | None = None
    value: DecimalStr | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    conditions: Note | None = None
    reason: Note | None = None


class PermitAnswer(Strict):
    """The trader's answer to an information request."""

    purpose: Text


class PermitRead(BaseModel):
    """An application or permit with its balance (amounts as decimal strings)."""

    number: str
    agency: str
    lpco: str
    holder: str
    status: str
    hs_prefixes: list[str]
    origin: str | None
    unit: str | None
    currency: str | None
    requested_quantity: str | None
    requested_value: str | None
    quantity: str | None
    value: str | None
    quantity_left: str | None
    value_left: str | None
    valid_from: date | None
    valid_to: date | None
    conditions: str | None
    reason: str | None
    purpose: str
    applied_at: datetime
    decided_at: datetime | None

    @classmethod
    def of(cls, p: Permit) -> PermitRead:
        """The API shape of a permit row."""
        left_q, left_v = remaining(p) if p.status == "approved" else (None, None)
        return cls(number=p.number, agency=p.agency, lpco=p.lpco, holder=p.holder, status=p.status,
                   hs_prefixes=list(p.hs_prefixes), origin=p.origin, unit=p.unit, currency=p.currency,
                   requested_quantity=_money(p.requested_quantity), requested_value=_money(p.requested_value),
                   quantity=_money(p.quantity), value=_money(p.value), quantity_left=_money(left_q),
                   value_left=_money(left_v), valid_from=p.valid_from, valid_to=p.valid_to, conditions=p.conditions,
                   reason=p.reason, purpose=p.purpose, applied_at=p.applied_at, decided_at=p.decided_at)


class PermitList(BaseModel):
    """Permits and applications the caller may see."""

    items: list[PermitRead]


class ReferralDecision(Strict):
    """An agency's decision on one referred item."""

    decision: Literal["release", "refuse", "conditions", "sample", "joint_inspection"]
    reason: Note | None = None
    conditions: Note | None = None


class ReferralRead(BaseModel):
    """A referral with only the declaration data the agency's profile permits."""

    id: int
    mrn: str
    agency: str
    item: int = Field(description="1-based item number")
    basis: str
    data: dict[str, Any]
    created_at: datetime
    due_at: datetime
    overdue: bool
    decision: str | None
    reason: str | None
    conditions: str | None
    decided_at: datetime | None
    decided_by: str | None
    fallback: str | None
    post_release_task: bool
    superseded: bool

    @classmethod
    def of(cls, r: Referral, now: datetime) -> ReferralRead:
        """The API shape of a referral row (overdue as of now while it waits)."""
        late = r.overdue or (r.decision is None and r.due_at < now)
        return cls(id=r.id, mrn=r.mrn, agency=r.agency, item=r.item + 1, basis=r.basis, data=r.data,
                   created_at=r.created_at, due_at=r.due_at, overdue=late, decision=r.decision, reason=r.reason,
                   conditions=r.conditions, decided_at=r.decided_at, decided_by=r.decided_by, fallback=r.fallback,
                   post_release_task=r.post_release_task, superseded=r.superseded)


class ReferralList(BaseModel):
    """A page of the inbox."""

    items: list[ReferralRead]


class JointBook(Strict):
    """One appointment and place for customs and every agency that asked."""

    at: Rfc3339
    place: Annotated[str, StringConstraints(min_length=2, max_length=200, pattern=NO_NUL)]


class JointFinding(Strict):
    """One party's part of the joint inspection's findings."""

    result: Literal["compliant", "non_compliant", "sample_taken"]
    note: Note | None = None


class JointRead(BaseModel):
    """The joint inspection of a declaration: one appointment, one place, one set of findings by party."""

    mrn: str
    at: datetime
    place: str
    booked_by: str
    findings: dict[str, Any]

    @classmethod
    def of(cls, j: JointInspection, mrn: str) -> JointRead:
        """The API shape of a joint inspection."""
        return cls(mrn=mrn, at=j.at, place=j.place, booked_by=j.booked_by, findings=dict(j.findings))


class IntervalRead(BaseModel):
    """Processing times of one agency (minutes)."""

    agency: str
    kind: Literal["referral_to_decision", "application_to_permit"]
    count: int
    median_min: float | None
    p90_min: float | None
    within_10_min_share: float | None
    open: int
    overdue: int


class PerformanceRead(BaseModel):
    """Agency processing times as time-release intervals."""

    since: datetime
    items: list[IntervalRead]

    @classmethod
    def of_rows(cls, since: datetime, rows: list[dict[str, Any]]) -> PerformanceRead:
        """The API shape of the selector's rows."""
        return cls(since=since, items=[IntervalRead(**r) for r in rows])
