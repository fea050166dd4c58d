"""The restore drill: back up a live database while declarations keep being lodged, restore it to a point in
time into a scratch location, and count what an operator would lose.

`restore_drill` runs the lodging flow (handed in: one writer thread, as a trader of the database) and
records every lodgement it was told is stored (its commit returned: "acknowledged"). While that goes on,
the backend takes its backups; then the writer stops and the backend restores to the target time.
The restored copy is opened like a Clearway database and checked: integrity, the audit chain end to
end, every acknowledged declaration up to the recovery point present (`lost` must be 0), nothing in it
that the source never had.

Backends (`ops.drill_sqlite`, `ops.drill_pg`) say what a point in time means for them: SQLite's
online backup API gives consistent copies while writers go on, so its recovery point is the newest
copy taken at or before the target (the copy interval bounds the data a real restore would cost);
PostgreSQL replays archived WAL on a base backup up to the target itself.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from clearway.audit.service import audit_verify
from clearway.auth.schemas import Principal
from clearway.auth.service import principal_of, users_list
from clearway.db import make_engine, utcnow
from clearway.declarations.models import Declaration
from clearway.declarations.schemas import EXAMPLE

# progress(phase, done, total): the command line draws it as a bar.
Progress = Callable[[str, float, float], None]
# lodge(db, wiring, actor, document, now) -> MRN: the clearance flow's lodging, handed in by the entry point
# (a domain never imports the flows).
Lodge = Callable[[Session, Any, Principal, dict[str, Any], datetime], str]


class DrillError(RuntimeError):
    """The drill cannot run (no trader to lodge as, a backend tool missing) or its restore failed."""


@dataclass(frozen=True)
class Acknowledged:
    """A lodgement whose commit returned, and when (UTC, after the commit)."""

    mrn: str
    at: datetime


@dataclass(frozen=True)
class Restored:
    """A restored copy: where it is, the point in time it holds, how long the restore took."""

    url: str
    recovery_point: datetime
    restore_s: float
    location: str
    phases: dict[str, float] = field(default_factory=dict)  # seconds per step of the restore, in order


class Backend(Protocol):
    """A database kind's backups and point-in-time restore, as the drill uses them."""

    name: str

    def start(self, progress: Progress) -> None:
        """Take the base backup (and start archiving, where the backend has an archive)."""
        ...

    def tick(self, now: datetime, progress: Progress) -> None:
        """Called about once a second while the writer writes (the SQLite backend copies at its interval)."""
        ...

    def restore(self, target: datetime, progress: Progress) -> Restored:
        """Restore to the target time into the scratch location; the copy is ready to open when this returns."""
        ...


@dataclass
class DrillReport:
    """What the drill measured."""

    backend: str
    location: str
    target: datetime
    recovery_point: datetime
    restore_s: float  # backup found -> restored copy open and answering
    verify_s: float
    acknowledged: int  # lodgements acknowledged during the whole drill
    acknowledged_by_point: int  # of which acknowledged before the recovery point
    lost: int  # acknowledged before the recovery point and missing from the restored copy: must be 0
    after_point: int  # acknowledged after the recovery point (what restoring to that point gives up)
    unknown: int  # declarations in the copy that the source does not have: must be 0
    source_declarations: int
    restored_declarations: int
    audit_ok: bool
    audit_sealed: int
    audit_unsealed: int
    integrity: str
    write_rate: float  # acknowledged lodgements per second while writing
    errors: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing acknowledged was lost, nothing unknown appeared and the audit chain holds."""
        return self.lost == 0 and self.unknown == 0 and self.audit_ok and self.integrity == "ok"

    def lines(self) -> list[str]:
        """The report as the command prints it."""
        window = (self.target - self.recovery_point).total_seconds()
        return [
            f"backend              {self.backend}",
            f"restored into        {self.location}",
            f"target time          {self.target.isoformat()}",
            f"recovery point       {self.recovery_point.isoformat()} ({window:.2f} s before the target)",
            f"recovery time        {self.restore_s:.2f} s (+ {self.verify_s:.2f} s verification)"
            + (f": {', '.join(f'{k} {v:.2f} s' for k, v in self.phases.items())}" if self.phases else ""),
            f"acknowledged         {self.acknowledged} lodgements ({self.write_rate:.1f}/s while backing up)",
            f"  up to the point    {self.acknowledged_by_point}",
            f"  lost               {self.lost}",
            f"  after the point    {self.after_point}",
            f"declarations         source {self.source_declarations}, restored {self.restored_declarations}, "
            f"unknown to the source {self.unknown}",
            f"audit chain          {'intact' if self.audit_ok else 'BROKEN'} ({self.audit_sealed} sealed, "
            f"{self.audit_unsealed} awaiting sealing)",
            f"integrity            {self.integrity}",
        ]


def drill_trader(db: Session) -> Principal:
    """The trader the drill lodges as: the first active trader account of the database."""
    for user in users_list(db=db):
        if user.role == "trader" and user.active:
            return principal_of(user)
    raise DrillError("no active trader account to lodge as (seed the demo world, or create one)")


def drill_document(actor: Principal, lrn: str) -> dict[str, Any]:
    """A valid declaration of the trader, as a client would send it."""
    doc = copy.deepcopy(EXAMPLE)
    party = {"id": actor.organisation_code, "name": f"Trader {actor.organisation_code}", "country": "KR"}
    doc.update(lrn=lrn, declarant=party, importer=party, buyer=party)
    return doc


class Writer(threading.Thread):
    """Lodges declarations through the lodging flow, one transaction each, and keeps the acknowledged ones."""

    def __init__(self, *, sessions: sessionmaker[Session], lodge: Lodge, wiring: Any, actor: Principal, run_id: str,
                 pause_s: float = 0.0):
        super().__init__(name="drill-writer", daemon=True)
        self.sessions, self.wiring, self.actor, self.run_id, self.pause_s = sessions, wiring, actor, run_id, pause_s
        self.lodge = lodge
        self.acknowledged: list[Acknowledged] = []
        self.errors: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        """Lodge until asked to stop; a failed lodgement is noted and not acknowledged."""
        n = 0
        while not self.stopping.is_set():
            n += 1
            try:
                with self.sessions() as db, db.begin():
                    mrn = self.lodge(db, self.wiring, self.actor,
                                     drill_document(self.actor, f"DRILL-{self.run_id}-{n:06d}"), utcnow())
                self.acknowledged.append(Acknowledged(mrn, utcnow()))  # the commit returned: acknowledged
            except Exception as exc:  # a drill notes failures and goes on; they are in the report
                if len(self.errors) < 20:
                    self.errors.append(f"{type(exc).__name__}: {exc}"[:300])
            if self.pause_s:
                self.stopping.wait(self.pause_s)


def _mrns(db: Session) -> set[str]:
    return set(db.scalars(select(Declaration.mrn)))


def _integrity(db: Session, url: str) -> str:
    if not url.startswith("sqlite"):
        return "ok"  # PostgreSQL checks its pages as it replays and reads them; amcheck is not assumed here
    rows = [r[0] for r in db.connection().exec_driver_sql("PRAGMA integrity_check")]
    return "ok" if rows == ["ok"] else "; ".join(map(str, rows))[:300]


def restore_drill(*, source_url: str, backend: Backend, lodge: Lodge, wiring: Any, duration_s: float, run_id: str,
                  progress: Progress, target: datetime | None = None, back_s: float = 0.0,
                  pause_s: float = 0.0) -> DrillReport:
    """Back up `source_url` while lodging for `duration_s` after the base backup, restore to `target` (default:
    `back_s` seconds before writing stopped) and verify the copy."""
    engine = make_engine(source_url, pool_size=2)
    sessions = sessionmaker(engine, expire_on_commit=False)
    try:
        with sessions() as db:
            actor = drill_trader(db)
        writer = Writer(sessions=sessions, lodge=lodge, wiring=wiring, actor=actor, run_id=run_id, pause_s=pause_s)
        writer.start()
        begun = time.monotonic()
        try:
            backend.start(progress)  # lodging goes on during the base backup; the duration counts after it
            started = time.monotonic()
            while (elapsed := time.monotonic() - started) < duration_s:
                progress("writing and backing up", min(elapsed, duration_s), duration_s)
                backend.tick(utcnow(), progress)
                time.sleep(min(0.25, max(duration_s - elapsed, 0)))
            progress("writing and backing up", duration_s, duration_s)
        finally:
            writer.stopping.set()
            writer.join()
        wrote_s = time.monotonic() - begun
        stop = utcnow()
        goal = target or stop - timedelta(seconds=back_s)
        with sessions() as db:
            source = _mrns(db)
        restored = backend.restore(goal, progress)
    finally:
        engine.dispose()
    return _verify(restored, goal, writer, source, wrote_s, backend.name, progress)


def _verify(restored: Restored, goal: datetime, writer: Writer, source: set[str], wrote_s: float, name: str,
            progress: Progress) -> DrillReport:
    """Open the restored copy and count: lost, after the point, unknown; audit chain and integrity."""
    started = time.monotonic()
    progress("verifying", 0, 3)
    copy_engine = make_engine(restored.url, pool_size=1)
    try:
        with sessionmaker(copy_engine)() as db, db.begin():
            present = _mrns(db)
            progress("verifying", 1, 3)
            chain = audit_verify(db=db)
            progress("verifying", 2, 3)
            integrity = _integrity(db, restored.url)
            count = int(db.scalar(select(func.count()).select_from(Declaration)) or 0)
    finally:
        copy_engine.dispose()
    progress("verifying", 3, 3)
    point = restored.recovery_point
    by_point = [a for a in writer.acknowledged if a.at <= point]
    return DrillReport(
        backend=name, location=restored.location, target=goal, recovery_point=point, restore_s=restored.restore_s,
        verify_s=time.monotonic() - started, acknowledged=len(writer.acknowledged), acknowledged_by_point=len(by_point),
        lost=sum(1 for a in by_point if a.mrn not in present),
        after_point=sum(1 for a in writer.acknowledged if a.at > point), unknown=len(present - source),
        source_declarations=len(source), restored_declarations=count, audit_ok=chain.ok, audit_sealed=chain.sealed,
        audit_unsealed=chain.unsealed, integrity=integrity,
        write_rate=len(writer.acknowledged) / wrote_s if wrote_s else 0.0, errors=writer.errors,
        phases=restored.phases)


def scratch_of(base: Path, run_id: str) -> Path:
    """The drill's own folder under the scratch location (created)."""
    folder = base / f"drill-{run_id}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
