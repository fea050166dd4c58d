"""Border-post figures, each next to a baseline measured in the same run.

1. A year of joint windows for 500 post pairs (1,000 posts over 12 zones with their holiday calendars,
   hours drawn from 336 weekday/Saturday variants as posts share them), cold caches; baseline: the same
   count of plain datetime operations (one local -> UTC conversion with zoneinfo per interval boundary).
2. One what-if simulation of a month of a busy pair (600 trucks a day, shift schedules on both sides);
   baseline: the same trucks through the same two ciw nodes with no schedules (always open).
3. The optimiser's proposal (HiGHS MILP); baseline: exhaustive search over one contiguous daily
   window per side with the same budget and objective.

Usage: .venv/bin/python benchmarks/borderposts.py [--pairs 500]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from clearway.borderposts import schedule
from clearway.borderposts.optimise import propose
from clearway.borderposts.schedule import Schedule, open_intervals
from clearway.borderposts.simulate import PairModel, always_open, simulate
from clearway.borderposts.windows import pair_windows

ZONES = [("Asia/Almaty", "KZ"), ("Asia/Shanghai", "CN"), ("Europe/Warsaw", "PL"), ("Europe/Minsk", "BY"),
         ("America/Guatemala", "GT"), ("America/Tegucigalpa", "HN"), ("Africa/Kigali", "RW"),
         ("Africa/Dar_es_Salaam", "TZ"), ("America/Santiago", "CL"), ("America/Argentina/Mendoza", "AR"),
         ("Europe/Helsinki", "FI"), ("Europe/Moscow", "RU")]


def _rule(rng: random.Random) -> str:
    opens, length = rng.randint(5, 10), rng.randint(6, 12)
    minute = rng.choice((0, 15, 30, 45))
    weekdays = f"Mo-Fr {opens:02d}:{minute:02d}-{opens + length:02d}:{minute:02d}"
    if rng.random() < 0.5:
        return f"{weekdays}; Sa {opens:02d}:{minute:02d}-{opens + 4:02d}:{minute:02d}"
    return weekdays


def bench_windows(pairs: int) -> tuple[float, float, int, float, float, float]:
    """Seconds for a year of joint windows of `pairs` pairs, the baseline's seconds, its operation count."""
    rng = random.Random(1)
    posts = []
    for _ in range(pairs * 2):
        zone, country = rng.choice(ZONES)
        posts.append(Schedule(_rule(rng), zone, country))
    start, end = date(2026, 1, 1), date(2027, 1, 1)
    for cached in (schedule._rule, schedule._local_rule_intervals, schedule._offset_table, schedule.holiday_days,
                   schedule._holiday_cuts, schedule._week_pattern):
        cached.cache_clear()
    t0, c0 = time.perf_counter(), time.process_time()
    joint = 0
    for i in range(pairs):
        joint += pair_windows(posts[2 * i], posts[2 * i + 1], start, end).joint_s
    ours, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
    # Baseline: one aware-datetime conversion per boundary the computation handled.
    boundaries = sum(2 * len(open_intervals(p, start - timedelta(days=1), end + timedelta(days=1))) for p in posts)
    zone = ZoneInfo("Asia/Almaty")
    moment = datetime(2026, 1, 1, 9)
    t0, c0 = time.perf_counter(), time.process_time()
    for k in range(boundaries):
        (moment + timedelta(minutes=k)).replace(tzinfo=zone).astimezone(UTC)
    baseline, baseline_cpu = time.perf_counter() - t0, time.process_time() - c0
    return ours, baseline, boundaries, joint / 3600 / pairs / 52.14, ours_cpu, baseline_cpu


def bench_simulation() -> tuple[float, float, int, float]:
    """Seconds of one month of a 600-trucks-a-day pair, and of the same without schedules."""
    lo = (date(2026, 3, 2) - date(1970, 1, 1)).days * 86_400
    hi = lo + 30 * 86_400
    kz = open_intervals(Schedule("Mo-Su 08:00-20:00", "Asia/Almaty"), date(2026, 3, 1), date(2026, 5, 1))
    cn = open_intervals(Schedule("Mo-Su 09:00-17:00", "Asia/Shanghai"), date(2026, 3, 1), date(2026, 5, 1))
    model = PairModel(rates=tuple(45.0 if 2 <= h % 24 < 14 else 5.0 for h in range(168)), service_ours_h=0.2,
                      service_partner_h=0.05, lanes_ours=14, lanes_partner=12)
    t0, c0 = time.perf_counter(), time.process_time()
    run = simulate(model, kz, cn, lo, hi, seed=1)
    ours, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    simulate(model, always_open(lo, hi), always_open(lo, hi), lo, hi, seed=1)
    return ours, time.perf_counter() - t0, len(run.arrived), ours_cpu


def _exhaustive(model: PairModel, budget_ours: float, budget_partner: float) -> float:
    """Best objective over one contiguous daily window per side (the same reward as the MILP's main terms)."""
    w = np.array(model.rates).reshape(7, 24).sum(axis=0)
    w = w / w.sum()
    best = -1.0
    for a in range(24):
        for la in range(1, 25):
            if 7 * la * model.lanes_ours > budget_ours:
                break
            x = np.zeros(24, dtype=bool)
            x[[(a + k) % 24 for k in range(la)]] = True
            for b in range(24):
                for lb in range(1, 25):
                    if 7 * lb * model.lanes_partner > budget_partner:
                        break
                    y = np.zeros(24, dtype=bool)
                    y[[(b + k) % 24 for k in range(lb)]] = True
                    best = max(best, float(100 * w[x & y].sum() + 40 * w[x].sum()))
    return best


def bench_optimiser() -> tuple[float, float, int]:
    """Seconds of the MILP proposal and of the exhaustive search; the proposal's joint hours a week."""
    model = PairModel(rates=tuple(45.0 if 2 <= h % 24 < 14 else 5.0 for h in range(168)), service_ours_h=0.2,
                      service_partner_h=0.05, lanes_ours=14, lanes_partner=12)
    budget_ours, budget_partner = 7 * 12 * 14, 7 * 8 * 12
    t0 = time.perf_counter()
    proposal = propose(model, budget_ours=budget_ours, budget_partner=budget_partner)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    _exhaustive(model, budget_ours, budget_partner)
    return ours, time.perf_counter() - t0, proposal.joint_h if proposal else 0


def main() -> None:
    """Run the three measurements and print them with their baselines."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=500)
    args = parser.parse_args()
    ours, baseline, ops, joint_h, ours_cpu, baseline_cpu = bench_windows(args.pairs)
    print(f"joint windows, {args.pairs} pairs x 1 year: {ours:.3f} s, CPU {ours_cpu:.3f} s (mean {joint_h:.1f} joint "
          f"h/week); baseline {ops:,} datetime conversions: {baseline:.3f} s, CPU {baseline_cpu:.3f} s; "
          f"ratio {ours / baseline:.2f}")
    sim, plain, trucks, sim_cpu = bench_simulation()
    print(f"what-if, busy pair, 30 days ({trucks:,} trucks): {sim:.2f} s, CPU {sim_cpu:.2f} s; baseline same "
          f"trucks without schedules: {plain:.2f} s; ratio {sim / plain:.2f}")
    opt, search, joint = bench_optimiser()
    print(f"proposal (HiGHS MILP): {opt:.2f} s ({joint} joint h/week); baseline exhaustive contiguous search: "
          f"{search:.2f} s; ratio {opt / search:.2f}")


if __name__ == "__main__":
    main()
