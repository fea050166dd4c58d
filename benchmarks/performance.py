"""The full release-time report over 1,000,000 declarations, next to a plain COUNT(*) of their events.

For PostgreSQL (a throw-away cluster from scripts/pgcluster.sh) and SQLite, in one run:
  1. bulk-load N synthetic declarations and their events (COPY on PostgreSQL, executemany on
     SQLite; not through the API), with a few missing and out-of-order events;
  2. time `SELECT COUNT(*) FROM declaration_events` (best of 3);
  3. time the cold build of every timeline from the events (`timelines_rebuild`);
  4. time the full report: every interval's count, mean, median, p90, p95 and time outside
     opening hours grouped by office, channel, mode, AEO status and month, plus every missing /
     out-of-order count (best of 2). Above PerformanceSettings.exact_limit timelines it reads the
     monthly rollups, so it is also computed exactly from the timelines (once) and compared:
     counts must agree exactly, percentiles within histograms.ALPHA;
  5. time the report for a range with partial months at both ends (read from their timelines);
  6. time an incremental refresh with nothing new (what each dashboard request pays), and one
     folding 2,000 new clearance events into timelines and rollups.
Target: (4) within 10 × (2) and under 10 s. Usage: python benchmarks/performance.py [--n 1000000]
[--backend both|postgresql|sqlite]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CLEARWAY_ENVIRONMENT", "test")
os.environ.setdefault("CLEARWAY_SECRET_KEY", "benchmark-secret-key-0123456789")

from tests.server import free_port  # noqa: E402

OFFICES = np.array(["KR0101", "KR0201", "KR0301", "KR0401", "KR0501", "KR0601"])
START = int(datetime(2025, 11, 1, tzinfo=UTC).timestamp())
DECLARANTS = 2000


def _stamp(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds as the UTC text both backends store ('YYYY-MM-DD HH:MM:SS.ffffff')."""
    return pd.to_datetime(seconds, unit="s", utc=True).strftime("%Y-%m-%d %H:%M:%S.000000").to_numpy()


def declarations(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """N declarations: offices, channels (80 % green), modes, 70 % with a known arrival."""
    t0 = START + rng.integers(0, 365 * 86400, n)
    office = OFFICES[rng.integers(0, len(OFFICES), n)]
    channel = rng.choice(np.array(["green", "yellow", "red", "blue"]), n, p=[0.8, 0.1, 0.08, 0.02])
    mode = rng.choice(np.array(["1", "3", "4", "5"]), n, p=[0.4, 0.2, 0.35, 0.05])
    arrival = t0 + rng.normal(5 * 3600, 10 * 3600, n).astype(np.int64)
    known = rng.random(n) < 0.7
    declarant = np.char.add("KR1", np.char.zfill(rng.integers(0, DECLARANTS, n).astype(str), 9))
    arrival_text = np.where(known, pd.to_datetime(arrival, unit="s", utc=True).strftime("%Y-%m-%dT%H:%M:%SZ"), "")
    docs = [json.dumps({"type": "IM", "office": o, "transport": {"mode": m, "border_office": o, **(
        {"arrival": a} if a else {})}, "currency": "USD", "items": [{"hs_code": "851713", "value": "100.00"}]})
        for o, m, a in zip(office, mode, arrival_text, strict=True)]
    ids = np.arange(1, n + 1)
    frame = pd.DataFrame({
        "id": ids, "mrn": np.char.add("26KR0101B", np.char.zfill(ids.astype(str), 9)),
        "lrn": np.char.add("L", ids.astype(str)), "version": 1, "type": "IM", "office": office, "status": "released",
        "channel": channel, "declarant_id": declarant, "lodged_by": declarant, "currency": "USD",
        "total_value": "100.00", "item_count": 1, "document": docs, "channel_reasons": "[]",
        "lodged_at": _stamp(t0), "updated_at": _stamp(t0)})
    return frame, {"t0": t0, "channel": channel}


def events(n: int, facts: dict[str, np.ndarray], rng: np.random.Generator) -> pd.DataFrame:
    """Their events: lodging's five or six, controls' for yellow and red, payment, clearance, a few anomalies."""
    t0, channel, ids = facts["t0"], facts["channel"], np.arange(1, n + 1)
    parts: list[pd.DataFrame] = []

    def add(mask: np.ndarray, kind: str, at: np.ndarray) -> None:
        parts.append(pd.DataFrame({"declaration_id": ids[mask], "kind": kind, "at": at[mask]}))

    everyone, yellow, red = np.ones(n, bool), channel == "yellow", channel == "red"
    broken = rng.random(n)  # 0.1 % lose their acceptance, 0.1 % are released "before" their risk decision
    add(everyone, "lodged", t0)
    add(broken >= 0.001, "accepted", t0 + 1)
    add(everyone, "assessed", t0 + 1)
    add(everyone, "channelled", t0 + 2)
    add(yellow | red, "control_started", t0 + 2)
    requested = t0 + rng.integers(60, 7200, n)
    received = requested + rng.integers(600, 86400, n)
    done = received + rng.integers(600, 20000, n)
    for kind, at in (("documents_requested", requested), ("documents_received", received), ("check_done", done)):
        add(yellow, kind, at)
    asked = t0 + rng.integers(60, 3600, n)
    started = asked + rng.integers(600, 86400, n)
    ended = started + rng.integers(600, 14400, n)
    for kind, at in (("inspection_requested", asked), ("inspection_started", started), ("inspection_ended", ended)):
        add(red, kind, at)
    released = np.where(yellow, done + 300, np.where(red, ended + 300, t0 + rng.integers(3, 600, n)))
    released = np.where((broken >= 0.001) & (broken < 0.002), t0 - 60, released)
    add(rng.random(n) < 0.5, "paid", np.maximum(released - 100, t0 + 2))
    add(everyone, "released", released)
    add(rng.random(n) < 0.6, "cleared", released + rng.integers(86400, 30 * 86400, n))
    frame = pd.concat(parts).sort_values("at", kind="stable")
    frame["at"] = _stamp(frame["at"].to_numpy())
    frame.insert(0, "id", np.arange(1, len(frame) + 1))
    for column, value in (("from_status", "x"), ("to_status", "x"), ("actor", "system"), ("actor_org", "system"),
                          ("reason", "automatic step"), ("version", 1)):
        frame[column] = value
    return frame[["id", "declaration_id", "kind", "from_status", "to_status", "at", "actor", "actor_org", "reason",
                  "version"]]


def organisations() -> pd.DataFrame:
    """The declarants, one in ten an authorised economic operator."""
    codes = [f"KR1{i:09d}" for i in range(DECLARANTS)]
    return pd.DataFrame({"code": codes, "name": codes, "kind": "trader", "country": "KR",
                         "aeo": [i % 10 == 0 for i in range(DECLARANTS)], "created_at": _stamp(np.array([START]))[0]})


def _copy(conn: object, table: str, frame: pd.DataFrame) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN (FORMAT csv)") as cp:  # type: ignore[attr-defined]
        for start in range(0, len(frame), 500_000):
            buffer = io.StringIO()
            frame.iloc[start:start + 500_000].to_csv(buffer, index=False, header=False)
            cp.write(buffer.getvalue())


def load_postgresql(url: str, data: list[tuple[str, pd.DataFrame]]) -> None:
    """COPY every frame, then reset sequences and ANALYZE (as a bulk load would)."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        for table, frame in data:
            _copy(conn, table, frame)
        for table in ("declarations", "declaration_events", "organisations"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        conn.execute("VACUUM ANALYZE")


def load_sqlite(path: str, data: list[tuple[str, pd.DataFrame]]) -> None:
    """executemany in chunks, in one transaction (SQLite has no COPY)."""
    conn = sqlite3.connect(path)
    for table, frame in data:
        sql = f"INSERT INTO {table} ({', '.join(frame.columns)}) VALUES ({', '.join('?' * len(frame.columns))})"
        for start in range(0, len(frame), 200_000):
            chunk = frame.iloc[start:start + 200_000]
            conn.executemany(sql, chunk.astype(object).itertuples(index=False, name=None))
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def _timed(run: Callable[[], object], repeat: int = 1) -> tuple[float, float]:
    """(first, best) wall-clock seconds of `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times[0], min(times)


def measure(url: str) -> dict[str, float]:
    """Count, cold timeline build, full report and an idle refresh on a loaded database."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from clearway.db import make_engine
    from clearway.main import gc_tune
    from clearway.performance.anomalies import anomaly_counts
    from clearway.performance.filters import DIMENSIONS, Filters
    from clearway.performance.milestones import INTERVALS
    from clearway.performance.releases import exact_stats, release_stats
    from clearway.performance.timelines import timelines_rebuild, timelines_refresh

    gc_tune()  # the collector settings the server runs reports with
    engine, now = make_engine(url, 2), datetime.now(UTC)
    with Session(engine) as db:
        def count() -> object:
            with db.begin():
                return db.execute(text("SELECT COUNT(*) FROM declaration_events")).scalar()

        def report() -> object:
            with db.begin():
                release_stats(db=db, filters=Filters(), by=tuple(DIMENSIONS), now=now)
                return anomaly_counts(db=db, filters=Filters())

        def by_office() -> object:
            with db.begin():
                return release_stats(db=db, filters=Filters(), by=("office",), now=now)

        def ragged() -> object:
            with db.begin():
                # Mid-month to mid-month: whole months from the rollups, the two partial months from timelines.
                return release_stats(db=db, filters=Filters(date_from=date(2025, 11, 15), date_to=date(2026, 10, 20)),
                                     by=("office", "mode"), now=now)

        def exact() -> object:
            with db.begin():
                return exact_stats(db=db, filters=Filters(), by=tuple(DIMENSIONS), now=now, intervals=INTERVALS)

        def new_events() -> object:
            with db.begin():
                _clearances(db, 2000)
                return timelines_refresh(db=db, now=now)

        def rebuild() -> object:
            with db.begin():
                return timelines_rebuild(db=db, now=now)

        def refresh() -> object:
            with db.begin():
                return timelines_refresh(db=db, now=now)

        count()  # warm the cache as a repeated dashboard query would find it
        results = {"count_s": _timed(count, 3)[1], "rebuild_s": _timed(rebuild)[0]}
        first, best = _timed(report, 2)
        results.update(report_first_s=first, report_s=best, office_s=_timed(by_office, 2)[1],
                       ragged_s=_timed(ragged, 2)[1], refresh_idle_s=_timed(refresh, 3)[1])
        with db.begin():
            rolled = release_stats(db=db, filters=Filters(), by=tuple(DIMENSIONS), now=now)
        started = time.perf_counter()
        truth = exact()
        results.update(exact_s=time.perf_counter() - started, **_agreement(rolled, truth),  # type: ignore[arg-type]
                       refresh_new_s=_timed(new_events)[0])
    engine.dispose()
    return results


def _clearances(db: object, n: int) -> None:
    """n clearance events for declarations not yet cleared, as officers' decisions would write them."""
    from sqlalchemy import text

    db.execute(text(  # type: ignore[attr-defined]
        "INSERT INTO declaration_events (declaration_id, kind, from_status, to_status, at, actor, actor_org, version) "
        "SELECT t.declaration_id, 'cleared', 'released', 'cleared', CURRENT_TIMESTAMP, 'bench', 'bench', 1 "
        "FROM performance_timelines t WHERE t.cleared IS NULL AND t.released IS NOT NULL "
        "ORDER BY t.declaration_id LIMIT :n"), {"n": n})


def _agreement(rolled: list, exact: list) -> dict[str, float]:
    """Cells whose count, mean or out-of-order count differ, and the largest relative percentile error."""
    from clearway.performance.milestones import INTERVAL_BY_NAME

    truth = {(s.interval, tuple(s.group.items())): s for s in exact}
    wrong, worst = 0, 0.0
    for s in rolled:
        e = truth.pop((s.interval, tuple(s.group.items())), None)
        if e is None or (s.count, s.out_of_order) != (e.count, e.out_of_order) or \
                abs((s.mean or 0) - (e.mean or 0)) > 1e-6 * max(1.0, abs(e.mean or 0)):
            wrong += 1
            continue
        for name in ("median", "p90", "p95"):
            a, b = getattr(s, name), getattr(e, name)
            if a is not None and b and not INTERVAL_BY_NAME[s.interval].signed:
                worst = max(worst, abs(a - b) / abs(b))
    return {"cells": float(len(rolled)), "wrong_cells": float(wrong + len(truth)), "max_rel_error": worst}


def run_backend(backend: str, n: int, tmp: Path) -> dict[str, float]:
    """Create, migrate and load one backend, then measure it."""
    from clearway.migrate import upgrade_head

    rng = np.random.default_rng(7)
    frame, facts = declarations(n, rng)
    data = [("organisations", organisations()), ("declarations", frame), ("declaration_events", events(n, facts, rng))]
    if backend == "postgresql":
        url = subprocess.check_output([str(ROOT / "scripts/pgcluster.sh"), "start", str(tmp / "pg"), str(free_port())],
                                      text=True).strip()
        upgrade_head(url)
        load = lambda: load_postgresql(url, data)  # noqa: E731
    else:
        url = f"sqlite:///{tmp / 'bench.db'}"
        upgrade_head(url)
        load = lambda: load_sqlite(str(tmp / "bench.db"), data)  # noqa: E731
    loaded = _timed(load)[0]
    results = {"declarations": float(n), "events": float(len(data[2][1])), "load_s": loaded, **measure(url)}
    results["ratio"] = results["report_s"] / results["count_s"]
    return results


def main() -> None:
    """Run the benchmark and print one line per backend."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("both", "postgresql", "sqlite"), default="both")
    args = parser.parse_args()
    for backend in ("postgresql", "sqlite") if args.backend == "both" else (args.backend,):
        with tempfile.TemporaryDirectory(prefix="cw-perf-") as tmp:
            os.chmod(tmp, 0o755)  # the cluster runs as the postgres user when we are root
            try:
                r = run_backend(backend, args.n, Path(tmp))
            finally:
                if backend == "postgresql":
                    subprocess.run([str(ROOT / "scripts/pgcluster.sh"), "stop", str(Path(tmp) / "pg")], check=False)
        verdict = "MET" if r["report_s"] <= 10 * r["count_s"] and r["report_s"] < 10 else "MISSED"
        print(f"{backend}: {int(r['declarations']):,} declarations, {int(r['events']):,} events "
              f"(load {r['load_s']:.1f} s) | COUNT(*) {r['count_s']:.3f} s"
              f" | timelines cold build {r['rebuild_s']:.2f} s"
              f" | full report {r['report_s']:.2f} s (first {r['report_first_s']:.2f} s) = {r['ratio']:.1f} x COUNT"
              f" | by office only {r['office_s']:.2f} s | mid-month range {r['ragged_s']:.2f} s"
              f" | exact report {r['exact_s']:.2f} s; {int(r['cells']):,} cells, {int(r['wrong_cells'])} differ,"
              f" percentiles within {r['max_rel_error'] * 100:.2f} %"
              f" | refresh: idle {r['refresh_idle_s'] * 1000:.0f} ms, 2,000 new events {r['refresh_new_s']:.2f} s"
              f" | target (<= 10 x COUNT and < 10 s): {verdict}", flush=True)


if __name__ == "__main__":
    main()
