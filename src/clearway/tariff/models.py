"""Tariff tables: schedule versions, lines, measures, agreements, exchange rates, assessments,
payments, deferment accounts, guarantees, revenue records and advance rulings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clearway.db import Base, UTCDateTime

Money = Numeric(20, 2)  # wide enough for any national currency total; KRW lines have no minor unit
Pct = Numeric(9, 4)
Amount = Numeric(20, 6)  # specific duty amounts and exchange rates need sub-unit precision


class ScheduleVersion(Base):
    """One import of the national schedule; the latest version is the one in force."""

    __tablename__ = "tariff_schedule_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(255))
    checksum: Mapped[str] = mapped_column(String(64))  # sha256 of the file, to spot re-imports
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[int | None] = mapped_column(Integer)
    line_count: Mapped[int] = mapped_column(Integer)
    measure_count: Mapped[int] = mapped_column(Integer)


class TariffLine(Base):
    """A national tariff line (8 or 10 digits) extending an HS 2022 subheading."""

    __tablename__ = "tariff_lines"
    __table_args__ = (UniqueConstraint("version_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("tariff_schedule_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    hs6: Mapped[str] = mapped_column(String(6), index=True)
    description: Mapped[str] = mapped_column(String(512))
    supplementary_unit: Mapped[str | None] = mapped_column(String(3))


class TariffMeasure(Base):
    """A rate or control on a line or HS prefix, valid over a date range; `ref` is its legal-basis id."""

    __tablename__ = "tariff_measures"
    __table_args__ = (UniqueConstraint("version_id", "ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("tariff_schedule_versions.id"), index=True)
    ref: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(16))  # duty, excise, vat, prohibition, restriction
    basis: Mapped[str | None] = mapped_column(String(16))  # ad_valorem, specific, compound, mixed_max/min
    rate_pct: Mapped[Decimal | None] = mapped_column(Pct)
    amount: Mapped[Decimal | None] = mapped_column(Amount)
    amount_currency: Mapped[str | None] = mapped_column(String(3))
    per_unit: Mapped[str | None] = mapped_column(String(3))
    agreement: Mapped[str | None] = mapped_column(String(16))  # set: a preferential rate
    agency: Mapped[str | None] = mapped_column(String(32))  # who must permit restricted goods
    legal_basis: Mapped[str] = mapped_column(String(255), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)


class TradeAgreement(Base):
    """A trade agreement giving preferential rates to goods originating in its partners."""

    __tablename__ = "tariff_agreements"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    partners: Mapped[list[AgreementPartner]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class AgreementPartner(Base):
    """A partner country of a trade agreement."""

    __tablename__ = "tariff_agreement_partners"
    __table_args__ = (UniqueConstraint("agreement_id", "country"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("tariff_agreements.id"))
    country: Mapped[str] = mapped_column(String(2))


class ExchangeRate(Base):
    """A customs exchange rate: national currency units per one unit of `currency`, over a date range."""

    __tablename__ = "tariff_exchange_rates"
    __table_args__ = (UniqueConstraint("currency", "valid_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Amount)
    source: Mapped[str] = mapped_column(String(32))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AssessmentRecord(Base):
    """The duties assessed for one version of a declaration; `final` is False while provisional."""

    __tablename__ = "tariff_assessments"
    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(Integer, index=True)
    declaration_version: Mapped[int] = mapped_column(Integer)
    office: Mapped[str] = mapped_column(String(8))
    schedule_version_id: Mapped[int | None] = mapped_column(ForeignKey("tariff_schedule_versions.id"))
    assessed_on: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    customs_value: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    final: Mapped[bool] = mapped_column(Boolean, default=True)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)  # an amendment was reassessed
    payment_reference: Mapped[str | None] = mapped_column(String(35), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lines: Mapped[list[AssessmentLineRecord]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                             order_by="AssessmentLineRecord.id")


class AssessmentLineRecord(Base):
    """One tax on one item of an assessment, with the measure that is its legal basis."""

    __tablename__ = "tariff_assessment_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("tariff_assessments.id"), index=True)
    item_index: Mapped[int] = mapped_column(Integer)
    line_code: Mapped[str] = mapped_column(String(10))
    tax: Mapped[str] = mapped_column(String(16))
    base: Mapped[Decimal] = mapped_column(Money)
    quantity: Mapped[Decimal | None] = mapped_column(Amount)
    rate: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)
    measure_ref: Mapped[str] = mapped_column(String(64))
    preference: Mapped[str | None] = mapped_column(String(16))
    relief: Mapped[str | None] = mapped_column(String(16))


class Payment(Base):
    """Money received (or charged to a deferment account) against an assessment."""

    __tablename__ = "tariff_payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("tariff_assessments.id"), index=True)
    declaration_id: Mapped[int] = mapped_column(Integer, index=True)
    method: Mapped[str] = mapped_column(String(16))  # gateway, deferment
    gateway: Mapped[str | None] = mapped_column(String(32))
    gateway_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("tariff_deferment_accounts.id"))
    payer_id: Mapped[str] = mapped_column(String(17))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))  # pending, confirmed, failed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DefermentAccount(Base):
    """A trader's deferred-payment account: duties are charged now and settled periodically."""

    __tablename__ = "tariff_deferment_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[str] = mapped_column(String(17), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    credit_limit: Mapped[Decimal] = mapped_column(Money)
    used: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Guarantee(Base):
    """A guarantee (bond) securing duties so goods may be released before they are final (TFA 7.3)."""

    __tablename__ = "tariff_guarantees"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(35), unique=True)
    holder_id: Mapped[str] = mapped_column(String(17), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # comprehensive, individual
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GuaranteeUse(Base):
    """The part of a guarantee securing one declaration until its duty is paid (discharged)."""

    __tablename__ = "tariff_guarantee_uses"
    id: Mapped[int] = mapped_column(primary_key=True)
    guarantee_id: Mapped[int] = mapped_column(ForeignKey("tariff_guarantees.id"), index=True)
    declaration_id: Mapped[int] = mapped_column(Integer, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    discharged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RevenueRecord(Base):
    """A revenue amount booked against one declaration: assessed, collected or adjusted."""

    __tablename__ = "tariff_revenue"
    __table_args__ = (Index("ix_tariff_revenue_office_booked_on", "office", "booked_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(Integer, index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("tariff_assessments.id"))
    office: Mapped[str] = mapped_column(String(8))
    tax: Mapped[str] = mapped_column(String(16))  # duty, excise, vat, penalty
    kind: Mapped[str] = mapped_column(String(16))  # assessed, collected, adjusted
    amount: Mapped[Decimal] = mapped_column(Money)  # adjustments may be negative (refunds)
    currency: Mapped[str] = mapped_column(String(3))
    booked_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(255))
    finding_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AdvanceRuling(Base):
    """A binding classification or origin ruling requested by a trader and issued by an officer."""

    __tablename__ = "tariff_rulings"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    holder_id: Mapped[str] = mapped_column(String(17), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # classification, origin
    status: Mapped[str] = mapped_column(String(16))  # requested, issued, refused, revoked
    goods_description: Mapped[str] = mapped_column(String(512))
    match_terms: Mapped[str] = mapped_column(String(255))  # words an item description must contain
    proposed_hs: Mapped[str | None] = mapped_column(String(10))
    proposed_origin: Mapped[str | None] = mapped_column(String(2))
    hs_code: Mapped[str | None] = mapped_column(String(10))
    origin_country: Mapped[str | None] = mapped_column(String(2))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    justification: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    officer_id: Mapped[int | None] = mapped_column(Integer)
