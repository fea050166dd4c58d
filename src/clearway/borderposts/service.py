"""Writes of the border-post domain: posts, pairs, hours, exceptions, crossing events, alerts. Never commits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.borderposts import selectors
from clearway.borderposts.models import (
    BorderPost,
    Crossing,
    CrossingEvent,
    FeedVersion,
    HoursAlert,
    HoursException,
    PostHours,
    PostPair,
)
from clearway.borderposts.schedule import ScheduleInvalid, country_check, epoch, rule_check, zone_check
from clearway.errors import Conflict, Problem, ValidationFailed

CHECK_DAYS = 7  # a change is judged by the joint open time it leaves in the coming week (one holiday shows)
EVENT_KINDS = ("arrived", "exited", "entered")


def _invalid(exc: ScheduleInvalid, pointer: str) -> ValidationFailed:
    return ValidationFailed([Problem(exc.code, pointer, {"value": exc.value})])


def _audit(db: Session, actor: Principal, action: str, target: str, detail: dict[str, object], now: datetime) -> None:
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action=action,
                 target_type="border_post", target_id=target, detail=detail, at=now)


def post_create(*, db: Session, actor: Principal, code: str, name: str, country: str, timezone: str,
                holiday_country: str | None, side: str, lanes: int, now: datetime) -> BorderPost:
    """Register a post (ours or the partner's) with its zone and holiday calendar."""
    try:
        zone_check(timezone)
        country_check(holiday_country)
    except ScheduleInvalid as exc:
        raise _invalid(exc, "/timezone" if exc.code.endswith("timezone_unknown") else "/holiday_country") from exc
    if db.scalar(select(BorderPost.id).where(BorderPost.code == code)) is not None:
        raise Conflict([Problem("borderposts.post_exists", "/code", {"code": code})])
    post = BorderPost(code=code, name=name, country=country, timezone=timezone, holiday_country=holiday_country,
                      side=side, lanes=lanes, created_at=now)
    db.add(post)
    db.flush()
    _audit(db, actor, "borderposts.post_created", code, {"timezone": timezone}, now)
    return post


def pair_create(*, db: Session, actor: Principal, code: str, name: str, ours: str, partner: str, service_s: int,
                alert_share: float, now: datetime) -> PostPair:
    """Pair our post with the partner's post facing it."""
    a, b = selectors.post_get(db, ours), selectors.post_get(db, partner)
    if a.side != "ours" or b.side != "partner":
        raise ValidationFailed([Problem("borderposts.pair_sides", "/partner", {})])
    if db.scalar(select(PostPair.id).where(PostPair.code == code)) is not None:
        raise Conflict([Problem("borderposts.pair_exists", "/code", {"code": code})])
    pair = PostPair(code=code, name=name, ours_id=a.id, partner_id=b.id, service_s=service_s,
                    alert_share=alert_share)
    db.add(pair)
    db.flush()
    _publish(db, pair, f"{code} published: {ours} - {partner}", now)
    _audit(db, actor, "borderposts.pair_created", code, {"ours": ours, "partner": partner}, now)
    return pair


def _pairs_of(db: Session, post: BorderPost) -> list[PostPair]:
    return list(db.scalars(select(PostPair).where((PostPair.ours_id == post.id) | (PostPair.partner_id == post.id))))


def _joint_ahead(db: Session, pair: PostPair, now: datetime) -> int:
    return selectors.pair_windows(db, pair, now.date(), now.date() + timedelta(days=CHECK_DAYS)).joint_s


def _publish(db: Session, pair: PostPair, change: str, now: datetime) -> FeedVersion:
    last = db.scalar(select(func.max(FeedVersion.version)).where(FeedVersion.pair_id == pair.id)) or 0
    version = FeedVersion(pair_id=pair.id, version=last + 1, published_at=now, change=change[:200])
    db.add(version)
    return version


def _judge(db: Session, pair: PostPair, before: int, after: int, cause: str, now: datetime) -> HoursAlert | None:
    """Raise an alert when the change cut the pair's joint open time by more than the pair's share."""
    pair.baseline_joint_s, pair.checked_at = after, now
    if before <= 0:
        return None
    cut = (before - after) / before
    if cut <= pair.alert_share:
        return None
    alert = HoursAlert(pair_id=pair.id, raised_at=now, cause=cause, joint_before_s=before, joint_after_s=after,
                       cut_share=round(cut, 4))
    db.add(alert)
    return alert


def _changed(db: Session, post: BorderPost, change: str, cause: str, before: Mapping[int, int],
             now: datetime) -> list[HoursAlert]:
    db.flush()
    alerts = []
    for pair in _pairs_of(db, post):
        _publish(db, pair, change, now)
        alert = _judge(db, pair, before[pair.id], _joint_ahead(db, pair, now), cause, now)
        if alert is not None:
            alerts.append(alert)
    db.flush()
    return alerts


def hours_record(*, db: Session, actor: Principal, post_code: str, agency: str, traffic: str, rule: str,
                 valid_from: datetime, source: str, now: datetime) -> tuple[PostHours, list[HoursAlert]]:
    """Record a post's hours for one agency and traffic from a date; returns the row and any alert it raised."""
    try:
        rule_check(rule)
    except ScheduleInvalid as exc:
        raise _invalid(exc, "/rule") from exc
    post = selectors.post_get(db, post_code)
    before = {p.id: _joint_ahead(db, p, now) for p in _pairs_of(db, post)}
    row = PostHours(post_id=post.id, agency=agency, traffic=traffic, rule=rule, valid_from=valid_from,
                    source=source, recorded_at=now, recorded_by=actor.username)
    db.add(row)
    alerts = _changed(db, post, f"{post.code} {agency}/{traffic}: {rule}", "hours", before, now)
    _audit(db, actor, "borderposts.hours_recorded", post.code, {"rule": rule, "agency": agency, "traffic": traffic,
                                                                "source": source}, now)
    return row, alerts


def exception_add(*, db: Session, actor: Principal, post_code: str, kind: str, starts_local: datetime,
                  ends_local: datetime, reason: str, now: datetime) -> tuple[HoursException, list[HoursAlert]]:
    """Record a dated closure or extension (local wall-clock times of the post)."""
    if ends_local <= starts_local:
        raise ValidationFailed([Problem("borderposts.exception_order", "/ends_local", {})])
    post = selectors.post_get(db, post_code)
    before = {p.id: _joint_ahead(db, p, now) for p in _pairs_of(db, post)}
    row = HoursException(post_id=post.id, kind=kind, starts_local=starts_local.replace(tzinfo=None),
                         ends_local=ends_local.replace(tzinfo=None), reason=reason, recorded_at=now)
    db.add(row)
    alerts = _changed(db, post, f"{post.code} {kind} {starts_local:%Y-%m-%d %H:%M}-{ends_local:%Y-%m-%d %H:%M}",
                      "exception", before, now)
    _audit(db, actor, "borderposts.exception_added", post.code, {"kind": kind, "reason": reason}, now)
    return row, alerts


def pairs_recheck(*, db: Session, now: datetime) -> list[HoursAlert]:
    """Compare every pair's joint time ahead with its last check: catches holidays and tzdata rule changes."""
    alerts = []
    for pair in selectors.pairs_list(db):
        after = _joint_ahead(db, pair, now)
        before = pair.baseline_joint_s
        if before is None:
            pair.baseline_joint_s, pair.checked_at = after, now
            continue
        alert = _judge(db, pair, before, after, "recheck", now)
        if alert is not None:
            alerts.append(alert)
    db.flush()
    return alerts


def crossing_event(*, db: Session, pair_code: str, reference: str, direction: str, kind: str, at: datetime,
                   source: str, now: datetime) -> Crossing:
    """Record one event of a crossing (arrived at the first post, exited it, entered the second)."""
    if kind not in EVENT_KINDS:
        raise ValidationFailed([Problem("borderposts.event_kind", "/kind", {"kind": kind})])
    pair = selectors.pair_get(db, pair_code)
    crossing = db.scalar(select(Crossing).where(Crossing.pair_id == pair.id, Crossing.reference == reference))
    if crossing is None:
        crossing = Crossing(pair_id=pair.id, reference=reference, direction=direction)
        db.add(crossing)
        db.flush()
    elif crossing.direction != direction:
        raise Conflict([Problem("borderposts.direction_changed", "/direction", {"reference": reference})])
    moment = epoch(at)
    times = {"arrived": crossing.arrived, "exited": crossing.exited, "entered": crossing.entered, kind: moment}
    ordered = [t for t in (times[k] for k in EVENT_KINDS) if t is not None]
    if ordered != sorted(ordered):
        raise ValidationFailed([Problem("borderposts.event_order", "/at", {"kind": kind})])
    setattr(crossing, kind, moment)
    db.add(CrossingEvent(crossing_id=crossing.id, kind=kind, at=at, source=source, recorded_at=now))
    db.flush()
    return crossing


def hours_import(*, db: Session, actor: Principal, rows: Iterable[Mapping[str, str]], source: str,
                 now: datetime) -> int:
    """Partner hours from a file (post_code, agency, traffic, rule, valid_from); all rows or none."""
    done = 0
    for n, row in enumerate(rows):
        try:
            valid_from = datetime.fromisoformat(row["valid_from"].replace("Z", "+00:00"))
        except (KeyError, ValueError) as exc:
            raise ValidationFailed([Problem("borderposts.import_row", f"/{n}/valid_from", {"row": n + 1})]) from exc
        if valid_from.tzinfo is None or not 1971 <= valid_from.year <= 2100:
            raise ValidationFailed([Problem("borderposts.import_row", f"/{n}/valid_from", {"row": n + 1})])
        hours_record(db=db, actor=actor, post_code=row.get("post_code", ""), agency=row.get("agency", "customs"),
                     traffic=row.get("traffic", "cargo"), rule=row.get("rule", ""), valid_from=valid_from,
                     source=source, now=now)
        done += 1
    return done

