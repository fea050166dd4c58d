"""Organisations (parties), users and their roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clearway.db import Base, UTCDateTime

ROLES = ("trader", "officer", "analyst", "agency", "admin", "auditor")
CUSTOMS_ROLES = ("officer", "analyst", "admin", "auditor")
ORG_KINDS = ("trader", "customs", "agency")


class Organisation(Base):
    """A trading company, the customs administration, or a partner agency."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(17), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2))
    aeo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class User(Base):
    """A person or machine client who signs in with a username and password."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    office: Mapped[str | None] = mapped_column(String(8), nullable=True)
    locale: Mapped[str] = mapped_column(String(2), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    # Browser sessions carry it; signing out raises it, so every earlier session cookie stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Failed sign-in attempts of one account or client address, and until when it must wait."""

    __tablename__ = "auth_login_throttle"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
