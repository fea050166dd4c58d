"""Training: how reliable a projected-threat detection score is, and how long a training world takes to seed.

(a) Reliability: simulated officers of known skill (true detection probability drawn uniformly from
    [--low, --high]) each meet --events projected threats; the split-half reliability (odd against even events,
    Spearman-Brown corrected; `clearway.training.scoring.split_half`) is computed over --officers officers, for
    --runs independent cohorts. Also the correlation of the measured score with the true skill.
(b) Seeding: `world_seed` of --days days at --per-day declarations into a fresh SQLite database, timed.
(c) The release decision's cost with and without the training hold provider, asked of --declarations live
    declarations (the demo's example document, lodged through the flow) in the same database: p50 and p99.
(d) The certification gate's cost per check (off, and on for a certified and an uncertified officer), and the
    injection job's time to project --inject cases into the demo office's queue at one pass.

Usage: python benchmarks/training.py [--officers 40] [--events 100] [--runs 50] [--days 30] [--per-day 40]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from clearway.training.scoring import pearson, split_half  # noqa: E402


def reliability(officers: int, events: int, runs: int, low: float, high: float, seed: int) -> dict[str, float]:
    """Split-half reliability over simulated cohorts: mean, worst, and score-to-skill correlation."""
    rng = random.Random(seed)
    found, validity = [], []
    for _ in range(runs):
        skills = [rng.uniform(low, high) for _ in range(officers)]
        detections = [[int(rng.random() < p) for _ in range(events)] for p in skills]
        r = split_half(detections)
        if r is not None:
            found.append(r)
        v = pearson([sum(d) / events for d in detections], skills)
        if v is not None:
            validity.append(v)
    return {"mean": statistics.fmean(found), "min": min(found), "p10": statistics.quantiles(found, n=10)[0],
            "validity": statistics.fmean(validity)}


def seeding(days: int, per_day: int) -> tuple[int, float]:
    """Declarations seeded and seconds taken, on a fresh, migrated SQLite database."""
    folder = tempfile.mkdtemp(prefix="clearway-training-bench-")
    os.environ["CLEARWAY_DATABASE_URL"] = f"sqlite:///{folder}/training.db"
    os.environ.setdefault("CLEARWAY_ENVIRONMENT", "test")
    os.environ.setdefault("CLEARWAY_SECRET_KEY", "benchmark-secret-key-not-for-production-0123")
    from clearway.db import get_sessionmaker
    from clearway.migrate import upgrade_head
    from clearway.training.service import world_seed

    upgrade_head(os.environ["CLEARWAY_DATABASE_URL"])
    started = time.perf_counter()
    with get_sessionmaker()() as db, db.begin():
        world = world_seed(db=db, cohort="bench", seed=7, days=days, per_day=per_day, now=datetime.now(UTC))
        count = world.case_count
    return count, time.perf_counter() - started


def release_cost(count: int, rounds: int = 5) -> dict[str, tuple[float, float]]:
    """p50 and p99 (ms) of asking the release decision about live declarations, with and without training's hold."""
    import copy
    import dataclasses

    from sqlalchemy import select

    from clearway.assembly import wiring_build
    from clearway.auth.demo import demo_accounts
    from clearway.auth.schemas import Principal
    from clearway.clearance.lodge import declaration_lodge
    from clearway.db import get_sessionmaker
    from clearway.declarations.models import Declaration
    from clearway.declarations.schemas import EXAMPLE
    from clearway.training.holds import projection_holds

    wiring = wiring_build()
    now = datetime.now(UTC)
    trader = Principal(user_id=0, username="bench", role="trader", organisation_id=0, organisation_code="KR1000000001")
    with get_sessionmaker()() as db, db.begin():
        demo_accounts(db=db, now=now)
        for n in range(count):
            doc = copy.deepcopy(EXAMPLE)
            doc["lrn"] = f"BENCH-{n:06d}"
            declaration_lodge(db=db, wiring=wiring, actor=trader, raw=doc, now=now)
    full = wiring.release
    plain = dataclasses.replace(full, providers=tuple(p for p in full.providers if p is not projection_holds))
    timings: dict[str, list[float]] = {"with training hold": [], "without": []}
    with get_sessionmaker()() as db, db.begin():
        declarations = list(db.scalars(select(Declaration)))
        asked = sum(d.status not in ("released", "cleared") for d in declarations)
        for _ in range(rounds):
            for d in declarations:  # interleaved, so load on the machine falls on both alike
                for name, release in (("with training hold", full), ("without", plain)):
                    started = time.perf_counter()
                    release.holds(db, d)
                    timings[name].append((time.perf_counter() - started) * 1000)
    print(f"  ({asked} of {len(declarations)} declarations still held, so every provider is asked of them)")
    return {name: (statistics.median(v), statistics.quantiles(v, n=100)[98]) for name, v in timings.items()}


def gate_and_injection(inject: int, rounds: int = 2000) -> tuple[dict[str, tuple[float, float]], float]:
    """p50 and p99 (ms) of one certification check in three states, and seconds of one injection pass."""
    from clearway.auth.schemas import Principal
    from clearway.db import get_sessionmaker
    from clearway.errors import Forbidden
    from clearway.training import certification, injection
    from clearway.training.models import Certificate

    now = datetime.now(UTC)
    admin = Principal(user_id=0, username="admin", role="admin", organisation_id=0, organisation_code="KRCUSTOMS")
    people = {name: Principal(user_id=0, username=name, role="officer", organisation_id=0,
                              organisation_code="KRCUSTOMS", office="KR0101") for name in ("certified", "other")}
    timings: dict[str, list[float]] = {"gate off": [], "gate on, certified": [], "gate on, refused": []}
    with get_sessionmaker()() as db, db.begin():
        db.add(Certificate(holder="certified", role="officer", level=2, awarded_at=now, expires_at=now.replace(
            year=now.year + 1), evidence=[]))
    for state, who in (("gate off", "other"), ("gate on, certified", "certified"), ("gate on, refused", "other")):
        if state == "gate on, certified":
            with get_sessionmaker()() as db, db.begin():
                certification.gate_set(db=db, actor=admin, action="release.red", role="officer", level=1, now=now)
        with get_sessionmaker()() as db, db.begin():
            for _ in range(rounds):
                started = time.perf_counter()
                with contextlib.suppress(Forbidden):  # the refusal is the case being timed
                    certification.certification_check(db=db, actor=people[who], action="release.red", now=now)
                timings[state].append((time.perf_counter() - started) * 1000)
    late = now.replace(hour=23, minute=59)  # the whole day's allowance is due
    with get_sessionmaker()() as db, db.begin():
        injection.rate_set(db=db, actor=admin, office="KR0101", per_day=inject, cohort="bench", now=now)
    started = time.perf_counter()
    with get_sessionmaker()() as db, db.begin():
        made = injection.injection_run(db=db, now=late)
    seconds = time.perf_counter() - started
    print(f"  (injection pass made {made} projections)")
    return {k: (statistics.median(v), statistics.quantiles(v, n=100)[98]) for k, v in timings.items()}, seconds


def main() -> None:
    """Run both measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--officers", type=int, default=40)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--low", type=float, default=0.3)
    parser.add_argument("--high", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=40)
    parser.add_argument("--declarations", type=int, default=300)
    parser.add_argument("--inject", type=int, default=20)
    args = parser.parse_args()
    r = reliability(args.officers, args.events, args.runs, args.low, args.high, args.seed)
    print(f"split-half reliability, {args.officers} officers x {args.events} projected events, {args.runs} cohorts, "
          f"skill U({args.low}, {args.high}): mean {r['mean']:.3f}, p10 {r['p10']:.3f}, min {r['min']:.3f}; "
          f"score-skill correlation {r['validity']:.3f}")
    for events in (20, 50):
        small = reliability(args.officers, events, args.runs, args.low, args.high, args.seed)
        print(f"  with {events} events: mean {small['mean']:.3f}, min {small['min']:.3f}")
    count, seconds = seeding(args.days, args.per_day)
    print(f"training world: {count} declarations seeded in {seconds:.2f} s (SQLite, {args.days} days x "
          f"{args.per_day}/day)")
    for name, (p50, p99) in release_cost(args.declarations).items():
        print(f"release decision asked of {args.declarations} live declarations, {name}: p50 {p50:.3f} ms, "
              f"p99 {p99:.3f} ms")
    gates, seconds = gate_and_injection(args.inject)
    for name, (p50, p99) in gates.items():
        print(f"certification check, {name}: p50 {p50:.3f} ms, p99 {p99:.3f} ms")
    print(f"injection job: {args.inject} projections into one office's queue in {seconds:.2f} s")


if __name__ == "__main__":
    main()
