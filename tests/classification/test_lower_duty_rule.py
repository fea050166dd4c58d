""""A lower-duty neighbouring code was chosen" as a rule atom: a rule reading it channels the item, officers see
which neighbour and what it costs, in their language; the code that fits does not fire it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from clearway.classification.neighbours import DutyTable, lower_duty_neighbour
from clearway.db import get_sessionmaker, utcnow
from clearway.tariff.importer import tariff_import
from clearway.tariff.rates import rates_store
from tests.classification.test_tariff_lines import SCHEDULE
from tests.factories import auth, document
from tests.risk_engine.conftest import fresh_engine  # noqa: F401  # each test starts with the engine unloaded

RULE = {"name": "Lower-duty neighbour", "channel": "yellow", "priority": 400,
        "expression": "item.lower_duty_neighbour == true and item.neighbour_duty_gap >= 3",
        "reason": "A neighbouring code with a higher duty fits the description: check the classification"}
SHIRTS = "men's cotton t-shirts crew neck"


@pytest.fixture
def schedule(world, tmp_path: Path) -> None:
    path = tmp_path / "schedule.csv"
    # Cotton T-shirts 610910 at 13 %, other T-shirts 610990 at 8 %; VAT and a rate so that lodging can assess.
    path.write_text(SCHEDULE + "vat,61,,,ad_valorem,10,,,,,,2020-01-01\n", encoding="utf-8")
    with get_sessionmaker()() as db, db.begin():
        assert tariff_import(db=db, path=path, actor_id=None, now=utcnow()).ok
        rates_store(db=db, rows=[("USD", date(2020, 1, 1), None, Decimal("1300"))], source="test",
                    now=datetime(2020, 1, 1, tzinfo=UTC))


def _item(document_: dict, lrn: str, **changes: str) -> dict:
    return {**document_, "lrn": lrn, "items": [{**document_["items"][0], **changes}]}


def test_the_cheaper_neighbour_fires_and_the_fitting_code_does_not() -> None:
    table = DutyTable.of([("61091000", 13), ("61099010", 8), ("61099090", 8), ("85171300", 0)])  # type: ignore[list-item]
    found = lower_duty_neighbour(SHIRTS, "61099090", table)
    assert found is not None and (found.neighbour, found.gap) == ("610910", 5)
    assert lower_duty_neighbour(SHIRTS, "61091000", table) is None
    # A cheaper code in another heading is a mismatch, not a neighbour.
    assert lower_duty_neighbour(SHIRTS, "85171300", table) is None
    # The same neighbour without a higher duty is no saving.
    assert lower_duty_neighbour(SHIRTS, "61099090", DutyTable.of([("61091000", 8), ("61099090", 8)])) is None  # type: ignore[list-item]


def test_a_rule_on_the_lower_duty_neighbour_channels_the_item_and_tells_the_officer_why(client, schedule):
    analyst = auth(client, "analyst")
    rule = client.post("/api/v1/risk/rules", json=RULE, headers=analyst)
    assert rule.status_code == 201, rule.text
    client.post(f"/api/v1/risk/rules/{rule.json()['id']}/activate", json={}, headers=analyst)
    trader = auth(client, "trader-a")
    base = document()
    fitting = client.post("/api/v1/declarations", headers=trader,
                          json=_item(base, "NEIGHBOUR-1", hs_code="61091000", description=SHIRTS))
    assert fitting.status_code == 201, fitting.text
    assert fitting.json()["channel"] == "green"
    cheaper = client.post("/api/v1/declarations", headers=trader,
                          json=_item(base, "NEIGHBOUR-2", hs_code="61099090", description=SHIRTS))
    assert cheaper.status_code == 201, cheaper.text
    assert cheaper.json()["channel"] == "yellow"
    mrn = cheaper.json()["mrn"]
    officer = auth(client, "officer")
    decision = client.get(f"/api/v1/risk/decisions/{mrn}", headers=officer).json()
    (hit,) = decision["rule_hits"]
    assert hit["items"] == [1] and hit["evidence"] == [{"item": 1, "code": "classification.lower_duty_neighbour",
                                                         "params": {"code": "61099090", "declared": "8%",
                                                                    "best": "610910", "suggested": "13%"}}]
    for lang, words in (("en", "neighbouring code 610910 (13%)"), ("es", "código vecino 610910 (13%)"),
                        ("fr", "code voisin 610910 (13%)")):
        page = client.get(f"/declarations/{mrn}", headers={**officer, "Accept-Language": lang})
        assert page.status_code == 200 and words in page.text, lang
