"""The restore drill on SQLite: backups taken while declarations are lodged, a restore to a point in time, and the
acknowledged declarations counted in the copy."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from clearway.cli import _drill_lodge
from tests.factories import wiring


def _sqlite_only(url: str) -> None:
    if not url.startswith("sqlite"):
        pytest.skip("the SQLite drill; PostgreSQL has its own test")


def _drill(url: str, tmp_path: Path, backend: Any = None, **options: Any) -> Any:
    from clearway.ops.drill import restore_drill
    from clearway.ops.drill_sqlite import SqliteBackend, sqlite_path

    backend = backend or SqliteBackend(source=sqlite_path(url), scratch=tmp_path, interval_s=0.5)
    seen: list[str] = []
    report = restore_drill(source_url=url, backend=backend, lodge=_drill_lodge, wiring=wiring(), duration_s=2.0,
                           run_id="t",
                           progress=lambda phase, done, total: seen.append(phase), **options)
    return report, backend, seen


def test_a_restore_to_the_latest_copy_loses_no_acknowledged_declaration(db_url, world, tmp_path):
    _sqlite_only(db_url)
    report, backend, seen = _drill(db_url, tmp_path)
    assert report.ok and report.lost == 0 and report.unknown == 0 and report.integrity == "ok"
    assert report.acknowledged >= 10 and 0 < report.acknowledged_by_point <= report.acknowledged
    assert len(backend.copies) >= 3  # copies were taken while lodging went on
    assert report.recovery_point == backend.copies[-1][0] and report.recovery_point <= report.target
    assert report.acknowledged_by_point <= report.restored_declarations <= report.source_declarations
    assert report.audit_ok and report.audit_unsealed > 0 and report.restore_s < 10
    assert {"writing and backing up", "backups taken", "restoring", "verifying"} <= set(seen)
    assert not report.errors


def test_a_restore_to_an_earlier_time_uses_the_copy_before_it(db_url, world, tmp_path):
    from clearway.ops.drill_sqlite import SqliteBackend, sqlite_path

    _sqlite_only(db_url)
    backend = SqliteBackend(source=sqlite_path(db_url), scratch=tmp_path, interval_s=0.5)
    # The target is fixed before the drill runs: one second after its first copy is due.
    from clearway.db import utcnow

    target = utcnow() + timedelta(seconds=1)
    report, _, _ = _drill(db_url, tmp_path, backend=backend, target=target)
    earlier = [at for at, _ in backend.copies if at <= target]
    assert report.recovery_point == earlier[-1] and report.lost == 0
    assert report.after_point > 0 and report.restored_declarations < report.source_declarations


def test_a_copy_that_misses_acknowledged_declarations_fails_the_drill(db_url, world, tmp_path):
    from clearway.ops.drill import Restored
    from clearway.ops.drill_sqlite import SqliteBackend, sqlite_path

    _sqlite_only(db_url)

    class Stale(SqliteBackend):
        """Restores the first copy but claims the target as its recovery point (what a broken backup does)."""

        def restore(self, target: Any, progress: Any) -> Restored:
            self.copies = self.copies[:1]
            restored = super().restore(target, progress)
            return Restored(url=restored.url, recovery_point=target, restore_s=restored.restore_s,
                            location=restored.location)

    report, _, _ = _drill(db_url, tmp_path, backend=Stale(source=sqlite_path(db_url), scratch=tmp_path,
                                                          interval_s=0.5))
    assert report.lost > 0 and not report.ok
    assert any(line.strip().startswith("lost") and line.split()[-1] == str(report.lost) for line in report.lines())


def test_the_command_prints_the_recovery_time_and_nothing_lost(db_url, world, tmp_path):
    from clearway.cli import app

    _sqlite_only(db_url)
    result = CliRunner().invoke(app, ["drill", "restore", "--duration", "2", "--interval", "0.5",
                                      "--scratch", str(tmp_path), "--keep"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^\s+lost\s+0$", result.stdout, re.M), result.stdout
    assert re.search(r"^recovery time\s+\d+\.\d\d s", result.stdout, re.M) and "drill passed" in result.stdout
    assert list(tmp_path.glob("drill-*/restored.db"))  # kept, as asked


def test_postgresql_restores_to_the_target_time_from_a_base_backup_and_streamed_wal(db_url, world):
    from clearway.db import utcnow
    from clearway.ops.drill import DrillError, restore_drill
    from clearway.ops.drill_pg import PgBackend

    if not db_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL drill")
    backend = PgBackend(source_url=db_url, scratch=Path("/tmp"))
    try:  # restored to 1.5 s before lodging stopped, while it went on
        report = restore_drill(source_url=db_url, backend=backend, lodge=_drill_lodge, wiring=wiring(),
                               duration_s=4.0, run_id="pg", progress=lambda *_: None, back_s=1.5)
        with pytest.raises(DrillError, match="before the base backup ended"):
            backend.restore(utcnow() - timedelta(hours=1), lambda *_: None)
    finally:
        backend.stop()
    assert report.ok and report.lost == 0 and report.unknown == 0, report.lines()
    assert report.recovery_point == report.target and report.acknowledged_by_point > 0 and report.after_point > 0
    assert report.restored_declarations < report.source_declarations and report.audit_ok
    assert not Path(report.location).exists()  # the restored server and its files are gone
