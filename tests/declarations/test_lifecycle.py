"""Amending, cancelling and officer decisions follow the state machine."""

from __future__ import annotations

from tests.factories import auth, document


def _lodge(client, headers, **overrides):
    doc = document(**overrides)
    r = client.post("/api/v1/declarations", json=doc, headers=headers)
    assert r.status_code == 201, r.text
    return doc, r.json()


def _red(doc):
    doc["items"][0].update(hs_code="930200", description="Revolvers")
    return doc


def test_amend_needs_if_match_naming_the_current_version(client):
    headers = auth(client, "trader-a")
    doc, body = _lodge(client, headers, items=_red(document())["items"])
    url = f"/api/v1/declarations/{body['mrn']}"
    amended = {**doc, "reason": "Corrected net mass"}
    amended["items"][0]["net_mass_kg"] = "40"
    assert client.put(url, json=amended, headers=headers).status_code == 428
    assert client.put(url, json=amended, headers={**headers, "If-Match": '"v7"'}).status_code == 412
    r = client.put(url, json=amended, headers={**headers, "If-Match": body["etag"]})
    assert r.status_code == 409  # under control: the trader may no longer amend
    assert r.json()["errors"][0]["code"] == "declaration.amend_needs_officer"


def test_amend_before_release_keeps_the_old_version(client):
    headers = auth(client, "trader-a")
    _, body = _lodge(client, headers)  # green: released at once
    officer = auth(client, "officer")
    url = f"/api/v1/declarations/{body['mrn']}"
    amended = {**document(lrn=body["lrn"]), "reason": "Corrected description"}
    r = client.put(url, json=amended, headers={**headers, "If-Match": '"v1"'})
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "declaration.amend_needs_officer"
    r = client.put(url, json=amended, headers={**officer, "If-Match": '"v1"'})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.headers["etag"] == '"v2"'
    kinds = [e["kind"] for e in client.get(url + "/events", headers=headers).json()["items"]]
    assert kinds[-2:] == ["released", "amended"]


def test_officer_cannot_release_goods_whose_control_is_open(client):
    doc = document()
    doc["items"][0].update(hs_code="240220", description="Cigarettes")  # yellow: documentary check
    _, body = _lodge(client, auth(client, "trader-a"), items=doc["items"])
    r = client.post(f"/api/v1/declarations/{body['mrn']}/decisions",
                    json={"to": "released", "reason": "looks fine"}, headers=auth(client, "officer"))
    assert r.status_code == 409 and "hold.control.open" in {e["code"] for e in r.json()["errors"]}


def test_trader_cancels_before_control_but_not_after_release(client):
    headers = auth(client, "trader-a")
    _, released = _lodge(client, headers)
    r = client.post(f"/api/v1/declarations/{released['mrn']}/cancel", json={"reason": "sent twice"}, headers=headers)
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "declaration.not_cancellable"


def test_officer_cannot_jump_from_released_to_detained(client):
    _, body = _lodge(client, auth(client, "trader-a"))
    r = client.post(f"/api/v1/declarations/{body['mrn']}/decisions", json={"to": "detained", "reason": "x-ray"},
                    headers=auth(client, "officer"))
    assert r.status_code == 409 and r.json()["errors"][0]["code"] == "declaration.transition_invalid"


def test_mrn_with_wrong_check_character_is_refused(client):
    _, body = _lodge(client, auth(client, "trader-a"))
    bad = body["mrn"][:17] + str((int(body["mrn"][17]) + 1) % 10)
    r = client.get(f"/api/v1/declarations/{bad}", headers=auth(client, "trader-a"))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "mrn.invalid"


def test_list_paginates_with_a_cursor_and_filters(client):
    headers = auth(client, "trader-a")
    for _ in range(5):
        _lodge(client, headers)
    _lodge(client, headers, items=_red(document())["items"])
    first = client.get("/api/v1/declarations?limit=4", headers=headers).json()
    second = client.get(f"/api/v1/declarations?limit=4&cursor={first['next_cursor']}", headers=headers).json()
    assert len(first["items"]) == 4 and len(second["items"]) == 2 and second["next_cursor"] is None
    assert not {d["mrn"] for d in first["items"]} & {d["mrn"] for d in second["items"]}
    reds = client.get("/api/v1/declarations?channel=red", headers=headers).json()["items"]
    assert [d["channel"] for d in reds] == ["red"]
