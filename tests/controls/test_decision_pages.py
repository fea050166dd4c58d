"""Ending an inspection needs a finding per item; officers decide on goods through confirmation pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.controls.flows import REVOLVERS, claimed, lodge, set_examiner, status_of
from tests.factories import auth
from tests.web.conftest import csrf_of, sign_in

ES = {"Accept-Language": "es"}
FR = {"Accept-Language": "fr"}


def _started(client, mrn):
    task_id, officer = claimed(client, mrn)
    base = f"/api/v1/controls/tasks/{task_id}"
    at = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert client.post(base + "/inspection/schedule", json={"at": at, "place": "Shed 1"},
                       headers=officer).status_code == 200
    assert client.post(base + "/inspection/goods-available", headers=officer).status_code == 200
    assert client.post(base + "/inspection/start", headers=officer).status_code == 200
    return task_id, base, officer


def _decide(client, mrn, action, headers=None, **fields):
    page = client.get(f"/controls/declarations/{mrn}/decide/{action}", headers=headers or {})
    assert page.status_code == 200, page.text
    return client.post(f"/controls/declarations/{mrn}/decide/{action}", headers=headers or {},
                       data={"csrf": csrf_of(page.text), **fields}, follow_redirects=False)


def test_an_inspection_whose_finding_was_refused_cannot_end_as_compliant(client):
    mrn = lodge(client, REVOLVERS)
    task_id, base, officer = _started(client, mrn)
    refused = {"result": "compliant", "kind": "prohibited", "seized_quantity": "10", "seized_unit": "NAR"}
    assert client.put(base + "/findings/0", json=refused, headers=officer).status_code == 422
    r = client.post(base + "/inspection/end", json={}, headers=officer)
    assert r.status_code == 409
    assert [(e["code"], e["pointer"]) for e in r.json()["errors"]] == [("control.findings_missing", "/findings/0")]
    assert status_of(client, mrn) == "under_control"
    # The task page says so in the officer's language, and the task stays open.
    assert sign_in(client, "officer").status_code == 303
    page = client.get(f"/controls/tasks/{task_id}", headers=ES)
    r = client.post(f"/controls/tasks/{task_id}", headers=ES, data={"csrf": csrf_of(page.text), "action": "end"})
    assert r.status_code == 409 and "Registre un resultado para cada artículo" in r.text
    task = client.get(base, headers=officer).json()
    assert (task["status"], task["result"]) == ("in_progress", None)


def test_prohibited_goods_wait_for_the_officers_confirmed_release(client):
    mrn = lodge(client, REVOLVERS)
    _, base, officer = _started(client, mrn)
    finding = {"result": "discrepancy", "kind": "prohibited", "note": "automatic firearms"}
    assert client.put(base + "/findings/0", json=finding, headers=officer).status_code == 200
    task = client.post(base + "/inspection/end", json={}, headers=officer).json()
    assert (task["status"], task["result"]) == ("done", "irregular")
    assert status_of(client, mrn) == "under_control"  # not released by the end of the inspection

    assert sign_in(client, "officer").status_code == 303
    detail = client.get(f"/declarations/{mrn}").text
    assert 'id="decide-release"' in detail and 'id="decide-detain"' in detail and 'id="decide-clear"' not in detail
    page = client.get(f"/controls/declarations/{mrn}/decide/release", headers=FR)
    assert "La mainlevée sera accordée si rien ne retient" in page.text and 'id="decide-free"' in page.text
    # GET changed nothing; a POST without the CSRF token changes nothing either.
    assert status_of(client, mrn) == "under_control"
    r = client.post(f"/controls/declarations/{mrn}/decide/release", data={"reason": "cleared by the chief"},
                    follow_redirects=False)
    assert r.status_code == 403 and status_of(client, mrn) == "under_control"
    r = _decide(client, mrn, "release", reason="weapons licence shown")
    assert r.status_code == 303 and r.headers["location"] == f"/declarations/{mrn}"
    assert status_of(client, mrn) == "released"
    events = client.get(f"/api/v1/declarations/{mrn}/events", headers=auth(client, "trader-a")).json()["items"]
    assert (events[-1]["kind"], events[-1]["reason"]) == ("released", "weapons licence shown")


def test_a_detention_holds_through_the_release_page_until_lifted(client):
    mrn = lodge(client, REVOLVERS)
    _started(client, mrn)
    assert sign_in(client, "officer").status_code == 303
    assert _decide(client, mrn, "detain", reason="awaiting police check").status_code == 303
    assert status_of(client, mrn) == "detained"
    page = client.get(f"/controls/declarations/{mrn}/decide/release", headers=ES)
    assert 'data-hold="control.detention"' in page.text and "Esto retiene todavía las mercancías" in page.text
    r = _decide(client, mrn, "release", headers=ES, reason="try anyway")
    assert r.status_code == 409 and "La decisión fue rechazada" in r.text
    errors = r.text.split('id="form-errors"')[1].split("</ul>")[0]
    assert "retenidas" in errors and "try anyway" in r.text  # the reason typed is kept
    assert status_of(client, mrn) == "detained"
    assert _decide(client, mrn, "lift", reason="police check done").status_code == 303
    assert status_of(client, mrn) == "under_control"  # its inspection is still open


def test_reroute_is_for_supervisors_and_errors_are_localised(client):
    mrn = lodge(client, REVOLVERS)
    claimed(client, mrn)
    assert sign_in(client, "officer").status_code == 303
    r = _decide(client, mrn, "reroute", headers=FR, channel="green", reason="known trader")
    assert r.status_code == 403 and status_of(client, mrn) == "under_control"
    assert "Seul un superviseur" in r.text
    r = _decide(client, mrn, "release", headers=FR, reason="x")
    assert r.status_code == 422 and "Indiquez un motif" in r.text
    set_examiner(client, "officer", supervisor=True)
    r = _decide(client, mrn, "reroute", channel="green", reason="known trader, documents seen")
    assert r.status_code == 303 and status_of(client, mrn) == "released"
    r = client.get(f"/controls/declarations/{mrn}/decide/detain", headers=ES)
    assert r.status_code == 409 and "Levante concedido" in r.text and 'id="decide-form"' not in r.text
    assert _decide(client, mrn, "clear", reason="duties final").status_code == 303
    assert status_of(client, mrn) == "cleared"


@pytest.mark.parametrize("status", ["channelled", "under_control", "detained", "released", "cleared"])
def test_the_declaration_page_offers_exactly_the_decisions_the_state_allows(status):
    from types import SimpleNamespace

    from clearway.controls.decisions import decisions_open
    from clearway.web.render import environment

    html = environment().get_template("controls/_decisions.html").render(
        mrn="X", status=status, t=lambda key, **_: key)
    assert re.findall(r'id="decide-(\w+)"', html) == decisions_open(SimpleNamespace(status=status))  # type: ignore[arg-type]


def test_only_officers_of_the_office_reach_the_decision_pages(client):
    from tests.controls.flows import add_officer

    mrn = lodge(client, REVOLVERS)
    assert sign_in(client, "trader-a").status_code == 303
    assert client.get(f"/controls/declarations/{mrn}/decide/release").status_code == 403
    assert 'id="decisions"' not in client.get(f"/declarations/{mrn}").text  # the trader has no decision panel
    add_officer("busan-officer", office="KR0201")
    client.cookies.clear()
    assert sign_in(client, "busan-officer").status_code == 303
    assert client.get(f"/controls/declarations/{mrn}/decide/release").status_code == 404
    assert client.get(f"/controls/declarations/{mrn}/decide/confiscate").status_code == 404
    assert status_of(client, mrn) == "under_control"
