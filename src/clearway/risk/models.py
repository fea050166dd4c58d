"""Risk engine tables: rules and their versions, watchlists, the model registry, selection settings,
reference unit values, stored decisions, and the change log whose last id versions the engine."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime

Share = Numeric(6, 5)  # a rate between 0 and 1, exact to 0.001 %


class RiskRule(Base):
    """A selectivity rule: its latest version and the version in force (None: inactive)."""

    __tablename__ = "risk_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    version: Mapped[int] = mapped_column(Integer)
    active_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RiskTestRun(Base):
    """A test-run an analyst asked for: queued by the request, replayed by the worker in bounded read batches."""

    __tablename__ = "risk_test_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("risk_rules.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    row_limit: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued, running, done, failed
    evaluated: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RiskRuleVersion(Base):
    """One immutable version of a rule: editing a rule adds a version, decisions name the one they used."""

    __tablename__ = "risk_rule_versions"
    __table_args__ = (UniqueConstraint("rule_id", "version", name="uq_risk_rule_versions_rule_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("risk_rules.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    expression: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(8))
    offices: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: every office
    directions: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: IM, EX and TR
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    priority: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WatchlistEntry(Base):
    """A trader, seller, address or means of transport to look out for, matched by id or fuzzy name."""

    __tablename__ = "risk_watchlist_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(200))
    party_id: Mapped[str | None] = mapped_column(String(35), nullable=True)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    threshold: Mapped[int] = mapped_column(Integer)  # 0-100 similarity needed for a name to match
    severity: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RiskModel(Base):
    """A registered model bundle: registered, shadow (scored, not used), promoted (one at a time), retired."""

    __tablename__ = "risk_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), index=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    card: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    top_features: Mapped[list[Any]] = mapped_column(JSON, default=list)
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SelectionSetting(Base):
    """Inspection capacity, random rates and model thresholds of an office ('*': any) and direction."""

    __tablename__ = "risk_selection_settings"
    __table_args__ = (UniqueConstraint("office", "direction", name="uq_risk_selection_settings_office_direction"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office: Mapped[str] = mapped_column(String(8))
    direction: Mapped[str] = mapped_column(String(2))
    red_share: Mapped[Decimal] = mapped_column(Share)
    yellow_share: Mapped[Decimal] = mapped_column(Share)
    random_rate: Mapped[Decimal] = mapped_column(Share)
    aeo_random_rate: Mapped[Decimal] = mapped_column(Share)
    aeo_factor: Mapped[Decimal] = mapped_column(Share)
    random_channel: Mapped[str] = mapped_column(String(8))
    # What the model's share of capacity is filled by: frauds, serious, revenue or mix (see ml.objectives).
    objective: Mapped[str] = mapped_column(String(8), default="frauds", server_default="frauds")
    weight_frauds: Mapped[Decimal] = mapped_column(Share, default=Decimal("1"), server_default="1")
    weight_serious: Mapped[Decimal] = mapped_column(Share, default=Decimal("0"), server_default="0")
    weight_revenue: Mapped[Decimal] = mapped_column(Share, default=Decimal("0"), server_default="0")
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    thresholds_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReferenceValue(Base):
    """The usual declared unit value per kg of an HS6 code, from one origin ('' = any), from stored history."""

    __tablename__ = "risk_reference_values"
    __table_args__ = (UniqueConstraint("hs6", "origin", name="uq_risk_reference_values_hs6_origin"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hs6: Mapped[str] = mapped_column(String(6))
    origin: Mapped[str] = mapped_column(String(2))
    unit_value_kg: Mapped[Decimal] = mapped_column(Numeric(24, 6))
    count: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RiskDecision(Base):
    """What the engine decided for a declaration and why: rule, watchlist and model evidence."""

    __tablename__ = "risk_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), unique=True)
    office: Mapped[str] = mapped_column(String(8))
    direction: Mapped[str] = mapped_column(String(2))
    declarant: Mapped[str] = mapped_column(String(17))
    aeo: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    random_pick: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    model_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    shadow_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    shadow_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rule_hits: Mapped[list[Any]] = mapped_column(JSON, default=list)
    watchlist_hits: Mapped[list[Any]] = mapped_column(JSON, default=list)
    contributions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    rule_errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    config_version: Mapped[int] = mapped_column(Integer)
    # Why the engine could not decide normally (risk.engine.degraded.CAUSES), None for a normal decision.
    degraded: Mapped[str | None] = mapped_column(String(24), nullable=True)


class RiskChange(Base):
    """Every change to the engine's configuration; the last id and token tell a process to reload."""

    __tablename__ = "risk_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
