"""A pair's what-if study: fit the simulator on the last weeks, back-test it, run the scenarios, propose hours."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from clearway.borderposts import selectors
from clearway.borderposts.models import BorderPost, PostPair, SimulationRun
from clearway.borderposts.optimise import as_rule, propose
from clearway.borderposts.schedule import difference, holiday_days, to_utc
from clearway.borderposts.simulate import (
    PairModel,
    always_open,
    fit,
    mean_absolute_error_share,
    predicted_daily_mean_dwell_h,
    weekly_spans,
    what_if,
)

FIT_DAYS = 28


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def hour_flags(spans: np.ndarray, lo: int) -> tuple[bool, ...]:
    """Open flags per UTC hour of the week starting at lo (a Monday), from the spans of that week."""
    return tuple(bool(selectors.state_now(spans, lo + h * 3600 + 1800)[0]) for h in range(168))


def weekly_flags(spans: np.ndarray, lo: int, weeks: int = 4) -> tuple[bool, ...]:
    """The regular weekly hours from lo (a Monday): open in an hour of the week when most of the weeks are open.

    One week alone would lose a holiday's hours from the staff budget and from the proposal.
    """
    counts = [0] * 168
    for week in range(weeks):
        for h, is_open in enumerate(hour_flags(spans, lo + week * 7 * 86_400)):
            counts[h] += is_open
    return tuple(2 * c > weeks for c in counts)


def _staggered(ours: tuple[bool, ...], partner: tuple[bool, ...]) -> tuple[bool, ...]:
    """The partner keeps its daily hours but opens one hour after we do, every day."""
    out = [False] * 168
    for day in range(7):
        mine = [h for h in range(24) if ours[day * 24 + h]]
        length = sum(partner[day * 24:(day + 1) * 24])
        if not mine or not length:
            continue
        for k in range(length):
            out[(day * 24 + mine[0] + 1 + k) % 168] = True
    return tuple(out)


def _closed_days(db: Session, post: BorderPost, start: date, end: date) -> np.ndarray:
    """UTC spans of the post's holidays and closures over [start, end): proposed hours keep them."""
    local: list[tuple[int, int]] = []
    if post.holiday_country:
        for day in holiday_days(post.holiday_country, tuple(range(start.year, end.year + 1))):
            if start <= day < end:
                midnight = (day - date(1970, 1, 1)).days * 86_400
                local.append((midnight, midnight + 86_400))
    epoch0 = datetime(1970, 1, 1)
    for exc in selectors.exceptions_of(db, post):
        if exc.kind == "closure":
            local.append((int((exc.starts_local - epoch0).total_seconds()),
                          int((exc.ends_local - epoch0).total_seconds())))
    if not local:
        return np.zeros((0, 2), dtype=np.int64)
    return to_utc(np.array(local, dtype=np.int64), post.timezone, start, end)


def study_run(*, db: Session, pair: PostPair, now: datetime, seed: int = 1) -> SimulationRun | None:
    """Fit, back-test and compare scenarios for a pair from its own crossings; None without enough crossings."""
    ours_post, partner_post = selectors.pair_posts(db, pair)
    end = _monday(now.date())
    fit_start, test_start = end - timedelta(days=2 * FIT_DAYS), end - timedelta(days=FIT_DAYS)
    lo, mid, hi = selectors.day_s(fit_start), selectors.day_s(test_start), selectors.day_s(end)
    ours = selectors.post_open(db, ours_post, fit_start, end + timedelta(days=30))
    partner = selectors.post_open(db, partner_post, fit_start, end + timedelta(days=30))
    first = selectors.crossings_arrays(selectors.crossings_of(db, pair, lo, mid, "out"))
    second = selectors.crossings_arrays(selectors.crossings_of(db, pair, mid, hi, "out"))
    if len(first.arrived) < 100 or len(second.arrived) < 100:
        return None
    fitted = fit(first, ours, partner, lo, mid, ours_post.lanes, partner_post.lanes)
    predicted = predicted_daily_mean_dwell_h(fitted, ours, partner, mid, hi, seed=seed)
    backtest = mean_absolute_error_share(predicted, second.daily_mean_dwell_h())
    # Scenarios run on the most recent month's fit, over the month to come.
    model = fit(second, ours, partner, mid, hi, ours_post.lanes, partner_post.lanes)
    horizon = hi + FIT_DAYS * 86_400
    ours_flags, partner_flags = weekly_flags(ours, hi), weekly_flags(partner, hi)
    # Other hours keep each side's holidays and closures, so scenarios differ only in their weekly hours.
    closed_ours = _closed_days(db, ours_post, end, end + timedelta(days=FIT_DAYS + 1))
    closed_partner = _closed_days(db, partner_post, end, end + timedelta(days=FIT_DAYS + 1))

    def keep_closed(flags: tuple[bool, ...], closed: np.ndarray) -> np.ndarray:
        return difference(weekly_spans(flags, hi, horizon), closed)

    budget_ours = sum(ours_flags) * model.lanes_ours
    budget_partner = sum(partner_flags) * model.lanes_partner
    proposal = propose(model, budget_ours=budget_ours, budget_partner=budget_partner)
    scenarios = [what_if("current", model, ours, partner, hi, horizon, seed),
                 what_if("staggered", model, ours,
                         keep_closed(_staggered(ours_flags, partner_flags), closed_partner), hi, horizon, seed),
                 what_if("always", model, always_open(hi, horizon), always_open(hi, horizon), hi, horizon, seed)]
    proposal_json: dict[str, Any] | None = None
    if proposal is not None:
        scenarios.insert(1, what_if("aligned", model, keep_closed(proposal.ours, closed_ours),
                                    keep_closed(proposal.partner, closed_partner), hi, horizon, seed))
        proposal_json = {"ours_rule": as_rule(proposal.ours, ours_post.timezone, end),
                         "partner_rule": as_rule(proposal.partner, partner_post.timezone, end),
                         "joint_h_per_week": proposal.joint_h, "staff_h_ours": proposal.staff_h_ours,
                         "staff_h_partner": proposal.staff_h_partner, "status": proposal.status}
    result = {
        "fitted_on": [fit_start.isoformat(), test_start.isoformat()],
        "model": _model_json(model),
        "backtest": {"mae_share": round(backtest, 4), "days": len(second.daily_mean_dwell_h()),
                     "fitted_service_ours_h": round(fitted.service_ours_h, 4)},
        "budget": {"staff_h_ours": budget_ours, "staff_h_partner": budget_partner},
        "scenarios": [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(s).items()}
                      for s in scenarios],
        "proposal": proposal_json,
    }
    run = SimulationRun(pair_id=pair.id, created_at=now, result=result)
    db.add(run)
    db.flush()
    return run


def _model_json(model: PairModel) -> dict[str, Any]:
    return {"trucks_per_day": round(model.trucks_per_day, 1), "service_ours_h": round(model.service_ours_h, 4),
            "service_partner_h": round(model.service_partner_h, 4), "lanes_ours": model.lanes_ours,
            "lanes_partner": model.lanes_partner}
