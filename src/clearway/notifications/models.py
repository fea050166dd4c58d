"""Subscribers (a trader organisation's sequence, endpoint and secrets), notifications, deliveries, relay state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class Subscriber(Base):
    """A trader organisation receiving notifications: its last sequence number and optional webhook endpoint.

    `secrets` holds every active signing secret; each delivery is signed with all of them, so a
    receiver can roll to a new secret before the old one is removed (Standard Webhooks rotation).
    """

    __tablename__ = "notification_subscribers"

    organisation: Mapped[str] = mapped_column(String(17), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    secrets: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Notification(Base):
    """One message to one organisation, numbered without gaps per organisation (the pull feed)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("organisation", "seq", name="uq_notifications_organisation_seq"),
        UniqueConstraint("organisation", "event_id", name="uq_notifications_organisation_event"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = mapped_column(String(17))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(48))
    declaration_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    mrn: Mapped[str | None] = mapped_column(String(18), nullable=True)
    event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Delivery(Base):
    """Pushing one notification to the organisation's endpoint: retried with backoff, then dead-lettered."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
        Index("ix_notification_deliveries_order", "organisation", "ordering_key", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), unique=True)
    organisation: Mapped[str] = mapped_column(String(17))
    ordering_key: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)


class Attempt(Base):
    """One HTTP attempt of a delivery: the delivery log a trader reads."""

    __tablename__ = "notification_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("notification_deliveries.id"), index=True)
    organisation: Mapped[str] = mapped_column(String(17), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer)


class OutboxMessage(Base):
    """A notification that no declaration event carries (e.g. a bulk row rejected: nothing else is stored)."""

    __tablename__ = "notification_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = mapped_column(String(17))
    kind: Mapped[str] = mapped_column(String(48))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RelayState(Base):
    """How far the relay has read declaration events, and the gap it is waiting on, if any."""

    __tablename__ = "notification_relay_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    gap_after_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gap_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class StreamState(Base):
    """How far the event stream has published declaration events, and its consumers' lag at the last pass."""

    __tablename__ = "notification_stream_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    published: Mapped[int] = mapped_column(Integer, default=0)  # messages stored (duplicates not counted)
    consumers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # durable name -> pending messages
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RelayGap(Base):
    """Event ids the relay stepped over (a rollback, or a commit slower than the wait): checked again later."""

    __tablename__ = "notification_relay_gaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_id: Mapped[int] = mapped_column(Integer)
    to_id: Mapped[int] = mapped_column(Integer)
    skipped_at: Mapped[datetime] = mapped_column(UTCDateTime())


# APScheduler's SQLAlchemy job store table, declared here so migrations (not the library) create it.
scheduler_jobs = Table(
    "apscheduler_jobs", Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
