"""The restore drill's SQLite backend: consistent copies by SQLite's online backup API, restored by copying.

A copy is taken in one backup step: it reads one snapshot of the database (in WAL mode, lodging goes on
meanwhile) and holds every transaction committed before it began. Copies are taken every
`interval_s` while the drill writes; restoring to a time copies the newest one taken at or before it
back, page by page, into the scratch folder. So the recovery point is that copy's start, and the
interval is the most a real restore from these copies would cost.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from clearway.db import utcnow
from clearway.ops.drill import DrillError, Progress, Restored

RESTORE_PAGES = 256  # pages per restore step: small enough to draw progress, large enough to be quick


def sqlite_path(url: str) -> Path:
    """The database file of a SQLite URL."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise DrillError("the drill needs a SQLite database file, not an in-memory one")
    return Path(database)


@dataclass
class SqliteBackend:
    """Copies of one SQLite file, taken while it is written, and a restore into the scratch folder."""

    source: Path
    scratch: Path
    interval_s: float = 1.0
    name: str = "sqlite (online backup API)"
    copies: list[tuple[datetime, Path]] = field(default_factory=list)
    last: float = -1e9

    def _copy(self, progress: Progress) -> None:
        at = utcnow()  # every commit acknowledged before this instant is in the copy
        path = self.scratch / f"backup-{len(self.copies):04d}.db"
        source = sqlite3.connect(self.source, timeout=30)
        target = sqlite3.connect(path)
        try:
            source.backup(target, pages=-1)  # one step: one consistent snapshot, writers go on (WAL)
        finally:
            target.close()
            source.close()
        self.copies.append((at, path))
        self.last = time.monotonic()
        progress("backups taken", len(self.copies), len(self.copies))

    def start(self, progress: Progress) -> None:
        """Take the first copy."""
        if not self.source.is_file():
            raise DrillError(f"{self.source}: no such database file")
        self._copy(progress)

    def tick(self, now: datetime, progress: Progress) -> None:
        """Take a copy when the interval has passed."""
        if time.monotonic() - self.last >= self.interval_s:
            self._copy(progress)

    def restore(self, target: datetime, progress: Progress) -> Restored:
        """Copy the newest backup taken at or before `target` into a new database file and open it."""
        usable = [(at, path) for at, path in self.copies if at <= target]
        if not usable:
            raise DrillError(f"no backup was taken at or before {target.isoformat()}")
        point, backup = usable[-1]
        restored = self.scratch / "restored.db"
        restored.unlink(missing_ok=True)
        started = time.monotonic()
        source = sqlite3.connect(backup)
        copy = sqlite3.connect(restored)
        try:
            def step(_status: int, remaining: int, total: int) -> None:
                progress("restoring", total - remaining, total)

            source.backup(copy, pages=RESTORE_PAGES, progress=step)
            ok = copy.execute("SELECT count(*) FROM declarations").fetchone()  # the copy opens and answers
        finally:
            copy.close()
            source.close()
        if ok is None:
            raise DrillError("the restored copy does not answer")
        return Restored(url=f"sqlite:///{restored}", recovery_point=point, restore_s=time.monotonic() - started,
                        location=str(restored))
