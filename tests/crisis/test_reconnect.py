"""The node as a post uses it: the centre's snapshot, decisions at the post, reconnecting, the drill."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from clearway.clearance.drill import drill_run
from clearway.clearance.offline import post_reconcile
from clearway.crisis import selectors
from clearway.crisis.models import CrisisLink
from clearway.crisis.node import (
    NodeDecisionInvalid,
    NodeJournal,
    node_decide,
    node_export,
    node_journal_verify,
    node_lodge,
    node_open,
    node_provision,
    node_status,
)
from clearway.crisis.provision import node_register, post_snapshot_issue
from clearway.crisis.service import ExportRejected
from clearway.db import get_sessionmaker, utcnow
from clearway.declarations.models import Declaration
from clearway.exchange.directory import own_key_rotate
from tests.factories import document, wiring

POST = "KR0101"
ARMS = {**document()["items"][0], "hs_code": "930190", "value": "900.00", "description": "Hunting rifles"}


def _provisioned(db, path: str):  # type: ignore[no-untyped-def]
    """A node provisioned from the centre's own snapshot and registered with the centre."""
    with db.begin():
        own_key_rotate(db=db, actor="test", now=utcnow())
        issued = post_snapshot_issue(db=db, post=POST, now=utcnow())
    engine = node_open(path)
    with Session(engine) as ndb, ndb.begin():
        key = node_provision(db=ndb, signed=issued["signed"], centre_public_jwk=issued["centre_public_jwk"],
                             post=POST, now=utcnow())
    with db.begin():
        node_register(db=db, post=POST, public_jwk=key, snapshot_hash=issued["signed"]["hash"], actor="test",
                      now=utcnow())
    return engine, issued["signed"]["snapshot"]


def test_the_centres_snapshot_carries_its_baseline_and_the_aeo_list(world, db, tmp_path):  # type: ignore[no-untyped-def]
    _engine, snapshot = _provisioned(db, str(tmp_path / "post.db"))
    assert {"hs_prefix": "93", "channel": "red", "id": "default.93"} in snapshot["rules"]
    assert "KR1000000001" in snapshot["aeo"]  # Hanbit Trading is an AEO in the demo world
    assert "851713" in snapshot["reference"]["hs"]


def test_an_officer_at_the_post_releases_or_detains_what_waits(world, db, tmp_path):  # type: ignore[no-untyped-def]
    engine, _snapshot = _provisioned(db, str(tmp_path / "post.db"))
    with Session(engine) as ndb, ndb.begin():
        waiting = node_lodge(db=ndb, raw=document(declarant={"id": "KR1000000002", "name": "Daehan",
                                                             "country": "KR"}, items=[ARMS], invoice_total="900.00"),
                             now=utcnow())
        green = node_lodge(db=ndb, raw=document(), now=utcnow())
    assert (waiting.channel, waiting.released) == ("red", False)
    with Session(engine) as ndb, ndb.begin():
        assert node_decide(db=ndb, offline_ref=waiting.offline_ref, decision="detain", officer="kim",
                           note="serial numbers filed off", now=utcnow()) == "detained"
    with Session(engine) as ndb, pytest.raises(NodeDecisionInvalid) as err:
        node_decide(db=ndb, offline_ref=green.offline_ref, decision="release", officer="kim", note="", now=utcnow())
    assert err.value.problems[0].code == "crisis.node_not_waiting"
    with Session(engine) as ndb:
        status = node_status(db=ndb)
        last = ndb.scalars(select(NodeJournal).order_by(NodeJournal.seq.desc())).first()
    assert status["declarations"] == {"detained": 1, "released": 1} and status["journal_broken_at"] is None
    assert last is not None and (last.kind, last.body["officer"]) == ("decided", "kim")


def test_reconnecting_lodges_every_offline_declaration_once_against_the_registered_key(world, db, tmp_path):  # type: ignore[no-untyped-def]
    engine, _snapshot = _provisioned(db, str(tmp_path / "post.db"))
    with Session(engine) as ndb, ndb.begin():
        refs = [node_lodge(db=ndb, raw=document(), now=utcnow()).offline_ref for _ in range(5)]
        export = node_export(db=ndb, now=utcnow())
    for _ in range(2):  # the link flaps: the export is sent twice
        with db.begin():
            report = post_reconcile(db=db, wiring=wiring(), post=POST, export=export, actor="officer", now=utcnow())
    assert (report.linked, report.already_linked) == (0, 5)
    assert db.scalar(select(func.count()).select_from(Declaration)) == 5
    link = selectors.link_of(db=db, offline_ref=refs[0])
    assert link is not None and link.mrn is not None and link.released_offline
    node = selectors.node_of(db=db, post=POST)
    assert node is not None and node.reconciled_at is not None
    db.rollback()
    with pytest.raises(ExportRejected) as err, db.begin():
        post_reconcile(db=db, wiring=wiring(), post="KR0202", export=export, actor="officer", now=utcnow())
    assert err.value.problems[0].code == "crisis.node_unknown"


def test_a_declarant_the_centre_does_not_know_becomes_a_task_not_a_loss(world, db, tmp_path):  # type: ignore[no-untyped-def]
    engine, _snapshot = _provisioned(db, str(tmp_path / "post.db"))
    stranger = {"id": "KR9999999999", "name": "Unknown Ltd", "country": "KR"}
    with Session(engine) as ndb, ndb.begin():
        ref = node_lodge(db=ndb, raw=document(declarant=stranger, importer=stranger, buyer=stranger),
                         now=utcnow()).offline_ref
        export = node_export(db=ndb, now=utcnow())
    with db.begin():
        report = post_reconcile(db=db, wiring=wiring(), post=POST, export=export, actor="officer", now=utcnow())
    assert report.mrns == {ref: None}
    assert [(c.kind, c.subject) for c in selectors.conflicts_open(db=db)] == [("lodge_refused", ref)]
    assert db.scalar(select(func.count()).select_from(CrisisLink)) == 1
    db.rollback()


def test_the_drill_loses_and_duplicates_nothing(world, db, tmp_path):  # type: ignore[no-untyped-def]
    seen: list[tuple[str, int, int]] = []
    report = drill_run(sessions=get_sessionmaker(), wiring=wiring(), post=POST, count=60, workdir=tmp_path,
                       now=utcnow, progress=lambda phase, a, b: seen.append((phase, a, b)))
    assert report.lodged == 60 and report.refused == 0
    assert (report.lost, report.duplicates, report.relinked) == (0, 0, 0)
    assert report.linked == 60 and report.journal_ok
    assert report.released_offline + report.decided_at_post + report.waiting == 60
    assert ("offline", 50, 60) in seen and seen[-1] == ("reconcile", 60, 60)


def test_drill_command_prints_its_figures(world, tmp_path):  # type: ignore[no-untyped-def]
    from clearway.cli import app

    result = CliRunner().invoke(app, ["crisis", "drill", "--declarations", "20"])
    assert result.exit_code == 0, result.output
    assert "lodged offline: 20" in result.output and "lost: 0" in result.output


def test_node_commands_lodge_decide_and_export_offline(world, db, tmp_path):  # type: ignore[no-untyped-def]
    from clearway.cli import app

    runner = CliRunner()
    with db.begin():
        own_key_rotate(db=db, actor="test", now=utcnow())
    snap, key, node_db = tmp_path / "snap.json", tmp_path / "key.json", tmp_path / "node.db"
    assert runner.invoke(app, ["crisis", "snapshot", POST, "--out", str(snap)]).exit_code == 0
    out = runner.invoke(app, ["crisis", "node", "provision", "--db", str(node_db), "--post", POST,
                              "--snapshot", str(snap), "--key-out", str(key)])
    assert out.exit_code == 0, out.output
    assert runner.invoke(app, ["crisis", "register", POST, str(key)]).exit_code == 0
    docs = tmp_path / "docs.json"
    docs.write_text(json.dumps([document(), document(items=[ARMS], invoice_total="900.00")]))
    out = runner.invoke(app, ["crisis", "node", "lodge", "--db", str(node_db), str(docs)])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].endswith("green released duty 0.00") and " red waiting " in lines[1]
    ref = lines[1].split()[0]
    assert runner.invoke(app, ["crisis", "node", "decide", "--db", str(node_db), ref, "release",
                               "--officer", "kim"]).exit_code == 0
    export = tmp_path / "export.json"
    assert runner.invoke(app, ["crisis", "node", "export", "--db", str(node_db), "--out", str(export)]).exit_code == 0
    out = runner.invoke(app, ["crisis", "reconcile", POST, str(export)])
    assert out.exit_code == 0, out.output
    assert out.output.startswith("2 linked, 0 already linked")
    with Session(node_open(str(node_db))) as ndb:
        assert node_journal_verify(db=ndb) is None
    assert utcnow() - timedelta(minutes=5) < db.scalar(select(func.max(CrisisLink.reconciled_at)))


def test_a_post_provisioned_again_on_a_new_node_reconciles_everything_it_lodged(world, db, tmp_path):  # type: ignore[no-untyped-def]
    first = drill_run(sessions=get_sessionmaker(), wiring=wiring(), post=POST, count=15, workdir=tmp_path,
                      now=utcnow)
    (tmp_path / "b").mkdir()
    second = drill_run(sessions=get_sessionmaker(), wiring=wiring(), post=POST, count=15, workdir=tmp_path / "b",
                       now=utcnow)
    assert (first.linked, second.linked) == (15, 15)  # the new node's references are its own
    assert (second.lost, second.duplicates) == (0, 0)
    assert db.scalar(select(func.count()).select_from(CrisisLink)) == 30


def test_a_reference_the_centre_holds_for_another_document_is_a_task_not_already_linked(world, db, tmp_path):  # type: ignore[no-untyped-def]
    engine, _snapshot = _provisioned(db, str(tmp_path / "post.db"))
    with Session(engine) as ndb, ndb.begin():
        ref = node_lodge(db=ndb, raw=document(), now=utcnow()).offline_ref
        export = node_export(db=ndb, now=utcnow())
    with db.begin():
        post_reconcile(db=db, wiring=wiring(), post=POST, export=export, actor="officer", now=utcnow())
        link = selectors.link_of(db=db, offline_ref=ref)
        assert link is not None
        link.doc_hash = "sha-256:another"  # as if an earlier node had used the reference
    with db.begin():
        report = post_reconcile(db=db, wiring=wiring(), post=POST, export=export, actor="officer", now=utcnow())
    assert report.already_linked == 0 and [c["kind"] for c in report.conflicts] == ["ref_reused"]
    db.rollback()
