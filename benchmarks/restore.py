"""The restore drill's figures: recovery time, recovery point and acknowledged declarations lost.

Builds a scratch database (migrated, demo accounts, `--declarations` lodged through the lodging flow
beforehand so the copy has some size): a SQLite file, or with `--backend postgresql` a throw-away
cluster of `scripts/pgcluster.sh` (fsync on). Then runs the drill as `clearway drill restore` does:
`--seconds` of lodging while backups are taken (SQLite: online-backup copies every `--interval`
seconds; PostgreSQL: a base backup and streamed WAL), a restore to the middle of the lodging (`--at`,
a share of `--seconds`; 1 = when it stopped) into a scratch folder, and its verification. Prints the
drill's report, the restore rate in MB/s, and what that rate gives for one million declarations at this
database's bytes per declaration (an extrapolation, named as one).
`--bulk N` first bulk-loads N synthetic declarations with their events (the generator of
benchmarks/performance.py: COPY on PostgreSQL, batched inserts on SQLite), so the restore is timed at
national scale (`--bulk 1000000`); the drill then counts all of them in the restored copy.
Usage: python benchmarks/restore.py [--backend sqlite|postgresql] [--declarations 2000] [--seconds 10]
       [--interval 2] [--at 1] [--bulk 0] [--port 0]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=2000, help="lodged before the drill starts")
    parser.add_argument("--seconds", type=float, default=10.0, help="lodging while backups are taken")
    parser.add_argument("--interval", type=float, default=2.0, help="SQLite: seconds between backup copies")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--at", type=float, default=1.0, help="restore target as a share of --seconds")
    parser.add_argument("--bulk", type=int, default=0, help="bulk-load this many synthetic declarations first")
    parser.add_argument("--port", type=int, default=0, help="PostgreSQL: the scratch cluster's port (default: free)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="clearway-restore-bench-"))
    url = f"sqlite:///{tmp / 'clearway.db'}"
    if args.backend == "postgresql":
        sys.path.insert(0, str(ROOT / "tests"))
        from tests.server import free_port

        url = subprocess.check_output([str(ROOT / "scripts/pgcluster.sh"), "start", str(tmp / "pg"),
                                       str(args.port or free_port())], text=True).strip()
    try:
        run(args, tmp, url)
    finally:
        if args.backend == "postgresql":
            subprocess.run([str(ROOT / "scripts/pgcluster.sh"), "stop", str(tmp / "pg")], check=False)


def run(args: argparse.Namespace, tmp: Path, url: str) -> None:
    """Prepare the database, run the drill, print the figures."""
    os.environ.update(CLEARWAY_DATABASE_URL=url, CLEARWAY_ENVIRONMENT="demo", CLEARWAY_DUTY_ASSESSMENT_REQUIRED="false",
                      CLEARWAY_RISK_MODELS_DIR=str(tmp / "models"))
    from clearway.assembly import wiring_build
    from clearway.cli import _drill_lodge
    from clearway.db import get_sessionmaker, utcnow
    from clearway.demo import demo_accounts
    from clearway.migrate import upgrade_head
    from clearway.ops.drill import drill_document, drill_trader, restore_drill
    from clearway.ops.drill_pg import PgBackend
    from clearway.ops.drill_sqlite import SqliteBackend

    upgrade_head(url)
    wiring = wiring_build()
    sessions = get_sessionmaker()
    with sessions() as db, db.begin():
        demo_accounts(db=db, now=utcnow())
    with sessions() as db:
        actor = drill_trader(db)
    if args.bulk:
        _bulk(url, tmp, args.bulk)
    started = time.perf_counter()
    for start in range(0, args.declarations, 100):
        with sessions() as db, db.begin():
            for n in range(start, min(start + 100, args.declarations)):
                _drill_lodge(db, wiring, actor, drill_document(actor, f"PRE-{n:07d}"), utcnow())
    print(f"prepared {args.declarations} declarations in {time.perf_counter() - started:.1f} s")

    (tmp / "drill").mkdir()
    backend = SqliteBackend(source=tmp / "clearway.db", scratch=tmp / "drill", interval_s=args.interval) \
        if args.backend == "sqlite" else PgBackend(source_url=url, scratch=tmp / "drill")
    back = max(0.0, args.seconds * (1 - args.at))
    try:
        report = restore_drill(source_url=url, backend=backend, lodge=_drill_lodge, wiring=wiring,
                               duration_s=args.seconds, run_id="bench", progress=lambda *_: None, back_s=back)
        size = _size(Path(report.location))
    finally:
        if isinstance(backend, PgBackend):
            backend.stop()
    for line in report.lines():
        print(line)
    rate = size / 1e6 / report.restore_s if report.restore_s else float("inf")
    per_declaration = size / max(report.restored_declarations, 1)
    million = 1_000_000 * per_declaration / 1e6 / rate
    if isinstance(backend, SqliteBackend):
        print(f"copies taken         {len(backend.copies)} (every {args.interval:g} s)")
    print(f"restored size        {size / 1e6:.1f} MB, {per_declaration / 1e3:.1f} kB per declaration"
          + (" (the whole cluster)" if args.backend == "postgresql" else ""))
    print(f"restore rate         {rate:.0f} MB/s")
    # A cluster's size is mostly fixed overhead without a bulk load: no extrapolation then.
    # ... and none when a million or more were restored: the recovery time above is then the measured figure.
    if (args.backend == "sqlite" or args.bulk >= 100_000) and args.bulk < 1_000_000:
        print(f"1M declarations      ~{1_000_000 * per_declaration / 1e9:.1f} GB, restore ~{million:.0f} s "
              "(extrapolated from this rate, not measured)")
    print(f"drill                {'PASSED' if report.ok else 'FAILED'}")


def _bulk(url: str, tmp: Path, n: int) -> None:
    """Bulk-load n synthetic declarations, their events and declarants (after the demo accounts: ids follow)."""
    import numpy as np
    from benchmarks.performance import declarations, events, load_postgresql, load_sqlite, organisations

    started = time.perf_counter()
    frame, facts = declarations(n, np.random.default_rng(7))
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:  # the demo's declarants are there already
        known = set(conn.execute(text("SELECT code FROM organisations")).scalars())
    engine.dispose()
    declarants = organisations()
    data = [("organisations", declarants[~declarants["code"].isin(known)]), ("declarations", frame),
            ("declaration_events", events(n, facts, np.random.default_rng(8)))]
    generated = time.perf_counter() - started
    if url.startswith("postgresql"):
        load_postgresql(url, data)
    else:
        load_sqlite(str(tmp / "clearway.db"), data)
    print(f"bulk-loaded {n} declarations and {len(data[2][1])} events in {time.perf_counter() - started:.1f} s "
          f"(generation {generated:.1f} s)")


def _size(path: Path) -> int:
    """Bytes of a file, or of every file below a directory."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


if __name__ == "__main__":
    main()
