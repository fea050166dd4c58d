"""Signed webhook deliveries: Standard Webhooks signatures, rotation, retries, dead letters, order per declaration."""

from __future__ import annotations

import time

from standardwebhooks.webhooks import Webhook

from clearway.notifications.delivery import signed_headers
from tests.controls.flows import TOBACCO, lodge
from tests.factories import auth, lodge_direct
from tests.notifications.conftest import ThreadReceiver, endpoint, hook_url, pump
from tests.server import free_port


def test_signatures_verify_with_the_reference_library_for_every_active_secret():
    secrets = ["whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_" + "c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24="]
    body = b'{"type":"declaration.released","timestamp":"2026-11-26T00:00:00Z","data":{"seq":1}}'
    headers = signed_headers(secrets, "msg_1", body, int(time.time()))
    assert headers["webhook-signature"].count("v1,") == 2
    for secret in secrets:  # a receiver knowing either secret accepts it
        assert Webhook(secret).verify(body, headers)["data"]["seq"] == 1


def test_deliveries_reach_the_endpoint_signed_and_the_log_shows_them(client, tmp_path):
    port = free_port()
    secret = endpoint(client, hook_url(port))
    receiver = ThreadReceiver(tmp_path, port, secret)
    try:
        lodge_direct("trader-a", 2)
        pump()
        got = receiver.received()
        assert sorted(g["seq"] for g in got) == [1, 2, 3, 4, 5, 6]
        for mrn in {g["mrn"] for g in got}:  # in order per declaration (declarations go in parallel)
            seqs = [g["seq"] for g in got if g["mrn"] == mrn]
            assert seqs == sorted(seqs) and len(seqs) == 3
        assert {g["id"] for g in got} == {f"msg_{n}" for n in range(1, 7)}
        log = client.get("/api/v1/notifications/deliveries", headers=auth(client, "trader-a")).json()
        assert {d["status"] for d in log} == {"delivered"} and log[0]["log"][0]["status_code"] == 204
    finally:
        receiver.close()


def test_after_rotation_a_receiver_with_only_the_new_secret_accepts_deliveries(client, tmp_path):
    port = free_port()
    endpoint(client, hook_url(port))
    headers = auth(client, "trader-a")
    new = client.post("/api/v1/notifications/endpoint/secrets", headers=headers).json()
    receiver = ThreadReceiver(tmp_path, port, new["secret"])
    try:
        lodge_direct("trader-a", 1)
        pump()
        assert len(receiver.received()) == 3
        old_id = client.get("/api/v1/notifications/endpoint", headers=headers).json()["secrets"][0]["id"]
        r = client.delete(f"/api/v1/notifications/endpoint/secrets/{old_id}", headers=headers)
        assert r.status_code == 200 and [s["id"] for s in r.json()["secrets"]] == [new["id"]]
        last = r.json()["secrets"][0]["id"]
        assert client.delete(f"/api/v1/notifications/endpoint/secrets/{last}", headers=headers).status_code == 409
    finally:
        receiver.close()


def test_a_failing_declaration_holds_only_its_own_later_deliveries_then_dead_letters(client, tmp_path, monkeypatch):
    from clearway.notifications.settings import webhook_settings

    monkeypatch.setenv("CLEARWAY_WEBHOOK_MAX_ATTEMPTS", "3")
    webhook_settings.cache_clear()
    port = free_port()
    secret = endpoint(client, hook_url(port))
    stuck = lodge(client, TOBACCO)
    receiver = ThreadReceiver(tmp_path, port, secret, fail_mrn=stuck)
    try:
        (fine,) = lodge_direct("trader-a", 1)
        for _ in range(10):
            pump()
            time.sleep(0.1)
        assert {g["mrn"] for g in receiver.received()} == {fine}  # the other declaration went through in full
        headers = auth(client, "trader-a")
        dead = client.get("/api/v1/notifications/deliveries?status=dead", headers=headers).json()
        pending = client.get("/api/v1/notifications/deliveries?status=pending", headers=headers).json()
        assert [(d["seq"], d["attempts"], d["last_status"]) for d in dead] == [(1, 3, 503)]
        assert sorted(d["seq"] for d in pending) == [2, 3]  # held behind the dead one, never attempted
        assert all(d["attempts"] == 0 for d in pending)
        receiver.server.fail_mrn = None  # the endpoint is fixed: send the dead letters again, in order
        assert client.post("/api/v1/notifications/deliveries/redrive", headers=headers).json()["count"] == 1
        for _ in range(5):
            pump()
        assert [g["seq"] for g in receiver.received() if g["mrn"] == stuck] == [1, 2, 3]
    finally:
        receiver.close()


def test_endpoints_must_be_http_urls_on_loopback_outside_production(client):
    headers = auth(client, "trader-a")
    for url in ("http://example.com/hook", "ftp://127.0.0.1/x", "http://user:pw@127.0.0.1/x"):
        r = client.put("/api/v1/notifications/endpoint", json={"url": url}, headers=headers)
        assert r.status_code == 422, url
    assert client.put("/api/v1/notifications/endpoint", json={"url": "https://hooks.example.com/x"},
                      headers=headers).status_code == 200
