"""The offline post node: signed snapshot, lodging from it, release policy, journal that shows tampering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from clearway.crisis.node import (
    NodeDeclaration,
    NodeJournal,
    NodeNotProvisioned,
    node_journal_verify,
    node_lodge,
    node_open,
    node_provision,
)
from clearway.crisis.snapshot import SnapshotInvalid
from clearway.errors import DeclarationInvalid
from clearway.exchange import envelope
from tests.crisis.kit import POST, provisioned_node, signed_snapshot
from tests.factories import document, document_for

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def test_node_refuses_a_snapshot_not_signed_by_the_centre(tmp_path):  # type: ignore[no-untyped-def]
    centre, forger = envelope.key_generate(), envelope.key_generate()
    engine = node_open(str(tmp_path / "post.db"))
    with Session(engine) as db, pytest.raises(SnapshotInvalid) as err:
        node_provision(db=db, signed=signed_snapshot(forger, NOW), centre_public_jwk=envelope.public_of(centre),
                       post=POST, now=NOW)
    assert err.value.problems[0].code == "crisis.snapshot_signature"


def test_an_altered_snapshot_is_refused(tmp_path):  # type: ignore[no-untyped-def]
    centre = envelope.key_generate()
    signed = signed_snapshot(centre, NOW)
    signed["snapshot"]["policy"]["release_channels"] = ["green", "red"]  # released red goods would follow
    with Session(node_open(str(tmp_path / "post.db"))) as db, pytest.raises(SnapshotInvalid):
        node_provision(db=db, signed=signed, centre_public_jwk=envelope.public_of(centre), post=POST, now=NOW)


def test_unprovisioned_or_expired_node_lodges_nothing(tmp_path):  # type: ignore[no-untyped-def]
    with Session(node_open(str(tmp_path / "bare.db"))) as db, pytest.raises(NodeNotProvisioned):
        node_lodge(db=db, raw=document(), now=NOW)
    engine, _ = provisioned_node(str(tmp_path / "post.db"), envelope.key_generate(), NOW)
    with Session(engine) as db, pytest.raises(NodeNotProvisioned) as err:
        node_lodge(db=db, raw=document(), now=NOW + timedelta(days=8))
    assert err.value.problems[0].code == "crisis.snapshot_expired"


def test_policy_releases_green_and_aeo_yellow_but_red_and_plain_yellow_wait(tmp_path):  # type: ignore[no-untyped-def]
    engine, _ = provisioned_node(str(tmp_path / "post.db"), envelope.key_generate(), NOW)
    pharma = [{**document()["items"][0], "hs_code": "300490", "origin_country": "IN", "value": "1000.00"}]
    arms = [{**document()["items"][0], "hs_code": "930190", "value": "1000.00"}]
    with Session(engine) as db, db.begin():
        green = node_lodge(db=db, raw=document(), now=NOW)
        aeo_yellow = node_lodge(db=db, raw=document(items=pharma, invoice_total="1000.00"), now=NOW)
        plain_yellow = node_lodge(db=db, raw=document_for("KR1000000002", items=pharma, invoice_total="1000.00"),
                                  now=NOW)
        red = node_lodge(db=db, raw=document(items=arms, invoice_total="1000.00"), now=NOW)
    assert (green.channel, green.released) == ("green", True)
    assert (aeo_yellow.channel, aeo_yellow.released) == ("yellow", True)
    assert (plain_yellow.channel, plain_yellow.released) == ("yellow", False)
    assert (red.channel, red.released) == ("red", False)
    assert red.duty == 200 and "rule R-ARMS" in red.reasons


def test_unknown_hs_code_is_refused_and_leaves_nothing(tmp_path):  # type: ignore[no-untyped-def]
    engine, _ = provisioned_node(str(tmp_path / "post.db"), envelope.key_generate(), NOW)
    items = [{**document()["items"][0], "hs_code": "010121"}]
    with Session(engine) as db:
        with pytest.raises(DeclarationInvalid) as err, db.begin():
            node_lodge(db=db, raw=document(items=items), now=NOW)
        assert err.value.problems[0].pointer == "/items/0/hs_code"
        assert db.scalars(select(NodeDeclaration)).all() == []
        assert [j.kind for j in db.scalars(select(NodeJournal))] == ["provisioned"]


def test_permit_allocated_to_the_post_cannot_be_overdrawn(tmp_path):  # type: ignore[no-untyped-def]
    engine, _ = provisioned_node(str(tmp_path / "post.db"), envelope.key_generate(), NOW)
    item = {**document()["items"][0], "quantity": {"value": "60", "unit": "NAR"}, "permits": ["P-1"]}
    with Session(engine) as db:
        with db.begin():
            node_lodge(db=db, raw=document(items=[item]), now=NOW)
        with pytest.raises(DeclarationInvalid) as err, db.begin():
            node_lodge(db=db, raw=document(items=[item]), now=NOW)
    assert err.value.problems[0].code == "permit.exhausted"


def test_retry_of_a_lodgement_gives_the_same_offline_reference(tmp_path):  # type: ignore[no-untyped-def]
    engine, _ = provisioned_node(str(tmp_path / "post.db"), envelope.key_generate(), NOW)
    doc = document()
    with Session(engine) as db, db.begin():
        first = node_lodge(db=db, raw=doc, now=NOW)
        again = node_lodge(db=db, raw=doc, now=NOW + timedelta(minutes=1))
        assert first.offline_ref == again.offline_ref
        assert len(db.scalars(select(NodeDeclaration)).all()) == 1


def test_journal_shows_an_edited_entry(tmp_path):  # type: ignore[no-untyped-def]
    engine, _ = provisioned_node(str(tmp_path / "post.db"), envelope.key_generate(), NOW)
    with Session(engine) as db, db.begin():
        for _ in range(5):
            node_lodge(db=db, raw=document(), now=NOW)
    with Session(engine) as db, db.begin():
        assert node_journal_verify(db=db) is None
        # Someone at the post turns a waiting channel into a released one, in the journal itself.
        entry = db.get(NodeJournal, 4)
        assert entry is not None
        db.execute(update(NodeJournal).where(NodeJournal.seq == 4).values(body={**entry.body, "channel": "red"}))
    with Session(engine) as db:
        assert node_journal_verify(db=db) == 4


def _pharma_for(declarant: str, importer: str) -> dict:  # type: ignore[type-arg]
    """Medicines from India (the snapshot's rule sends them to a documentary check) lodged by one trader for another."""
    items = [{**document()["items"][0], "hs_code": "300490", "origin_country": "IN", "value": "1000.00"}]
    doc = document_for(declarant, items=items, invoice_total="1000.00")
    doc["importer"] = {"id": importer, "name": "Importer", "country": "KR"}
    return doc


def test_the_aeo_lane_releases_an_aeo_traders_yellow_goods_and_says_why(tmp_path):  # type: ignore[no-untyped-def]
    engine, _ = provisioned_node(str(tmp_path / "post.db"), envelope.key_generate(), NOW)
    with Session(engine) as db, db.begin():
        aeo = node_lodge(db=db, raw=_pharma_for("KR1000000001", "KR1000000001"), now=NOW)
    with Session(engine) as db:
        stored = db.scalars(select(NodeDeclaration.status).where(NodeDeclaration.offline_ref == aeo.offline_ref)).one()
        journalled = db.scalars(select(NodeJournal.body).where(NodeJournal.ref == aeo.offline_ref)).one()
    assert (aeo.channel, aeo.released, stored, journalled["released"]) == ("yellow", True, "released", True)
    assert "AEO lane: KR1000000001 released under the snapshot policy" in aeo.reasons


def test_the_aeo_lane_stays_shut_for_goods_of_a_trader_who_is_not_an_aeo(tmp_path):  # type: ignore[no-untyped-def]
    engine, _ = provisioned_node(str(tmp_path / "post.db"), envelope.key_generate(), NOW)
    with Session(engine) as db, db.begin():
        # An AEO broker lodging for an importer who is not one: the importer's goods wait for the check.
        brokered = node_lodge(db=db, raw=_pharma_for("KR1000000001", "KR1000000002"), now=NOW)
        plain = node_lodge(db=db, raw=_pharma_for("KR1000000002", "KR1000000002"), now=NOW)
    assert (brokered.channel, brokered.released) == ("yellow", False)
    assert "AEO lane: KR1000000002 not on the snapshot's AEO list" in brokered.reasons
    assert (plain.channel, plain.released) == ("yellow", False)


def test_red_goods_of_an_aeo_wait_even_if_the_policy_names_red_for_aeos(tmp_path):  # type: ignore[no-untyped-def]
    centre = envelope.key_generate()
    engine = node_open(str(tmp_path / "post.db"))
    with Session(engine) as db, db.begin():
        node_provision(db=db, signed=signed_snapshot(centre, NOW, policy={"release_channels": ["green"],
                                                                          "aeo_release_channels": ["yellow", "red"]}),
                       centre_public_jwk=envelope.public_of(centre), post=POST, now=NOW)
    arms = [{**document()["items"][0], "hs_code": "930190", "value": "1000.00"}]
    with Session(engine) as db, db.begin():
        red = node_lodge(db=db, raw=document(items=arms, invoice_total="1000.00"), now=NOW)
    assert (red.channel, red.released) == ("red", False)
