"""Tariff flow fixtures: a small national schedule and exchange rates in the suite's database (both backends).

Amounts worked by hand (USD at 1,300 KRW; FOB adds 5 % freight and 0.5 % insurance):
  smartphones 851713, 12,500 USD: customs value 17,143,750; duty 0 %; VAT 10 % 1,714,375; total 1,714,375
  cotton T-shirts 610910, 1,000 USD: customs value 1,371,500; duty 13 % 178,295; VAT 154,980 (rounded
  half-up from 154,979.5); total 333,275
  printed books 490199: duty 0 %, VAT 0 %: nothing to pay
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.factories import auth, document

SCHEDULE = """record,code,description,unit,basis,rate_pct,amount,currency,per_unit,agreement,agency,valid_from
line,61091000,"T-shirts, singlets and other vests; of cotton, knitted or crocheted",NAR,,,,,,,,
line,85171300,Telephone sets; smartphones for cellular or other wireless networks,NAR,,,,,,,,
line,49019900,"Printed matter; books, brochures, leaflets and similar printed matter n.e.c.",,,,,,,,,
line,22083000,Whiskies,LTR,,,,,,,,
duty,61,,,ad_valorem,13,,,,,,2020-01-01
duty,85,,,ad_valorem,0,,,,,,2020-01-01
duty,49,,,ad_valorem,0,,,,,,2020-01-01
duty,22,,,ad_valorem,20,,,,,,2020-01-01
vat,61,,,ad_valorem,10,,,,,,2020-01-01
vat,85,,,ad_valorem,10,,,,,,2020-01-01
vat,49,,,ad_valorem,0,,,,,,2020-01-01
vat,22,,,ad_valorem,10,,,,,,2020-01-01
"""
PHONES_TOTAL = Decimal(1714375)
SHIRTS = {"hs_code": "610910", "description": "Cotton T-shirts, knitted", "value": "1000.00",
          "quantity": {"value": "500", "unit": "NAR"}}
SHIRTS_TOTAL = Decimal(333275)
BOOKS = {"hs_code": "490199", "description": "Printed books", "value": "1000.00",
         "quantity": {"value": "100", "unit": "NAR"}}
WHISKY = {"hs_code": "220830", "description": "Scotch whisky", "value": "1000.00",
          "quantity": {"value": "100", "unit": "LTR"}}


@pytest.fixture
def tariff(db_url: str, tmp_path: Path) -> Iterator[None]:
    """The small schedule above and USD at 1,300 KRW from 2020 on, committed in the test database."""
    from clearway.db import get_sessionmaker, utcnow
    from clearway.tariff.importer import tariff_import
    from clearway.tariff.rates import rates_store

    path = tmp_path / "schedule.csv"
    path.write_text(SCHEDULE, encoding="utf-8")
    with get_sessionmaker()() as db, db.begin():
        assert tariff_import(db=db, path=path, actor_id=None, now=utcnow()).ok
        rates_store(db=db, rows=[("USD", date(2020, 1, 1), None, Decimal("1300"))], source="test", now=utcnow())
    yield


def declaration_with(*items: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A valid document for trader A whose items are the example's with these changes."""
    doc = document(**overrides)
    base = doc["items"][0]
    doc["items"] = [{**base, **item} for item in items] or doc["items"]
    doc["invoice_total"] = str(sum(Decimal(i["value"]) for i in doc["items"]))
    return doc


def lodge(client: Any, doc: dict[str, Any], user: str = "trader-a", **headers: str) -> dict[str, Any]:
    """Lodge through the API; the declaration as answered (201 expected)."""
    r = client.post("/api/v1/declarations", json=doc, headers={**auth(client, user), **headers})
    assert r.status_code == 201, r.text
    return dict(r.json())


def events(client: Any, mrn: str, user: str = "trader-a") -> list[dict[str, Any]]:
    """The declaration's events, oldest first."""
    r = client.get(f"/api/v1/declarations/{mrn}/events", headers=auth(client, user))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def duties(client: Any, mrn: str, user: str = "trader-a") -> dict[str, Any]:
    """The declaration's duties as the API shows them."""
    r = client.get(f"/api/v1/tariff/declarations/{mrn}/duties", headers=auth(client, user))
    assert r.status_code == 200, r.text
    return dict(r.json())
