"""Declarations, their versions (amendments) and lifecycle events; idempotency records."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class Declaration(Base):
    """The current version of a declaration and its lifecycle state."""

    __tablename__ = "declarations"
    __table_args__ = (
        UniqueConstraint("declarant_id", "lrn", name="uq_declarations_declarant_lrn"),
        Index("ix_declarations_office_status", "office", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mrn: Mapped[str] = mapped_column(String(18), unique=True)
    lrn: Mapped[str] = mapped_column(String(35))
    version: Mapped[int] = mapped_column(Integer, default=1)
    type: Mapped[str] = mapped_column(String(2))
    office: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(8), nullable=True)
    declarant_id: Mapped[str] = mapped_column(String(17))
    importer_id: Mapped[str | None] = mapped_column(String(17), nullable=True, index=True)
    exporter_id: Mapped[str | None] = mapped_column(String(17), nullable=True, index=True)
    seller_id: Mapped[str | None] = mapped_column(String(17), nullable=True, index=True)
    buyer_id: Mapped[str | None] = mapped_column(String(17), nullable=True, index=True)
    lodged_by: Mapped[str] = mapped_column(String(17), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    total_value: Mapped[Decimal] = mapped_column(Numeric(24, 6))
    item_count: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    channel_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeclarationVersion(Base):
    """A superseded version of a declaration document, kept when it is amended."""

    __tablename__ = "declaration_versions"
    __table_args__ = (UniqueConstraint("declaration_id", "version", name="uq_declaration_versions_dv"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"))
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    superseded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    superseded_by: Mapped[str] = mapped_column(String(64))


class DeclarationEvent(Base):
    """One lifecycle transition: when, who, why. Release-time measurement reads these."""

    __tablename__ = "declaration_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    actor_org: Mapped[str] = mapped_column(String(17))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    # The reason as a message code ("event.<code>" in the locales) and its parameters; None on older rows,
    # whose English `reason` is shown as it was written.
    reason_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason_params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
