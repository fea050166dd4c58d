"""Charts and dashboard tables in the reader's language: numbers, months, and a table beside each chart (issue 12)."""

from __future__ import annotations

import base64
import re

from clearway.performance.charts import rate_chart, revenue_chart, trend_chart
from clearway.performance.tables import Table
from clearway.web.render import month, number
from tests.locales import assert_translated

NNBSP = "\u202f"


def _svg(uri: str) -> str:
    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")


def test_numbers_and_months_are_written_the_readers_way():
    assert number(90_000_000_000, "fr") == f"90{NNBSP}000{NNBSP}000{NNBSP}000"
    assert number("1234.50", "es") == "1.234,50" and number(12.5, "en") == "12.5" and number(2.0, "fr") == "2"
    assert (month("2026-11", "fr"), month("2026-05", "es"), month("2026-02", "en")) == \
        ("nov. 2026", "may. 2026", "Feb 2026")
    assert month("KR0101", "fr") == "KR0101"


def test_a_french_revenue_chart_has_grouped_amounts_and_french_months():
    table = Table("revenue", ["office", "period", "tax", "currency", "assessed", "collected", "adjusted"],
                  [["KR0101", "2026-10", "A00", "KRW", "90000000000", "85000000000", "1000000"],
                   ["KR0101", "2026-11", "A00", "KRW", "92000000000", "90000000000", "0"]])
    names = {"assessed": "Liquidé", "collected": "Perçu", "adjusted": "Rectifié"}
    svg = _svg(revenue_chart(table, "Recettes", names, locale="fr").uri)
    assert "e+10" not in svg and "e+" not in re.sub(r"<[^>]+>", " ", svg).replace("e+0", "")
    assert re.search(rf"\d{{2}}{NNBSP}000{NNBSP}000{NNBSP}000", svg)
    assert "oct. 2026" in svg and "nov. 2026" in svg and "2026-11" not in re.sub(r"<[^>]+>", " ", svg)
    english = _svg(revenue_chart(table, "Revenue", names).uri)
    assert re.search(r"\d{2},000,000,000", english) and "Nov 2026" in english


def test_rates_and_hours_use_a_decimal_comma_in_spanish():
    rates = Table("hit_rates", ["rule", "n", "hits", "rate", "low", "high"], [["regla 7", 40, 5, 0.125, 0.05, 0.2]])
    assert "12,5" in _svg(rate_chart(rates, "Aciertos", locale="es").uri)
    trend = Table("release_trend", ["period", "mean_h", "median_h", "p90_h"], [["2026-10", 3.25, 2.5, 9.75],
                                                                               ["2026-11", 4.5, 3.0, 12.0]])
    svg = _svg(trend_chart(trend, "Tendencia", {"mean_h": "Media", "median_h": "Mediana", "p90_h": "P90"},
                           locale="es").uri)
    assert "oct. 2026" in svg and re.search(r"\d+,\d", svg)


def test_the_french_dashboard_puts_a_table_beside_each_chart_with_french_numbers(client):
    from tests.factories import auth, document
    from tests.web.conftest import sign_in

    for _ in range(3):
        assert client.post("/api/v1/declarations", json=document(), headers=auth(client, "trader-a")).status_code == 201
    sign_in(client, "analyst")
    client.cookies.set("lang", "fr")
    page = client.get("/performance").text
    charts = page.count('<figure class="chart">')
    assert charts >= 2 and page.count("<details open>") >= charts
    for figure in re.findall(r'<figure class="chart">(.*?)</figure>', page, re.S):
        assert "<img" in figure and '<table class="data">' in figure  # the chart's own figures, next to it
    cells = re.findall(r'<td class="num">\s*([^<]*?)\s*</td>', page)
    assert cells and not [c for c in cells if re.fullmatch(r"\d+\.\d+", c)]  # no English decimal point


def test_the_new_catalogues_are_complete_in_each_language():
    assert_translated("events", {"es": set(), "fr": set()})
    assert_translated("web", {"es": {"ui.month_year"}, "fr": {"ui.month_year"}})  # "{month} {year}" everywhere


def test_the_portal_writes_release_hours_with_a_decimal_comma_in_french(client):
    from datetime import timedelta

    from clearway.db import get_sessionmaker, utcnow
    from clearway.performance import opendata
    from tests.performance.conftest import add_declaration, green

    start = utcnow() - timedelta(hours=48)
    with get_sessionmaker()() as db, db.begin():
        for i in range(12):  # releases after 1.5, 2.5 and 3.5 hours: the mean has a fraction
            add_declaration(db, green(start, timedelta(minutes=90 + 60 * (i % 3))), office="KR0101", mode="4",
                            declarant=f"KR10000000{i:02d}")
    opendata.cache_clear()
    try:
        client.cookies.set("lang", "fr")
        page = client.get("/public/").text
    finally:
        opendata.cache_clear()
    hours = re.findall(r'<td class="num">([^<]*?) h</td>', page)
    assert hours and any("," in h for h in hours) and not [h for h in hours if "." in h], hours
