"""Shapes of the notifications API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from clearway.declarations.schemas import Strict


class EndpointBody(Strict):
    """Where to POST webhooks."""

    url: Annotated[str, StringConstraints(min_length=8, max_length=500, pattern=r"^https?://[^\s]+$")]


class SecretRead(BaseModel):
    """A signing secret; its value is shown only when it is created."""

    id: str
    created_at: str
    secret: str | None = Field(None, description="whsec_… value, returned once, at creation")


class EndpointRead(BaseModel):
    """The organisation's webhook endpoint, active secrets, last sequence number and delivery counts."""

    url: str | None
    active: bool
    secrets: list[SecretRead]
    last_seq: int
    deliveries: dict[str, int]


class NotificationRead(BaseModel):
    """One notification, exactly as the webhook carries it (type, timestamp, data with seq)."""

    id: str = Field(description="The webhook-id: the same on every delivery attempt")
    seq: int
    type: str
    timestamp: str
    data: dict[str, Any]


class FeedPage(BaseModel):
    """Notifications after a sequence number; ask again with after=next_after."""

    items: list[NotificationRead]
    next_after: int
    last_seq: int


class AttemptRead(BaseModel):
    """One HTTP attempt."""

    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryRead(BaseModel):
    """A webhook delivery and its latest attempts."""

    id: int
    notification_id: str
    seq: int
    type: str
    mrn: str | None
    status: Literal["pending", "delivered", "dead"]
    attempts: int
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_status: int | None
    last_error: str | None
    log: list[AttemptRead]


class CountRead(BaseModel):
    """How many records an action touched."""

    count: int
