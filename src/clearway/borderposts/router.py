"""Border-post API under /api/v1/borderposts: staff read; administrators set hours; officers record crossings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, Depends, Query

from clearway.auth.schemas import Principal
from clearway.borderposts import selectors, service, study
from clearway.borderposts.models import HoursAlert, PostPair
from clearway.borderposts.schemas import (
    AlertRead,
    ClosureShareRead,
    CrossingEventCreate,
    CrossingRead,
    DailyShareRead,
    ExceptionCreate,
    HoursCreate,
    HoursImport,
    HoursRecorded,
    ImportRead,
    PairCreate,
    PairSummary,
    PostCreate,
    PostRead,
    Span,
    StudyRead,
    WindowsRead,
)
from clearway.db import utcnow
from clearway.deps import CurrentAdmin, DbSession, roles
from clearway.errors import Problem, ValidationFailed
from clearway.openapi_docs import PROBLEMS

router = APIRouter(prefix="/borderposts", tags=["borderposts"])
READERS = ("officer", "analyst", "admin", "auditor")
Reader = Annotated[Principal, Depends(roles(*READERS))]
Analyst = Annotated[Principal, Depends(roles("analyst"))]
Officer = Annotated[Principal, Depends(roles("officer"))]
MAX_DAYS = 366


def period(date_from: Annotated[date | None, Query(description="First UTC day (default today)")] = None,
           date_to: Annotated[date | None, Query(description="Day after the last (default 7 days on)")] = None,
           ) -> tuple[date, date]:
    """The UTC days [from, to) of a report, at most a year."""
    start = date_from or utcnow().date()
    invalid = ValidationFailed([Problem("borderposts.period_invalid", "/date_to", {"max_days": MAX_DAYS})])
    if not 1971 <= start.year <= 2100:
        raise invalid
    end = date_to or start + timedelta(days=7)
    if end <= start or (end - start).days > MAX_DAYS or end.year > 2100:
        raise invalid
    return start, end


Period = Annotated[tuple[date, date], Depends(period)]


def post_read(post: object) -> PostRead:
    """A post as the API shows it."""
    return PostRead.model_validate(post, from_attributes=True)


def alert_read(db: DbSession, alert: HoursAlert) -> AlertRead:
    """An alert as the API shows it."""
    pair = db.get_one(PostPair, alert.pair_id)
    return AlertRead(pair=pair.code, raised_at=alert.raised_at, cause=alert.cause,
                     joint_before_h=round(alert.joint_before_s / 3600, 2),
                     joint_after_h=round(alert.joint_after_s / 3600, 2), cut_share=alert.cut_share)


def _spans(spans: np.ndarray) -> list[Span]:
    return [Span(start=datetime.fromtimestamp(int(a), UTC), end=datetime.fromtimestamp(int(b), UTC))
            for a, b in spans]


def pair_summary(db: DbSession, pair: PostPair, today: date) -> PairSummary:
    """A pair with its coming week's joint and one-sided hours."""
    ours, partner = selectors.pair_posts(db, pair)
    w = selectors.pair_windows(db, pair, today, today + timedelta(days=7))
    return PairSummary(code=pair.code, name=pair.name, ours=post_read(ours), partner=post_read(partner),
                       joint_h=round(w.joint_s / 3600, 2), ours_only_h=round(w.ours_only_s / 3600, 2),
                       partner_only_h=round(w.theirs_only_s / 3600, 2),
                       alignment=None if w.alignment is None else round(w.alignment, 4))


@router.get("/pairs", operation_id="listBorderPostPairs", responses=PROBLEMS)
def pairs(db: DbSession, _: Reader) -> list[PairSummary]:
    """Every pair of posts with its joint open hours over the next 7 days."""
    with db.begin():
        today = utcnow().date()
        return [pair_summary(db, p, today) for p in selectors.pairs_list(db)]


@router.post("/posts", status_code=201, operation_id="createBorderPost", responses=PROBLEMS)
def post_create(body: PostCreate, db: DbSession, actor: CurrentAdmin) -> PostRead:
    """Register a post (ours or the partner's) with its time zone and holiday calendar."""
    with db.begin():
        return post_read(service.post_create(db=db, actor=actor, now=utcnow(), **body.model_dump()))


@router.post("/pairs", status_code=201, operation_id="createBorderPostPair", responses=PROBLEMS)
def pair_create(body: PairCreate, db: DbSession, actor: CurrentAdmin) -> PairSummary:
    """Pair our post with the partner's post facing it."""
    with db.begin():
        pair = service.pair_create(db=db, actor=actor, now=utcnow(), **body.model_dump())
        return pair_summary(db, pair, utcnow().date())


@router.post("/posts/{post_code}/hours", status_code=201, operation_id="recordBorderPostHours", responses=PROBLEMS)
def hours_create(post_code: str, body: HoursCreate, db: DbSession, actor: CurrentAdmin) -> HoursRecorded:
    """Record a post's hours for an agency and traffic type; answers with any alert the change raised."""
    with db.begin():
        _, alerts = service.hours_record(db=db, actor=actor, post_code=post_code, now=utcnow(), **body.model_dump())
        return HoursRecorded(post=post_code, alerts=[alert_read(db, a) for a in alerts])


@router.post("/posts/{post_code}/exceptions", status_code=201, operation_id="addBorderPostException",
             responses=PROBLEMS)
def exception_create(post_code: str, body: ExceptionCreate, db: DbSession, actor: CurrentAdmin) -> HoursRecorded:
    """Record a dated closure or extension of a post's hours (local time)."""
    with db.begin():
        _, alerts = service.exception_add(db=db, actor=actor, post_code=post_code, now=utcnow(), **body.model_dump())
        return HoursRecorded(post=post_code, alerts=[alert_read(db, a) for a in alerts])


@router.post("/hours-imports", status_code=201, operation_id="importPartnerHours", responses=PROBLEMS)
def hours_import(body: HoursImport, db: DbSession, actor: CurrentAdmin) -> ImportRead:
    """A partner's hours as rows (from its file or the exchange); all rows are recorded or none."""
    with db.begin():
        rows = [{**r.model_dump(), "valid_from": r.valid_from.isoformat()} for r in body.rows]
        return ImportRead(recorded=service.hours_import(db=db, actor=actor, rows=rows, source=body.source,
                                                        now=utcnow()))


@router.post("/crossings/events", status_code=201, operation_id="recordCrossingEvent", responses=PROBLEMS)
def crossing_event(body: CrossingEventCreate, db: DbSession, _: Officer) -> CrossingRead:
    """Record a crossing event (gate scan, officer or partner): arrived, exited or entered."""
    with db.begin():
        crossing = service.crossing_event(db=db, pair_code=body.pair, reference=body.reference,
                                          direction=body.direction, kind=body.kind, at=body.at, source=body.source,
                                          now=utcnow())
        return CrossingRead(pair=body.pair, reference=crossing.reference, direction=crossing.direction,
                            arrived=selectors.utc_of(crossing.arrived), exited=selectors.utc_of(crossing.exited),
                            entered=selectors.utc_of(crossing.entered))


@router.get("/pairs/{pair_code}/windows", operation_id="readJointWindows", responses=PROBLEMS)
def windows(pair_code: str, db: DbSession, _: Reader, days: Period,
            traffic: Annotated[Literal["cargo", "passengers", "freight"], Query()] = "cargo") -> WindowsRead:
    """Joint open windows, and the gaps where one side is open and the other closed, in UTC."""
    start, end = days
    with db.begin():
        w = selectors.pair_windows(db, selectors.pair_get(db, pair_code), start, end, traffic)
    return WindowsRead(pair=pair_code, date_from=start, date_to=end, joint_h_per_week=round(w.weekly_h(w.joint_s), 2),
                       ours_only_h_per_week=round(w.weekly_h(w.ours_only_s), 2),
                       partner_only_h_per_week=round(w.weekly_h(w.theirs_only_s), 2),
                       alignment=None if w.alignment is None else round(w.alignment, 4),
                       joint=_spans(w.joint), ours_only=_spans(w.ours_only), partner_only=_spans(w.theirs_only))


def split_read(pair_code: str, report: selectors.SplitReport) -> ClosureShareRead:
    """A split report as the API shows it."""
    return ClosureShareRead(
        pair=pair_code, crossings=len(report.splits), processing_h=round(report.total_h("processing_s"), 2),
        waiting_open_h=round(report.total_h("waiting_open_s"), 2),
        waiting_ours_closed_h=round(report.total_h("waiting_ours_closed_s"), 2),
        waiting_partner_closed_h=round(report.total_h("waiting_partner_closed_s"), 2),
        closure_share=None if report.closure_share is None else round(report.closure_share, 4),
        days=[DailyShareRead(day=d.day, direction=d.direction, crossings=d.crossings,
                             mean_dwell_h=round(d.mean_dwell_h, 3), waiting_h=round(d.waiting_h, 2),
                             ours_closed_h=round(d.ours_closed_h, 2), partner_closed_h=round(d.partner_closed_h, 2),
                             closure_share=None if d.closure_share is None else round(d.closure_share, 4))
              for d in report.daily])


@router.get("/pairs/{pair_code}/closure-share", operation_id="readClosureShare", responses=PROBLEMS)
def closure_share(pair_code: str, db: DbSession, _: Reader,
                  date_from: Annotated[date | None, Query(description="First UTC day of arrival")] = None,
                  date_to: Annotated[date | None, Query(description="Day after the last")] = None) -> ClosureShareRead:
    """Each crossing's dwell split by cause, and the daily share of waiting caused by closed hours."""
    today = utcnow().date()
    start, end = period(date_from or today - timedelta(days=28), date_to or today + timedelta(days=1))
    with db.begin():
        return split_read(pair_code, selectors.pair_split(db, selectors.pair_get(db, pair_code), start, end))


@router.get("/pairs/{pair_code}/study", operation_id="readPairStudy", responses=PROBLEMS)
def study_read(pair_code: str, db: DbSession, _: Reader) -> StudyRead:
    """The newest what-if study of a pair: fitted model, back-test, scenarios, proposed hours."""
    with db.begin():
        run = selectors.simulation_latest(db, selectors.pair_get(db, pair_code))
    if run is None:
        return StudyRead(pair=pair_code, available=False)
    return StudyRead(pair=pair_code, available=True, created_at=run.created_at, result=run.result)


@router.post("/pairs/{pair_code}/study", status_code=201, operation_id="runPairStudy", responses=PROBLEMS)
def study_create(pair_code: str, db: DbSession, _: Analyst) -> StudyRead:
    """Fit the simulator on the pair's last eight weeks, back-test it and run the what-ifs (takes seconds)."""
    now = utcnow()
    with db.begin():
        run = study.study_run(db=db, pair=selectors.pair_get(db, pair_code), now=now)
        if run is None:
            raise ValidationFailed([Problem("borderposts.not_enough_crossings", "", {"days": 2 * study.FIT_DAYS})])
        return StudyRead(pair=pair_code, available=True, created_at=run.created_at, result=run.result)


@router.get("/alerts", operation_id="listHoursAlerts", responses=PROBLEMS)
def alerts(db: DbSession, _: Reader, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[AlertRead]:
    """Changes that cut a pair's joint open time by more than its share, newest first."""
    with db.begin():
        return [alert_read(db, a) for a in selectors.alerts_of(db, limit=limit)]
