"""The post node's HTTP API: callers with keys the node issued; a trader lodges only as itself, so the AEO lane
answers for the trader who lodges; officers decide at the post; everything lands in the node's journal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from clearway.crisis.node import node_journal_verify, node_key_issue
from clearway.crisis.node_http import node_app
from clearway.exchange import envelope
from tests.crisis.kit import provisioned_node
from tests.factories import document, document_for

NOW = datetime.now(UTC)  # the snapshot is signed for a week from now, and the node lodges at the real time


@pytest.fixture
def node(tmp_path) -> Any:  # type: ignore[no-untyped-def]
    engine, public = provisioned_node(str(tmp_path / "post.db"), envelope.key_generate(), NOW)
    with Session(engine) as db, db.begin():
        keys = {name: node_key_issue(db=db, role=role, party=party, now=NOW) for name, role, party in (
            ("aeo", "trader", "KR1000000001"), ("plain", "trader", "KR1000000002"), ("officer", "officer", "Kim"))}
    return TestClient(node_app(engine)), keys, engine, public


def _as(keys: dict[str, str], name: str, lang: str = "en") -> dict[str, str]:
    return {"Authorization": f"Bearer {keys[name]}", "Accept-Language": lang}


def _pharma(org: str) -> dict[str, Any]:
    items = [{**document()["items"][0], "hs_code": "300490", "origin_country": "IN", "value": "1000.00"}]
    return document_for(org, items=items, invoice_total="1000.00")


def test_without_a_key_the_node_answers_401_in_the_callers_language(node):  # type: ignore[no-untyped-def]
    client, _, _, _ = node
    r = client.post("/node/v1/declarations", json=document(), headers={"Accept-Language": "es"})
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["code"] == "crisis.node_key_missing" and "clave de nodo" in r.json()["detail"]
    bad = client.get("/node/v1/status", headers={"Authorization": "Bearer forged"})
    assert bad.status_code == 401 and bad.json()["errors"][0]["code"] == "crisis.node_key_invalid"


def test_an_aeo_lodges_and_its_yellow_goods_go_a_plain_traders_wait_for_an_officer(node):  # type: ignore[no-untyped-def]
    client, keys, engine, public = node
    aeo = client.post("/node/v1/declarations", json=_pharma("KR1000000001"), headers=_as(keys, "aeo"))
    assert aeo.status_code == 201, aeo.text
    assert (aeo.json()["channel"], aeo.json()["released"]) == ("yellow", True)
    plain = client.post("/node/v1/declarations", json=_pharma("KR1000000002"), headers=_as(keys, "plain"))
    assert (plain.json()["channel"], plain.json()["released"]) == ("yellow", False)
    ref = plain.json()["offline_ref"]
    assert client.post(f"/node/v1/declarations/{ref}/decision", json={"decision": "release"},
                       headers=_as(keys, "plain")).status_code == 403  # a trader does not release its own goods
    decided = client.post(f"/node/v1/declarations/{ref}/decision", json={"decision": "release", "note": "seen"},
                          headers=_as(keys, "officer"))
    assert decided.status_code == 200 and decided.json()["status"] == "released"
    assert client.get(f"/node/v1/declarations/{ref}", headers=_as(keys, "plain")).json()["status"] == "released"
    status = client.get("/node/v1/status", headers=_as(keys, "officer")).json()
    assert status["declarations"] == {"released": 2} and status["journal_broken_at"] is None
    with Session(engine) as db:
        assert node_journal_verify(db=db) is None
    export = client.get("/node/v1/export", headers=_as(keys, "officer")).json()
    assert [d["status"] for d in export["body"]["declarations"]] == ["released", "released"]
    # The keys issued, the lodgements and the officer's decision are all in the signed journal.
    assert [e["kind"] for e in export["body"]["journal"]] == ["provisioned", *["key_issued"] * 3, "lodged", "lodged",
                                                              "decided"]
    assert envelope.verify(export["body"], export["signature"], public)
    assert client.get("/node/v1/export", headers=_as(keys, "aeo")).status_code == 403


def test_a_trader_cannot_lodge_as_an_aeo_or_read_anothers_declaration(node):  # type: ignore[no-untyped-def]
    client, keys, _, _ = node
    r = client.post("/node/v1/declarations", json=_pharma("KR1000000001"), headers=_as(keys, "plain", "fr"))
    assert r.status_code == 403
    assert (r.json()["errors"][0]["code"], r.json()["errors"][0]["pointer"]) == ("crisis.node_declarant_not_caller",
                                                                                 "/declarant/id")
    ref = client.post("/node/v1/declarations", json=_pharma("KR1000000001"),
                      headers=_as(keys, "aeo")).json()["offline_ref"]
    assert client.get(f"/node/v1/declarations/{ref}", headers=_as(keys, "plain")).status_code == 404
    assert client.get(f"/node/v1/declarations/{ref}", headers=_as(keys, "officer")).status_code == 200
    assert client.get("/node/v1/status", headers=_as(keys, "aeo")).status_code == 403


def test_an_invalid_declaration_is_refused_with_pointers_and_leaves_nothing(node):  # type: ignore[no-untyped-def]
    client, keys, _, _ = node
    doc = document_for("KR1000000001", items=[{**document()["items"][0], "hs_code": "010121"}])
    r = client.post("/node/v1/declarations", json=doc, headers=_as(keys, "aeo"))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/items/0/hs_code"
    assert client.get("/node/v1/status", headers=_as(keys, "officer")).json()["declarations"] == {}


def test_what_was_lodged_over_the_nodes_api_reconciles_at_the_centre_once(world, db, tmp_path):  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from clearway.clearance.offline import post_reconcile
    from clearway.db import utcnow
    from clearway.declarations.models import Declaration
    from tests.crisis.test_reconnect import POST, _provisioned
    from tests.factories import wiring

    engine, _ = _provisioned(db, str(tmp_path / "post.db"))
    with Session(engine) as ndb, ndb.begin():
        key = node_key_issue(db=ndb, role="trader", party="KR1000000001", now=utcnow())
        officer = node_key_issue(db=ndb, role="officer", party="Kim", now=utcnow())
    client = TestClient(node_app(engine))
    refs = [client.post("/node/v1/declarations", json=document(), headers={"Authorization": f"Bearer {key}"})
            .json()["offline_ref"] for _ in range(3)]
    export = client.get("/node/v1/export", headers={"Authorization": f"Bearer {officer}"}).json()
    for _ in range(2):  # sent twice: nothing is lodged twice
        with db.begin():
            report = post_reconcile(db=db, wiring=wiring(), post=POST, export=export, actor="officer", now=utcnow())
    assert sorted(report.mrns) == sorted(refs) and all(report.mrns.values())
    assert db.scalar(select(func.count()).select_from(Declaration)) == 3
    db.rollback()
