"""The tariff API: duty calculation for a draft declaration and tariff line search."""

from __future__ import annotations

from collections.abc import Iterator
from typing import get_args

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.deps import DbSession, principal_required
from clearway.handlers import install_handlers
from clearway.tariff.router import router
from tests.tariff.worked_schedule import declaration, item

TRADER = Principal(user_id=1, username="trader", role="trader", organisation_id=1, organisation_code="KR1")


@pytest.fixture
def client(seeded: Session) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(router)
    install_handlers(app)
    session_dependency = get_args(DbSession)[1].dependency
    app.dependency_overrides[session_dependency] = lambda: seeded
    app.dependency_overrides[principal_required] = lambda: TRADER
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _body(*items: dict[str, object]) -> dict[str, object]:
    return declaration(*items, currency="USD").model_dump(mode="json", exclude_none=True)


def test_calculate_returns_the_breakdown_with_string_amounts(client: TestClient) -> None:
    response = client.post("/tariff/calculate?on=2026-01-15", json=_body(item("61091000", "1000")))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["currency"], body["declaration_currency"], body["exchange_rate"]) == ("KRW", "USD", "1300.000000")
    assert (body["customs_value"], body["total"], body["totals"]["duty"]) == ("1300000", "315900", "169000")
    assert [(x["tax"], x["base"], x["rate"], x["amount"], x["measure_id"]) for x in body["lines"]] == [
        ("duty", "1300000", "13%", "169000", "61-duty-GEN-20220101"),
        ("vat", "1469000", "10%", "146900", "61-vat-GEN-20220101")]


def test_calculate_reports_coded_errors_with_pointers(client: TestClient) -> None:
    response = client.post("/tariff/calculate?on=2026-01-15", json=_body(item("61091000", "1"), item("99999999", "1")))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [(e["code"], e["pointer"]) for e in response.json()["errors"]] == [("tariff.line_unknown",
                                                                               "/items/1/hs_code")]


def test_rate_gap_before_the_first_rate(client: TestClient) -> None:
    response = client.post("/tariff/calculate?on=2025-12-31", json=_body(item("61091000", "1000")))
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "tariff.rate_missing"


def test_notices_are_localized(client: TestClient) -> None:
    body = _body(item("61091000", "1000", origin="US", preference="KRUS"))
    response = client.post("/tariff/calculate?on=2026-01-15", json=body, headers={"Accept-Language": "es"})
    assert response.status_code == 200
    (notice,) = response.json()["notices"]
    assert notice["code"] == "tariff.preference_unknown" and notice["pointer"] == "/items/0/preference"
    assert notice["message"].startswith("El acuerdo KRUS")


def test_search_lines_with_their_rates(client: TestClient) -> None:
    response = client.get("/tariff/lines", params={"q": "whiskies", "on": "2026-01-15"})
    assert response.status_code == 200
    assert response.json() == [{"code": "2208301000", "description": "Whiskies; bourbon", "supplementary_unit": "LTR",
                                "duty": "20%", "excise": "72%", "vat": "10%", "preferences": {}, "controls": []}]
    assert [line["code"] for line in client.get("/tariff/lines", params={"q": "85"}).json()] == ["85171300"]
    assert client.get("/tariff/lines", params={"q": ""}).status_code == 422
