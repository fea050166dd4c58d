"""Proposed aligned hours under a staff-hour budget per side: a small mixed-integer programme solved by HiGHS.

Decision: for each hour of the UTC day, is our post open (x), the partner open (y), both (z ≤ x, z ≤ y),
the same every day of the week (hours that differ by weekday let a solver bunch the joint time into a
few days, and the trucks of the other days wait for them).
Each open hour costs its lanes in staff hours, within each side's weekly budget. Each side's open hours must
carry the week's trucks with a margin, and an hour open on one side only is waste (a truck cleared
there waits for the other side). The objective keeps trucks arriving inside joint hours (waiting
until the next joint window is what lengthens mean and p95 crossing time), penalises one-sided hours,
and prefers few openings a day (staff work shifts, not scattered hours). The simulator then checks
the proposal's mean and p95 against the current hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from clearway.borderposts.simulate import PairModel

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


@dataclass(frozen=True)
class Proposal:
    """Open flags per UTC hour of the week for each side, joint hours and staff hours a week, solver status."""

    ours: tuple[bool, ...]
    partner: tuple[bool, ...]
    joint_h: int
    staff_h_ours: int
    staff_h_partner: int
    status: str


def propose(model: PairModel, *, budget_ours: float, budget_partner: float, time_limit_s: float = 25.0,
            margins: tuple[float, ...] = (1.25, 1.1, 1.0)) -> Proposal | None:
    """Aligned hours within each side's weekly staff-hour budget, with the widest capacity margin that fits."""
    for margin in margins:
        found = _solve(model, budget_ours=budget_ours, budget_partner=budget_partner, margin=margin,
                       time_limit_s=time_limit_s)
        if found is not None:
            return found
    return None


def _solve(model: PairModel, *, budget_ours: float, budget_partner: float, margin: float,
           time_limit_s: float) -> Proposal | None:
    n = 24
    # Variables: x[0:n], y[n:2n], z[2n:3n], start_x[3n:4n], start_y[4n:5n].
    size = 5 * n
    w = np.array(model.rates, dtype=float).reshape(7, 24).sum(axis=0)
    w = w / w.sum() if w.sum() else np.full(n, 1 / n)
    cost = np.zeros(size)
    cost[2 * n:3 * n] = -w * 100  # trucks arriving in joint hours cross at once
    cost[0:n] = -w * 40  # trucks arriving while we are open are at least cleared by us
    cost[0:n] += 0.05  # an open hour on its own costs a little (one-sided hours are wasted staff)
    cost[n:2 * n] += 0.05
    cost[2 * n:3 * n] -= 0.1  # ... unless it is joint
    cost[3 * n:5 * n] = 1.0  # each opening of a shift
    rows = lil_matrix((2 * n * 2 + 4, size))
    lower: list[float] = []
    upper: list[float] = []
    r = 0
    for h in range(n):
        for side, start in ((0, 3 * n), (n, 4 * n)):
            rows[r, 2 * n + h], rows[r, side + h] = 1, -1  # z ≤ x, z ≤ y
            lower.append(-np.inf)
            upper.append(0)
            r += 1
            # start ≥ open(h) - open(h-1): counts each opening
            rows[r, start + h], rows[r, side + h], rows[r, side + (h - 1) % n] = 1, -1, 1
            lower.append(0)
            upper.append(np.inf)
            r += 1
    rows[r, 0:n] = 7 * model.lanes_ours
    lower.append(0)
    upper.append(budget_ours)
    r += 1
    rows[r, n:2 * n] = 7 * model.lanes_partner
    lower.append(0)
    upper.append(budget_partner)
    r += 1
    # Capacity: each side's open hours × its hourly throughput carry the week's trucks with a margin.
    for side, lanes, service in ((0, model.lanes_ours, model.service_ours_h),
                                 (n, model.lanes_partner, model.service_partner_h)):
        rows[r, side:side + n] = 7 * lanes / service
        lower.append(margin * float(sum(model.rates)))
        upper.append(np.inf)
        r += 1
    result = milp(cost, integrality=np.ones(size), bounds=Bounds(0, 1),
                  constraints=LinearConstraint(rows.tocsr(), lower, upper),
                  options={"time_limit": time_limit_s, "mip_rel_gap": 1e-4})
    if result.x is None:
        return None
    x = np.round(result.x).astype(bool)
    ours, partner = tuple(bool(v) for v in x[0:n]) * 7, tuple(bool(v) for v in x[n:2 * n]) * 7
    return Proposal(ours=ours, partner=partner, joint_h=7 * int(x[2 * n:3 * n].sum()),
                    staff_h_ours=int(sum(ours)) * model.lanes_ours,
                    staff_h_partner=int(sum(partner)) * model.lanes_partner,
                    status="optimal" if result.status == 0 else "time_limit")


def as_rule(flags: tuple[bool, ...], zone: str, week_of: date) -> str:
    """Open flags per UTC hour of the week as an OSM opening_hours rule in the post's local time."""
    tz = ZoneInfo(zone)
    monday = week_of - timedelta(days=week_of.weekday())
    start = datetime(monday.year, monday.month, monday.day, tzinfo=ZoneInfo("UTC"))
    by_day: dict[int, list[list[int]]] = {d: [] for d in range(7)}
    for h, is_open in enumerate(flags):
        if not is_open:
            continue
        local = (start + timedelta(hours=h)).astimezone(tz)
        day, minute = local.weekday(), local.hour * 60 + local.minute
        spans = by_day[day]
        if spans and spans[-1][1] == minute:
            spans[-1][1] = minute + 60
        else:
            spans.append([minute, minute + 60])
    parts = []
    for d in range(7):
        # The UTC week starts inside a local day west of Greenwich: sort that day's pieces and join touching ones.
        merged: list[list[int]] = []
        for a, b in sorted(by_day[d]):
            if merged and merged[-1][1] == a:
                merged[-1][1] = b
            else:
                merged.append([a, b])
        by_day[d] = merged
        if by_day[d]:
            times = ",".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in by_day[d])
            parts.append(f"{DAYS[d]} {times}")
    return "; ".join(parts) if parts else "off"
