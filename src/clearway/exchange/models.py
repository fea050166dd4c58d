"""Partners, keys, streams, the outbox of envelopes to send and the inbox of envelopes received."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class Partner(Base):
    """A partner administration: where to push, whether to pull, what it sends and accepts, the agreement."""

    __tablename__ = "exchange_partners"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str | None] = mapped_column(String(500), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    pull: Mapped[bool] = mapped_column(Boolean, default=False)
    sends: Mapped[list[str]] = mapped_column(JSON, default=list)
    accepts: Mapped[list[str]] = mapped_column(JSON, default=list)
    agreement: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExchangeKey(Base):
    """An Ed25519 signing key: ours (with its private half) or a partner's, valid over a period."""

    __tablename__ = "exchange_keys"
    __table_args__ = (UniqueConstraint("owner", "kid", name="uq_exchange_keys_owner_kid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(8))
    own: Mapped[bool] = mapped_column(Boolean, default=False)
    kid: Mapped[str] = mapped_column(String(100))
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    private_jwk: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Stream(Base):
    """One ordered stream with one partner: the last number given (out) or applied in order (in)."""

    __tablename__ = "exchange_streams"
    __table_args__ = (UniqueConstraint("partner", "direction", "name", name="uq_exchange_streams_partner"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner: Mapped[str] = mapped_column(String(8))
    direction: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(40))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class OutMessage(Base):
    """A signed envelope for a partner: pending until its signed receipt settles it (accepted or rejected)."""

    __tablename__ = "exchange_outbox"
    __table_args__ = (
        UniqueConstraint("partner", "stream", "seq", name="uq_exchange_outbox_partner_stream_seq"),
        UniqueConstraint("partner", "business_id", "version", name="uq_exchange_outbox_partner_business"),
        Index("ix_exchange_outbox_due", "partner", "settled", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner: Mapped[str] = mapped_column(String(8))
    stream: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    doc_type: Mapped[str] = mapped_column(String(40))
    business_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    envelope: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10))  # pending | received | accepted | rejected
    settled: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class InMessage(Base):
    """A verified envelope from a partner: pending (waiting for earlier numbers), then accepted or rejected."""

    __tablename__ = "exchange_inbox"
    __table_args__ = (
        UniqueConstraint("sender", "stream", "seq", name="uq_exchange_inbox_sender_stream_seq"),
        UniqueConstraint("sender", "business_id", "version", name="uq_exchange_inbox_sender_business"),
        Index("ix_exchange_inbox_state", "sender", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender: Mapped[str] = mapped_column(String(8))
    stream: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    doc_type: Mapped[str] = mapped_column(String(40))
    business_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    payload_hash: Mapped[str] = mapped_column(String(80))
    signature: Mapped[str] = mapped_column(Text)
    header: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10))  # pending | accepted | rejected
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    apply_order: Mapped[int | None] = mapped_column(Integer, nullable=True)
    purged: Mapped[bool] = mapped_column(Boolean, default=False)  # payload emptied past the retention
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the sender's commit time, from the header


class PreArrival(Base):
    """A partner's export declaration, kept as pre-arrival data for the goods it announces."""

    __tablename__ = "exchange_prearrivals"
    __table_args__ = (UniqueConstraint("sender", "export_mrn", name="uq_exchange_prearrivals_sender_mrn"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender: Mapped[str] = mapped_column(String(8))
    export_mrn: Mapped[str] = mapped_column(String(40))
    ucr: Mapped[str | None] = mapped_column(String(40), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Our risk engine's view of the goods announced, decided on arrival (see `exchange.prearrival`): scored, or
    # not_scored with the coded reason (risk_error) why it could not be, never left without either.
    risk_state: Mapped[str] = mapped_column(String(12), default="not_scored", server_default="not_scored")
    risk_channel: Mapped[str | None] = mapped_column(String(10), nullable=True)  # the channel the goods would get
    risk_score: Mapped[float | None] = mapped_column(Float, nullable=True)  # the promoted model's, if one scored
    risk_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # as lodging stores them
    risk_detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # engine, model, rule hits, cause
    risk_error: Mapped[str | None] = mapped_column(String(60), nullable=True)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PartnerAeo(Base):
    """An operator a partner administration has authorised as AEO (its latest list), for mutual recognition."""

    __tablename__ = "exchange_partner_aeos"
    __table_args__ = (UniqueConstraint("sender", "operator_id", name="uq_exchange_partner_aeos_sender_operator"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender: Mapped[str] = mapped_column(String(8))
    operator_id: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    valid_until: Mapped[str | None] = mapped_column(String(10), nullable=True)  # ISO date
    list_version: Mapped[int] = mapped_column(Integer)


class MirrorCheck(Base):
    """One of our import declarations set against the partner's export declaration it refers to (by export MRN
    or UCR): what differs beyond tolerance (value, quantity, HS code, origin), for selection and the report."""

    __tablename__ = "exchange_mirror_checks"
    __table_args__ = (UniqueConstraint("import_mrn", "sender", "export_mrn", name="uq_exchange_mirror_checks"),
                      Index("ix_exchange_mirror_checks_gap", "gap", "checked_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(Integer, index=True)
    import_mrn: Mapped[str] = mapped_column(String(40))
    sender: Mapped[str] = mapped_column(String(8))
    export_mrn: Mapped[str] = mapped_column(String(40))
    matched_by: Mapped[str] = mapped_column(String(10))  # export_mrn | ucr
    gap: Mapped[bool] = mapped_column(Boolean, default=False)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Who found it: the import's lodgement ("import"), or the partner's export arriving after it ("export",
    # so selection at lodgement could not see it and an officer should).
    found_on: Mapped[str] = mapped_column(String(6), default="import", server_default="import")
    # open | acknowledged | escalated: an officer's decision on the line
    review: Mapped[str] = mapped_column(String(12), default="open", server_default="open")
    reviewed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    review_note: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    # The control an escalation opened on the import declaration (controls' task id): the goods are held until it ends.
    control_task_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class MirrorImport(Base):
    """An import declaration's reference to an earlier document (export MRN or UCR) with what a mirror check
    compares (type, currency, items), kept so that a partner's export arriving after the import is checked
    against it too."""

    __tablename__ = "exchange_mirror_imports"
    __table_args__ = (UniqueConstraint("import_mrn", "reference", name="uq_exchange_mirror_imports"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(Integer)
    import_mrn: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(80), index=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AssistanceRequest(Base):
    """A request for assistance (WTO TFA art. 12) made to a partner (out) or by one (in), and its reply: each
    side keeps what was asked, on which legal basis and for which purpose, by when, and what was given."""

    __tablename__ = "exchange_assistance"
    __table_args__ = (UniqueConstraint("partner", "direction", "reference", name="uq_exchange_assistance_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner: Mapped[str] = mapped_column(String(8))
    direction: Mapped[str] = mapped_column(String(3))  # out: we asked | in: the partner asked us
    reference: Mapped[str] = mapped_column(String(80))
    legal_basis: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    questions: Mapped[str] = mapped_column(Text)
    references: Mapped[list[str]] = mapped_column(JSON, default=list)  # declarations concerned (MRNs)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(10))  # open | answered | refused
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    requested_by: Mapped[str] = mapped_column(String(100))
    replied_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
