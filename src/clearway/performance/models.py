"""Performance tables: one derived timeline per declaration, and the refresh watermark.

A timeline is a read model rebuilt from `declaration_events` (see timelines.py): milestone
times as integer epoch seconds, so that every interval is a plain subtraction on both
SQLite and PostgreSQL, and the dimensions reports group by. Nothing here is a source of truth.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class PerformanceTimeline(Base):
    """The TRS milestones of one declaration (epoch seconds, UTC) and what reports group it by."""

    __tablename__ = "performance_timelines"
    __table_args__ = (Index("ix_performance_timelines_lodged_on_office", "lodged_on", "office"),)

    declaration_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    office: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str | None] = mapped_column(String(8), nullable=True)
    mode: Mapped[str | None] = mapped_column(String(1), nullable=True)
    aeo: Mapped[bool] = mapped_column(Boolean, default=False)
    declarant: Mapped[str] = mapped_column(String(17))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM of lodgement, UTC
    lodged_on: Mapped[int] = mapped_column(BigInteger)  # declarations.lodged_at, epoch seconds
    arrival: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    lodged: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    accepted: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    assessed: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    risk: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    documents_requested: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    documents_received: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    check_done: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    inspection_requested: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    inspection_started: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    inspection_ended: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    paid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    released: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    cleared: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_event_id: Mapped[int] = mapped_column(Integer)  # the newest event folded into this row


class PerformanceState(Base):
    """How far timelines have read `declaration_events` (a single row, id 1)."""

    __tablename__ = "performance_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_event_id: Mapped[int] = mapped_column(Integer)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Opening hours the rollups' outside-hours sums were computed with; another value means rebuild them.
    rollup_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)


class PerformanceCell(Base):
    """One cell of the rollup: timelines of one month, office, channel, mode and operator status.

    Packed little-endian columns: `checks` holds, per milestones.CHECKS entry, the timelines missing
    the prerequisite, then those with it out of order (int64); `stats` holds per interval
    (milestones.INTERVALS order) rollup.STATS (int64); `hist` the duration histograms of every
    interval (histograms.ENTRY, sorted by interval then bucket)."""

    __tablename__ = "performance_cells"

    cell: Mapped[str] = mapped_column(String(40), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    office: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str | None] = mapped_column(String(8), nullable=True)
    mode: Mapped[str | None] = mapped_column(String(1), nullable=True)
    aeo: Mapped[bool] = mapped_column(Boolean)
    timelines: Mapped[int] = mapped_column(BigInteger)
    checks: Mapped[bytes] = mapped_column(LargeBinary)
    stats: Mapped[bytes] = mapped_column(LargeBinary)
    hist: Mapped[bytes] = mapped_column(LargeBinary)
