"""Search and CSV export on the officer's control queue and the agency's inbox (issue 12: "search ... export of
lists" beyond the declaration list)."""

from __future__ import annotations

import csv
import io

from tests.agencies.helpers import FISH, doc_with, load_shipped
from tests.controls.flows import TOBACCO, lodge
from tests.factories import auth
from tests.web.conftest import sign_in


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(response.text)))


def test_the_officer_finds_a_task_by_mrn_and_exports_the_filtered_queue(client):
    first, second = lodge(client, TOBACCO), lodge(client, TOBACCO)
    sign_in(client, "officer")
    page = client.get("/controls/queue").text
    assert first in page and second in page and 'name="q"' in page
    page = client.get("/controls/queue", params={"q": first[:-3].lower()}).text  # the start, in any case
    assert first in page and second not in page
    assert f"/controls/queue.csv?q={first[:-3]}" in page  # the export keeps the search
    rows = _csv(client.get("/controls/queue.csv", params={"q": first}))
    assert [r["mrn"] for r in rows] == [first] and rows[0]["kind"] == "documentary"
    assert {r["mrn"] for r in _csv(client.get("/controls/queue.csv"))} >= {first, second}
    assert _csv(client.get("/controls/queue.csv", params={"kind": "physical", "q": first})) == []
    client.cookies.set("lang", "fr")
    assert "Exporter ces tâches de contrôle (CSV)" in client.get("/controls/queue").text


def test_the_queue_export_is_for_officers_only(client):
    lodge(client, TOBACCO)
    sign_in(client, "trader-a")
    assert client.get("/controls/queue.csv").status_code in (403, 404)


def test_the_agency_finds_a_referral_by_mrn_and_exports_its_inbox(client):
    load_shipped()
    mrns = [client.post("/api/v1/declarations", json=doc_with(FISH), headers=auth(client, "trader-a")).json()["mrn"]
            for _ in range(2)]
    sign_in(client, "agency")
    page = client.get("/agencies/inbox").text
    assert all(m in page for m in mrns)
    page = client.get("/agencies/inbox", params={"q": mrns[0]}).text
    assert mrns[0] in page and mrns[1] not in page
    rows = _csv(client.get("/agencies/inbox.csv", params={"q": mrns[0]}))
    assert [r["mrn"] for r in rows] == [mrns[0]] and rows[0]["agency"] == "MFDS" and rows[0]["decision"] == ""
    assert {r["mrn"] for r in _csv(client.get("/agencies/inbox.csv"))} == set(mrns)
    assert _csv(client.get("/agencies/inbox.csv", params={"state": "decided"})) == []
    client.cookies.clear()
    sign_in(client, "trader-a")
    assert client.get("/agencies/inbox.csv").status_code in (403, 404)


def test_an_inbox_of_many_referrals_is_listed_and_its_read_audited(client):
    """The audit row of a long inbox read keeps whole ids within its 64-character target (PostgreSQL refused it)."""
    from sqlalchemy import select

    from clearway.audit.models import AuditRecord
    from clearway.db import get_sessionmaker

    load_shipped()
    for _ in range(30):  # 30 ids joined by commas are longer than 64 characters
        assert client.post("/api/v1/declarations", json=doc_with(FISH),
                           headers=auth(client, "trader-a")).status_code == 201
    sign_in(client, "agency")
    assert client.get("/agencies/inbox").status_code == 200
    with get_sessionmaker()() as db:
        audited = db.scalars(select(AuditRecord).where(AuditRecord.action == "referral.list")
                             .order_by(AuditRecord.id.desc())).first()
    assert audited is not None and len(audited.target_id) <= 64 and len(audited.detail["ids"]) == 30
    assert all(i in audited.detail["ids"] for i in audited.target_id.split(","))
