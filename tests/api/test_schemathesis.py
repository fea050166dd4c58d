"""Property-based contract test: schemathesis over the whole OpenAPI finds no 5xx and no response
that breaks its own schema, as a trader and as an officer, on both backends."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from clearway.main import create_app
from tests.factories import bearer_for, lodge_direct

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, status_code_conformance]


schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app())


@pytest.fixture
def tokens(world):
    lodge_direct("trader-a", 2)  # something to read, amend and cancel
    return [bearer_for(username) for username in ("trader-a", "officer")]


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_contract(case, tokens):
    for token in tokens:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
