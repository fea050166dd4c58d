"""The restore drill's PostgreSQL backend: a base backup and streamed WAL, replayed to the target time.

`pg_receivewal` streams the source's WAL into the drill's archive through a replication slot (so the
source keeps what the archive has not got yet; nothing to configure on the source but a replication
connection), `pg_basebackup` takes the base backup, and restoring copies the base into a new data
directory with `recovery_target_time` and a `restore_command` reading that archive, starts a
PostgreSQL server of its own on a free port and waits until recovery has reached the target and the
server is promoted. The recovery point is the target itself: every transaction committed by then is
replayed. PostgreSQL ends recovery at the first commit after the target, so the drill commits one
(in its own statement) and waits until the archive has it before restoring.

The server binaries come from Debian's PostgreSQL (`/usr/lib/postgresql/<version>/bin`); run as
root, every command runs as the `postgres` user, as the clusters of `scripts/pgcluster.sh` do.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from clearway.db import make_engine, utcnow
from clearway.ops.drill import DrillError, Progress, Restored

PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
WAIT_S = 120.0


def _as_postgres(args: list[str]) -> list[str]:
    """A command line run as the postgres user when this process is root (the server refuses root)."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(args: list[str], what: str, timeout: float = WAIT_S) -> str:
    done = subprocess.run(_as_postgres(args), capture_output=True, text=True, cwd="/", timeout=timeout, check=False)
    if done.returncode != 0:
        raise DrillError(f"{what} failed: {(done.stderr or done.stdout).strip()[-500:]}")
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _folder(within: Path, prefix: str) -> Path:
    """A folder the postgres user owns, inside `within` when that user can reach it, else in the system's
    temporary folder (a scratch folder may sit below one it cannot enter, e.g. a 0700 home)."""
    for parent in (within, None):
        folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        folder.chmod(0o755)
        if os.geteuid() != 0:
            return folder
        shutil.chown(folder, "postgres", "postgres")
        reachable = subprocess.run(_as_postgres(["test", "-w", str(folder)]), cwd="/", check=False).returncode == 0
        if reachable:
            return folder
        shutil.rmtree(folder, ignore_errors=True)
    raise DrillError("no folder the postgres user can write to")



def restored_start(data: Path, root: Path) -> None:
    """Start a restored data folder's server (its log in `root`); a failure carries the log's tail."""
    try:
        _run([str(PGBIN / "pg_ctl"), "-D", str(data), "-l", str(root / "restored.log"), "-w", "-t",
              str(int(WAIT_S)), "start"], "starting the restored server")
    except DrillError as exc:
        log = (root / "restored.log").read_text(errors="replace")[-800:]
        raise DrillError(f"{exc}\n{log}") from None


def promoted_wait(url: str, root: Path | None) -> None:
    """Wait until a restored server's recovery reached its target and it takes writes (its log in `root`)."""
    deadline = time.monotonic() + WAIT_S
    engine = make_engine(url, 1)
    try:
        while True:
            with contextlib.suppress(Exception), engine.connect() as conn:
                if conn.execute(text("SELECT NOT pg_is_in_recovery()")).scalar():
                    return
            if time.monotonic() > deadline:
                log = (root / "restored.log").read_text()[-500:] if root else ""
                raise DrillError(f"the restored server was not promoted in time: {log}")
            time.sleep(0.1)
    finally:
        engine.dispose()

@dataclass
class PgBackend:
    """Base backup plus streamed WAL of one PostgreSQL database's cluster, and a restore to a time."""

    source_url: str
    scratch: Path
    name: str = "postgresql (pg_basebackup + streamed WAL)"
    slot: str = field(default_factory=lambda: f"clearway_drill_{secrets.token_hex(4)}")
    root: Path | None = None
    receiver: subprocess.Popen[bytes] | None = None
    restored_data: Path | None = None
    earliest: datetime | None = None

    @property
    def url(self) -> URL:
        """The source's URL."""
        return make_url(self.source_url)

    def _conn(self) -> list[str]:
        url = self.url
        return ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]

    def _env(self) -> None:
        if self.url.password:
            os.environ["PGPASSWORD"] = self.url.password

    def start(self, progress: Progress) -> None:
        """Stream WAL into the archive from now on, then take the base backup."""
        for tool in ("pg_basebackup", "pg_receivewal", "pg_ctl"):
            if not (PGBIN / tool).exists():
                raise DrillError(f"{PGBIN / tool} not found: install Debian's postgresql package or set PGBIN")
        self._env()
        self.root = _folder(self.scratch, "pg-")
        wal = self.root / "wal"
        _run(["mkdir", str(wal)], "making the WAL archive")
        progress("base backup", 0, 2)
        _run([str(PGBIN / "pg_receivewal"), *self._conn(), "-D", str(wal), "--slot", self.slot, "--create-slot"],
             "creating the replication slot")
        self.receiver = subprocess.Popen(  # fixed arguments, no shell
            _as_postgres([str(PGBIN / "pg_receivewal"), *self._conn(), "-D", str(wal), "--slot", self.slot,
                          "--synchronous", "--no-loop"]),
            cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _run([str(PGBIN / "pg_basebackup"), *self._conn(), "-D", str(self.root / "base"), "-X", "stream",
              "-c", "fast", "--no-sync"], "pg_basebackup", timeout=3600)
        self.earliest = utcnow()  # a restore needs the base backup's end: no earlier target can be reached
        progress("base backup", 2, 2)

    def tick(self, now: datetime, progress: Progress) -> None:
        """Nothing to do: WAL streams continuously; a receiver that died fails the drill."""
        if self.receiver is not None and self.receiver.poll() is not None:
            error = self.receiver.stderr.read().decode()[-300:] if self.receiver.stderr else ""
            raise DrillError(f"pg_receivewal stopped: {error}")

    def _archive_past(self, progress: Progress) -> None:
        """Commit once after the target and wait until the archive holds it (recovery needs a commit past it)."""
        engine = make_engine(self.source_url, 1)
        try:
            with engine.connect() as conn:
                with conn.begin():
                    conn.execute(text("SELECT txid_current()"))  # an xid: its commit record carries a time
                lsn = conn.execute(text("SELECT pg_current_wal_flush_lsn()::text")).scalar_one()
                deadline = time.monotonic() + WAIT_S
                while True:
                    flushed = conn.execute(text("SELECT bool_or(flush_lsn >= CAST(:lsn AS pg_lsn)) FROM "
                                                "pg_stat_replication WHERE application_name = 'pg_receivewal'"),
                                           {"lsn": lsn}).scalar()
                    conn.rollback()
                    if flushed:
                        break
                    if time.monotonic() > deadline:
                        raise DrillError("the WAL archive did not receive the last commit in time")
                    time.sleep(0.05)
        finally:
            engine.dispose()
        progress("archiving WAL", 1, 1)

    def restore(self, target: datetime, progress: Progress) -> Restored:
        """Replay the base backup and archived WAL up to `target` in a new server; ready when this returns."""
        if self.root is None or self.receiver is None or self.earliest is None:
            raise DrillError("no base backup was taken")
        if target < self.earliest:
            raise DrillError(f"{target.isoformat()} is before the base backup ended ({self.earliest.isoformat()}): "
                             "the earliest time this backup restores to")
        self._archive_past(progress)
        self.receiver.terminate()
        self.receiver.wait(timeout=30)
        wal = self.root / "wal"
        for partial in wal.glob("*.partial"):  # the segment being written: recovery reads it whole
            _run(["cp", str(partial), str(wal / partial.name.removesuffix(".partial"))], "closing the last segment")
        started = time.monotonic()
        data = self.restored_data = self.root / "restored"
        progress("restoring", 0, 3)
        _run(["cp", "-a", str(self.root / "base"), str(data)], "copying the base backup")
        phases = {"copy": time.monotonic() - started}
        progress("restoring", 1, 3)
        port = _free_port()
        settings = (f"restore_command = 'cp {wal}/%f %p'\n"
                    f"recovery_target_time = '{target.isoformat()}'\n"
                    "recovery_target_action = 'promote'\n"
                    "archive_mode = off\n"
                    # No queries during recovery: then the source's max_connections and the like need not
                    # be matched (hot standby checks them); the server answers once promoted.
                    "hot_standby = off\n"
                    # One syncfs of the file system at start instead of an fsync of every file copied.
                    "recovery_init_sync_method = syncfs\n"
                    f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n")
        with (data / "postgresql.auto.conf").open("a") as conf:  # appending keeps the postgres user's file
            conf.write(settings)
        (data / "recovery.signal").touch()
        restored_start(data, self.root)
        phases["start"] = time.monotonic() - started - sum(phases.values())
        progress("restoring", 2, 3)
        url = self.url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
        promoted_wait(url, self.root)
        phases["replay and promote"] = time.monotonic() - started - sum(phases.values())
        progress("restoring", 3, 3)
        return Restored(url=url, recovery_point=target, restore_s=time.monotonic() - started, location=str(data),
                        phases=phases)

    def stop(self) -> None:
        """Stop the restored server and the receiver, drop the replication slot, remove the drill's files."""
        if self.receiver is not None and self.receiver.poll() is None:
            self.receiver.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.receiver.wait(timeout=30)
        if self.restored_data is not None and (self.restored_data / "postmaster.pid").exists():
            with contextlib.suppress(DrillError):
                _run([str(PGBIN / "pg_ctl"), "-D", str(self.restored_data), "-m", "immediate", "-w", "stop"],
                     "stopping the restored server")
        with contextlib.suppress(DrillError):
            _run([str(PGBIN / "pg_receivewal"), *self._conn(), "--slot", self.slot, "--drop-slot"],
                 "dropping the replication slot")
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
