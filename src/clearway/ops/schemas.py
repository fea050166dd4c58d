"""Status API models: components and their health, notices with updates, a trader's subscription."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from clearway.body import SAFE_TEXT, Rfc3339

# What the status page reports on, in the order it shows them; notices name the ones they affect.
COMPONENTS = ("api", "database", "worker", "risk", "outbound")
Component = Literal["api", "database", "worker", "risk", "outbound"]
Health = Literal["operational", "degraded", "maintenance", "down", "unknown"]
# Worst first: the overall status is the worst of the components'.
SEVERITY = {"down": 4, "degraded": 3, "maintenance": 2, "unknown": 1, "operational": 0}
Kind = Literal["maintenance", "incident"]
State = Literal["scheduled", "in_progress", "completed", "investigating", "identified", "monitoring", "resolved"]
STATES = {"maintenance": ("scheduled", "in_progress", "completed"),
          "incident": ("investigating", "identified", "monitoring", "resolved")}
CLOSED = ("completed", "resolved")
Title = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=SAFE_TEXT, strip_whitespace=True)]
Message = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]


class TitleText(BaseModel):
    """A notice's title in each language of the status page."""

    model_config = ConfigDict(extra="forbid")
    en: Title
    es: Title
    fr: Title


class MessageText(BaseModel):
    """An update's message in each language of the status page."""

    model_config = ConfigDict(extra="forbid")
    en: Message
    es: Message
    fr: Message


class NoticeCreate(BaseModel):
    """An administrator announces a planned maintenance or an incident."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind
    title: TitleText
    message: MessageText
    services: list[Component] = Field(min_length=1, max_length=len(COMPONENTS))
    starts_at: Rfc3339
    ends_at: Rfc3339 | None = Field(default=None, description="Expected end (maintenance); actual end when closed")
    state: State | None = Field(default=None, description="Default: scheduled (maintenance), investigating "
                                "(incident)")

    @model_validator(mode="after")
    def _consistent(self) -> NoticeCreate:
        if self.state is not None and self.state not in STATES[self.kind]:
            raise ValueError(f"state must be one of {', '.join(STATES[self.kind])} for a {self.kind}")
        if self.ends_at is not None and self.ends_at < self.starts_at:
            raise ValueError("ends_at must not be before starts_at")
        if self.starts_at.tzinfo is None or (self.ends_at is not None and self.ends_at.tzinfo is None):
            raise ValueError("times must carry a UTC offset")
        return self


class NoticeUpdateCreate(BaseModel):
    """A new message on a notice, with the state it moves to (and a new or actual end time)."""

    model_config = ConfigDict(extra="forbid")
    state: State
    message: MessageText
    ends_at: Rfc3339 | None = None


class UpdateRead(BaseModel):
    """One message of a notice."""

    state: str
    message: dict[str, str]
    at: datetime


class NoticeRead(BaseModel):
    """A notice as the status page and API show it, with its updates, newest first."""

    id: int
    kind: str
    state: str
    active: bool = Field(description="True while the notice is open and its start has come")
    title: dict[str, str]
    services: list[str]
    starts_at: datetime
    ends_at: datetime | None
    updated_at: datetime
    updates: list[UpdateRead]


class NoticePage(BaseModel):
    """Notices, newest start first."""

    items: list[NoticeRead]


class ComponentRead(BaseModel):
    """One component's health as probed now."""

    key: str
    status: Health
    detail: str = Field(description="A short machine-readable explanation, e.g. 'last beat 4 s ago'")
    checked_ms: float | None = None


class BacklogRead(BaseModel):
    """What waits for the worker: events not yet relayed, notifications not yet delivered, and its last beat."""

    events: int = Field(description="Declaration events committed but not yet relayed into notifications")
    outbox: int = Field(description="Other outbox messages (e.g. status notices) not yet relayed")
    pending: int = Field(description="Webhook deliveries waiting for their first attempt")
    retrying: int = Field(description="Webhook deliveries that failed and will be tried again")
    dead: int = Field(description="Webhook deliveries given up on (the trader's endpoint kept failing)")
    worker_beat_age_s: float | None = Field(description="Seconds since the worker's last heartbeat; null if none")
    worker_stale_after_s: float = Field(description="Heartbeat age beyond which the worker is reported down")


class StatusRead(BaseModel):
    """The public status: overall, per component, the open and coming notices."""

    status: Health
    checked_at: datetime
    components: list[ComponentRead]
    notices: list[NoticeRead]
    backlog: BacklogRead | None = Field(default=None, description="Null when the database does not answer")


class SubscriptionRead(BaseModel):
    """Whether the caller's organisation receives status notices in its feed and webhook."""

    organisation: str
    subscribed: bool
    since: datetime | None = None
