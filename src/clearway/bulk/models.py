"""The import record: which file (by SHA-256) an organisation imported, when, and with what outcome."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class BulkImport(Base):
    """One bulk file imported by an organisation; the same bytes are never lodged twice."""

    __tablename__ = "bulk_imports"
    __table_args__ = (UniqueConstraint("organisation", "sha256", name="uq_bulk_imports_organisation_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation: Mapped[str] = mapped_column(String(17))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(8))
    username: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    declarations: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
