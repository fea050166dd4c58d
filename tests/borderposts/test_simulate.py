"""The pair simulator: fitted on synthetic events of known parameters, it recovers them and predicts the next month."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from clearway.borderposts.optimise import as_rule, propose
from clearway.borderposts.schedule import Schedule, open_intervals
from clearway.borderposts.simulate import (
    PairModel,
    fit,
    mean_absolute_error_share,
    predicted_daily_mean_dwell_h,
    simulate,
    weekly_spans,
    what_if,
)
from clearway.borderposts.study import hour_flags

LO = (date(2026, 3, 2) - date(1970, 1, 1)).days * 86_400  # a Monday
MID, HI = LO + 28 * 86_400, LO + 56 * 86_400
# Busy: 600 trucks a day, mostly in the Kazakh daytime (02-14 UTC).
RATES = tuple(45.0 if 2 <= h % 24 < 14 else 5.0 for h in range(168))
TRUE = PairModel(rates=RATES, service_ours_h=0.2, service_partner_h=0.05, lanes_ours=14, lanes_partner=12)


@pytest.fixture(scope="module")
def hours():
    kz = open_intervals(Schedule("Mo-Su 08:00-20:00", "Asia/Almaty"), date(2026, 3, 1), date(2026, 5, 30))
    cn = open_intervals(Schedule("Mo-Su 09:00-17:00", "Asia/Shanghai"), date(2026, 3, 1), date(2026, 5, 30))
    return kz, cn


@pytest.fixture(scope="module")
def months(hours):
    kz, cn = hours
    return simulate(TRUE, kz, cn, LO, MID, seed=3), simulate(TRUE, kz, cn, MID, HI, seed=4)


def test_fit_recovers_the_parameters_it_was_generated_from(hours, months):
    kz, cn = hours
    first, _ = months
    assert 600 * 28 * 0.95 < len(first.arrived) < 600 * 28 * 1.05
    fitted = fit(first, kz, cn, LO, MID, TRUE.lanes_ours, TRUE.lanes_partner)
    assert fitted.service_ours_h == pytest.approx(0.2, rel=0.1)
    assert fitted.service_partner_h == pytest.approx(0.05, rel=0.1)
    assert fitted.trucks_per_day == pytest.approx(TRUE.trucks_per_day, rel=0.05)
    peak, night = np.mean([r for h, r in enumerate(fitted.rates) if 2 <= h % 24 < 14]), fitted.rates[20]
    assert peak == pytest.approx(45, rel=0.1) and night < 10


def test_back_test_predicts_next_months_daily_mean_dwell_within_15_percent(hours, months):
    kz, cn = hours
    first, second = months
    fitted = fit(first, kz, cn, LO, MID, TRUE.lanes_ours, TRUE.lanes_partner)
    predicted = predicted_daily_mean_dwell_h(fitted, kz, cn, MID, HI, seed=9)
    mae = mean_absolute_error_share(predicted, second.daily_mean_dwell_h())
    assert mae < 0.15
    # And it can fail: the same trucks spread evenly over the day (ignoring the fitted profile) predict another month.
    flat = tuple([sum(fitted.rates) / 168] * 168)
    wrong = PairModel(rates=flat, service_ours_h=fitted.service_ours_h, service_partner_h=fitted.service_partner_h,
                      lanes_ours=fitted.lanes_ours, lanes_partner=fitted.lanes_partner)
    wrong_days = predicted_daily_mean_dwell_h(wrong, kz, cn, MID, HI, runs=1)
    assert mean_absolute_error_share(wrong_days, second.daily_mean_dwell_h()) > 0.15


def test_proposal_aligns_hours_within_budget_and_cuts_crossing_time(hours):
    kz, cn = hours
    ours_flags, partner_flags = hour_flags(kz, MID), hour_flags(cn, MID)
    budget_ours, budget_partner = sum(ours_flags) * TRUE.lanes_ours, sum(partner_flags) * TRUE.lanes_partner
    proposal = propose(TRUE, budget_ours=budget_ours, budget_partner=budget_partner)
    assert proposal is not None and proposal.staff_h_ours <= budget_ours and proposal.staff_h_partner <= budget_partner
    current = what_if("current", TRUE, kz, cn, MID, HI)
    aligned = what_if("aligned", TRUE, weekly_spans(proposal.ours, MID, HI), weekly_spans(proposal.partner, MID, HI),
                      MID, HI)
    assert aligned.mean_h < 0.8 * current.mean_h
    assert proposal.joint_h > sum(a and b for a, b in zip(ours_flags, partner_flags, strict=True))
    # The proposal reads as local hours of each post.
    assert as_rule(proposal.partner, "Asia/Shanghai", date(2026, 3, 30)).startswith("Mo ")


def test_fewer_staff_on_a_shift_lengthen_the_crossing(hours):
    kz, cn = hours
    short = tuple(4 if 2 <= h % 24 < 8 else 14 for h in range(168))  # a thin morning shift on our side
    thin = PairModel(rates=RATES, service_ours_h=0.2, service_partner_h=0.05, lanes_ours=14, lanes_partner=12,
                     staff_ours=short)
    full = what_if("full", TRUE, kz, cn, LO, LO + 7 * 86_400)
    fewer = what_if("thin", thin, kz, cn, LO, LO + 7 * 86_400)
    assert fewer.mean_h > full.mean_h + 0.5
