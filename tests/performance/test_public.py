"""The public portal: no sign-in, three languages, nothing identifying a trader, suppressed open data."""

from __future__ import annotations

import csv
import io

import pytest
from tests.performance.conftest import add_declaration, green, hours

from clearway.db import get_sessionmaker, utcnow
from clearway.performance import opendata


@pytest.fixture(autouse=True)
def _fresh_cache():
    opendata.cache_clear()
    yield
    opendata.cache_clear()


def _seed(big: int = 12, small: int = 2) -> None:
    start = utcnow() - hours(48)
    with get_sessionmaker()() as db, db.begin():
        for i in range(big):
            add_declaration(db, green(start, hours(1 + i % 3)), office="KR0101", mode="4",
                            declarant=f"KR10000000{i:02d}")
        for _ in range(small):
            add_declaration(db, green(start, hours(9)), office="KR0201", mode="1", declarant="KR1000000099")


def test_release_times_need_no_sign_in_and_withhold_small_cells(client):
    _seed()
    r = client.get("/public/")
    assert r.status_code == 200 and "Incheon Airport Cargo Office" in r.text
    assert "withheld to protect traders" in r.text
    assert "KR10000000" not in r.text and "26KR" not in r.text  # no declarant, no MRN


def test_open_data_never_publishes_a_small_cell(client):
    _seed()
    data = client.get("/public/open-data/release-times.json").json()
    assert data["suppression"]["threshold"] == 5 and {d["field"] for d in data["dictionary"]} >= {"mean_hours"}
    published = [row for row in data["rows"] if not row["suppressed"]]
    assert published and all(row["declarations"] >= 5 for row in published)
    withheld = [row for row in data["rows"] if row["suppressed"]]
    assert {(r["office"], r["mode"]) for r in withheld} >= {("KR0201", "1")}
    assert all(set(row) == {"office", "office_name", "mode", "mode_name", "suppressed"} for row in withheld)
    rows = list(csv.DictReader(io.StringIO(client.get("/public/open-data/release-times.csv").text)))
    assert len(rows) == len(data["rows"]) and "declarant" not in rows[0]
    assert client.get("/public/open-data/dictionary.csv").text.startswith("field,description")


@pytest.mark.parametrize(("lang", "text"), [("en", "Documents required"), ("es", "Documentos exigidos"),
                                            ("fr", "Documents exigés")])
def test_procedures_in_three_languages(client, lang, text):
    client.cookies.set("lang", lang)
    r = client.get("/public/procedures")
    assert r.status_code == 200 and text in r.text and f'<html lang="{lang}">' in r.text


def test_offices_and_tariff_lookup(client):
    from clearway.tariff.demo import demo_seed

    with get_sessionmaker()() as db, db.begin():
        demo_seed(db=db, now=utcnow())
    assert "09:00–18:00" in client.get("/public/offices").text
    by_code = client.get("/public/tariff?q=851713")
    assert by_code.status_code == 200 and ">851713" in by_code.text
    assert client.get("/public/tariff?q=zzzznothing").status_code == 200
    assert client.get("/public", follow_redirects=False).status_code == 308


def test_release_times_under_an_hour_read_in_minutes_or_seconds_never_as_zero_hours(client):
    from datetime import timedelta

    start = utcnow() - hours(48)
    with get_sessionmaker()() as db, db.begin():
        for i in range(12):  # released 20 s after lodging, or 25 min after (half each)
            gap = timedelta(seconds=20) if i % 2 else timedelta(minutes=25)
            add_declaration(db, green(start, gap), office="KR0101", mode="4", declarant=f"KR10000000{i:02d}")
    for lang in ("en", "fr"):
        client.cookies.set("lang", lang)
        page = client.get("/public/").text
        assert "0.0 h" not in page and "0,0 h" not in page
        assert " min<" in page  # the mean (about 12.7 minutes) in minutes
