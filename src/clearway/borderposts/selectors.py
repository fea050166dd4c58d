"""Reads of the border-post domain: posts, pairs, each post's open spans in UTC, crossings and their split."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.borderposts.dwell import DailyClosureShare, DwellSplit, daily_closure_share, dwell_splits
from clearway.borderposts.models import (
    BorderPost,
    Crossing,
    FeedVersion,
    HoursAlert,
    HoursException,
    PostHours,
    PostPair,
    SimulationRun,
)
from clearway.borderposts.schedule import Exception_, Schedule, open_intervals
from clearway.borderposts.simulate import Crossings
from clearway.borderposts.windows import PairWindows, segments, windows_of
from clearway.errors import NotFound, Problem

TRAFFIC = ("cargo", "passengers", "freight")


def day_s(day: date) -> int:
    """Epoch seconds of a UTC midnight."""
    return (day - date(1970, 1, 1)).days * 86_400


def pairs_list(db: Session) -> list[PostPair]:
    """Every pair, by code."""
    return list(db.scalars(select(PostPair).order_by(PostPair.code)))


def pair_get(db: Session, code: str) -> PostPair:
    """A pair by code, else 404 borderposts.pair_unknown."""
    pair = db.scalar(select(PostPair).where(PostPair.code == code))
    if pair is None:
        raise NotFound([Problem("borderposts.pair_unknown", "", {"code": code})])
    return pair


def post_get(db: Session, code: str) -> BorderPost:
    """A post by code, else 404 borderposts.post_unknown."""
    post = db.scalar(select(BorderPost).where(BorderPost.code == code))
    if post is None:
        raise NotFound([Problem("borderposts.post_unknown", "", {"code": code})])
    return post


def post_by_id(db: Session, post_id: int) -> BorderPost:
    """A post by id (pairs always point at existing posts)."""
    return db.get_one(BorderPost, post_id)


def pair_posts(db: Session, pair: PostPair) -> tuple[BorderPost, BorderPost]:
    """Our post and the partner's post of a pair."""
    return post_by_id(db, pair.ours_id), post_by_id(db, pair.partner_id)


def hours_of(db: Session, post: BorderPost) -> list[PostHours]:
    """Every hours row of a post, oldest first."""
    return list(db.scalars(select(PostHours).where(PostHours.post_id == post.id)
                           .order_by(PostHours.valid_from, PostHours.id)))


def exceptions_of(db: Session, post: BorderPost) -> list[HoursException]:
    """A post's dated exceptions, by start."""
    return list(db.scalars(select(HoursException).where(HoursException.post_id == post.id)
                           .order_by(HoursException.starts_local)))


def hours_in_force(rows: list[PostHours], at: datetime) -> dict[tuple[str, str], PostHours]:
    """The row in force at `at` for each (agency, traffic)."""
    found: dict[tuple[str, str], PostHours] = {}
    for row in rows:
        if row.valid_from <= at:
            found[(row.agency, row.traffic)] = row
    return found


def _intersect(a: np.ndarray, b: np.ndarray, lo: int, hi: int) -> np.ndarray:
    seg = segments(a, b, lo, hi)
    return seg.spans(seg.ours & seg.theirs)


def post_open(db: Session, post: BorderPost, start: date, end: date, traffic: str = "cargo") -> np.ndarray:
    """UTC open spans of a post for a traffic type over [start, end): open only when every agency there is open."""
    lo, hi = day_s(start - timedelta(days=1)), day_s(end + timedelta(days=1))
    exceptions = tuple(Exception_(e.kind, e.starts_local, e.ends_local) for e in exceptions_of(db, post))
    by_agency: dict[str, list[PostHours]] = defaultdict(list)
    for row in hours_of(db, post):
        if row.traffic == traffic:
            by_agency[row.agency].append(row)
    if not by_agency:
        return np.zeros((0, 2), dtype=np.int64)  # no known hours: never counted as open
    result: np.ndarray | None = None
    for versions in by_agency.values():
        pieces = []
        for i, row in enumerate(versions):
            since = max(lo, int(row.valid_from.timestamp()))
            until = int(versions[i + 1].valid_from.timestamp()) if i + 1 < len(versions) else hi
            if until <= since:
                continue
            schedule = Schedule(row.rule, post.timezone, post.holiday_country, exceptions)
            spans = open_intervals(schedule, start - timedelta(days=1), end + timedelta(days=1))
            clipped = np.stack([np.maximum(spans[:, 0], since), np.minimum(spans[:, 1], until)], axis=1) \
                if len(spans) else spans
            pieces.append(clipped[clipped[:, 1] > clipped[:, 0]] if len(clipped) else clipped)
        agency = np.concatenate(pieces) if pieces else np.zeros((0, 2), dtype=np.int64)
        result = agency if result is None else _intersect(result, agency, lo, hi)
    assert result is not None
    return result


def pair_windows(db: Session, pair: PostPair, start: date, end: date, traffic: str = "cargo") -> PairWindows:
    """Joint windows and gaps of a pair for a traffic type over the UTC days [start, end)."""
    ours, partner = pair_posts(db, pair)
    return windows_of(post_open(db, ours, start, end, traffic), post_open(db, partner, start, end, traffic),
                      day_s(start), day_s(end))


def crossings_of(db: Session, pair: PostPair, lo: int, hi: int, direction: str | None = None) -> list[Crossing]:
    """Complete crossings of a pair that arrived in [lo, hi) (epoch seconds)."""
    query = select(Crossing).where(Crossing.pair_id == pair.id, Crossing.arrived >= lo, Crossing.arrived < hi,
                                   Crossing.entered.is_not(None)).order_by(Crossing.arrived)
    if direction:
        query = query.where(Crossing.direction == direction)
    return list(db.scalars(query))


def crossings_arrays(rows: list[Crossing]) -> Crossings:
    """Crossings as arrays (those with all three times)."""
    rows = [r for r in rows if r.arrived is not None and r.exited is not None and r.entered is not None]
    return Crossings(arrived=np.array([r.arrived for r in rows], dtype=np.int64),
                     exited=np.array([r.exited for r in rows], dtype=np.int64),
                     entered=np.array([r.entered for r in rows], dtype=np.int64))


@dataclass(frozen=True)
class SplitReport:
    """Every crossing's split over a period, totals and the daily closure share per direction."""

    splits: list[tuple[str, int, DwellSplit]]
    daily: list[DailyClosureShare]

    def total_h(self, bucket: str) -> float:
        """Sum of one bucket of the split, in hours."""
        return sum(getattr(s, bucket) for _, _, s in self.splits) / 3600

    @property
    def closure_share(self) -> float | None:
        """Waiting while a post was closed, as a share of all waiting."""
        waiting = self.total_h("waiting_s")
        closed = self.total_h("waiting_ours_closed_s") + self.total_h("waiting_partner_closed_s")
        return closed / waiting if waiting > 0 else None

    def dwell_percentile_h(self, q: float) -> float | None:
        """A percentile of dwell in hours (None without crossings)."""
        if not self.splits:
            return None
        return float(np.percentile([s.dwell_s for _, _, s in self.splits], q)) / 3600


def pair_split(db: Session, pair: PostPair, start: date, end: date) -> SplitReport:
    """Dwell split of every crossing of a pair that arrived on the UTC days [start, end)."""
    ours, partner = pair_posts(db, pair)
    # Trucks can wait for days: the hours are expanded a week past the period.
    a, b = post_open(db, ours, start, end + timedelta(days=7)), post_open(db, partner, start, end + timedelta(days=7))
    rows = db.execute(select(Crossing.direction, Crossing.arrived, Crossing.entered).where(
        Crossing.pair_id == pair.id, Crossing.arrived >= day_s(start), Crossing.arrived < day_s(end),
        Crossing.entered.is_not(None)).order_by(Crossing.arrived)).all()
    arrived = np.array([r.arrived for r in rows], dtype=np.int64)
    entered = np.array([r.entered for r in rows], dtype=np.int64)
    split = dwell_splits(arrived=arrived, entered=entered, ours=a, partner=b, service_s=pair.service_s)
    splits = [(r.direction, int(r.arrived), split.row(n)) for n, r in enumerate(rows)]
    return SplitReport(splits=splits, daily=daily_closure_share(splits))


def alerts_of(db: Session, pair: PostPair | None = None, limit: int = 50) -> list[HoursAlert]:
    """The newest alerts, of one pair or all."""
    query = select(HoursAlert).order_by(HoursAlert.raised_at.desc(), HoursAlert.id.desc()).limit(limit)
    if pair is not None:
        query = query.where(HoursAlert.pair_id == pair.id)
    return list(db.scalars(query))


def feed_history(db: Session, pair: PostPair) -> list[FeedVersion]:
    """A pair's published feed versions, newest first."""
    return list(db.scalars(select(FeedVersion).where(FeedVersion.pair_id == pair.id)
                           .order_by(FeedVersion.version.desc())))


def simulation_latest(db: Session, pair: PostPair) -> SimulationRun | None:
    """The newest stored what-if study of a pair."""
    return db.scalar(select(SimulationRun).where(SimulationRun.pair_id == pair.id)
                     .order_by(SimulationRun.created_at.desc(), SimulationRun.id.desc()).limit(1))


def state_now(spans: np.ndarray, now: int) -> tuple[bool, int | None]:
    """Whether the spans are open at `now`, and the next instant that changes (None if never within them)."""
    for a, b in spans:
        if a <= now < b:
            return True, int(b)
        if a > now:
            return False, int(a)
    return False, None


def utc_of(epoch: int | None) -> datetime | None:
    """An epoch second as an aware UTC datetime."""
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)
