"""The release check with 200 active intelligence alerts, next to its baseline with 0 alerts in the same run.

The release check is the one release decision (`clearway.clearance.release.asked`: every hold provider of the
wiring asked, the intelligence provider among them) on lodged declarations. Timed, on the same declarations and
the same database, in this order:
  1. baseline: 0 active alerts;
  2. 200 active alerts, none matching the goods (other traders);
  3. 200 active alerts all matching the goods (each declaration is then held by every one: 20 named holds and
     one that counts the rest), with the 200 of step 2 still active (400 in all);
  4. baseline again: every alert withdrawn (0 active), so drift over the run shows.
Each step runs ROUNDS passes over the declarations and reports p50/p99; the intelligence provider alone is
timed too. On PostgreSQL the tables are ANALYZEd after each bulk of alerts.
Usage: python benchmarks/intelligence_release.py [--alerts 200] [--declarations 50] [--rounds 10] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CLEARWAY_ENVIRONMENT", "test")
os.environ.setdefault("CLEARWAY_SECRET_KEY", "benchmark-secret-key-not-for-production-0123456789")
os.environ.setdefault("CLEARWAY_PASSWORD_MEMORY_KIB", "1024")
os.environ.setdefault("CLEARWAY_DUTY_ASSESSMENT_REQUIRED", "false")
os.environ.setdefault("CLEARWAY_AUDIT_SEAL_INTERVAL_S", "0")


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def _ms(samples: list[float]) -> str:
    return f"p50 {_p(samples, 0.5):7.3f} ms  p99 {_p(samples, 0.99):7.3f} ms  (n={len(samples)})"


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--declarations", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--pg", default=None, help="a PostgreSQL URL (an empty database) instead of SQLite")
    args = parser.parse_args()
    url = args.pg or f"sqlite:///{tempfile.mkdtemp(prefix='clearway-intel-release-')}/bench.db"
    os.environ["CLEARWAY_DATABASE_URL"] = url

    from sqlalchemy import select, text, update
    from tests.factories import document

    from clearway.assembly import wiring_build
    from clearway.auth.models import User
    from clearway.auth.service import principal_of
    from clearway.clearance.lodge import declaration_lodge
    from clearway.clearance.release import asked
    from clearway.db import get_sessionmaker, utcnow
    from clearway.declarations.models import Declaration
    from clearway.demo import demo_accounts
    from clearway.intelligence import service
    from clearway.intelligence.holds import intelligence_holds
    from clearway.intelligence.models import IntelAlert
    from clearway.intelligence.schemas import AlertCreate
    from clearway.migrate import upgrade_head

    upgrade_head(url)
    sessions = get_sessionmaker()
    with sessions() as db, db.begin():
        demo_accounts(db=db, now=utcnow())
    with sessions() as db:
        who = {u.username: principal_of(u) for u in db.scalars(select(User))}
    wiring = wiring_build()
    print(f"database: {url.split('@')[-1]}  alerts {args.alerts}  declarations {args.declarations}  "
          f"rounds {args.rounds}")

    for _ in range(args.declarations):  # lodged before any alert: the same goods in every step
        with sessions() as db, db.begin():
            declaration_lodge(db=db, wiring=wiring, actor=who["trader-a"], raw=document(), now=utcnow())

    def analyse() -> None:
        if args.pg:  # steady state: statistics as autovacuum keeps them (a fresh bulk load has none yet)
            with sessions() as db, db.begin():
                db.execute(text("ANALYZE intel_alerts, intel_actions, intel_outcomes, intel_recipients"))

    def alerts(n: int, matching: bool) -> None:
        with sessions() as db, db.begin():
            for i in range(n):
                service.alert_create(db=db, actor=who["analyst"], now=utcnow(), body=AlertCreate(
                    subject_type="trader", subject_value="KR1000000001" if matching else f"KR9{i:010d}",
                    text="benchmark alert", source_ref="BENCH", source_grade="B", info_grade="2", marking="AMBER",
                    purposes=["control"], recipients=["org:KRMFDS"], hold_goods=True))
        analyse()

    results: dict[str, tuple[list[float], list[float], int]] = {}

    def measure(label: str) -> None:
        checks, provider = [], []
        with sessions() as db:
            lodged = list(db.scalars(select(Declaration).order_by(Declaration.id)))
            failed = [h for h in asked(db=db, declaration=lodged[0], providers=wiring.release.providers)
                      if h.code == "release.provider_failed"]
            assert not failed, failed  # a failing provider would be timed as its logging
            held = len(intelligence_holds(db, lodged[0]))
            for d in lodged[:5]:  # warm the statement caches
                asked(db=db, declaration=d, providers=wiring.release.providers)
            for _ in range(args.rounds):
                for d in lodged:
                    checks.append(_timed(lambda d=d: asked(db=db, declaration=d,  # type: ignore[misc]
                                                           providers=wiring.release.providers)))
                    provider.append(_timed(lambda d=d: intelligence_holds(db, d)))  # type: ignore[misc]
        results[label] = (checks, provider, held)
        print(f"{label} (intelligence holds per declaration: {held})")
        print(f"    release check (every provider)   {_ms(checks)}")
        print(f"    the intelligence provider alone  {_ms(provider)}")

    measure("1. baseline, 0 active alerts")
    alerts(args.alerts, matching=False)
    measure(f"2. {args.alerts} active alerts, none matching")
    alerts(args.alerts, matching=True)
    measure(f"3. {args.alerts} active alerts matching the goods (+{args.alerts} not matching)")
    with sessions() as db, db.begin():
        db.execute(update(IntelAlert).values(status="withdrawn"))
    analyse()
    measure("4. baseline again, every alert withdrawn (0 active)")
    base = [s for label, (checks, _p2, _h) in results.items() if label.startswith(("1.", "4.")) for s in checks]
    for label, (checks, _provider, _held) in results.items():
        if label.startswith(("2.", "3.")):
            print(f"=> {label[3:]}: release check p99 {_p(checks, 0.99):.3f} ms vs baseline p99 "
                  f"{_p(base, 0.99):.3f} ms (+{_p(checks, 0.99) - _p(base, 0.99):.3f} ms); "
                  f"p50 +{_p(checks, 0.5) - _p(base, 0.5):.3f} ms")


if __name__ == "__main__":
    main()
