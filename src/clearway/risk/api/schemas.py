"""Risk API shapes for rules, test-runs and watchlists (models, selection and decisions: `schemas_models`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from clearway.body import AwareRfc3339, Count

RuleChannel = Literal["blue", "yellow", "red"]
Direction = Literal["IM", "EX", "TR"]
WatchlistKind = Literal["trader", "seller", "address", "means"]
Severity = Literal["low", "medium", "high"]
OfficeCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,8}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=r"^[^\x00-\x1f]+$")]
Expression = Annotated[str, StringConstraints(min_length=1, max_length=4000, pattern=r"^[^\x00]+$")]
Reason = Annotated[str, StringConstraints(min_length=3, max_length=300, pattern=r"^[^\x00-\x1f]+$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")]
Version = Annotated[Count, Field(ge=1, le=1_000_000)]


class Strict(BaseModel):
    """Unknown fields are an error; text is stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RuleDraft(Strict):
    """A rule as an analyst writes it: the expression, what it selects for, where, when and why."""

    name: Name
    expression: Expression = Field(description="Rule language; see the risk engine documentation")
    channel: RuleChannel
    offices: list[OfficeCode] = Field(default_factory=list, max_length=50, description="Empty: every office")
    directions: list[Direction] = Field(default_factory=list, max_length=3, description="Empty: IM, EX and TR")
    valid_from: date | None = None
    valid_to: date | None = None
    priority: Count = Field(100, ge=1, le=1000, description="Higher first among hits of the same channel")
    reason: Reason = Field(description="Plain-language reason shown to the officer")

    @model_validator(mode="after")
    def _dates_in_order(self) -> RuleDraft:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class RuleEdit(RuleDraft):
    """A new version of a rule, made from the version the analyst was looking at."""

    base_version: Version


class RuleVersionRead(BaseModel):
    """One immutable version of a rule."""

    version: int
    expression: str
    channel: str
    offices: list[str]
    directions: list[str]
    valid_from: date | None
    valid_to: date | None
    priority: int
    reason: str
    created_by: str
    created_at: datetime


class RuleRead(BaseModel):
    """A rule, its latest version and the version in force."""

    id: int
    name: str
    version: int
    active_version: int | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    latest: RuleVersionRead
    evaluation_errors: int = Field(description="Evaluation errors counted by this process since it started")


class RulePage(BaseModel):
    """Every rule, newest first."""

    items: list[RuleRead]


class RuleVersionList(BaseModel):
    """Every version of a rule, newest first."""

    items: list[RuleVersionRead]


class RuleActivate(Strict):
    """Which version to put in force (the latest when absent)."""

    version: Version | None = None


class RuleCheck(Strict):
    """An expression to check without saving it."""

    expression: Expression


class RuleCheckRead(BaseModel):
    """A well-formed expression: the fields it reads and whether it is tested item by item."""

    valid: bool
    fields: list[str]
    per_item: bool


class TestRunRequest(Strict):
    """The history window to replay a rule version over (default: the last 90 days)."""

    version: Version | None = None
    date_from: date | None = None
    date_to: date | None = None
    limit: Count = Field(20_000, ge=1, le=50_000)


class TestRunRead(BaseModel):
    """What a rule would have done over stored declarations, and what controls found among its hits."""

    rule_id: int
    version: int
    window_from: date
    window_to: date
    evaluated: int
    truncated: bool
    hits: int
    hit_share: float
    errors: int
    outcomes_available: bool
    inspected_hits: int
    found: int
    hit_rate: float | None = Field(description="Share of inspected hits where the control found something")
    baseline_hit_rate: float | None = Field(description="The same share over every inspected declaration")
    revenue_found: str = Field(description="Revenue the controls of the rule's hits raised (decimal string)")
    sample: list[str] = Field(description="MRNs of the first hits")


class TestRunJobRead(BaseModel):
    """A queued test-run: its state, how far the worker has read, and the figures once it is done."""

    id: int
    rule_id: int
    version: int
    status: Literal["queued", "running", "done", "failed"]
    requested_by: str
    requested_at: datetime
    date_from: date
    date_to: date
    row_limit: int = Field(description="At most this many declarations are replayed")
    evaluated: int = Field(description="Declarations replayed so far")
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = Field(None, description="Problem code when the test-run failed")
    result: TestRunRead | None = Field(None, description="The figures, once the status is done")


class TestRunJobPage(BaseModel):
    """A rule's most recent test-runs, newest first."""

    items: list[TestRunJobRead]


class WatchlistDraft(Strict):
    """A watchlist entry: who or what, how closely a name must match, how serious, from where, until when."""

    kind: WatchlistKind
    name: Label = Field(description="Name, address, or identifier of the means of transport")
    party_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9 -]{2,35}$")] | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    threshold: Count = Field(90, ge=50, le=100, description="Similarity (0-100) a name needs to match")
    severity: Severity
    source: Label
    note: Annotated[str, StringConstraints(max_length=1000)] | None = None
    expires_at: AwareRfc3339 | None = None


class WatchlistRead(BaseModel):
    """A watchlist entry as stored."""

    id: int
    kind: str
    name: str
    party_id: str | None
    country: str | None
    threshold: int
    severity: str
    source: str
    note: str | None
    expires_at: datetime | None
    active: bool
    created_by: str
    created_at: datetime
    updated_at: datetime


class WatchlistPage(BaseModel):
    """Watchlist entries, newest first."""

    items: list[WatchlistRead]


class MatchRequest(Strict):
    """A name or identifier to try against one list."""

    kind: WatchlistKind
    text: Label


class MatchItem(BaseModel):
    """An entry a text matches, and how closely."""

    entry_id: int
    listed: str
    score: float
    severity: str


class MatchRead(BaseModel):
    """Every active, unexpired entry a text matches."""

    items: list[MatchItem]
