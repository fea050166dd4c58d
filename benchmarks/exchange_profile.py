"""Where the partner exchange spends its time per message, in one process: SQL statements per message on each
side (JP queues and claims, KR receives, JP applies KR's receipts) and a cProfile of KR's receive path.

Both instances are databases in this process (tests.exchange.kit), as in `benchmarks/exchange.py` but without
HTTP, so that what is counted is the services' own work. Run small: it is for finding per-message overhead.
Usage: python benchmarks/exchange_profile.py [--messages 2000] [--batch 200] [--pg postgresql://…] [--top 25]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import event

os.environ.setdefault("CLEARWAY_ENVIRONMENT", "test")
os.environ.setdefault("CLEARWAY_SECRET_KEY", "benchmark-secret-key-not-for-production")

from clearway.db import utcnow
from clearway.exchange.handlers import HANDLERS
from clearway.exchange.inbox import envelopes_receive
from clearway.exchange.service import outbox_claim, receipts_apply

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.exchange import databases, exports_queue  # noqa: E402
from tests.exchange.kit import instance, introduce  # noqa: E402


class Statements:
    """Counts the SQL statements an engine runs while `on` (by their first word and table, for the report)."""

    def __init__(self, engine: Any) -> None:
        self.on = False
        self.total = 0
        self.kinds: Counter[str] = Counter()
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if self.on:
            self.total += 1
            words = statement.split()
            table = next((w for w, before in zip(words[1:], words, strict=False)
                          if before.upper() in ("FROM", "INTO", "UPDATE")), "?")
            self.kinds[f"{words[0].upper()} {table.strip(chr(34))}"] += 1


def main() -> None:
    """Queue, deliver and receive `messages` export declarations in batches; print statements and the profile."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--pg", help="A PostgreSQL server URL: both instances get a database there")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        jp_url, kr_url = databases(Path(folder), args.pg)
        jp, kr = instance(jp_url, "JP", migrate=True), instance(kr_url, "KR", migrate=True)
        introduce(jp, kr)
        jp_count, kr_count = Statements(jp.sessions.kw["bind"]), Statements(kr.sessions.kw["bind"])
        profile = cProfile.Profile()
        timing = Counter[str]()
        per_tick = 10  # the benchmark's producer commits rate/50 messages at a time: 10 at 500/s
        for phase in ("warm", "measured"):
            n0 = 0 if phase == "warm" else args.batch
            count = args.batch if phase == "warm" else args.messages
            measured = phase == "measured"
            jp_count.on = measured
            started = time.perf_counter()
            for first in range(n0, n0 + count, per_tick):
                with jp.sessions() as db, db.begin():
                    exports_queue(db, first, per_tick)
            timing[f"{phase} queue"] += time.perf_counter() - started
            jp_send = jp_count.total
            while True:
                with jp.sessions() as db, db.begin():
                    envelopes = outbox_claim(db=db, partner="KR", now=utcnow(), limit=args.batch)
                if not envelopes:
                    break
                kr_count.on, started = measured, time.perf_counter()
                if measured:
                    profile.enable()
                with kr.sessions() as db, db.begin():
                    receipts = envelopes_receive(db=db, envelopes=envelopes, now=utcnow(), handlers=HANDLERS)
                if measured:
                    profile.disable()
                timing[f"{phase} receive"] += time.perf_counter() - started
                kr_count.on = False
                with jp.sessions() as db, db.begin():
                    receipts_apply(db=db, partner="KR", receipts=receipts, now=utcnow())
        n = args.messages
        print(f"databases: {'PostgreSQL' if args.pg else 'SQLite'}; {n} messages, batches of {args.batch}")
        print(f"JP statements per message: {jp_count.total / n:.2f} (queue {jp_send / n:.2f}, "
              f"claim + receipts {(jp_count.total - jp_send) / n:.2f})")
        print(f"KR statements per message (receive): {kr_count.total / n:.2f}")
        for kind, k in kr_count.kinds.most_common(12):
            print(f"  {k / n:6.2f}  {kind}")
        print(f"KR receive: {n / timing['measured receive']:,.0f} messages/s in-process; "
              f"JP queue: {n / timing['measured queue']:,.0f} messages/s")
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
