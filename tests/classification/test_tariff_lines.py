"""Suggestions carry the national lines and their duty; a lower-duty neighbour of the fitting code is flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearway.db import get_sessionmaker, utcnow
from clearway.tariff.importer import tariff_import
from tests.factories import auth

SCHEDULE = """record,code,description,unit,basis,rate_pct,amount,currency,per_unit,agreement,agency,valid_from
line,61091000,"T-shirts, singlets and other vests; of cotton, knitted or crocheted",NAR,,,,,,,,
line,61099010,"T-shirts of synthetic fibres, knitted",NAR,,,,,,,,
line,61099090,"T-shirts of other textile materials, knitted",NAR,,,,,,,,
duty,61091000,,,ad_valorem,13,,,,,,2020-01-01
duty,610990,,,ad_valorem,8,,,,,,2020-01-01
"""


@pytest.fixture
def schedule(world, tmp_path: Path) -> None:
    path = tmp_path / "schedule.csv"
    path.write_text(SCHEDULE, encoding="utf-8")
    with get_sessionmaker()() as db, db.begin():
        assert tariff_import(db=db, path=path, actor_id=None, now=utcnow()).ok


def test_suggestions_list_the_national_lines_with_their_duty(client, schedule):
    r = client.post("/api/v1/classification/suggest", json={"description": "men's cotton t-shirts crew neck"},
                    headers=auth(client, "trader-a"))
    assert r.status_code == 200, r.text
    by_code = {s["hs6"]: s["lines"] for s in r.json()["suggestions"]}
    assert by_code["610910"] == [{"code": "61091000", "description": SCHEDULE.split('"')[1], "duty": "13%"}]
    assert [(x["code"], x["duty"]) for x in by_code["610990"]] == [("61099010", "8%"), ("61099090", "8%")]


def test_a_lower_duty_neighbour_of_the_fitting_code_is_flagged(client, schedule):
    body = {"description": "men's cotton t-shirts crew neck", "hs_code": "61099090"}
    r = client.post("/api/v1/classification/suggest", json=body, headers=auth(client, "trader-a"))
    assert r.status_code == 200, r.text
    warnings = {w["code"]: w for w in r.json()["warnings"]}
    assert warnings["classification.lower_duty"]["best_hs6"] == "610910"
    assert warnings["classification.lower_duty"]["message"] == (
        "Code 61099090 (8%) has a lower duty than 610910 (13%), which fits the description better.")
    fitting = client.post("/api/v1/classification/suggest", headers=auth(client, "trader-a"),
                          json={**body, "hs_code": "61091000"})
    assert fitting.json()["warnings"] == []
