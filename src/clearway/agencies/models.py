"""Single-window tables: live agencies, LPCO applications and permits with their balances, the uses
that reserve and write off those balances, referrals of declaration items, and joint inspections."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime

Amount = Numeric(24, 6)


class Agency(Base):
    """A partner agency made live by loading its profile (the profile is kept as loaded)."""

    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    organisation: Mapped[str] = mapped_column(String(17), index=True)  # whose users act for it
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    checksum: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Permit(Base):
    """An LPCO application and, once approved, the permit with its running balance.

    `quantity_used` and `value_used` count what lodged declarations have reserved or written off; the
    checks below make an over-use impossible even if a writer forgot the conditional update.
    """

    __tablename__ = "agency_permits"
    __table_args__ = (
        CheckConstraint("quantity_used >= 0 AND value_used >= 0", name="used_not_negative"),
        CheckConstraint("quantity IS NULL OR quantity_used <= quantity", name="quantity_not_overused"),
        CheckConstraint("value IS NULL OR value_used <= value", name="value_not_overused"),
        Index("ix_agency_permits_agency_status", "agency", "status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    agency: Mapped[str] = mapped_column(String(16))
    lpco: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(String(17), index=True)
    # applied -> approved | refused | info_requested (-> applied again when answered)
    status: Mapped[str] = mapped_column(String(16))
    hs_prefixes: Mapped[list[str]] = mapped_column(JSON)
    origin: Mapped[str | None] = mapped_column(String(2), nullable=True)
    requested_quantity: Mapped[Decimal | None] = mapped_column(Amount, nullable=True)
    requested_value: Mapped[Decimal | None] = mapped_column(Amount, nullable=True)
    unit: Mapped[str | None] = mapped_column(String(3), nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    quantity: Mapped[Decimal | None] = mapped_column(Amount, nullable=True)  # granted
    value: Mapped[Decimal | None] = mapped_column(Amount, nullable=True)  # granted
    quantity_used: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    value_used: Mapped[Decimal] = mapped_column(Amount, default=Decimal(0))
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    conditions: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # of a refusal or an information request
    purpose: Mapped[str] = mapped_column(Text)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    warned_low: Mapped[bool] = mapped_column(Boolean, default=False)  # the trader was told it runs low


class PermitUse(Base):
    """One declaration item drawing on a permit (WCO write-off): reserved at lodgement, written off at
    release, returned when the declaration is cancelled or amended down."""

    __tablename__ = "agency_permit_uses"
    __table_args__ = (Index("ix_agency_permit_uses_decl_state", "declaration_id", "state"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("agency_permits.id"), index=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"))
    item: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[Decimal] = mapped_column(Amount)
    value: Mapped[Decimal] = mapped_column(Amount)
    state: Mapped[str] = mapped_column(String(12))  # reserved, written_off, returned
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Referral(Base):
    """One declaration item referred to one agency, and the agency's decision on it.

    `digest` fingerprints what the agency sees of the item, so an amendment that leaves it unchanged
    keeps the decision; a changed item supersedes the referral with a fresh one.
    """

    __tablename__ = "agency_referrals"
    __table_args__ = (
        Index("ix_agency_referrals_agency_open", "agency", "superseded", "decision"),
        Index("ix_agency_referrals_declaration", "declaration_id", "superseded"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"))
    mrn: Mapped[str] = mapped_column(String(18))
    declarant: Mapped[str] = mapped_column(String(17))
    agency: Mapped[str] = mapped_column(String(16))
    item: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(16))  # competence, restriction
    digest: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # only what the profile lets the agency see
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    conditions: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    fallback: Mapped[str | None] = mapped_column(String(16), nullable=True)  # hold, release_flagged
    post_release_task: Mapped[bool] = mapped_column(Boolean, default=False)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)


class JointInspection(Base):
    """One appointment for customs and every agency that asked for a joint inspection of a declaration."""

    __tablename__ = "agency_joint_inspections"
    __table_args__ = (UniqueConstraint("declaration_id", name="uq_agency_joint_inspections_declaration"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(200))
    booked_by: Mapped[str] = mapped_column(String(64))
    findings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # party ("customs", agency code) -> part
