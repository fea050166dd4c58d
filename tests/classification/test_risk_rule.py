"""The mismatch as a rule atom of the risk engine: an analyst's rule channels a misdescribed item, officers see why."""

from __future__ import annotations

from tests.factories import auth, document
from tests.risk_engine.conftest import fresh_engine  # noqa: F401  # each test starts with the engine unloaded

RULE = {"name": "Description far from code", "channel": "yellow", "priority": 400,
        "expression": "item.description_far == true",
        "reason": "The goods description does not match the declared code: check the classification"}


def _item(document_: dict, **changes: str) -> dict:
    return {**document_, "items": [{**document_["items"][0], **changes}]}


def test_a_rule_on_the_mismatch_channels_the_misdescribed_item_and_names_itself(client):
    analyst = auth(client, "analyst")
    rule = client.post("/api/v1/risk/rules", json=RULE, headers=analyst)
    assert rule.status_code == 201, rule.text
    client.post(f"/api/v1/risk/rules/{rule.json()['id']}/activate", json={}, headers=analyst)
    trader = auth(client, "trader-a")
    base = document()
    honest = client.post("/api/v1/declarations", headers=trader,
                         json=_item(base, hs_code="851713", description="Android smartphones 128GB, dual SIM"))
    assert honest.status_code == 201, honest.text
    assert honest.json()["channel"] == "green"
    wrong = client.post("/api/v1/declarations", headers=trader,
                        json=_item({**base, "lrn": "MISMATCH-1"}, hs_code="851713",
                                   description="frozen vannamei shrimp raw shell-on"))
    assert wrong.status_code == 201, wrong.text
    assert wrong.json()["channel"] == "yellow"
    decision = client.get(f"/api/v1/risk/decisions/{wrong.json()['mrn']}", headers=auth(client, "officer")).json()
    assert RULE["reason"] in decision["reasons"][0] and [h["items"] for h in decision["rule_hits"]] == [[1]]
