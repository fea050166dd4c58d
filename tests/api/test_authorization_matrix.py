"""Every endpoint, called as every role and as a foreign organisation: no leak, no 5xx.

The table below is the access policy. An endpoint missing from it fails the test, so a new
endpoint cannot ship without a decision on who may call it.
"""

from __future__ import annotations

import re

from tests.factories import auth, document, lodge_direct

ROLES = ["trader-a", "trader-b", "officer", "analyst", "agency", "admin", "auditor"]
READERS = {"trader-a", "officer", "analyst", "admin", "auditor"}  # of trader-a's declaration
EVERYONE = set(ROLES)
POLICY: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/v1/auth/token"): EVERYONE,
    ("GET", "/api/v1/auth/me"): EVERYONE,
    ("POST", "/api/v1/declarations"): {"trader-a", "trader-b"},
    ("GET", "/api/v1/declarations"): EVERYONE,
    ("GET", "/api/v1/declarations/{mrn}"): READERS,
    ("PUT", "/api/v1/declarations/{mrn}"): {"trader-a", "officer"},
    ("POST", "/api/v1/declarations/{mrn}/cancel"): {"trader-a", "officer"},
    ("POST", "/api/v1/declarations/{mrn}/decisions"): {"officer"},
    ("GET", "/api/v1/declarations/{mrn}/events"): READERS,
    ("GET", "/api/v1/reference/offices"): EVERYONE,
    ("GET", "/api/v1/reference/countries"): EVERYONE,
    ("GET", "/api/v1/reference/hs/{code}"): EVERYONE,
    ("POST", "/api/v1/tariff/calculate"): EVERYONE,
    ("GET", "/api/v1/tariff/lines"): EVERYONE,
    # Risk engine: analysts write; officers and auditors read rules and settings; decisions are for customs.
    **{("GET", f"/api/v1/risk/{path}"): {"analyst", "officer", "auditor"}
       for path in ("rules", "rules/{rule_id}", "rules/{rule_id}/versions", "selection")},
    **{("GET", f"/api/v1/risk/{path}"): {"analyst", "auditor"}
       for path in ("watchlists", "watchlists/{entry_id}", "models", "models/{model_id}", "drift")},
    ("POST", "/api/v1/risk/watchlists/match"): {"analyst", "auditor"},
    ("GET", "/api/v1/risk/decisions/{mrn}"): {"officer", "analyst", "auditor", "admin"},
    **{(method, f"/api/v1/risk/{path}"): {"analyst"} for method, path in (
        ("POST", "rules"), ("POST", "rules/check"), ("PUT", "rules/{rule_id}"), ("POST", "rules/{rule_id}/activate"),
        ("POST", "rules/{rule_id}/deactivate"), ("POST", "rules/{rule_id}/test-run"), ("POST", "watchlists"),
        ("PUT", "watchlists/{entry_id}"), ("DELETE", "watchlists/{entry_id}"), ("POST", "models"),
        ("POST", "models/{model_id}/shadow"), ("POST", "models/{model_id}/promote"),
        ("POST", "models/{model_id}/retire"), ("PUT", "selection/{office}/{direction}"),
        ("POST", "selection/{office}/{direction}/thresholds"), ("POST", "reference-values/refresh"))},
}
PUBLIC = {("POST", "/api/v1/auth/token")}


def _operations(client):
    spec = client.get("/api/v1/openapi.json").json()
    return [(m.upper(), path) for path, ops in spec["paths"].items() for m in ops]


def _request(client, method, path, mrn, headers):
    url = path.replace("{mrn}", mrn).replace("{code}", "851713")
    body = None
    if url.endswith("/cancel"):
        body = {"reason": "matrix test"}
    elif url.endswith("/decisions"):
        body = {"to": "released", "reason": "matrix test"}
    elif url.endswith("/calculate"):
        body = document()
    elif method in ("POST", "PUT") and "/declarations" in url:
        body = {**document(), "reason": "matrix test"} if method == "PUT" else document()
    if url.endswith("/token"):
        return client.post(url, data={"username": "trader-a", "password": "demo"}, headers=headers)
    return client.request(method, url, json=body, headers={**headers, "If-Match": '"v1"'})


def test_every_endpoint_is_in_the_policy(client):
    assert set(_operations(client)) == set(POLICY)


def test_every_role_gets_exactly_what_the_policy_allows(client):
    (mrn,) = lodge_direct("trader-a", 1)
    secret_lrn = client.get(f"/api/v1/declarations/{mrn}", headers=auth(client, "trader-a")).json()["lrn"]
    tokens = {role: auth(client, role) for role in ROLES}
    for method, path in _operations(client):
        anonymous = _request(client, method, path, mrn, {})
        if (method, path) not in PUBLIC:
            assert anonymous.status_code == 401, (method, path)
        for role in ROLES:
            r = _request(client, method, path, mrn, tokens[role])
            where = (method, path, role, r.status_code, r.text[:200])
            assert r.status_code < 500, where
            if role in POLICY[(method, path)]:
                assert r.status_code not in (401, 403, 404), where
            else:
                assert r.status_code in (403, 404), where
                assert secret_lrn not in r.text and "Hanbit" not in r.text, where


def test_lists_never_show_other_traders_declarations(client):
    lodge_direct("trader-a", 3)
    lodge_direct("trader-b", 2)
    for role, expected in (("trader-a", 3), ("trader-b", 2), ("agency", 0), ("officer", 5), ("auditor", 5)):
        items = client.get("/api/v1/declarations", headers=auth(client, role)).json()["items"]
        assert len(items) == expected, role
        if role.startswith("trader"):
            code = {"trader-a": "KR1000000001", "trader-b": "KR1000000002"}[role]
            assert all(re.fullmatch(code, i["declarant_id"]) for i in items)
