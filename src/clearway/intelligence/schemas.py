"""Intelligence API shapes: alerts with their handling, dissemination, consents, actions and outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from clearway.body import Count

SUBJECT_TYPES = ("trader", "person", "vehicle", "container", "vessel", "route", "goods", "modus_operandi")
OUTCOMES = ("seizure", "hit", "no_hit", "not_controlled")
SOURCE_GRADES = ("A", "B", "C", "D", "E")
INFO_GRADES = ("1", "2", "3", "4", "5")
RecipientKey = str  # org:<code> | office:<code> | user:<username> | partner:<code>; checked by the service


class AlertCreate(BaseModel):
    """An alert or report to create; the marking and recipients are checked by the service (fail closed)."""

    kind: Literal["alert", "report"] = "alert"
    subject_type: Literal["trader", "person", "vehicle", "container", "vessel", "route", "goods",
                          "modus_operandi"]
    subject_value: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20000)
    source_ref: str = Field(min_length=1, max_length=40)
    source_grade: Literal["A", "B", "C", "D", "E"]
    info_grade: Literal["1", "2", "3", "4", "5"]
    marking: str = Field(min_length=1, max_length=12)
    purposes: list[str] = Field(min_length=1, max_length=4)
    recipients: list[RecipientKey] = Field(default_factory=list, max_length=100)
    valid_days: Count = Field(default=30, ge=1, le=366)
    hold_goods: bool = False


class RecipientsAdd(BaseModel):
    """Recipients to pass an alert on to (a forward: each is checked against the marking)."""

    recipients: list[RecipientKey] = Field(min_length=1, max_length=100)


class ConsentCreate(BaseModel):
    """The originator's consent to one action beyond the marking, for one recipient key."""

    action: Literal["forward", "export", "print"]
    key: RecipientKey = Field(min_length=3, max_length=80)
    note: str | None = Field(default=None, max_length=500)


class ActionCreate(BaseModel):
    """Target a declaration (by MRN) or a party (by its id) with an alert; `hold` keeps matching goods."""

    target: Literal["declaration", "party"]
    mrn: str | None = Field(default=None, pattern=r"^[0-9A-Z]{18}$")
    party_id: str | None = Field(default=None, min_length=1, max_length=17)
    hold: bool = True
    note: str | None = Field(default=None, max_length=500)


class OutcomeCreate(BaseModel):
    """What came of an alert on one declaration, reported back to the originator."""

    mrn: str = Field(pattern=r"^[0-9A-Z]{18}$")
    outcome: Literal["seizure", "hit", "no_hit", "not_controlled"]
    note: str | None = Field(default=None, max_length=500)


class ConversionCreate(BaseModel):
    """Turn an alert into a watchlist entry or a time-boxed enhanced control (a rule), lifted after `days`."""

    into: Literal["watchlist", "enhanced_control"]
    days: Count = Field(default=14, ge=1, le=90, description="Lifted automatically after this many days")
    channel: Literal["yellow", "red"] = Field(default="red", description="Enhanced control: the control level")
    severity: Literal["low", "medium", "high"] = Field(default="high", description="Watchlist entry: severity")


class DerivedRead(BaseModel):
    """A watchlist entry or enhanced control made from an alert: its marking (the strictest of its sources)."""

    reference: str
    alert: str
    kind: str  # watchlist | rule
    target_id: int
    marking: str
    status: str  # active | lifted
    expires_at: datetime | None
    lifted_at: datetime | None
    lifted_by: str | None
    created_by: str
    created_at: datetime


class WatchRead(BaseModel):
    """Whether a subject is watched, as this reader may know it: only through alerts its marking lets it read."""

    subject_type: str
    subject_value: str
    purpose: str
    watched: bool
    alerts: list[str] = Field(default_factory=list, description="The readable alerts the subject is watched for")
    marking: str | None = None  # the watchlist entry's (the strictest of all its sources)
    until: datetime | None = None  # the latest expiry among the readable sources


class FeedbackTaskRead(BaseModel):
    """An overdue feedback task: the alert whose outcome its owner was to report by `due_at`."""

    reference: str
    marking: str
    role: str  # recipient (owes the outcome) | originator (follows it up)
    owner: str
    due_at: datetime
    raised_at: datetime
    days_overdue: int


class FeedbackTaskList(BaseModel):
    """The caller's overdue feedback tasks for the purpose it states."""

    purpose: str
    items: list[FeedbackTaskRead]


class AttachmentRead(BaseModel):
    """A file attached to an alert (its bytes come only through an audited download the marking allows)."""

    id: int
    name: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str | None
    uploaded_at: datetime | None


class RecipientRead(BaseModel):
    """A recipient of an alert and whether it acknowledged receipt."""

    key: str
    added_by: str
    added_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class ActionRead(BaseModel):
    """An action taken on an alert."""

    id: int
    target: str
    mrn: str | None
    party_id: str | None
    hold: bool
    status: str
    note: str | None
    created_by: str
    created_at: datetime


class OutcomeRead(BaseModel):
    """An outcome reported on one declaration."""

    mrn: str
    outcome: str
    note: str | None
    recorded_by: str
    recorded_at: datetime


class AlertSummary(BaseModel):
    """An alert as a list shows it: no subject value and no text (those are read, and audited, one by one)."""

    reference: str
    kind: str
    subject_type: str
    marking: str
    source_grade: str
    info_grade: str
    originator_org: str
    status: str
    valid_to: datetime
    hold_goods: bool
    created_at: datetime
    outcomes: int
    acknowledged: bool | None  # for a recipient: has it acknowledged; None when not a recipient


class AlertList(BaseModel):
    """The alerts the caller may read for the stated purpose."""

    purpose: str
    items: list[AlertSummary]


class AlertRead(BaseModel):
    """One alert in full, as its marking lets this reader see it (every such read is audited)."""

    reference: str
    kind: str
    subject_type: str
    subject_value: str
    text: str
    source_ref: str
    source_grade: str
    info_grade: str
    marking: str
    purposes: list[str]
    originator_org: str
    originator_user: str
    valid_from: datetime
    valid_to: datetime
    hold_goods: bool
    status: str
    created_at: datetime
    recipients: list[RecipientRead]
    actions: list[ActionRead]
    outcomes: list[OutcomeRead]
    may: dict[str, bool]  # forward / export / print for this reader and purpose, as the marking decides
    derived: list[DerivedRead] = Field(default_factory=list)
    attachments: list[AttachmentRead] = Field(default_factory=list)


class ConsentRead(BaseModel):
    """A recorded consent."""

    action: str
    key: str
    granted_by: str
    note: str | None
    granted_at: datetime


class HitRate(BaseModel):
    """Alerts of one source, originating organisation or alert type, the declarations they concerned, how many
    were controlled and how many controls found something; the find rate with its 95 % Wilson interval."""

    key: str
    alerts: int
    declarations: int  # declarations with an outcome reported (controlled or not)
    controlled: int  # of those, controlled (hit, seizure or no hit)
    finds: int  # of those, a hit or a seizure
    rate: float | None  # finds / controlled; None when nothing was controlled
    low: float | None
    high: float | None


class HitRates(BaseModel):
    """Hit rates of the alerts the caller may read for the purpose, grouped by source, originator or type."""

    purpose: str
    by: str
    rows: list[HitRate]


class DeclarationChoice(BaseModel):
    """A declaration an alert concerned (acted on against it, or its subject matched), offered for its outcome."""

    mrn: str
    status: str
    lodged_at: datetime
    acted: bool  # targeted by an action on the alert (else: its subject matched)


class SeizureCreate(BaseModel):
    """Publish a controls enforcement case as a non-nominal CEN seizure record, with its marking."""

    case: str = Field(min_length=3, max_length=32, description="The enforcement case's reference (EC-...)")
    marking: str = Field(default="GREEN", min_length=1, max_length=12,
                         description="At least as strict as the alerts that led to the seizure (raised if not)")
    purposes: list[str] = Field(default_factory=lambda: ["risk_targeting", "investigation", "policy"],
                                min_length=1, max_length=4)


class CaseAlert(BaseModel):
    """An alert behind a seizure, as a picker names it: its reference, marking and subject (never its text)."""

    reference: str
    marking: str
    subject_type: str
    subject_value: str


class CaseChoice(BaseModel):
    """An enforcement case the caller may publish, its declaration, and the alerts behind it the caller may read."""

    reference: str
    mrn: str
    opened_at: datetime
    alerts: list[CaseAlert]


class SeizureRead(BaseModel):
    """A CEN seizure record: its marking and the CEN fields (no person or firm identifier)."""

    reference: str
    marking: str
    purposes: list[str]
    originator_org: str
    created_at: datetime
    record: dict[str, Any]


class SeizureList(BaseModel):
    """The seizure records the caller may read for the purpose."""

    purpose: str
    items: list[SeizureRead]


class PartnerSend(BaseModel):
    """Send an alert to a partner administration through the exchange, for a purpose of its agreement."""

    partner: str = Field(pattern=r"^[A-Z0-9]{2,8}$")
    exchange_purpose: str = Field(min_length=2, max_length=40, pattern=r"^[a-z_]+$",
                                  description="A purpose the partner's agreement permits")


class PartnerSent(BaseModel):
    """The queued exchange message carrying the alert."""

    reference: str
    partner: str
    doc_type: str
    seq: int
    state: str
