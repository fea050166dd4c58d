"""The failover drill through the Clearway API: a Patroni pair, a real `clearway serve`, a leader killed mid-burst.

`scripts/pgha.sh` starts etcd and two Patroni nodes (a primary and a synchronous standby) on 127.0.0.1; the
database is migrated and given the demo accounts; a `clearway serve` process of its own connects through the
multi-host URL (`target_session_attrs=read-write`), so a failover needs no configuration change. Clients lodge
with an Idempotency-Key each and retry on every 503 or broken connection (clearway.ops.lodgers) while the
leader's Patroni and postmaster are killed with SIGKILL (a machine crash). Afterwards every acknowledged
lodgement is looked up on the new leader: none may be missing, stored twice or under another MRN. The longest
stretch without an acknowledged lodgement after the kill is the unavailability the clients saw; the longest
before it is this machine's noise.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from clearway.auth.models import User
from clearway.auth.service import token_for
from clearway.config import get_settings
from clearway.db import make_engine
from clearway.migrate import upgrade_head
from clearway.ops.lodgers import Ledger, Verdict, run_lodgers, verify

# Creates the accounts the drill lodges with (a trader `trader-a`): the caller's, e.g. the demo's accounts.
Accounts = Callable[[Session], object]

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "pgha.sh"


class FailoverError(RuntimeError):
    """The drill could not run (the cluster or the server did not come up)."""


@dataclass
class FailoverReport:
    """The drill's figures."""

    cluster_ready_s: float
    killed: str
    new_leader: str
    verdict: Verdict
    answers: Counter[str]
    unexpected: list[str]
    lodging_s: float
    unavailable_s: float  # longest stretch without an acknowledgement after the kill
    baseline_gap_s: float  # the same before the kill
    first_ack_after_kill_s: float
    p99_s: float
    replays_differing: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing acknowledged lost, duplicated or mismatched, and no uncoded error."""
        v = self.verdict
        return (v.missing, v.duplicated, v.wrong_mrn, self.replays_differing, len(self.unexpected)) == (0, 0, 0, 0, 0)

    def lines(self) -> list[str]:
        """The report as printable lines."""
        v = self.verdict
        return [
            f"cluster (etcd + 2 Patroni nodes) ready in {self.cluster_ready_s:.1f} s",
            f"killed the leader {self.killed} (Patroni and postmaster, SIGKILL); new leader {self.new_leader}",
            f"acknowledged lodgements {v.acknowledged} in {self.lodging_s:.0f} s "
            f"({v.acknowledged / max(self.lodging_s, 1e-9):.1f}/s), p99 {self.p99_s * 1000:.0f} ms",
            f"missing after failover {v.missing}; stored twice {v.duplicated}; under another MRN {v.wrong_mrn}; "
            f"replays with another MRN {self.replays_differing}; stored but never acknowledged "
            f"{v.stored_unacknowledged}",
            f"longest stretch without an acknowledged lodgement: {self.unavailable_s:.1f} s after the kill "
            f"(baseline before the kill {self.baseline_gap_s:.2f} s); first acknowledgement "
            f"{self.first_ack_after_kill_s:.1f} s after the kill",
            f"seconds without service: {self.unavailable_s:.1f}; acknowledged lodgements {v.acknowledged}, "
            f"stored {v.acknowledged - v.missing} of them (and {v.stored_unacknowledged} stored though the client "
            "never heard so)",
            "answers: " + ", ".join(f"{k} x{n}" for k, n in sorted(self.answers.items())),
            f"uncoded or unexpected answers: {len(self.unexpected)}",
        ]


def _pgha(*args: str, check: bool = True, timeout: float = 180) -> str:
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise FailoverError(f"pgha.sh {args[0]} failed: {done.stderr.strip()[-500:]}")
    return done.stdout.strip()


def _prepare(url: str, accounts: Accounts) -> str:
    """Migrate, create the accounts; a bearer token for trader-a."""
    upgrade_head(url)
    engine = make_engine(url, 1)
    try:
        with sessionmaker(bind=engine, expire_on_commit=False)() as db:
            with db.begin():
                accounts(db)
            user = db.scalar(select(User).where(User.username == "trader-a"))
            assert user is not None
            return token_for(user=user, secret=get_settings().secret_key, ttl_s=3600, kind="b")
    finally:
        engine.dispose()


def _serve(url: str, port: int, env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    # Its log to a file, never to an unread pipe: a server warning on every 503 would fill the pipe and block.
    with log_path.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "clearway.cli", "serve", "--port", str(port)],
                                env={**os.environ, **env, "CLEARWAY_DATABASE_URL": url},
                                stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise FailoverError("clearway serve exited: " + log_path.read_text("utf-8", "replace")[-800:])
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise FailoverError("clearway serve did not become ready within 90 s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _timeline(ledger: Ledger, killed_at: float, log: Any) -> None:
    """Answers per second from the kill on: how the outage looked to the clients."""
    seconds: dict[int, Counter[str]] = {}
    for at, answer in ledger.timeline:
        if at >= killed_at:
            seconds.setdefault(int(at - killed_at), Counter())[answer] += 1
    for second in sorted(seconds):
        log(f"  +{second:>3} s: " + ", ".join(f"{k} x{n}" for k, n in sorted(seconds[second].items())))


def failover_drill(folder: Path, base_port: int, http_port: int, template: dict[str, Any], accounts: Accounts,
                   seconds: float = 30,
                   kill_after: float = 8, clients: int = 4, env: dict[str, str] | None = None,
                   log: Any = print) -> FailoverReport:
    """Run the drill in folder (removed afterwards) with the cluster on base_port..base_port+5."""
    started = time.monotonic()
    url = _pgha("start", str(folder / "cluster"), str(base_port))
    ready_s = time.monotonic() - started
    log(f"cluster ready in {ready_s:.1f} s: {url}")
    server = None
    try:
        token = _prepare(url, accounts)
        (folder / "logs").mkdir(exist_ok=True)
        server = _serve(url, http_port, env or {}, folder / "logs" / "serve.log")
        log(f"clearway serve ready on :{http_port}")
        ledger, prefix = Ledger(), f"FO{int(time.time()) % 100000:05d}-"
        begin = time.monotonic()
        stop = begin + seconds
        threads = run_lodgers(f"http://127.0.0.1:{http_port}", token, template, prefix, clients, stop, ledger,
                              retry_s=0.1)
        time.sleep(kill_after)
        leader = _pgha("leader", str(folder / "cluster"))
        killed_at = time.monotonic()
        _pgha("crash", str(folder / "cluster"), leader)
        log(f"killed {leader} at {killed_at - begin:.1f} s")
        for t in threads:
            t.join(timeout=seconds + 60)
        _timeline(ledger, killed_at, log)
        new_leader = _pgha("leader", str(folder / "cluster"), check=False) or "(none)"
        engine = create_engine(url.replace("connect_timeout=2", "connect_timeout=5"))
        try:
            with Session(engine) as db:
                verdict = verify(db, ledger, prefix)
        finally:
            engine.dispose()
        after = sorted(t for t in ledger.ack_times if t >= killed_at)
        return FailoverReport(
            cluster_ready_s=ready_s, killed=leader, new_leader=new_leader, verdict=verdict,
            answers=ledger.answers, unexpected=ledger.unexpected, lodging_s=seconds,
            unavailable_s=ledger.longest_gap(killed_at, stop), baseline_gap_s=ledger.longest_gap(begin, killed_at),
            first_ack_after_kill_s=(after[0] - killed_at) if after else float("inf"), p99_s=ledger.p99(),
            replays_differing=len(ledger.replays_differing))
    finally:
        if server is not None:
            _stop(server)
        logs = folder / "logs"  # kept for a post-mortem: the cluster folder goes with `pgha.sh stop`
        logs.mkdir(exist_ok=True)
        for node in ("n1", "n2"):
            source = folder / "cluster" / node / "patroni.log"
            if source.exists():
                (logs / f"{node}-patroni.log").write_bytes(source.read_bytes())
        _pgha("stop", str(folder / "cluster"), check=False)
