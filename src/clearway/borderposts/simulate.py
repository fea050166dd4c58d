"""A queue simulation of a pair of posts (ciw), its fit from the posts' own events, and what-if runs.

Two nodes in series: our post (lanes staffed while it is open, none while closed) and the partner's
entry gate (the same, on the partner's hours). A truck cleared by us while the partner is closed waits
in front of the partner's gate; that wait is the cost of misaligned hours. Time runs in hours from
the start of the simulated period; shift schedules are ciw `Schedule`s built from the UTC open spans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ciw
import numpy as np

WEEK_H = 168


@dataclass(frozen=True)
class PairModel:
    """Inputs of a simulation: arrivals per hour of the UTC week, mean service times, lanes per side."""

    rates: tuple[float, ...]  # trucks per hour, 168 values from Monday 00:00 UTC
    service_ours_h: float
    service_partner_h: float
    lanes_ours: int
    lanes_partner: int
    # Staff on duty per hour of the UTC week (168 values), when fewer than the lanes: a lane needs its officer.
    staff_ours: tuple[int, ...] | None = None
    staff_partner: tuple[int, ...] | None = None

    @property
    def trucks_per_day(self) -> float:
        """Mean arrivals per day."""
        return sum(self.rates) / 7


@dataclass(frozen=True)
class Crossings:
    """Simulated or observed crossings: arrival at our post, exit from it, entry at the partner (epoch seconds)."""

    arrived: np.ndarray
    exited: np.ndarray
    entered: np.ndarray

    @property
    def dwell_h(self) -> np.ndarray:
        """Each crossing's dwell in hours."""
        return (self.entered - self.arrived) / 3600

    def daily_mean_dwell_h(self) -> dict[int, float]:
        """Mean dwell per UTC day of arrival (day number since the epoch)."""
        days = self.arrived // 86_400
        return {int(d): float(self.dwell_h[days == d].mean()) for d in np.unique(days)}


def _pieces(a: int, b: int, lo: int, lanes: int, staff: tuple[int, ...] | None) -> list[tuple[int, int]]:
    """(servers, end) pieces of one open span: the lanes, or fewer in the hours with fewer staff on duty."""
    if staff is None:
        return [(lanes, b)]
    weekday_offset = ((lo // 86_400 + 3) % 7) * 24
    out: list[tuple[int, int]] = []
    t = a
    while t < b:
        hour_end = min(b, lo + ((t - lo) // 3600 + 1) * 3600)
        servers = min(lanes, staff[(weekday_offset + (t - lo) // 3600) % WEEK_H])
        if out and out[-1][0] == servers:
            out[-1] = (servers, hour_end)
        else:
            out.append((servers, hour_end))
        t = hour_end
    return out


def _schedule(spans: np.ndarray, lo: int, hi: int, lanes: int, staff: tuple[int, ...] | None = None) -> ciw.Schedule:
    """A ciw shift schedule over [lo, hi): the staffed lanes inside the open spans, none outside."""
    counts: list[int] = []
    ends: list[float] = []
    cursor = lo
    for a, b in spans:
        a, b = max(int(a), lo), min(int(b), hi)
        if b <= a:
            continue
        if a > cursor:
            counts.append(0)
            ends.append((a - lo) / 3600)
        for servers, end in _pieces(a, b, lo, lanes, staff):
            counts.append(servers)
            ends.append((end - lo) / 3600)
        cursor = b
    # Past the period everything stays open, so trucks still queued at its end are served (not lost).
    counts.append(0 if cursor < hi else lanes)
    ends.append((hi - lo) / 3600)
    counts.append(lanes)
    ends.append((hi - lo) / 3600 + 24 * 365)
    return ciw.Schedule(numbers_of_servers=counts, shift_end_dates=ends)


def simulate(model: PairModel, ours: np.ndarray, partner: np.ndarray, lo: int, hi: int, seed: int = 1) -> Crossings:
    """One run over [lo, hi) (epoch seconds, lo a Monday 00:00 UTC); trucks arrive only inside the period."""
    horizon = (hi - lo) / 3600
    weekday_offset = ((lo // 86_400 + 3) % 7) * 24  # 1970-01-01 was a Thursday: hour of the week at lo
    rates = [model.rates[(weekday_offset + h) % WEEK_H] for h in range(WEEK_H)]
    endpoints = [float(h + 1) for h in range(WEEK_H)]
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.PoissonIntervals(rates=rates, endpoints=endpoints, max_sample_date=horizon),
                               None],
        service_distributions=[ciw.dists.Exponential(1 / model.service_ours_h),
                               ciw.dists.Exponential(1 / model.service_partner_h)],
        number_of_servers=[_schedule(ours, lo, hi, model.lanes_ours, model.staff_ours),
                           _schedule(partner, lo, hi, model.lanes_partner, model.staff_partner)],
        routing=[[0.0, 1.0], [0.0, 0.0]],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(horizon + 24 * 30)
    first: dict[int, tuple[float, float]] = {}
    second: dict[int, float] = {}
    for record in sim.get_all_records():
        if record.record_type != "service":
            continue
        if record.node == 1:
            first[record.id_number] = (record.arrival_date, record.exit_date)
        elif record.node == 2:
            second[record.id_number] = record.exit_date
    ids = sorted(i for i in first if i in second and first[i][0] < horizon)
    arrived = np.array([first[i][0] for i in ids])
    exited = np.array([first[i][1] for i in ids])
    entered = np.array([second[i] for i in ids])
    return Crossings(arrived=(lo + arrived * 3600).astype(np.int64), exited=(lo + exited * 3600).astype(np.int64),
                     entered=(lo + entered * 3600).astype(np.int64))


def _open_at(spans: np.ndarray, points: np.ndarray) -> np.ndarray:
    if len(spans) == 0:
        return np.zeros(len(points), dtype=bool)
    i = np.searchsorted(spans[:, 0], points, side="right") - 1
    return (i >= 0) & (points < spans[np.maximum(i, 0), 1])


def _idle_service_h(starts: np.ndarray, ends: np.ndarray, spans: np.ndarray, lanes: int) -> np.ndarray:
    """Durations of the stays that began with a free lane while the post was open: those are pure service."""
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    exits_sorted = np.sort(ends)
    # In the system when a truck arrives: arrived before it and not yet gone.
    in_system = np.arange(len(starts)) - np.searchsorted(exits_sorted, starts, side="right")
    open_now = _open_at(spans, starts)
    # The post must also stay open for the whole stay, or a closing would lengthen it.
    i = np.searchsorted(spans[:, 0], starts, side="right") - 1 if len(spans) else np.zeros(len(starts), dtype=int)
    stays_open = open_now & (ends <= spans[np.maximum(i, 0), 1]) if len(spans) else open_now
    usable = stays_open & (in_system < lanes)
    return (ends[usable] - starts[usable]) / 3600


def fit(observed: Crossings, ours: np.ndarray, partner: np.ndarray, lo: int, hi: int,
        lanes_ours: int, lanes_partner: int) -> PairModel:
    """Arrival profile and service times from a period's own events (arrived, exited, entered)."""
    weeks = (hi - lo) / (WEEK_H * 3600)
    hour_of_week = ((observed.arrived // 3600) + 72) % WEEK_H  # epoch hour 0 was Thursday 00:00 = hour 72
    counts = np.bincount(hour_of_week.astype(np.int64), minlength=WEEK_H)
    rates = tuple(float(c / weeks) for c in counts)
    ours_s = _idle_service_h(observed.arrived, observed.exited, ours, lanes_ours)
    partner_s = _idle_service_h(observed.exited, observed.entered, partner, lanes_partner)
    return PairModel(rates=rates, service_ours_h=float(ours_s.mean()) if len(ours_s) else 0.5,
                     service_partner_h=float(partner_s.mean()) if len(partner_s) else 0.25,
                     lanes_ours=lanes_ours, lanes_partner=lanes_partner)


def predicted_daily_mean_dwell_h(model: PairModel, ours: np.ndarray, partner: np.ndarray, lo: int, hi: int,
                                 runs: int = 3, seed: int = 1) -> dict[int, float]:
    """Daily mean dwell predicted as the average of a few seeded runs (one run alone adds its own noise)."""
    days: dict[int, list[float]] = {}
    for k in range(runs):
        for day, value in simulate(model, ours, partner, lo, hi, seed=seed + k).daily_mean_dwell_h().items():
            days.setdefault(day, []).append(value)
    return {day: float(np.mean(values)) for day, values in days.items()}


def mean_absolute_error_share(predicted: dict[int, float], actual: dict[int, float]) -> float:
    """Mean of |predicted - actual| / actual over the days both have."""
    days = [d for d in actual if d in predicted and actual[d] > 0]
    return float(np.mean([abs(predicted[d] - actual[d]) / actual[d] for d in days])) if days else float("nan")


@dataclass(frozen=True)
class WhatIf:
    """One scenario's outcome: mean and p95 dwell, and the share of waiting caused by closed hours."""

    name: str
    trucks: int
    mean_h: float
    p95_h: float


def what_if(name: str, model: PairModel, ours: np.ndarray, partner: np.ndarray, lo: int, hi: int,
            seed: int = 1) -> WhatIf:
    """Simulate one scenario and summarise it."""
    run = simulate(model, ours, partner, lo, hi, seed=seed)
    dwell = run.dwell_h
    return WhatIf(name=name, trucks=len(dwell), mean_h=float(dwell.mean()) if len(dwell) else 0.0,
                  p95_h=float(np.percentile(dwell, 95)) if len(dwell) else 0.0)


def always_open(lo: int, hi: int) -> np.ndarray:
    """24/7 hours over [lo, hi)."""
    return np.array([[lo, hi]], dtype=np.int64)


def weekly_spans(hours_open: Sequence[bool], lo: int, hi: int) -> np.ndarray:
    """UTC spans from 168 open/closed flags per hour of the week (Monday 00:00 UTC first), repeated over [lo, hi)."""
    weekday_offset = ((lo // 86_400 + 3) % 7) * 24
    out: list[list[int]] = []
    for h in range((hi - lo) // 3600):
        if hours_open[(weekday_offset + h) % WEEK_H]:
            start = lo + h * 3600
            if out and out[-1][1] == start:
                out[-1][1] = start + 3600
            else:
                out.append([start, start + 3600])
    return np.array(out, dtype=np.int64).reshape(-1, 2)
