"""`clearway borderposts import-hours`: a partner's hours file, all rows or none."""

from __future__ import annotations

from typer.testing import CliRunner

from clearway.borderposts import selectors
from clearway.cli import app
from clearway.db import get_sessionmaker
from tests.borderposts.flows import make_pair


def _rows() -> int:
    with get_sessionmaker()() as db, db.begin():
        return len(selectors.hours_of(db, selectors.post_get(db, "CN-KHG")))


def test_partner_hours_file_is_recorded_or_refused_whole(client, tmp_path):
    make_pair(client)
    good = tmp_path / "hours.csv"
    good.write_text("post_code,agency,traffic,rule,valid_from\nCN-KHG,customs,cargo,Mo-Sa 09:00-17:00,"
                    "2026-01-01T00:00:00Z\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("post_code,agency,traffic,rule,valid_from\nCN-KHG,customs,cargo,Mo-Sa 09:00-17:00,"
                   "2026-01-01T00:00:00Z\nCN-KHG,customs,cargo,not a rule,2026-01-01T00:00:00Z\n", encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(app, ["borderposts", "import-hours", str(bad)])
    assert refused.exit_code == 1 and "borderposts.rule_invalid" in refused.output
    assert _rows() == 1  # the good first row of the refused file was not kept
    done = runner.invoke(app, ["borderposts", "import-hours", str(good)])
    assert done.exit_code == 0 and "1 hours rows recorded" in done.output
    assert _rows() == 2
