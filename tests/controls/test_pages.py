"""Control and notification pages without a browser: what officers and traders see, and CSRF on every form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.controls.flows import PDF, REVOLVERS, TOBACCO, lodge, set_examiner, status_of
from tests.factories import lodge_direct
from tests.notifications.conftest import pump
from tests.web.conftest import csrf_of, sign_in


def test_the_officer_takes_the_next_task_from_the_queue_page_and_works_it(client):
    mrn = lodge(client, TOBACCO)
    sign_in(client, "officer")
    page = client.get("/controls/queue")
    assert page.status_code == 200 and mrn in page.text and "tobacco need licence checks" in page.text
    r = client.post("/controls/queue/next", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/controls/tasks/")
    task = client.get(r.headers["location"])
    assert "Request documents" in task.text and "Accept: documents in order" in task.text
    r = client.post(r.headers["location"], data={"csrf": csrf_of(task.text), "action": "accept"},
                    follow_redirects=False)
    assert r.status_code == 303 and status_of(client, mrn) == "released"


def test_a_refused_step_is_explained_on_the_task_page(client):
    lodge(client, REVOLVERS)
    sign_in(client, "officer")
    page = client.get("/controls/queue")
    r = client.post("/controls/queue/next", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    url = r.headers["location"]
    r = client.post(url, data={"csrf": csrf_of(client.get(url).text), "action": "start"})
    assert r.status_code == 409 and "not been made available yet" in r.text


def test_forms_without_the_csrf_token_are_refused(client):
    lodge(client, TOBACCO)
    sign_in(client, "officer")
    assert client.post("/controls/queue/next", data={}, follow_redirects=False).status_code == 403
    assert client.post("/controls/tasks/1", data={"action": "claim"}, follow_redirects=False).status_code == 403
    sign_in(client, "trader-a")
    assert client.post("/notifications", data={"action": "secret"}, follow_redirects=False).status_code == 403


def test_the_trader_answers_a_request_from_its_page(client):
    from clearway.controls.service import documents_request, task_claim
    from clearway.db import get_sessionmaker, utcnow
    from tests.api.test_authorization_matrix import _principals_by_name

    mrn = lodge(client, TOBACCO)
    who = _principals_by_name()
    with get_sessionmaker()() as db, db.begin():
        task_claim(db=db, actor=who["officer"], task_id=1, now=utcnow())
        documents_request(db=db, actor=who["officer"], task_id=1, documents=[{"code": "N935", "description":
                          "Commercial invoice"}], due_at=datetime.now(UTC) + timedelta(days=2), message=None,
                          now=utcnow())
    sign_in(client, "trader-a")
    page = client.get("/controls/requests")
    assert mrn in page.text and "Commercial invoice" in page.text
    r = client.post("/controls/requests/1", data={"csrf": csrf_of(page.text), "action": "upload",
                                                  "document_code": "N935"},
                    files={"file": ("invoice.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/controls/requests")
    assert "invoice.pdf" in page.text
    r = client.post("/controls/requests/1", data={"csrf": csrf_of(page.text), "action": "answer"},
                    follow_redirects=False)
    assert r.status_code == 303 and "answered" in client.get("/controls/requests").text


def test_the_supervisor_sees_the_workload_and_others_do_not(client):
    lodge(client, TOBACCO)
    sign_in(client, "officer")
    assert client.get("/controls/workload").status_code == 403
    set_examiner(client, "officer", supervisor=True)
    page = client.get("/controls/workload")
    assert page.status_code == 200 and "1 task(s) wait for an examiner" in page.text


def test_the_trader_sets_an_endpoint_sees_its_secret_once_and_reads_its_notifications(client):
    lodge_direct("trader-a", 1)
    pump()
    sign_in(client, "trader-a")
    page = client.get("/notifications")
    assert page.status_code == 200 and "Released" in page.text and "Channel decided" in page.text
    r = client.post("/notifications", data={"csrf": csrf_of(page.text), "action": "endpoint",
                                            "url": "http://127.0.0.1:9/hook"})
    assert r.status_code == 200 and "whsec_" in r.text
    again = client.get("/notifications")
    assert "whsec_" not in again.text and "http://127.0.0.1:9/hook" in again.text
    r = client.post("/notifications", data={"csrf": csrf_of(again.text), "action": "endpoint",
                                            "url": "http://example.com/hook"})
    assert r.status_code == 422 and "cannot be sent to" in r.text
