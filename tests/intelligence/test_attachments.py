"""Attachments: uploaded by readers of the alert within size and type limits, inheriting its marking, downloaded
only by those the marking lets export, every download audited."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from clearway.audit.models import AuditRecord
from clearway.db import get_sessionmaker
from tests.factories import auth
from tests.intelligence.helpers import create

pytestmark = pytest.mark.usefixtures("world")
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
BASE = "/api/v1/intelligence/alerts"


def _upload(client, ref, who="analyst", name="invoice.pdf", data=PDF, kind="application/pdf"):  # type: ignore[no-untyped-def]
    return client.post(f"{BASE}/{ref}/attachments", params={"purpose": "control"},
                       files={"file": (name, data, kind)}, headers=auth(client, who))


def test_an_attachment_of_an_amber_strict_alert_is_listed_to_readers_and_downloaded_by_the_originators_only(client):
    ref = create(marking="AMBER+STRICT")
    r = _upload(client, ref, name="../../etc/invoice.pdf")
    assert r.status_code == 201, r.text
    meta = r.json()
    assert (meta["name"], meta["size"], meta["sha256"]) == ("invoice.pdf", len(PDF), hashlib.sha256(PDF).hexdigest())
    # The recipient (MFDS) sees that there is a file, but may not take it out of the system.
    got = client.get(f"{BASE}/{ref}", params={"purpose": "control"}, headers=auth(client, "agency")).json()
    assert [a["name"] for a in got["attachments"]] == ["invoice.pdf"]
    url = f"{BASE}/{ref}/attachments/{meta['id']}"
    refused = client.get(url, params={"purpose": "control"}, headers=auth(client, "agency"))
    assert refused.status_code == 403 and refused.json()["code"] == "intelligence.strict_export_originator_only"
    assert PDF.decode() not in refused.text
    own = client.get(url, params={"purpose": "control"}, headers=auth(client, "officer"))
    assert own.status_code == 200 and own.content == PDF and own.headers["content-type"] == "application/pdf"
    assert "attachment" in own.headers["content-disposition"] and own.headers["x-content-type-options"] == "nosniff"
    for who in ("trader-a", "auditor"):
        assert client.get(url, params={"purpose": "control"}, headers=auth(client, who)).status_code == 404
    with get_sessionmaker()() as db:
        reads = db.scalars(select(AuditRecord).where(AuditRecord.action == "intelligence.attachment_read")).all()
    assert [(r.actor, r.detail["marking"], r.detail["attachment"]) for r in reads] == [
        ("officer", "AMBER+STRICT", meta["id"])]


def test_a_red_alerts_file_opens_for_nobody_but_its_named_reader_and_author(client):
    ref = create(marking="RED", recipients=["user:agency"])
    meta = _upload(client, ref).json()
    url = f"{BASE}/{ref}/attachments/{meta['id']}"
    assert client.get(url, params={"purpose": "control"}, headers=auth(client, "officer")).status_code == 404
    assert client.get(url, params={"purpose": "control"}, headers=auth(client, "agency")).json()["code"] == (
        "intelligence.red_no_export")
    assert client.get(url, params={"purpose": "control"}, headers=auth(client, "analyst")).content == PDF
    assert _upload(client, ref, who="officer").status_code == 404  # a non-reader attaches nothing either


@pytest.mark.parametrize("name,data,kind,status,code", [
    ("a.exe", b"MZ\x90\x00", "application/octet-stream", 422, "intelligence.attachment_type_refused"),
    ("a.pdf", b"<html>not a pdf</html>", "application/pdf", 422, "intelligence.attachment_content_mismatch"),
    ("a.txt", b"\x00\x01\x02binary", "text/plain", 422, "intelligence.attachment_content_mismatch"),
    ("big.pdf", b"%PDF-" + b"0" * 1_600_000, "application/pdf", 413, "intelligence.attachment_too_large"),
])
def test_files_of_the_wrong_kind_or_size_are_refused_and_nothing_is_stored(client, name, data, kind, status, code):
    ref = create(marking="GREEN")
    r = _upload(client, ref, name=name, data=data, kind=kind)
    assert (r.status_code, r.json()["code"]) == (status, code)
    got = client.get(f"{BASE}/{ref}", params={"purpose": "control"}, headers=auth(client, "analyst")).json()
    assert got["attachments"] == []


