"""pgBackRest from Debian, set up by scripts/pgbackrest.sh on a cluster of this test's own: continuous WAL
archiving, a full backup and incrementals while declarations are lodged, a restore to a point in time into a
new cluster, the audit chain verified and the acknowledged declarations counted; the retention keeps two full
backups; the schedule is full weekly, differential daily, incremental hourly."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from clearway.cli import _drill_lodge
from tests.conftest import ROOT, _reset_caches
from tests.factories import wiring
from tests.ops.test_database_down import PGBIN, _free_port

SCRIPT = ROOT / "scripts" / "pgbackrest.sh"
CLUSTER = ROOT / "scripts" / "pgcluster.sh"
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.skipif(shutil.which("pgbackrest") is None or not PGBIN.exists(),
                                 reason="needs Debian's pgbackrest and postgresql-15")]


def _script(*args: str, env: dict[str, str] | None = None, script: Path = SCRIPT) -> str:
    done = subprocess.run([str(script), *args], capture_output=True, text=True, timeout=240,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def archived(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A migrated cluster with the demo accounts, archiving its WAL into a pgBackRest repository."""
    from clearway.db import make_engine
    from clearway.migrate import upgrade_head
    from tests.factories import make_world

    base = Path(tempfile.mkdtemp(prefix="clearway-pgbackrest-"))
    base.chmod(0o755)  # the postgres user writes the repository
    repo, folder, port = base / "repo", tmp_path / "pg", _free_port()
    opts = _script("archive-opts", str(repo))
    url = _script("start", str(folder), str(port), env={"PG_EXTRA_OPTS": f"-c fsync=off {opts}"}, script=CLUSTER)
    try:
        engine = make_engine(url, 1)
        with engine.connect() as conn:  # pgcluster.sh may have put it elsewhere (a folder postgres can reach)
            data = conn.execute(text("SHOW data_directory")).scalar_one()
        engine.dispose()
        conf = _script("configure", str(repo), data, str(port), str(Path(data).parent))
        _script("stanza", str(repo))
        upgrade_head(url)
        monkeypatch.setenv("CLEARWAY_DATABASE_URL", url)
        _reset_caches()
        make_world()
        yield {"url": url, "repo": repo, "conf": Path(conf), "base": base}
    finally:
        from clearway.db import get_engine

        get_engine().dispose()
        _reset_caches()
        _script("stop", str(folder), script=CLUSTER)
        shutil.rmtree(base, ignore_errors=True)


def _backups(repo: Path) -> list[dict[str, Any]]:
    info = json.loads(_script("info", str(repo)))
    return list(info[0]["backup"])


def test_a_point_in_time_restore_from_pgbackrest_loses_no_acknowledged_declaration(archived):
    from clearway.ops.drill import restore_drill
    from clearway.ops.drill_pgbackrest import PgBackRestBackend

    backend = PgBackRestBackend(source_url=archived["url"], config=archived["conf"], scratch=archived["base"],
                                incremental_s=2.0)
    try:  # restored to 1.5 s before lodging stopped, while it went on
        report = restore_drill(source_url=archived["url"], backend=backend, lodge=_drill_lodge, wiring=wiring(),
                               duration_s=5.0, run_id="br", progress=lambda *_: None, back_s=1.5)
    finally:
        backend.stop()
    assert report.ok and report.lost == 0 and report.unknown == 0, report.lines()
    assert report.acknowledged_by_point >= 5 and report.after_point > 0, report.lines()  # the point is a time
    # Nothing after the target came back: at most the one lodgement committed by then whose acknowledgement (taken
    # when the commit returned to the single writer) came just after it.
    assert report.acknowledged_by_point <= report.restored_declarations <= report.acknowledged_by_point + 1
    assert report.audit_ok, report.lines()
    kinds = [kind for kind, _, _ in backend.backups]
    assert kinds[0] == "full" and kinds.count("incr") >= 1, kinds
    assert [b["type"] for b in _backups(archived["repo"])] == kinds  # in the repository, as taken
    assert report.restore_s < 60


def test_the_retention_keeps_two_full_backups_and_the_schedule_is_weekly_daily_hourly(archived):
    for kind in ("full", "incr", "full", "diff", "full"):
        _script("backup", str(archived["repo"]), kind)
    kept = _backups(archived["repo"])
    assert [b["type"] for b in kept] == ["full", "diff", "full"]  # the oldest full and its incremental expired
    archive = json.loads(_script("info", str(archived["repo"])))[0]["archive"][0]
    assert archive["min"] <= kept[0]["archive"]["start"]  # WAL older than the oldest kept backup is gone too
    schedule = _script("schedule", str(archived["repo"]))
    lines = [line for line in schedule.splitlines() if line and not line.startswith("#")]
    assert [line.split()[:5] for line in lines] == [["0", "1", "*", "*", "0"], ["0", "1", "*", "*", "1-6"],
                                                    ["0", "2-23,0", "*", "*", "*"]]
    assert [line.split()[-1] for line in lines] == ["full", "diff", "incr"]


def test_the_drill_command_restores_from_pgbackrest_and_prints_the_recovery_time(archived):
    import re

    from typer.testing import CliRunner

    from clearway.cli import app

    result = CliRunner().invoke(app, ["drill", "restore", "--duration", "3", "--pgbackrest", str(archived["conf"]),
                                      "--incremental", "1.5", "--scratch", str(archived["base"])])
    assert result.exit_code == 0, result.output
    assert "pgBackRest" in result.stdout and "drill passed" in result.stdout, result.stdout
    assert re.search(r"^\s+lost\s+0$", result.stdout, re.M), result.stdout
    assert re.search(r"^recovery time\s+\d+\.\d\d s", result.stdout, re.M), result.stdout
