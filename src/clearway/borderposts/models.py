"""Border-post tables: posts, pairs across a border, hours per agency and traffic, exceptions, crossings.

Hours are rows with a `valid_from`, never updated in place, so a pair's published feed and its
history are rebuilt from them. Crossing times are epoch seconds (UTC) like the performance read
model, so dwell arithmetic is a subtraction on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearway.db import Base, UTCDateTime


class BorderPost(Base):
    """One post on one side of a border: ours, or the partner administration's."""

    __tablename__ = "border_posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    holiday_country: Mapped[str | None] = mapped_column(String(8), nullable=True)
    side: Mapped[str] = mapped_column(String(8))  # "ours" | "partner"
    lanes: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PostPair(Base):
    """Two posts facing each other across a border: trucks leave one and enter the other."""

    __tablename__ = "border_post_pairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    ours_id: Mapped[int] = mapped_column(ForeignKey("border_posts.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("border_posts.id"))
    service_s: Mapped[int] = mapped_column(Integer, default=1800)  # standard processing time of a truck
    alert_share: Mapped[float] = mapped_column(Float, default=0.1)  # alert when a change cuts joint time more
    baseline_joint_s: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # coming week, at the last check
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PostHours(Base):
    """A post's weekly hours for one agency and traffic type (OSM opening_hours), from `valid_from` on."""

    __tablename__ = "border_post_hours"
    __table_args__ = (Index("ix_border_post_hours_post_valid", "post_id", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("border_posts.id"))
    agency: Mapped[str] = mapped_column(String(16))  # "customs", "health", "police" ...
    traffic: Mapped[str] = mapped_column(String(12))  # "cargo" | "passengers" | "freight"
    rule: Mapped[str] = mapped_column(String(400))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16))  # "local" | "partner-file" | "exchange"
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(64))


class HoursException(Base):
    """A dated closure or extension of a post's hours, in the post's local time."""

    __tablename__ = "border_post_exceptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("border_posts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # "closure" | "extended"
    starts_local: Mapped[datetime] = mapped_column(DateTime())  # naive: local wall-clock time of the post
    ends_local: Mapped[datetime] = mapped_column(DateTime())
    reason: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Crossing(Base):
    """One truck's crossing of a pair: arrival at the first post, exit from it, entry at the second."""

    __tablename__ = "border_crossings"
    __table_args__ = (UniqueConstraint("pair_id", "reference"), Index("ix_border_crossings_pair_arrived",
                                                                       "pair_id", "arrived"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("border_post_pairs.id"))
    reference: Mapped[str] = mapped_column(String(40))  # plate, seal or consignment reference
    direction: Mapped[str] = mapped_column(String(4))  # "out": ours -> partner; "in": partner -> ours
    arrived: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    exited: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    entered: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class CrossingEvent(Base):
    """An event of a crossing as it was reported (gate scan, officer, partner), kept as received."""

    __tablename__ = "border_crossing_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crossing_id: Mapped[int] = mapped_column(ForeignKey("border_crossings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "arrived" | "exited" | "entered"
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(16))  # "gate" | "officer" | "partner"
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HoursAlert(Base):
    """A change (hours, exception, holiday, tzdata rules) that cut a pair's joint open time by more than its share."""

    __tablename__ = "border_hours_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("border_post_pairs.id"), index=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cause: Mapped[str] = mapped_column(String(32))  # "hours" | "exception" | "recheck" (tzdata, holidays)
    joint_before_s: Mapped[int] = mapped_column(BigInteger)
    joint_after_s: Mapped[int] = mapped_column(BigInteger)
    cut_share: Mapped[float] = mapped_column(Float)


class FeedVersion(Base):
    """One published version of a pair's hours feed: what changed, and the digest of the signed document."""

    __tablename__ = "border_feed_versions"
    __table_args__ = (UniqueConstraint("pair_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("border_post_pairs.id"))
    version: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    change: Mapped[str] = mapped_column(String(200))


class SimulationRun(Base):
    """A stored what-if study of a pair: fitted model, scenarios, proposal, back-test (JSON)."""

    __tablename__ = "border_simulations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("border_post_pairs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
