"""Central tables of crisis operations: offline declarations linked to their MRN, conflicts, emergency profiles."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, Numeric, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class CrisisLink(Base):
    """One offline declaration, once: its offline reference kept and linked to its national MRN."""

    __tablename__ = "crisis_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offline_ref: Mapped[str] = mapped_column(String(40), unique=True)
    post: Mapped[str] = mapped_column(String(8), index=True)
    mrn: Mapped[str | None] = mapped_column(String(40), index=True)
    doc_hash: Mapped[str] = mapped_column(String(80))
    offline_channel: Mapped[str] = mapped_column(String(8))
    released_offline: Mapped[bool]
    reconciled_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CrisisPermitUse(Base):
    """What one post drew on a permit while offline, written off once per post and permit."""

    __tablename__ = "crisis_permit_uses"
    __table_args__ = (UniqueConstraint("post", "permit"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post: Mapped[str] = mapped_column(String(8))
    permit: Mapped[str] = mapped_column(String(40), index=True)
    used: Mapped[Decimal] = mapped_column(Numeric(18, 3))


class CrisisConflict(Base):
    """A task reconciliation found: a post-release control, a permit case, a lodgement the centre refused."""

    __tablename__ = "crisis_conflicts"
    __table_args__ = (UniqueConstraint("kind", "subject"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # post_release_control | permit_case | lodge_refused
    subject: Mapped[str] = mapped_column(String(80))
    post: Mapped[str] = mapped_column(String(8))
    detail: Mapped[Any] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EmergencyProfile(Base):
    """An emergency mode with a scope and an expiry; it lifts by itself when the expiry passes."""

    __tablename__ = "crisis_emergency_profiles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # relief | priority | surge | closure
    scope: Mapped[Any] = mapped_column(JSON)  # {"offices": [...], "hs_prefixes": [...], "origins": [...]}
    params: Mapped[Any] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(200))
    activated_by: Mapped[str] = mapped_column(String(60))
    activated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by: Mapped[str | None] = mapped_column(String(60))
    # What the profile does to selection: lighter | green_lane | documentary | hold (see crisis.emergency).
    effect: Mapped[str] = mapped_column(String(16), server_default="lighter")
    public: Mapped[bool] = mapped_column(Boolean, server_default=false())  # announced on the public portal
    notice: Mapped[Any] = mapped_column(JSON, nullable=True)  # {"en": ..., "es": ..., "fr": ...}


class EmergencyDecision(Base):
    """One channel decision taken under an emergency profile: what the engine said, what the profile made of it."""

    __tablename__ = "crisis_emergency_decisions"
    __table_args__ = (UniqueConstraint("profile_id", "declaration_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("crisis_emergency_profiles.id"), index=True)
    declaration_id: Mapped[int] = mapped_column(Integer, index=True)
    mrn: Mapped[str] = mapped_column(String(40))
    office: Mapped[str] = mapped_column(String(8))
    effect: Mapped[str] = mapped_column(String(16))
    channel_before: Mapped[str] = mapped_column(String(8))
    channel_after: Mapped[str] = mapped_column(String(8))
    post_clearance_audit: Mapped[bool]
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CrisisNode(Base):
    """A post node the centre provisioned: the key its exports must be signed with, and its snapshot."""

    __tablename__ = "crisis_nodes"
    post: Mapped[str] = mapped_column(String(8), primary_key=True)
    public_jwk: Mapped[Any] = mapped_column(JSON)
    snapshot_hash: Mapped[str] = mapped_column(String(80))
    provisioned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reconciled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
