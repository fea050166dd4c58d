"""The restore drill's pgBackRest backend: the repository `scripts/pgbackrest.sh` configures, restored to a time.

The source cluster archives its WAL continuously into the repository (`archive_command` … `archive-push`, set up
by `scripts/pgbackrest.sh archive-opts`). The drill takes a full backup, incrementals while lodging goes on, and
restores with `pgbackrest restore --type=time` into a new data directory started on a free port, promoted once
the target is reached. Before restoring, `pgbackrest check` switches the WAL segment and waits until it is
archived, so the commits up to the target are in the repository (PostgreSQL ends recovery at the first commit
after the target: the drill commits one first).
"""

from __future__ import annotations

import contextlib
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from clearway.db import make_engine, utcnow
from clearway.ops.drill import DrillError, Progress, Restored
from clearway.ops.drill_pg import PGBIN, WAIT_S, _folder, _free_port, _run, promoted_wait, restored_start


def _target(at: datetime) -> tuple[str, datetime]:
    """pgBackRest's time format (to the millisecond) and the instant it means (never after `at`)."""
    point = at.astimezone(UTC).replace(microsecond=at.microsecond // 1000 * 1000)
    return point.strftime("%Y-%m-%d %H:%M:%S.") + f"{point.microsecond // 1000:03d}+00", point


@dataclass
class PgBackRestBackend:
    """Full and incremental backups plus archived WAL in a pgBackRest repository, and a restore to a time."""

    source_url: str
    config: Path  # pgbackrest.conf, as written by `scripts/pgbackrest.sh configure`
    scratch: Path
    stanza: str = "clearway"
    incremental_s: float = 3.0  # an incremental backup this often while lodging goes on
    name: str = "postgresql (pgBackRest: full + incremental backups, archived WAL)"
    root: Path | None = None
    restored_data: Path | None = None
    earliest: datetime | None = None
    backups: list[tuple[str, datetime, float]] = field(default_factory=list)  # (type, finished, seconds)
    _last: float = 0.0

    def _br(self, *args: str, what: str, timeout: float = 3600) -> str:
        return _run(["pgbackrest", f"--config={self.config}", f"--stanza={self.stanza}", *args], what, timeout)

    def _backup(self, kind: str) -> None:
        started = time.monotonic()
        self._br(f"--type={kind}", "backup", what=f"pgbackrest {kind} backup")
        self.backups.append((kind, utcnow(), time.monotonic() - started))
        self._last = time.monotonic()

    def start(self, progress: Progress) -> None:
        """Check that the source archives into the repository, then take a full backup."""
        if shutil.which("pgbackrest") is None:
            raise DrillError("pgbackrest not found: apt-get install pgbackrest (scripts/pgbackrest.sh sets it up)")
        engine = make_engine(self.source_url, 1)
        try:
            with engine.connect() as conn:
                mode = conn.execute(text("SHOW archive_mode")).scalar_one()
                command = conn.execute(text("SHOW archive_command")).scalar_one()
        finally:
            engine.dispose()
        if mode != "on" or "archive-push" not in command:
            raise DrillError("the source does not archive into pgBackRest: start it with the options of "
                             "`scripts/pgbackrest.sh archive-opts REPO`")
        self.root = _folder(self.scratch, "pgbackrest-")
        progress("full backup", 0, 1)
        self._br("check", what="pgbackrest check", timeout=WAIT_S)
        self._backup("full")
        self.earliest = utcnow()  # the full backup's end: no earlier target can be reached
        progress("full backup", 1, 1)

    def tick(self, now: datetime, progress: Progress) -> None:
        """An incremental backup every `incremental_s` seconds."""
        if time.monotonic() - self._last >= self.incremental_s:
            self._backup("incr")
            progress("incremental backups", len(self.backups) - 1, len(self.backups) - 1)

    def restore(self, target: datetime, progress: Progress) -> Restored:
        """Restore the repository to `target` in a new server; ready (promoted) when this returns."""
        if self.root is None or self.earliest is None:
            raise DrillError("no full backup was taken")
        if target < self.earliest:
            raise DrillError(f"{target.isoformat()} is before the full backup ended ({self.earliest.isoformat()})")
        when, point = _target(target)
        engine = make_engine(self.source_url, 1)
        try:
            with engine.begin() as conn:  # a commit after the target: recovery stops there
                conn.execute(text("SELECT txid_current()"))
        finally:
            engine.dispose()
        self._br("check", what="archiving the last WAL segment", timeout=WAIT_S)  # switches and waits for it
        progress("archiving WAL", 1, 1)
        started = time.monotonic()
        data = self.restored_data = self.root / "restored"
        progress("restoring", 0, 3)
        self._br(f"--pg1-path={data}", "--type=time", f"--target={when}", "--target-action=promote", "restore",
                 what="pgbackrest restore")
        phases = {"pgbackrest restore": time.monotonic() - started}
        progress("restoring", 1, 3)
        port = _free_port()
        with (data / "postgresql.auto.conf").open("a") as conf:  # after pgBackRest's restore_command and target
            conf.write("archive_mode = off\nhot_standby = off\nrecovery_init_sync_method = syncfs\n"
                       f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n")
        restored_start(data, self.root)
        phases["start"] = time.monotonic() - started - sum(phases.values())
        progress("restoring", 2, 3)
        url = make_url(self.source_url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
        promoted_wait(url, self.root)
        phases["replay and promote"] = time.monotonic() - started - sum(phases.values())
        progress("restoring", 3, 3)
        return Restored(url=url, recovery_point=point, restore_s=time.monotonic() - started, location=str(data),
                        phases=phases)

    def stop(self) -> None:
        """Stop the restored server and remove the drill's files (the repository and its backups stay)."""
        if self.restored_data is not None and (self.restored_data / "postmaster.pid").exists():
            with contextlib.suppress(DrillError):
                _run([str(PGBIN / "pg_ctl"), "-D", str(self.restored_data), "-m", "immediate", "-w", "stop"],
                     "stopping the restored server")
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

