"""Status notices (planned maintenance, incidents) with their updates, traders subscribed to them, and the
heartbeats background processes write."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class StatusNotice(Base):
    """A planned maintenance or an incident: when, which services, its current state, in en/es/fr."""

    __tablename__ = "ops_status_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # maintenance | incident
    state: Mapped[str] = mapped_column(String(16), index=True)  # schemas.STATES[kind]
    title: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"en": ..., "es": ..., "fr": ...}
    services: Mapped[list[str]] = mapped_column(JSON, default=list)  # component keys (schemas.COMPONENTS)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # expected, then actual
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatusNoticeUpdate(Base):
    """One message on a notice (the first is its description): what is known, and the state it moved to."""

    __tablename__ = "ops_status_notice_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("ops_status_notices.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    message: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"en": ..., "es": ..., "fr": ...}
    author: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class StatusSubscription(Base):
    """A trader organisation that wants status notices in its notification feed and webhook."""

    __tablename__ = "ops_status_subscriptions"

    organisation: Mapped[str] = mapped_column(String(17), primary_key=True)
    subscribed_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Heartbeat(Base):
    """The last sign of life of a background process (the worker), written by its own job."""

    __tablename__ = "ops_heartbeats"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    host: Mapped[str] = mapped_column(String(64))
    pid: Mapped[int] = mapped_column(Integer)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
