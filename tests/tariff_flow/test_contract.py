"""Schemathesis over the tariff API with a schedule loaded and assessed declarations: no 5xx, no response
that breaks its schema (the suite-wide contract test runs without a tariff)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from clearway.main import create_app
from tests.api.test_schemathesis import CHECKS
from tests.factories import bearer_for
from tests.tariff_flow.conftest import SHIRTS, declaration_with, lodge

schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app()).include(path_regex="^/api/v1/tariff/")


@pytest.fixture
def tokens(client, tariff):
    lodge(client, declaration_with({}, SHIRTS))  # assessed, waiting for payment
    return [bearer_for(username) for username in ("trader-a", "officer")]


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_tariff_api_contract(case, tokens):
    for token in tokens:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
