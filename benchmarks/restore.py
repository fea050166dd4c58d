"""The restore drill's figures on SQLite: recovery time, recovery point and acknowledged declarations lost.

Builds a scratch SQLite database (migrated, demo accounts, `--declarations` lodged through the lodging
flow beforehand so the copy has some size), then runs the drill as `clearway drill restore` does:
`--seconds` of lodging while online-backup copies are taken every `--interval` seconds, a restore of the
newest copy at or before the end into a scratch folder, and its verification. Prints the drill's report,
the restore rate in MB/s, and what that rate gives for a database of one million declarations at this
database's bytes per declaration (an extrapolation, named as one).
Usage: python benchmarks/restore.py [--declarations 2000] [--seconds 10] [--interval 2]
"""

from __future__ import annotations

import argparse
import os
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
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between backup copies")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="clearway-restore-bench-"))
    url = f"sqlite:///{tmp / 'clearway.db'}"
    os.environ.update(CLEARWAY_DATABASE_URL=url, CLEARWAY_ENVIRONMENT="demo", CLEARWAY_DUTY_ASSESSMENT_REQUIRED="false",
                      CLEARWAY_RISK_MODELS_DIR=str(tmp / "models"))
    from clearway.assembly import wiring_build
    from clearway.cli import _drill_lodge
    from clearway.db import get_sessionmaker, utcnow
    from clearway.demo import demo_accounts
    from clearway.migrate import upgrade_head
    from clearway.ops.drill import drill_document, drill_trader, restore_drill
    from clearway.ops.drill_sqlite import SqliteBackend

    upgrade_head(url)
    wiring = wiring_build()
    sessions = get_sessionmaker()
    with sessions() as db, db.begin():
        demo_accounts(db=db, now=utcnow())
    with sessions() as db:
        actor = drill_trader(db)
    started = time.perf_counter()
    for start in range(0, args.declarations, 100):
        with sessions() as db, db.begin():
            for n in range(start, min(start + 100, args.declarations)):
                _drill_lodge(db, wiring, actor, drill_document(actor, f"PRE-{n:07d}"), utcnow())
    print(f"prepared {args.declarations} declarations in {time.perf_counter() - started:.1f} s")

    backend = SqliteBackend(source=tmp / "clearway.db", scratch=tmp / "drill", interval_s=args.interval)
    (tmp / "drill").mkdir()
    report = restore_drill(source_url=url, backend=backend, lodge=_drill_lodge, wiring=wiring,
                           duration_s=args.seconds, run_id="bench", progress=lambda *_: None)
    for line in report.lines():
        print(line)
    size = Path(report.location).stat().st_size
    rate = size / 1e6 / report.restore_s if report.restore_s else float("inf")
    per_declaration = size / max(report.restored_declarations, 1)
    million = 1_000_000 * per_declaration / 1e6 / rate
    print(f"copies taken         {len(backend.copies)} (every {args.interval:g} s)")
    print(f"restored size        {size / 1e6:.1f} MB, {per_declaration / 1e3:.1f} kB per declaration")
    print(f"restore rate         {rate:.0f} MB/s")
    print(f"1M declarations      ~{1_000_000 * per_declaration / 1e9:.1f} GB, restore ~{million:.0f} s "
          "(extrapolated from this rate, not measured)")
    print(f"drill                {'PASSED' if report.ok else 'FAILED'}")


if __name__ == "__main__":
    main()
