"""The audit trail detects edits and deletions, and its CLI says where."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from clearway.audit import sealing
from clearway.audit.models import AuditRecord
from clearway.cli import app
from clearway.db import get_sessionmaker
from tests.factories import auth, document


def _lodge_some(client, n=3):
    headers = auth(client, "trader-a")
    for _ in range(n):
        assert client.post("/api/v1/declarations", json=document(), headers=headers).status_code == 201


def test_verify_passes_on_an_untouched_chain(client):
    _lodge_some(client)
    sealing.seal_all(get_sessionmaker())
    _lodge_some(client, 1)  # an unsealed tail is verified too
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    # Each green lodgement is audited twice: lodged, then released by the release decision.
    assert "6 sealed" in result.output and "2 awaiting" in result.output


def test_altered_record_is_named(client, db):
    _lodge_some(client)
    sealing.seal_all(get_sessionmaker())
    with db.begin():
        second = db.scalars(select(AuditRecord).order_by(AuditRecord.seq)).all()[1]
        db.execute(update(AuditRecord).where(AuditRecord.id == second.id).values(actor="mallory"))
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and f"id={second.id}" in result.output


def test_deleted_record_breaks_the_chain(client, db):
    _lodge_some(client)
    sealing.seal_all(get_sessionmaker())
    with db.begin():
        db.execute(delete(AuditRecord).where(AuditRecord.seq == 2))
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "seq 2 is missing" in result.output


def test_truncated_chain_is_noticed(client, db):
    _lodge_some(client)
    sealing.seal_all(get_sessionmaker())
    with db.begin():
        db.execute(delete(AuditRecord).where(AuditRecord.seq == 3))
    assert CliRunner().invoke(app, ["audit", "verify"]).exit_code == 1


def test_altered_unsealed_record_is_named(client, db):
    _lodge_some(client, 1)
    with db.begin():
        db.execute(update(AuditRecord).values(detail={"channel": "red"}))
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "unsealed" in result.output
