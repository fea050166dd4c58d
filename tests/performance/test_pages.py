"""Dashboards: charts with their tables, CSV export of every table, access by role."""

from __future__ import annotations

import csv
import io

from tests.performance.conftest import add_declaration, green, hours
from tests.web.conftest import sign_in

from clearway.db import get_sessionmaker, utcnow


def _seed() -> None:
    now = utcnow()
    with get_sessionmaker()() as db, db.begin():
        add_declaration(db, green(now - hours(30), hours(2)), office="KR0101")
        add_declaration(db, green(now - hours(30), hours(5)), office="KR0201", channel="yellow")


def test_the_release_dashboard_shows_charts_tables_and_csv_links(client):
    _seed()
    sign_in(client, "analyst")
    r = client.get("/performance?by=channel")
    assert r.status_code == 200, r.text
    assert r.text.count('src="data:image/svg+xml;base64,') == 3
    assert "Lodgement → release (total)" in r.text and 'href="/performance/export/release_times.csv?' in r.text
    assert "kozea.github.io" not in r.text  # pygal's CDN script is switched off
    exported = client.get("/performance/export/release_times.csv?by=channel")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    headline = {r["channel"]: r for r in rows if r["interval"] == "lodgement_to_release"}
    assert headline["green"]["mean_h"] == "2.0" and headline["yellow"]["median_h"] == "5.0"


def test_every_table_of_the_release_dashboard_exports(client):
    _seed()
    sign_in(client, "auditor")
    for name in ("release_times", "anomalies", "release_distribution", "channel_mix", "release_trend", "revenue"):
        r = client.get(f"/performance/export/{name}.csv")
        assert r.status_code == 200 and r.text.count("\r\n") >= 1, name
    assert client.get("/performance/export/nonsense.csv").status_code == 404


def test_effectiveness_and_revenue_pages_render_in_spanish(client):
    sign_in(client, "admin")
    client.cookies.set("lang", "es")
    r = client.get("/performance/effectiveness")
    assert r.status_code == 200 and "Eficacia de los controles" in r.text
    assert client.get("/performance/revenue").status_code == 200


def test_an_officer_sees_its_office_and_traders_are_refused(client):
    _seed()
    sign_in(client, "officer")
    r = client.get("/performance?office=KR0201&by=office")
    assert r.status_code == 200 and "KR0201</th>" not in r.text and "You see your own office." in r.text
    client.cookies.clear()
    sign_in(client, "trader-a")
    assert client.get("/performance").status_code == 403
