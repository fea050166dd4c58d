"""Intelligence tables: alerts and reports with their marking, attachments, recipients (the inbox),
the originator's consents, items derived from alerts, and the outcome of each declaration an alert touched."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class IntelAlert(Base):
    """An intelligence report or alert: its subject, text, graded source, validity and handling marking."""

    __tablename__ = "intel_alerts"
    __table_args__ = (Index("ix_intel_alerts_hold", "hold_goods", "status", "subject_type"),
                      # Matching a lodgement against the alerts: by subject, then the live ones (migration 0033).
                      Index("ix_intel_alerts_subject", "subject_type", "subject_value", "hold_goods", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # alert | report
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_value: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    source_ref: Mapped[str] = mapped_column(String(40))  # a handle for the source, never its identity
    source_grade: Mapped[str] = mapped_column(String(1))  # A-E: reliability of the source
    info_grade: Mapped[str] = mapped_column(String(1))  # 1-5: credibility of the information
    marking: Mapped[str] = mapped_column(String(12))
    purposes: Mapped[list[str]] = mapped_column(JSON)
    originator_org: Mapped[str] = mapped_column(String(17), index=True)
    originator_user: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime] = mapped_column(UTCDateTime())
    hold_goods: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | withdrawn
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The handling's keys travel with the row ({"recipients": [...], "consents": [[action, key], ...]}), written by
    # the services with the recipient and consent rows, so a read checks the marking without another query.
    # None (rows from before migration 0033): the keys are read from those tables.
    handling_keys: Mapped[dict[str, list[Any]] | None] = mapped_column(JSON, nullable=True)


class IntelAttachment(Base):
    """A file attached to an alert; it leaves the system only through an export the marking allows."""

    __tablename__ = "intel_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("intel_alerts.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    media_type: Mapped[str] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only by an audited download
    size: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    uploaded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class IntelRecipient(Base):
    """A permitted recipient of an alert (org:, office:, user: or partner: key) and its acknowledgement."""

    __tablename__ = "intel_recipients"
    __table_args__ = (UniqueConstraint("alert_id", "key", name="uq_intel_recipients_alert_key"),
                      Index("ix_intel_recipients_key", "key"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("intel_alerts.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class IntelConsent(Base):
    """The originator's recorded consent to one action beyond the marking, for one recipient key."""

    __tablename__ = "intel_consents"
    __table_args__ = (UniqueConstraint("alert_id", "action", "key", name="uq_intel_consents"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("intel_alerts.id"), index=True)
    action: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(80))
    granted_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IntelDerived(Base):
    """Something made from alerts (a watchlist entry...): it carries the strictest marking of its sources."""

    __tablename__ = "intel_derived"
    __table_args__ = (Index("ix_intel_derived_target", "kind", "target_id"),
                      Index("ix_intel_derived_due", "status", "expires_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(12))  # watchlist | rule (a time-boxed enhanced control)
    target_id: Mapped[int] = mapped_column(Integer)
    marking: Mapped[str] = mapped_column(String(12))
    source_ids: Mapped[list[int]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    alert_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)  # the alert it was made from
    # Time-boxed: lifted by the expiry job when `expires_at` passes (or by hand), and the lifting recorded.
    status: Mapped[str] = mapped_column(String(10), default="active", server_default="active")  # active | lifted
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lifted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class IntelOutcome(Base):
    """What came of an alert on one declaration: hit, no hit, or not controlled."""

    __tablename__ = "intel_outcomes"
    __table_args__ = (UniqueConstraint("alert_id", "declaration_id", name="uq_intel_outcomes"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("intel_alerts.id"), index=True)
    declaration_id: Mapped[int] = mapped_column(Integer, index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # hit | no_hit | not_controlled
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Reported by the outcome job from a finished control's findings (no analyst typed it), and which control.
    automatic: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    task_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class IntelAction(Base):
    """An action taken on an alert: a declaration or a party targeted, held for control until an outcome."""

    __tablename__ = "intel_actions"
    __table_args__ = (Index("ix_intel_actions_declaration", "declaration_id", "status"),
                      Index("ix_intel_actions_party", "party_id", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("intel_alerts.id"), index=True)
    target: Mapped[str] = mapped_column(String(12))  # declaration | party
    declaration_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    party_id: Mapped[str | None] = mapped_column(String(17), nullable=True)
    hold: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | lifted
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_org: Mapped[str] = mapped_column(String(17))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lifted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class IntelScanState(Base):
    """Where a background pass got to (the outcome job: control tasks finished up to (`at`, `last_id`))."""

    __tablename__ = "intel_scan_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_id: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class IntelSeizure(Base):
    """A non-nominal seizure record in the shape of the WCO Customs Enforcement Network (CEN), made from a
    controls enforcement case; it carries a marking like an alert, which decides who may export it."""

    __tablename__ = "intel_seizures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    case_id: Mapped[int] = mapped_column(Integer, unique=True)
    declaration_id: Mapped[int] = mapped_column(Integer)
    marking: Mapped[str] = mapped_column(String(12))
    purposes: Mapped[list[str]] = mapped_column(JSON)
    originator_org: Mapped[str] = mapped_column(String(17))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    record: Mapped[dict[str, Any]] = mapped_column(JSON)  # the CEN fields, with no person or firm identifier


class IntelFeedbackTask(Base):
    """Feedback owed on an alert and overdue: the recipient (or, for its follow-up, the originator) named by
    `owner_key` was to report an outcome by `due_at`; closed when an outcome arrives or the alert ends."""

    __tablename__ = "intel_feedback_tasks"
    __table_args__ = (UniqueConstraint("alert_id", "owner_key", name="uq_intel_feedback_tasks"),
                      Index("ix_intel_feedback_tasks_owner", "owner_key", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("intel_alerts.id"), index=True)
    owner_key: Mapped[str] = mapped_column(String(80))  # org:, office:, user: or partner: (as a recipient key)
    role: Mapped[str] = mapped_column(String(12))  # recipient (owes the feedback) | originator (follows it up)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_why: Mapped[str | None] = mapped_column(String(20), nullable=True)  # outcome | alert_ended
