"""Crisis figures, each next to a baseline measured in the same run.

1. Lodging at an offline post node (its own SQLite file, synchronous=FULL, one transaction per lodgement,
   validated, assessed and channelled from the snapshot, journalled) against lodging the same documents at
   the centre through the lodging flow (validation, duties from the demo tariff, the risk engine, the one
   release decision; one transaction each). Target: the node at >= 50 % of the centre's rate.
2. Reconciliation of N offline declarations when the link returns (signature and journal checked, each
   declaration lodged centrally through the lodging flow and linked, permits written off), twice: the
   second pass must add nothing. Target: 10,000 in under 60 s. Baseline: lodging N at the centre directly.

The centre runs on a fresh SQLite file by default, or on PostgreSQL with --pg (a private cluster on a free
port, fsync on). Usage: .venv/bin/python benchmarks/crisis.py [--lodge 500] [--reconcile 10000] [--pg]
"""

from __future__ import annotations

import argparse
import copy
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))


def _centre(url: str) -> None:
    """Migrate and seed what lodging needs: the demo accounts, the demo tariff, the centre's signing key."""
    os.environ.update(CLEARWAY_DATABASE_URL=url, CLEARWAY_ENVIRONMENT="demo",
                      CLEARWAY_SECRET_KEY="benchmark-secret-0123456789abcdef")
    from clearway.db import get_sessionmaker, utcnow
    from clearway.demo import demo_accounts
    from clearway.exchange.directory import own_key_rotate
    from clearway.migrate import upgrade_head
    from clearway.tariff.demo import demo_seed

    upgrade_head(url)
    with get_sessionmaker()() as db, db.begin():
        demo_accounts(db=db, now=utcnow())
        demo_seed(db=db, now=utcnow())
        own_key_rotate(db=db, actor="bench", now=utcnow())


def _documents(n: int, tag: str) -> list[dict]:
    from clearway.declarations.schemas import EXAMPLE

    docs = []
    for i in range(n):
        doc = copy.deepcopy(EXAMPLE)
        doc["lrn"] = f"B{tag}-{i:07d}"
        docs.append(doc)
    return docs


def _central_rate(docs: list[dict]) -> float:
    """Lodgements per second at the centre, one transaction each, as trader A."""
    from sqlalchemy import select

    from clearway.assembly import wiring_build
    from clearway.auth.models import User
    from clearway.auth.service import principal_of
    from clearway.clearance.lodge import declaration_lodge
    from clearway.db import get_sessionmaker, utcnow

    sessions, wiring = get_sessionmaker(), wiring_build()
    with sessions() as db:
        actor = principal_of(db.scalars(select(User).where(User.username == "trader-a")).one())
    started = time.perf_counter()
    for doc in docs:
        with sessions() as db, db.begin():
            declaration_lodge(db=db, wiring=wiring, actor=actor, raw=doc, now=utcnow())
    return len(docs) / (time.perf_counter() - started)


def _node(path: str) -> Any:
    """A node provisioned from the centre's snapshot and registered with it."""
    from sqlalchemy.orm import Session

    from clearway.crisis.node import node_open, node_provision
    from clearway.crisis.provision import node_register, post_snapshot_issue
    from clearway.db import get_sessionmaker, utcnow

    with get_sessionmaker()() as db, db.begin():
        issued = post_snapshot_issue(db=db, post="KR0101", now=utcnow())
    engine = node_open(path)
    with Session(engine) as ndb, ndb.begin():
        key = node_provision(db=ndb, signed=issued["signed"], centre_public_jwk=issued["centre_public_jwk"],
                             post="KR0101", now=utcnow())
    with get_sessionmaker()() as db, db.begin():
        node_register(db=db, post="KR0101", public_jwk=key, snapshot_hash=issued["signed"]["hash"], actor="bench",
                      now=utcnow())
    return engine


def _node_rate(engine: Any, docs: list[dict]) -> float:
    from sqlalchemy.orm import Session

    from clearway.crisis.node import node_lodge
    from clearway.db import utcnow

    started = time.perf_counter()
    for doc in docs:
        with Session(engine) as ndb, ndb.begin():
            node_lodge(db=ndb, raw=doc, now=utcnow())
    return len(docs) / (time.perf_counter() - started)


def _reconcile(engine: Any) -> tuple[float, float, int, int]:
    """Seconds for the first and the repeated reconciliation, and what each linked."""
    from sqlalchemy.orm import Session

    from clearway.assembly import wiring_build
    from clearway.clearance.offline import post_reconcile
    from clearway.crisis.node import node_export
    from clearway.db import get_sessionmaker, utcnow

    with Session(engine) as ndb:
        export = node_export(db=ndb, now=utcnow())
    wiring, timings, linked = wiring_build(), [], []
    for _ in range(2):
        started = time.perf_counter()
        with get_sessionmaker()() as db, db.begin():
            report = post_reconcile(db=db, wiring=wiring, post="KR0101", export=export, actor="bench", now=utcnow())
        timings.append(time.perf_counter() - started)
        linked.append(report.linked)
    return timings[0], timings[1], linked[0], linked[1]


def main() -> None:
    """Run both figures and print them with their baselines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lodge", type=int, default=500, help="lodgements for the rate comparison")
    parser.add_argument("--reconcile", type=int, default=10_000, help="offline declarations to reconcile")
    parser.add_argument("--pg", action="store_true", help="centre on a private PostgreSQL cluster")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="clearway-crisis-bench-") as tmp:
        cluster = None
        if args.pg:
            import socket

            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            cluster = str(Path(tmp) / "pg")
            url = subprocess.check_output([str(ROOT / "scripts/pgcluster.sh"), "start", cluster, str(port)],
                                          text=True).strip()
        else:
            url = f"sqlite:///{tmp}/centre.db"
        try:
            _centre(url)
            _central_rate(_documents(20, "W"))  # warm: the tariff, the engine's rules, the statement caches
            centre = _central_rate(_documents(args.lodge, "C"))
            engine = _node(f"{tmp}/node.db")
            _node_rate(engine, _documents(20, "V"))  # warm likewise: the prepared snapshot
            node = _node_rate(engine, _documents(args.lodge, "N"))
            _node_rate(engine, _documents(args.reconcile, "R"))  # the outage's backlog
            direct = _central_rate(_documents(min(args.reconcile, 2000), "D"))
            first, again, linked, relinked = _reconcile(engine)
        finally:
            if cluster:
                subprocess.run([str(ROOT / "scripts/pgcluster.sh"), "stop", cluster], check=False)
    total = 20 + args.lodge + args.reconcile
    backend = "PostgreSQL" if args.pg else "SQLite"
    print(f"centre: {backend}; node: SQLite (synchronous=FULL); one transaction per lodgement")
    print(f"{'centre lodging (baseline)':<44} {centre:8.1f} /s")
    print(f"{'node lodging offline':<44} {node:8.1f} /s   {node / centre:6.0%} of the centre (target >= 50 %)")
    print(f"{'reconciliation of ' + str(total) + ' offline declarations':<44} {first:8.2f} s    "
          f"{linked / first:8.1f} /s linked={linked}")
    print(f"{'  extrapolated to 10,000':<44} {10_000 * first / linked:8.2f} s    (target < 60 s)")
    print(f"{'  repeated (link flaps)':<44} {again:8.2f} s    linked={relinked} (must be 0)")
    print(f"{'centre lodging directly (baseline)':<44} {direct:8.1f} /s")


if __name__ == "__main__":
    main()
