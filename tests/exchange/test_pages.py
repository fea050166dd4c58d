"""Officers act from the exchange pages: ask a partner for assistance, answer a partner's request, acknowledge
or escalate a mirror gap; forms carry their CSRF token, auditors only read, errors come back in the page's
language."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from clearway.audit.models import AuditRecord
from clearway.db import get_sessionmaker, utcnow
from clearway.exchange.models import MirrorCheck
from tests.exchange.flows import assistance_from_jp, mirror_gap_from_jp, partner_jp
from tests.factories import auth
from tests.web.conftest import csrf_of, sign_in

BASIS = "KR-JP agreement on mutual administrative assistance in customs matters, art. 7"


def _request_form(**changes: str) -> dict[str, str]:
    return {"partner": "JP", "purpose": "risk_assessment", "legal_basis": BASIS, "subject": "Value of 26JP0000000001",
            "questions": "Please send the commercial invoice.", "references": "26JP0000000001, 26JP0000000002",
            "deadline": (utcnow() + timedelta(days=20)).date().isoformat(), **changes}


def _actions(action: str) -> list[AuditRecord]:
    with get_sessionmaker()() as db:
        return list(db.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_an_officer_asks_a_partner_for_assistance_from_the_page(client):
    partner_jp()
    sign_in(client, "officer")
    page = client.get("/exchange/assistance", headers={"Accept-Language": "fr"})
    assert page.status_code == 200 and "Demander l’assistance d’un partenaire" in page.text
    assert client.post("/exchange/assistance", data=_request_form(), follow_redirects=False).status_code == 403
    late = client.post("/exchange/assistance", data={**_request_form(deadline="2001-01-01"),
                                                      "csrf": csrf_of(page.text)}, headers={"Accept-Language": "fr"})
    assert late.status_code == 422
    assert "Réponse attendue le (UTC): Le délai de réponse doit être dans le futur" in late.text
    assert "Value of 26JP0000000001" in late.text  # what was typed is kept
    sent = client.post("/exchange/assistance", data={**_request_form(), "csrf": csrf_of(page.text)},
                       follow_redirects=False)
    assert sent.status_code == 303, sent.text
    [made] = client.get("/api/v1/exchange/assistance?direction=out", headers=auth(client, "officer")).json()
    assert (made["partner"], made["requested_by"], made["references"]) == (
        "JP", "officer", ["26JP0000000001", "26JP0000000002"])
    assert made["deadline"].endswith("23:59:59Z")
    out = client.get("/api/v1/exchange/messages?direction=out", headers=auth(client, "officer")).json()["items"]
    assert [m["doc_type"] for m in out] == ["assistance_request"]
    listed = client.get("/exchange/assistance", headers={"Accept-Language": "es"})
    assert made["reference"] in listed.text and "Abierta" in listed.text


def test_an_officer_answers_a_partners_request_once_and_auditors_cannot(client):
    partner_jp()
    request_id = assistance_from_jp()
    sign_in(client, "auditor")
    read_only = client.get("/exchange/assistance")
    assert read_only.status_code == 200 and f"/exchange/assistance/{request_id}/reply" not in read_only.text
    assert client.post(f"/exchange/assistance/{request_id}/reply", data={
        "csrf": csrf_of(read_only.text), "outcome": "answered", "answer": "No."}).status_code == 403
    sign_in(client, "officer")
    page = client.get("/exchange/assistance")
    assert f"/exchange/assistance/{request_id}/reply" in page.text
    r = client.post(f"/exchange/assistance/{request_id}/reply", data={
        "csrf": csrf_of(page.text), "outcome": "answered", "answer": "Invoice INV-778: USD 20,000.00."},
        follow_redirects=False)
    assert r.status_code == 303, r.text
    answered = client.get("/exchange/assistance", headers={"Accept-Language": "es"})
    assert "Invoice INV-778: USD 20,000.00." in answered.text
    assert f"/exchange/assistance/{request_id}/reply" not in answered.text
    again = client.post(f"/exchange/assistance/{request_id}/reply", data={
        "csrf": csrf_of(page.text), "outcome": "declined", "answer": "Changed our mind."},
        headers={"Accept-Language": "es"})
    assert again.status_code == 409 and "La solicitud JP-RFA-2026-000001 ya fue respondida" in again.text
    out = client.get("/api/v1/exchange/messages?direction=out", headers=auth(client, "officer")).json()["items"]
    assert [(m["doc_type"], m["business_id"]) for m in out] == [("assistance_reply", "JP-RFA-2026-000001/reply")]


def test_an_officer_acknowledges_then_escalates_a_mirror_gap_with_reasons(client):
    partner_jp()
    line = mirror_gap_from_jp()
    sign_in(client, "officer")
    page = client.get("/exchange/mirror?gap=yes", headers={"Accept-Language": "fr"})
    assert page.status_code == 200 and "À examiner" in page.text and f"/exchange/mirror/{line}/review" in page.text
    assert "après la sélection de notre importation" in page.text
    url = f"/exchange/mirror/{line}/review"
    assert client.post(url, data={"action": "acknowledged", "note": "Freight"}).status_code == 403
    short = client.post(url, data={"csrf": csrf_of(page.text), "action": "acknowledged", "note": ""},
                        headers={"Accept-Language": "fr"})
    assert short.status_code == 422 and '<a href="#rfa-note">Motif:' in short.text
    r = client.post(url, data={"csrf": csrf_of(page.text), "action": "acknowledged",
                               "note": "Freight and insurance are in the export value (CIF)."},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    after = client.get("/exchange/mirror?gap=yes", headers={"Accept-Language": "es"})
    assert "Reconocida" in after.text and "Freight and insurance are in the export value (CIF)." in after.text
    twice = client.post(url, data={"csrf": csrf_of(page.text), "action": "acknowledged", "note": "Again."})
    assert twice.status_code == 409
    escalated = client.post(url, data={"csrf": csrf_of(page.text), "action": "escalated",
                                       "note": "Ask JP customs for the invoice."}, follow_redirects=False)
    assert escalated.status_code == 303
    final = client.get("/exchange/mirror?gap=yes")
    assert "Escalated" in final.text and url not in final.text  # nothing follows an escalation
    [ack], [esc] = _actions("exchange.mirror_acknowledged"), _actions("exchange.mirror_escalated")
    assert (ack.actor, esc.actor, esc.detail["note"]) == ("officer", "officer", "Ask JP customs for the invoice.")
    [shown] = client.get("/api/v1/exchange/mirror", headers=auth(client, "auditor")).json()["items"]
    assert (shown["review"], shown["reviewed_by"]) == ("escalated", "officer")


def test_the_review_api_refuses_a_line_without_a_gap_and_auditors(client):
    partner_jp()
    line = mirror_gap_from_jp()
    body = {"action": "escalated", "note": "Check the invoice."}
    assert client.post(f"/api/v1/exchange/mirror/{line}/review", json=body,
                       headers=auth(client, "auditor")).status_code == 403
    assert client.post("/api/v1/exchange/mirror/999999/review", json=body,
                       headers=auth(client, "officer")).status_code == 404
    with get_sessionmaker()() as db, db.begin():
        row = db.get(MirrorCheck, line)
        assert row is not None
        row.gap = False
    clean = client.post(f"/api/v1/exchange/mirror/{line}/review", json=body, headers=auth(client, "analyst"))
    assert clean.status_code == 409 and clean.json()["errors"][0]["code"] == "exchange.mirror_no_gap"


def test_in_the_demo_an_officer_can_ask_the_partner_for_assistance(client):
    from clearway.exchange.demo import exchange_demo_seed

    with get_sessionmaker()() as db, db.begin():
        exchange_demo_seed(db=db, now=utcnow())
    sign_in(client, "officer")
    page = client.get("/exchange/assistance")
    assert '<option value="JP"' in page.text and '<option value="mirror_check"' in page.text
    sent = client.post("/exchange/assistance", data={**_request_form(purpose="mirror_check"),
                                                     "csrf": csrf_of(page.text)}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    [made] = client.get("/api/v1/exchange/assistance?direction=out", headers=auth(client, "officer")).json()
    assert (made["partner"], made["purpose"], made["state"]) == ("JP", "mirror_check", "open")
