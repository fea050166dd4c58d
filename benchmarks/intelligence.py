"""Intelligence costs, each next to its baseline measured in the same run, on a fresh database.

(a) The marking check per read: reading an alert by reference with its handling (recipients and consents are
    kept on the row; the reader's organisation is looked up once per session) and `markings.permitted`,
    against the bare read of the alert row; the pure `permitted` call alone; and the first read of a request
    (a new session), where the organisation lookup is paid. Target: the check adds < 0.2 ms per read.
(b) Lodging with N active alerts: `declaration_lodge` and its commit through the wiring with the intelligence
    hold provider, against the same wiring without it, alternating one lodgement each so drift hits both
    alike; for N active alerts that do not match the goods, then N more that all match them (each lodgement
    is then held by every one: 20 named holds and one that counts the rest). The release decision (every
    provider asked) with and without the provider, and the provider alone, are timed on the lodged
    declarations. Target: with 1,000 matching alerts the release decision stays p99 < 5 ms.
(c) Enhanced controls made from alerts (`derived.alert_convert`: one risk rule each, through the risk engine's
    own services): the risk decision (`engine.decide`, the live path with its thread-pool budget) for a
    lodgement, with 1 enhanced control that does not match it, against N that all match it; then the expiry
    job lifting all N at once (`derived_expire_due`). Target: the risk decision stays p99 < 5 ms with 1,000.
(d) The release check (`clearway.clearance.release.asked`: every hold provider of the wiring asked, the
    intelligence provider among them) on the same --declarations lodged declarations, --rounds passes each, in
    this order: 1. baseline, 0 active alerts (every alert the earlier sections made is withdrawn first);
    2. --release-alerts active alerts (200), none matching the goods; 3. as many more, all matching the goods
    (each declaration held by every one: 20 named holds and one that counts the rest), 400 active in all;
    4. baseline again, every alert withdrawn, so drift over the run shows. The provider alone is timed too.
On PostgreSQL the tables are ANALYZEd after each bulk of alerts (right after a bulk load, before autovacuum
has analysed, the planner has no statistics and the matching query was seen at ~75 ms).
Usage: python benchmarks/intelligence.py [--alerts 1000] [--lodgements 60] [--reads 2000] [--release-alerts 200]
       [--declarations 50] [--rounds 10] [--sections abcd] [--pg URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CLEARWAY_ENVIRONMENT", "test")
os.environ.setdefault("CLEARWAY_SECRET_KEY", "benchmark-secret-key-not-for-production-0123456789")
os.environ.setdefault("CLEARWAY_PASSWORD_MEMORY_KIB", "1024")
os.environ.setdefault("CLEARWAY_DUTY_ASSESSMENT_REQUIRED", "false")
os.environ.setdefault("CLEARWAY_AUDIT_SEAL_INTERVAL_S", "0")


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:7.3f} ms  p99 {p99 * 1000:7.3f} ms  (n={len(ordered)})"


def _p(samples: list[float], q: float) -> float:
    """The q-quantile of the samples, in ms (the nearest rank, as `_ms` reports p99)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--lodgements", type=int, default=60)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--release-alerts", type=int, default=200, help="(d): alerts per step")
    parser.add_argument("--declarations", type=int, default=50, help="(d): declarations checked each pass")
    parser.add_argument("--rounds", type=int, default=10, help="(d): passes over the declarations per step")
    parser.add_argument("--sections", default="abcd", help="which of (a), (b), (c), (d) to run, e.g. 'cd'")
    parser.add_argument("--pg", default=None, help="a PostgreSQL URL (an empty database) instead of SQLite")
    args = parser.parse_args()
    url = args.pg or f"sqlite:///{tempfile.mkdtemp(prefix='clearway-intel-bench-')}/bench.db"
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
    from clearway.intelligence import selectors, service
    from clearway.intelligence.holds import intelligence_holds
    from clearway.intelligence.markings import permitted
    from clearway.intelligence.models import IntelAlert
    from clearway.intelligence.schemas import AlertCreate
    from clearway.migrate import upgrade_head

    upgrade_head(url)
    sessions = get_sessionmaker()
    with sessions() as db, db.begin():
        demo_accounts(db=db, now=utcnow())
    with sessions() as db:
        who = {u.username: principal_of(u) for u in db.scalars(select(User))}
    print(f"database: {url.split('@')[-1]}")

    def analyse() -> None:
        if args.pg:  # steady state: statistics as autovacuum keeps them (a fresh bulk load has none yet)
            with sessions() as db, db.begin():
                db.execute(text("ANALYZE intel_alerts, intel_actions, intel_outcomes, intel_recipients"))

    def alerts(n: int, matching: bool) -> None:
        """n AMBER alerts that hold goods, on trader A (matching the benchmark's goods) or on other traders."""
        with sessions() as db, db.begin():
            for i in range(n):
                service.alert_create(db=db, actor=who["analyst"], now=utcnow(), body=AlertCreate(
                    subject_type="trader", subject_value="KR1000000001" if matching else f"KR9{i:010d}",
                    text="benchmark alert", source_ref="BENCH", source_grade="B", info_grade="2", marking="AMBER",
                    purposes=["control"], recipients=["org:KRMFDS"], hold_goods=True))
        analyse()

    # (a) the marking check per read
    alerts(1, matching=False)
    if "a" in args.sections:
        with sessions() as db:
            reference = db.scalar(select(IntelAlert.reference))
            assert reference is not None
            agency = who["agency"]
            for _ in range(50):  # warm caches and the statement cache
                selectors.alert_readable(db=db, actor=agency, reference=reference, purpose="control")
            bare, checked = [], []
            for _ in range(args.reads):  # alternate so both see the same conditions
                bare.append(_timed(lambda: selectors.alert_get(db=db, reference=reference)))
                checked.append(_timed(lambda: selectors.alert_readable(db=db, actor=agency, reference=reference,
                                                                       purpose="control")))
            alert = selectors.alert_get(db=db, reference=reference)
            handling, party = selectors.handling_of(db=db, alert=alert), selectors.party_of(db=db, actor=agency)
            pure = [_timed(lambda: permitted(handling, party, "read", "control")) for _ in range(args.reads)]
        fresh_bare, fresh_checked = [], []
        for _ in range(max(50, args.reads // 5)):  # a request: a new session, the reader's organisation looked up
            with sessions() as fresh:
                fresh_bare.append(_timed(lambda s=fresh: selectors.alert_get(db=s, reference=reference)))  # type: ignore[misc]
            with sessions() as fresh:
                fresh_checked.append(_timed(lambda s=fresh: selectors.alert_readable(  # type: ignore[misc]
                    db=s, actor=agency, reference=reference, purpose="control")))
        added = statistics.median(checked) - statistics.median(bare)
        print("(a) one read of an alert")
        print(f"    baseline: the alert row by reference          {_ms(bare)}")
        print(f"    with its handling and the marking check       {_ms(checked)}")
        print(f"    the pure markings.permitted call              {_ms(pure)}")
        print(f"    => the check adds {added * 1000:.3f} ms per read at the median (target < 0.2 ms)")
        print("    the first read of a request (new session: the reader's organisation is looked up once)")
        print(f"    baseline: the alert row by reference          {_ms(fresh_bare)}")
        print(f"    with its handling and the marking check       {_ms(fresh_checked)}")
        print(f"    => {(statistics.median(fresh_checked) - statistics.median(fresh_bare)) * 1000:.3f} ms more "
              "for the first read of a request")

    # (b) lodging with N active alerts
    base = wiring_build()
    without = replace(base, release=replace(base.release, providers=tuple(
        p for p in base.release.providers if p is not intelligence_holds)))
    trader = who["trader-a"]

    def lodge_pair(label: str) -> None:
        with_intel, baseline, provider = [], [], []
        def lodge(wiring: object) -> None:
            with sessions() as db, db.begin():  # the commit is part of the lodgement
                declaration_lodge(db=db, wiring=wiring, actor=trader, raw=document(), now=utcnow())  # type: ignore[arg-type]

        for wiring in (base, without, base, without):  # warm the statement caches of both paths
            lodge(wiring)
        for _ in range(args.lodgements):
            with_intel.append(_timed(lambda: lodge(base)))
            baseline.append(_timed(lambda: lodge(without)))
        with sessions() as db:
            lodged = list(db.scalars(select(Declaration).order_by(Declaration.id.desc()).limit(args.lodgements)))
            held = len(intelligence_holds(db, lodged[0]))
            failed = [h for h in asked(db=db, declaration=lodged[0], providers=base.release.providers)
                      if h.code == "release.provider_failed"]
            assert not failed, failed  # a provider that failed would be timed as its logging
            decided, undecided = [], []
            for d in lodged:
                provider.append(_timed(lambda d=d: intelligence_holds(db, d)))  # type: ignore[misc]
                # Every provider asked, whatever the status (released goods would short-cut the decision).
                decided.append(_timed(lambda d=d: asked(db=db, declaration=d, providers=base.release.providers)))  # type: ignore[misc]
                undecided.append(_timed(lambda d=d: asked(db=db, declaration=d,  # type: ignore[misc]
                                                          providers=without.release.providers)))
        print(f"(b) lodging, {label} (intelligence holds per lodgement: {held})")
        print(f"    baseline: wiring without the intelligence provider {_ms(baseline)}")
        print(f"    with the intelligence provider                     {_ms(with_intel)}")
        print(f"    release decision, baseline (no intelligence)       {_ms(undecided)}")
        print(f"    release decision with the intelligence provider    {_ms(decided)}  (target p99 < 5 ms)")
        print(f"    the provider alone                                 {_ms(provider)}")
        print(f"    => overhead {(statistics.median(with_intel) - statistics.median(baseline)) * 1000:.3f} ms "
              "per lodgement at the median")

    if "b" in args.sections:
        lodge_pair("1 active alert, not matching")
        alerts(args.alerts - 1, matching=False)
        lodge_pair(f"{args.alerts} active alerts, none matching")
        alerts(args.alerts, matching=True)
        lodge_pair(f"{args.alerts} more active alerts, all matching the goods")

    # (c) enhanced controls made from alerts, in the risk decision; then lifted by the expiry job
    from datetime import timedelta
    from decimal import Decimal

    from clearway.declarations.channelling import ChannelContext
    from clearway.intelligence import derived
    from clearway.intelligence.schemas import ConversionCreate
    from clearway.risk.engine.live import engine

    def enhanced(n: int, matching: bool) -> None:
        with sessions() as db, db.begin():
            for i in range(n):
                alert = service.alert_create(db=db, actor=who["analyst"], now=utcnow(), body=AlertCreate(
                    subject_type="trader", subject_value="KR1000000001" if matching else f"KR8{i:010d}",
                    text="benchmark alert", source_ref="BENCH", source_grade="B", info_grade="2", marking="AMBER",
                    purposes=["risk_targeting"], recipients=[]))
                derived.alert_convert(db=db, actor=who["analyst"], reference=alert.reference, now=utcnow(),
                                      body=ConversionCreate(into="enhanced_control", channel="yellow", days=30))
        engine.invalidate()

    def decisions(label: str) -> None:
        doc = document()
        with sessions() as db:
            context = ChannelContext(declarant="KR1000000001", lodged_at=utcnow(), db=db)
            first = engine.decide(document=doc, total_value=Decimal("12500"), context=context)
            samples = [_timed(lambda: engine.decide(document=doc, total_value=Decimal("12500"), context=context))
                       for _ in range(args.lodgements * 5)]
        hits = len((first.record or {}).get("rule_hits") or [])
        print(f"(c) risk decision, {label}: channel {first.channel}, rule hits {hits}")
        print(f"    engine.decide                                      {_ms(samples)}  (target p99 < 5 ms)")

    if "c" in args.sections:
        enhanced(1, matching=False)
        decisions("1 enhanced control from an alert, not matching")
        enhanced(args.alerts, matching=True)
        decisions(f"{args.alerts} enhanced controls from alerts, all matching")
        with sessions() as db, db.begin():
            start = time.perf_counter()
            lifted = derived.derived_expire_due(db=db, now=utcnow() + timedelta(days=31), limit=args.alerts + 1)
            took = time.perf_counter() - start
        print(f"    expiry job: {len(lifted)} enhanced controls lifted (rules deactivated, recorded) in {took:.2f} s")

    # (d) the release check with 0, N and N matching (+N) active alerts, baseline before and after
    if "d" not in args.sections:
        return

    def withdraw_all() -> None:
        with sessions() as db, db.begin():
            db.execute(update(IntelAlert).where(IntelAlert.status == "open").values(status="withdrawn"))
        analyse()

    withdraw_all()  # what the earlier sections left active: the baseline has no active alert
    ids = []
    for _ in range(args.declarations):  # lodged with no active alert: the same goods in every step
        with sessions() as db, db.begin():
            ids.append(declaration_lodge(db=db, wiring=base, actor=trader, raw=document(), now=utcnow()).id)
    steps: dict[str, list[float]] = {}
    print(f"(d) the release check on {args.declarations} declarations, {args.rounds} passes per step")

    def measure(label: str) -> None:
        checks, provider = [], []
        with sessions() as db:
            lodged = list(db.scalars(select(Declaration).where(Declaration.id.in_(ids)).order_by(Declaration.id)))
            failed = [h for h in asked(db=db, declaration=lodged[0], providers=base.release.providers)
                      if h.code == "release.provider_failed"]
            assert not failed, failed  # a failing provider would be timed as its logging
            held = len(intelligence_holds(db, lodged[0]))
            for d in lodged[:5]:  # warm the statement caches
                asked(db=db, declaration=d, providers=base.release.providers)
            for _ in range(args.rounds):
                for d in lodged:
                    checks.append(_timed(lambda d=d: asked(db=db, declaration=d,  # type: ignore[misc]
                                                           providers=base.release.providers)))
                    provider.append(_timed(lambda d=d: intelligence_holds(db, d)))  # type: ignore[misc]
        steps[label] = checks
        print(f"    {label} (intelligence holds per declaration: {held})")
        print(f"        release check (every provider)   {_ms(checks)}")
        print(f"        the intelligence provider alone  {_ms(provider)}")

    n = args.release_alerts
    measure("1. baseline, 0 active alerts")
    alerts(n, matching=False)
    measure(f"2. {n} active alerts, none matching")
    alerts(n, matching=True)
    measure(f"3. {n} active alerts matching the goods (+{n} not matching)")
    withdraw_all()
    measure("4. baseline again, every alert withdrawn (0 active)")
    baseline = [s for label, checks in steps.items() if label.startswith(("1.", "4.")) for s in checks]
    for label, checks in steps.items():
        if label.startswith(("2.", "3.")):
            print(f"    => {label[3:]}: release check p99 {_p(checks, 0.99):.3f} ms vs baseline p99 "
                  f"{_p(baseline, 0.99):.3f} ms ({_p(checks, 0.99) - _p(baseline, 0.99):+.3f} ms); "
                  f"p50 {_p(checks, 0.5):.3f} ms vs {_p(baseline, 0.5):.3f} ms "
                  f"({_p(checks, 0.5) - _p(baseline, 0.5):+.3f} ms)")


if __name__ == "__main__":
    main()
