"""Enforcement tables: FIU cases and the leads grouped in them (evidence kept as JSON, as found)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class LaunderingCase(Base):
    """A case: leads an analyst groups, works and refers to the financial intelligence unit."""

    __tablename__ = "enforcement_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))  # "open" | "referred" | "closed"
    marking: Mapped[str] = mapped_column(String(24))  # handling marking of the referral
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    notes: Mapped[str] = mapped_column(String(4000), default="")


class CaseLead(Base):
    """One lead inside a case: what was found, its score, explanation and evidence."""

    __tablename__ = "enforcement_case_leads"
    __table_args__ = (Index("ix_enforcement_case_leads_case", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enforcement_cases.id"))
    kind: Mapped[str] = mapped_column(String(24))
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(String(1000))
    parties: Mapped[list[str]] = mapped_column(JSON)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
