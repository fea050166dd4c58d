"""The declaration list: search by MRN, LRN, declarant or goods; how many match; previous page; CSV export."""

from __future__ import annotations

import csv
import io
import re

from tests.factories import auth, document, document_for
from tests.web.conftest import sign_in

_ROW_MRN = re.compile(r'<th scope="row"><a class="mono" href="/declarations/([0-9A-Z]+)">')


def _lodge(client, who="trader-a", **kw):
    doc = document(**kw) if who == "trader-a" else document_for("KR1000000002", **kw)
    r = client.post("/api/v1/declarations", json=doc, headers=auth(client, who))
    assert r.status_code == 201, r.text
    return r.json()


def _mrns(html):
    return _ROW_MRN.findall(html)


def test_search_finds_a_declaration_by_mrn_lrn_declarant_and_goods(client):
    tea = document()
    tea["items"][0].update(hs_code="090210", description="Green tea, Jeju, in 2 kg bags")
    mine = _lodge(client, items=tea["items"])
    other = _lodge(client, "trader-b")
    sign_in(client, "officer")
    by = lambda q: _mrns(client.get("/declarations", params={"q": q}).text)  # noqa: E731
    assert by(mine["mrn"]) == [mine["mrn"]]
    assert mine["mrn"] in by(mine["mrn"][:12]) and other["mrn"] not in by(mine["mrn"])
    assert by(mine["lrn"].lower()) == [mine["mrn"]]
    assert mine["mrn"] in by("KR1000000001") and other["mrn"] not in by("KR1000000001")
    assert by("jeju") == [mine["mrn"]]
    assert by("no such goods anywhere") == []
    assert by("100%") == []  # the user's % is a character, not a wildcard


def test_a_trader_never_finds_a_competitors_declaration(client):
    other = _lodge(client, "trader-b")
    sign_in(client, "trader-a")
    assert _mrns(client.get("/declarations", params={"q": other["mrn"]}).text) == []


def test_the_list_says_how_many_match_and_pages_back(client):
    lodged = [_lodge(client)["mrn"] for _ in range(27)]
    sign_in(client, "trader-a")
    first = client.get("/declarations", headers={"Accept-Language": "en"}).text
    assert "27 declarations match" in first and len(_mrns(first)) == 25
    next_url = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    second = client.get(next_url).text
    assert _mrns(second) == list(reversed(lodged))[25:]
    prev_url = re.search(r'<a href="([^"]+)" rel="prev">', second).group(1).replace("&amp;", "&")
    assert _mrns(client.get(prev_url).text) == _mrns(first)
    client.cookies.set("lang", "fr")
    assert "27 déclarations correspondent" in client.get("/declarations").text


def test_the_list_exports_as_csv_with_its_filters(client):
    green = _lodge(client)
    cig = document()
    cig["items"][0].update(hs_code="240220", description="Cigarettes")
    yellow = _lodge(client, items=cig["items"])
    sign_in(client, "trader-a")
    page = client.get("/declarations?channel=yellow").text
    assert 'href="/declarations/export.csv?channel=yellow"' in page
    r = client.get("/declarations/export.csv?channel=yellow")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["mrn"] for row in rows] == [yellow["mrn"]] and green["mrn"] not in r.text
    assert rows[0]["channel"] == "yellow" and rows[0]["currency"] == "USD" and rows[0]["total_value"] == "12500"
    client.cookies.clear()
    assert client.get("/declarations/export.csv", follow_redirects=False).status_code in (303, 401)
