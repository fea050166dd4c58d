"""Every endpoint, called as every role and as a foreign organisation: no leak, no 5xx.

The table below is the access policy. An endpoint missing from it fails the test, so a new
endpoint cannot ship without a decision on who may call it.
"""

from __future__ import annotations

import re
from datetime import timedelta

from tests.exchange.flows import assistance_from_jp, mirror_gap_from_jp, partner_jp
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
    ("GET", "/api/v1/declarations/{mrn}/holds"): READERS,
    ("GET", "/api/v1/reference/offices"): EVERYONE,
    ("GET", "/api/v1/reference/countries"): EVERYONE,
    ("GET", "/api/v1/reference/hs/{code}"): EVERYONE,
    ("POST", "/api/v1/tariff/calculate"): EVERYONE,
    ("GET", "/api/v1/tariff/lines"): EVERYONE,
    ("POST", "/api/v1/classification/suggest"): EVERYONE,  # reads the model only, stores nothing
    # Advance rulings: traders request; customs staff read the workbench; analysts decide.
    ("POST", "/api/v1/classification/rulings"): {"trader-a", "trader-b"},
    ("GET", "/api/v1/classification/rulings"): {"officer", "analyst", "auditor"},
    ("GET", "/api/v1/classification/rulings/{reference}"): {"officer", "analyst", "auditor"},
    ("POST", "/api/v1/classification/rulings/{reference}/decision"): {"analyst"},
    # Classifier versions: analysts and admins list, promote and roll back (retraining is a command).
    ("GET", "/api/v1/classification/models"): {"analyst", "admin"},
    ("POST", "/api/v1/classification/models/{version}/promote"): {"analyst", "admin"},
    ("POST", "/api/v1/classification/models/rollback"): {"analyst", "admin"},
    # Tariff: duties as the declaration is readable; traders settle trader-a's (officers at the office);
    # traders see their own accounts and guarantees, customs staff all; officers open and accept them.
    ("GET", "/api/v1/tariff/declarations/{mrn}/duties"): READERS,
    ("POST", "/api/v1/tariff/payments"): {"trader-a", "officer"},
    ("POST", "/api/v1/tariff/guarantee-uses"): {"trader-a", "officer"},
    **{("GET", f"/api/v1/tariff/{path}"): {"trader-a", "trader-b", "officer", "admin", "auditor"}
       for path in ("deferment-accounts", "guarantees")},
    **{("POST", f"/api/v1/tariff/{path}"): {"officer"}
       for path in ("deferment-accounts", "deferment-accounts/{account_id}/settlements", "guarantees")},
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
        ("GET", "rules/{rule_id}/test-runs"), ("GET", "test-runs/{run_id}"),
        ("PUT", "watchlists/{entry_id}"), ("DELETE", "watchlists/{entry_id}"), ("POST", "models"),
        ("POST", "models/{model_id}/shadow"), ("POST", "models/{model_id}/promote"),
        ("POST", "models/{model_id}/retire"), ("PUT", "selection/{office}/{direction}"),
        ("POST", "selection/{office}/{direction}/thresholds"), ("POST", "reference-values/refresh"))},
    # Performance: customs staff read (an officer only its own office); traders and agencies do not.
    **{("GET", f"/api/v1/performance/{path}"): {"officer", "analyst", "admin", "auditor"}
       for path in ("release-times", "release-times/anomalies", "effectiveness", "revenue")},
    # Controls: officers of the declaration's office work tasks (the demo officer is made a supervisor
    # below); traders answer their own document requests; analysts read outcome labels.
    ("GET", "/api/v1/controls/queue"): {"officer"},
    ("POST", "/api/v1/controls/queue/next"): {"officer"},
    ("GET", "/api/v1/controls/tasks/{task_id}"): {"officer"},
    ("POST", "/api/v1/controls/tasks/{task_id}/claim"): {"officer"},
    ("POST", "/api/v1/controls/tasks/{task_id}/assign"): {"officer"},
    ("POST", "/api/v1/controls/assignments"): {"officer"},
    ("GET", "/api/v1/controls/workload"): {"officer"},
    ("POST", "/api/v1/controls/tasks/{task_id}/document-requests"): {"officer"},
    ("POST", "/api/v1/controls/tasks/{task_id}/accept"): {"officer"},
    ("POST", "/api/v1/controls/tasks/{task_id}/escalate"): {"officer"},
    ("POST", "/api/v1/controls/tasks/{task_id}/inspection/schedule"): {"officer"},
    ("POST", "/api/v1/controls/tasks/{task_id}/inspection/goods-available"): {"officer"},
    ("POST", "/api/v1/controls/tasks/{task_id}/inspection/start"): {"officer"},
    ("POST", "/api/v1/controls/tasks/{task_id}/inspection/end"): {"officer"},
    ("PUT", "/api/v1/controls/tasks/{task_id}/findings/{item}"): {"officer"},
    ("POST", "/api/v1/controls/tasks/{task_id}/photos"): {"officer"},
    ("GET", "/api/v1/controls/document-requests"): {"trader-a", "trader-b"},
    ("GET", "/api/v1/controls/document-requests/{request_id}"): {"trader-a"},
    ("POST", "/api/v1/controls/document-requests/{request_id}/files"): {"trader-a"},
    ("POST", "/api/v1/controls/document-requests/{request_id}/answer"): {"trader-a"},
    ("GET", "/api/v1/controls/files/{file_id}"): {"trader-a", "officer"},
    ("GET", "/api/v1/controls/declarations/{mrn}/release-blockers"): READERS,
    ("POST", "/api/v1/controls/declarations/{mrn}/release"): {"officer"},
    ("POST", "/api/v1/controls/declarations/{mrn}/clear"): {"officer"},
    ("POST", "/api/v1/controls/declarations/{mrn}/detain"): {"officer"},
    ("POST", "/api/v1/controls/declarations/{mrn}/lift-detention"): {"officer"},
    ("POST", "/api/v1/controls/declarations/{mrn}/reroute"): {"officer"},
    ("GET", "/api/v1/controls/examiners"): {"admin"},
    ("PUT", "/api/v1/controls/examiners/{username}"): {"admin"},
    ("GET", "/api/v1/controls/outcomes"): {"analyst", "admin", "auditor"},
    ("GET", "/api/v1/controls/hit-rates"): {"analyst", "admin", "auditor"},
    # Notifications: each trader reads its own feed and manages its own endpoint.
    ("GET", "/api/v1/notifications"): {"trader-a", "trader-b"},
    ("GET", "/api/v1/notifications/endpoint"): {"trader-a", "trader-b"},
    ("PUT", "/api/v1/notifications/endpoint"): {"trader-a", "trader-b"},
    ("DELETE", "/api/v1/notifications/endpoint"): {"trader-a", "trader-b"},
    ("POST", "/api/v1/notifications/endpoint/secrets"): {"trader-a", "trader-b"},
    ("DELETE", "/api/v1/notifications/endpoint/secrets/{secret_id}"): {"trader-a"},
    ("GET", "/api/v1/notifications/deliveries"): {"trader-a", "trader-b"},
    ("POST", "/api/v1/notifications/deliveries/redrive"): {"trader-a", "trader-b"},
    # Border posts: customs staff read; administrators set posts and hours; officers record crossings.
    **{("GET", f"/api/v1/borderposts/{path}"): {"officer", "analyst", "admin", "auditor"}
       for path in ("pairs", "alerts", "pairs/{pair_code}/windows", "pairs/{pair_code}/closure-share",
                    "pairs/{pair_code}/study")},
    **{("POST", f"/api/v1/borderposts/{path}"): {"admin"}
       for path in ("posts", "pairs", "posts/{post_code}/hours", "posts/{post_code}/exceptions", "hours-imports")},
    ("POST", "/api/v1/borderposts/crossings/events"): {"officer"},
    ("POST", "/api/v1/borderposts/pairs/{pair_code}/study"): {"analyst"},
    # Single window: profiles are public to users; a trader applies and sees its own permits, the agency the
    # permits applied to it and the referrals made to it (MFDS: the demo agency user), customs staff read all.
    ("GET", "/api/v1/agencies"): EVERYONE,
    ("POST", "/api/v1/agencies/permits"): {"trader-a", "trader-b"},
    ("GET", "/api/v1/agencies/permits"): EVERYONE,
    ("GET", "/api/v1/agencies/permits/{number}"): {"trader-a", "agency", "officer", "analyst", "admin", "auditor"},
    ("POST", "/api/v1/agencies/permits/{number}/decision"): {"agency"},
    ("POST", "/api/v1/agencies/permits/{number}/answer"): {"trader-a"},
    ("GET", "/api/v1/agencies/referrals"): {"agency", "officer", "analyst", "admin", "auditor"},
    ("GET", "/api/v1/agencies/referrals/{referral_id}"): {"agency", "officer", "analyst", "admin", "auditor"},
    ("POST", "/api/v1/agencies/referrals/{referral_id}/decision"): {"agency"},
    # trader-a's declaration of the matrix was never referred to MFDS (the demo agency user's): it may not touch it.
    ("POST", "/api/v1/agencies/declarations/{mrn}/joint-inspection"): {"officer"},
    ("PUT", "/api/v1/agencies/declarations/{mrn}/joint-inspection/findings"): {"officer"},
    ("GET", "/api/v1/agencies/performance"): {"officer", "analyst", "admin", "auditor"},
    # Exchange: partners call these machine to machine, authenticated by the signatures they carry (no token).
    **{(method, f"/api/v1/exchange/{path}"): EVERYONE
       for method, path in (("POST", "inbox"), ("POST", "pull"), ("POST", "acks"), ("GET", "keys"))},
    # Customs staff read partners and messages; analysts and admins send.
    **{("GET", f"/api/v1/exchange/{path}"): {"officer", "analyst", "admin", "auditor"}
       for path in ("partners", "partners/{partner}", "messages")},
    ("POST", "/api/v1/exchange/partners/{partner}/messages"): {"analyst", "admin"},
    ("GET", "/api/v1/exchange/mirror"): {"officer", "analyst", "admin", "auditor"},
    ("GET", "/api/v1/exchange/assistance"): {"officer", "analyst", "admin", "auditor"},
    ("GET", "/api/v1/exchange/assistance/{assistance_id}"): {"officer", "analyst", "admin", "auditor"},
    ("POST", "/api/v1/exchange/partners/{partner}/assistance"): {"analyst", "admin"},
    ("POST", "/api/v1/exchange/assistance/{assistance_id}/reply"): {"analyst", "admin"},
    # Enforcement: analysts only (the FIU, an agency of its own organisation, reads referred cases: tested in
    # tests/enforcement); the demo agency user (MFDS) is refused like any other agency.
    **{(method, f"/api/v1/enforcement/{path}"): {"analyst"} for method, path in (
        ("GET", "declarations/{mrn}/price-evidence"), ("GET", "leads"), ("GET", "cases"), ("POST", "cases"),
        ("POST", "cases/from-leads"), ("GET", "cases/{reference}"), ("PATCH", "cases/{reference}"),
        ("POST", "cases/{reference}/leads"), ("POST", "cases/{reference}/referral"),
        ("GET", "cases/{reference}/referral"), ("GET", "referral-schema"))},
    # Training: instructors are admins and supervising officers (the demo officer is made one below); trainees
    # are officers. Traders, analysts, agencies and auditors are refused.
    **{(method, f"/api/v1/training/{path}"): {"officer", "admin"} for method, path in (
        ("GET", "worlds"), ("GET", "exercises"), ("POST", "exercises"), ("GET", "exercises/{exercise_id}/key"),
        ("GET", "exercises/{exercise_id}/report"), ("POST", "exercises/{exercise_id}/close"),
        ("POST", "projections"), ("GET", "projections"), ("GET", "projections/scores"))},
    **{(method, f"/api/v1/training/{path}"): {"officer"} for method, path in (
        ("GET", "exercises/{exercise_id}"), ("POST", "exercises/{exercise_id}/items/{item_id}/open"),
        ("PUT", "exercises/{exercise_id}/items/{item_id}/decision"), ("POST", "exercises/{exercise_id}/finish"),
        ("GET", "me"))},
    # Training certificates and gates: instructors read certificates, staff read gates, administrators set them.
    **{(method, f"/api/v1/training/{path}"): {"officer", "admin"} for method, path in (
        ("GET", "certificates"), ("GET", "gates"))},
    **{(method, "/api/v1/training/gates/{action}"): {"admin"} for method in ("PUT", "DELETE")},
    # Projection injection rates: instructors (supervisors their own office, administrators any).
    ("GET", "/api/v1/training/injection"): {"officer", "admin"},
    **{(method, "/api/v1/training/injection/{office}"): {"officer", "admin"} for method in ("PUT", "DELETE")},
    ("GET", "/api/v1/training/reports/{office}/{month}"): {"officer", "admin"},
    # Analysts take exercises too (their own curriculum), and never instruct: these entries widen the above.
    ("GET", "/api/v1/training/exercises"): {"officer", "analyst", "admin"},
    **{(method, f"/api/v1/training/{path}"): {"officer", "analyst"} for method, path in (
        ("GET", "exercises/{exercise_id}"), ("POST", "exercises/{exercise_id}/items/{item_id}/open"),
        ("PUT", "exercises/{exercise_id}/items/{item_id}/decision"), ("POST", "exercises/{exercise_id}/finish"),
        ("GET", "me"))},
    ("PUT", "/api/v1/training/exercises/{exercise_id}/rule"): {"officer", "analyst"},
    # Crisis: customs staff read profiles, nodes and tasks; administrators declare, lift and provision;
    # officers (and administrators) reconcile a post's export.
    **{("GET", f"/api/v1/crisis/{path}"): {"officer", "analyst", "admin", "auditor"}
       for path in ("emergencies", "emergencies/{profile_id}", "posts", "conflicts")},
    **{("POST", f"/api/v1/crisis/{path}"): {"admin"}
       for path in ("emergencies", "emergencies/{profile_id}/lift", "posts/{post}/snapshot", "posts/{post}/node")},
    ("POST", "/api/v1/crisis/posts/{post}/reconcile"): {"officer", "admin"},
    ("POST", "/api/v1/crisis/relief"): {"trader-a", "trader-b"},  # a relief consignment's simplified declaration
    # Intelligence: the community (officers, analysts, agencies) reads what the marking lets it (the matrix's alert
    # is GREEN, from the analyst, sent to MFDS); admins, auditors and traders read nothing. Reading never
    # implies writing: only customs officers and analysts act and report outcomes, only the originating
    # analyst consents, only a recipient (MFDS) acknowledges. The marking itself: tests/intelligence.
    **{(method, f"/api/v1/intelligence/{path}"): {"officer", "analyst", "agency"} for method, path in (
        ("GET", "alerts"), ("POST", "alerts"), ("GET", "alerts/{alert_ref}"), ("GET", "alerts/{alert_ref}/export"),
        ("POST", "alerts/{alert_ref}/recipients"))},
    ("POST", "/api/v1/intelligence/alerts/{alert_ref}/acknowledgement"): {"agency"},
    ("POST", "/api/v1/intelligence/alerts/{alert_ref}/consents"): {"analyst"},
    ("POST", "/api/v1/intelligence/alerts/{alert_ref}/withdrawal"): {"analyst"},
    **{("POST", f"/api/v1/intelligence/alerts/{{alert_ref}}/{path}"): {"officer", "analyst"}
       for path in ("actions", "outcomes")},
    # Alert to action (a watchlist entry or a time-boxed enhanced control) is a risk analyst's decision.
    ("POST", "/api/v1/intelligence/alerts/{alert_ref}/conversions"): {"analyst"},
    ("POST", "/api/v1/intelligence/derived/{derived_ref}/lifting"): {"analyst"},
    ("GET", "/api/v1/intelligence/hit-rates"): {"officer", "analyst", "agency"},
    # Whether a subject is watched: the community asks; the answer names only the alerts the caller may read.
    ("GET", "/api/v1/intelligence/watches"): {"officer", "analyst", "agency"},
    # Overdue feedback: each community member lists its own tasks (an empty list is an answer too).
    ("GET", "/api/v1/intelligence/feedback-tasks"): {"officer", "analyst", "agency"},
    # CEN seizure records: customs publishes them; the community reads and exports what their marking allows.
    ("POST", "/api/v1/intelligence/seizures"): {"officer", "analyst"},
    ("GET", "/api/v1/intelligence/seizures"): {"officer", "analyst", "agency"},
    ("GET", "/api/v1/intelligence/seizures/export"): {"officer", "analyst", "agency"},
    # Attachments carry the alert's (GREEN) marking: its readers attach, and download what they may export.
    ("POST", "/api/v1/intelligence/alerts/{alert_ref}/attachments"): {"officer", "analyst", "agency"},
    ("GET", "/api/v1/intelligence/alerts/{alert_ref}/attachments/{attachment_id}"): {"officer", "analyst", "agency"},
    # A partner administration is addressed by customs (the matrix's partner JP has no assistance agreement: 422).
    ("POST", "/api/v1/intelligence/alerts/{alert_ref}/partner-messages"): {"officer", "analyst"},
}
EXCHANGE_PUBLIC = {(m, f"/api/v1/exchange/{p}") for m, p in (("POST", "inbox"), ("POST", "pull"), ("POST", "acks"),
                                                              ("GET", "keys"))}
PUBLIC = {("POST", "/api/v1/auth/token"), *EXCHANGE_PUBLIC}
# Status: anyone reads (no sign-in); administrators post notices; traders subscribe their organisation.
STATUS_POLICY: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/v1/status"): EVERYONE, ("GET", "/api/v1/status/notices"): EVERYONE,
    ("GET", "/api/v1/status/notices/{notice_id}"): EVERYONE,
    ("POST", "/api/v1/status/notices"): {"admin"}, ("POST", "/api/v1/status/notices/{notice_id}/updates"): {"admin"},
    **{(m, "/api/v1/status/subscription"): {"trader-a", "trader-b"} for m in ("GET", "PUT", "DELETE")},
}
POLICY.update(STATUS_POLICY)
# Exchange: officers, analysts and admins ask for and give assistance and review mirror lines (auditors read).
POLICY.update({("POST", "/api/v1/exchange/partners/{partner}/assistance"): {"officer", "analyst", "admin"},
               ("POST", "/api/v1/exchange/assistance/{assistance_id}/reply"): {"officer", "analyst", "admin"},
               ("POST", "/api/v1/exchange/mirror/{line_id}/review"): {"officer", "analyst", "admin"}})
# Exchange: customs staff read partners' export declarations with our risk engine's decision on their arrival.
POLICY.update({("GET", "/api/v1/exchange/prearrivals"): {"officer", "analyst", "admin", "auditor"}})
PUBLIC |= {key for key in STATUS_POLICY if key[0] == "GET" and "subscription" not in key[1]}
PDF = b"%PDF-1.4\n%%EOF\n"
CONTROL_BODIES = {"/reroute": {"channel": "red", "reason": "matrix test"}, "/assign": {"username": "officer",
                  "reason": "matrix test"}, "/schedule": {"at": "2030-01-01T10:00:00Z", "place": "Shed 1"},
                  "/document-requests": {"documents": [{"code": "N935", "description": "Invoice"}],
                                         "due_at": "2030-01-01T10:00:00Z"},
                  "/findings/0": {"result": "compliant"}, "/examiners/officer": {"supervisor": True},
                  "/notifications/endpoint": {"url": "https://hooks.example.com/matrix"},
                  "/answer": {"note": "matrix test"}, "/accept": {}, "/inspection/end": {}}


def _principals_by_name():
    """Every user's principal, by username."""
    from sqlalchemy import select

    from clearway.auth.models import User
    from clearway.auth.service import principal_of
    from clearway.db import get_sessionmaker

    with get_sessionmaker()() as db:
        return {u.username: principal_of(u) for u in db.scalars(select(User))}


def _controls_world(client):
    """A yellow declaration of trader-a whose task the officer (a supervisor) holds, a request and a file."""
    from clearway.controls.service import document_upload, documents_request, task_claim
    from clearway.db import get_sessionmaker, utcnow
    from tests.controls.flows import TOBACCO, lodge, set_examiner

    set_examiner(client, "officer", supervisor=True)
    lodge(client, TOBACCO)
    r = client.put("/api/v1/notifications/endpoint", json={"url": "https://hooks.example.com/a"},
                   headers=auth(client, "trader-a"))
    ids = {"{task_id}": "1", "{item}": "0", "{username}": "officer", "{secret_id}": r.json()["secrets"][0]["id"]}
    who = _principals_by_name()
    with get_sessionmaker()() as db, db.begin():
        now = utcnow()
        task_claim(db=db, actor=who["officer"], task_id=1, now=now)
        request = documents_request(db=db, actor=who["officer"], task_id=1, message=None, now=now,
                                    documents=[{"code": "N935", "description": "Invoice"}],
                                    due_at=now + timedelta(days=30))
        upload = document_upload(db=db, actor=who["trader-a"], request_id=request.id, document_code="N935",
                                 filename="i.pdf", content_type="application/pdf", data=PDF, now=now)
        ids.update({"{request_id}": str(request.id), "{file_id}": str(upload.id)})
    return ids




def _borderposts_world(client):
    """A pair of border posts for the paths that name one."""
    from tests.borderposts.flows import make_pair

    make_pair(client)
    return {"{pair_code}": "KZCN", "{post_code}": "KZ-NUR"}
def _agencies_world(client):
    """The shipped agencies live, an MFDS application of trader-a, and trader-a's fish referred to MFDS."""
    from tests.agencies.helpers import FISH, doc_with, load_shipped

    load_shipped()
    number = client.post("/api/v1/agencies/permits", headers=auth(client, "trader-a"), json={
        "agency": "MFDS", "lpco": "MFDS-DRUG", "hs_prefixes": ["3004"], "quantity": "10", "unit": "KGM",
        "purpose": "matrix test"}).json()["number"]
    client.post("/api/v1/declarations", json=doc_with(FISH), headers=auth(client, "trader-a"))
    referral = client.get("/api/v1/agencies/referrals", headers=auth(client, "agency")).json()["items"][0]
    return {"{number}": number, "{referral_id}": str(referral["id"])}


def _enforcement_world(client):
    """A case the analyst opened and referred to the FIU, for the paths that name one."""
    headers = auth(client, "analyst")
    reference = client.post("/api/v1/enforcement/cases", json={"title": "Matrix case"}, headers=headers).json()[
        "reference"]
    assert client.post(f"/api/v1/enforcement/cases/{reference}/referral", headers=headers).status_code == 200
    return {"{reference}": reference}


def _training_world(client):
    """A cohort's training world and an exercise of it, for the paths that name one."""
    from clearway.db import get_sessionmaker, utcnow
    from clearway.training.service import world_seed

    with get_sessionmaker()() as db, db.begin():
        world_seed(db=db, cohort="matrix", seed=3, days=10, per_day=20, now=utcnow())
    made = client.post("/api/v1/training/exercises", json=TRAINING_BODIES["/exercises"],
                       headers=auth(client, "admin")).json()
    return {"{exercise_id}": str(made["id"]), "{item_id}": str(made["items"][0]["id"])}


TRAINING_BODIES = {"/exercises": {"cohort": "matrix", "title": "matrix test", "budget": 1, "size": 2, "frauds": 1},
                   "/decision": {"decision": "clear"}, "/projections": {"case": "TRN-1-1", "officer": "officer"}}


def _crisis_world():
    """An active emergency profile for the paths that name one, and a post."""
    from datetime import UTC, datetime

    from clearway.crisis.service import emergency_activate
    from clearway.db import get_sessionmaker

    now = datetime.now(UTC)
    with get_sessionmaker()() as db, db.begin():
        profile = emergency_activate(db=db, kind="relief", scope={"offices": ["KR0201"]}, params={}, reason="matrix",
                                     expires_at=now + timedelta(days=1), actor="admin", now=now)
        return {"{profile_id}": str(profile.id), "{post}": "KR0101"}


def _intelligence_world(client):
    """A GREEN alert of the analyst, sent to MFDS, for the paths that name one."""
    from tests.intelligence.helpers import create

    return {"{alert_ref}": create(marking="GREEN", subject_type="goods", subject_value="240220")}


def _intelligence_derived_world(alert_ref):
    """An enhanced control made from the matrix's alert, for the paths that name a derived item."""
    from clearway.db import get_sessionmaker, utcnow
    from clearway.intelligence.derived import alert_convert
    from clearway.intelligence.schemas import ConversionCreate
    from tests.intelligence.helpers import principals

    with get_sessionmaker()() as db, db.begin():
        item = alert_convert(db=db, actor=principals()["analyst"], reference=alert_ref, now=utcnow(),
                             body=ConversionCreate(into="enhanced_control", days=2))
        return {"{derived_ref}": item.reference}


def _intelligence_attachment_world(alert_ref):
    """A PDF attached to the matrix's alert, for the paths that name an attachment."""
    from clearway.db import get_sessionmaker, utcnow
    from clearway.intelligence.attachments import attachment_add
    from tests.intelligence.helpers import principals

    with get_sessionmaker()() as db, db.begin():
        row = attachment_add(db=db, actor=principals()["analyst"], reference=alert_ref, purpose="control",
                             name="m.pdf", media_type="application/pdf", data=PDF, now=utcnow())
        return {"{attachment_id}": str(row.id)}


INTELLIGENCE_BODIES = {"/alerts": {"subject_type": "vessel", "subject_value": "KE0082", "text": "matrix test",
                                   "source_ref": "M-1", "source_grade": "C", "info_grade": "3", "marking": "GREEN",
                                   "purposes": ["control"]},
                       "/recipients": {"recipients": ["user:agency"]},
                       "/consents": {"action": "export", "key": "org:KRMFDS"},
                       "/conversions": {"into": "enhanced_control", "days": 3},
                       "/seizures": {"case": "EC-2026-T999999"},
                       "/partner-messages": {"partner": "JP", "exchange_purpose": "risk_assessment"}}


ENFORCEMENT_BODIES = {"/cases": {"title": "matrix test"}, "/from-leads": {"title": "matrix test", "keys": ["0" * 16]},
                      "/leads": {"kind": "price", "score": 1, "explanation": "matrix test"}}


AGENCY_BODIES = {"/joint-inspection": {"at": "2030-01-01T10:00:00Z", "place": "Shed 1"},
                 "/findings": {"result": "compliant"}, "/answer": {"purpose": "matrix test"},
                 "/permits": {"agency": "MFDS", "lpco": "MFDS-DRUG", "hs_prefixes": ["3004"], "quantity": "1",
                              "unit": "KGM", "purpose": "matrix test"}}


def _status_world(client):
    """An open incident notice, for the paths that name one."""
    text = {"en": "Matrix", "es": "Matriz", "fr": "Matrice"}
    r = client.post("/api/v1/status/notices", headers=auth(client, "admin"), json={
        "kind": "incident", "services": ["api"], "starts_at": "2030-01-01T10:00:00Z", "title": text, "message": text})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _rulings_world(client):
    """A classification ruling requested by trader-a, for the paths that name one."""
    r = client.post("/api/v1/classification/rulings", headers=auth(client, "trader-a"),
                    json={"goods_description": "cotton t-shirts, knitted", "match_terms": "t-shirts"})
    assert r.status_code == 201, r.text
    return r.json()["reference"]


def _operations(client):
    spec = client.get("/api/v1/openapi.json").json()
    return [(m.upper(), path) for path, ops in spec["paths"].items() for m in ops]


def _request(client, method, path, mrn, headers, ids=None):
    url = path.replace("{mrn}", mrn).replace("{code}", "851713")
    for name, value in (ids or {}).items():  # controls and notifications: ids made by _controls_world
        url = url.replace(name, value)
    body = None
    if url.endswith(("/files", "/photos")) and method == "POST":
        return client.post(url, files={"file": ("m.pdf", PDF, "application/pdf")}, headers=headers)
    if "/agencies/" in url and method in ("POST", "PUT"):
        body = next((b for suffix, b in AGENCY_BODIES.items() if url.endswith(suffix)), None)
        if url.endswith("/decision"):
            body = {"outcome": "approved"} if "/permits/" in url else {"decision": "release"}
        return client.request(method, url, json=body, headers=headers)
    if "/enforcement/" in url and method in ("POST", "PATCH"):
        body = {"notes": "matrix test"} if method == "PATCH" else next(
            (b for suffix, b in ENFORCEMENT_BODIES.items() if url.endswith(suffix)), None)
        return client.request(method, url, json=body, headers=headers)
    if "/training/" in url and method in ("POST", "PUT"):
        body = next((b for suffix, b in TRAINING_BODIES.items() if url.endswith(suffix)), None)
        return client.request(method, url, json=body, headers=headers)
    if "/intelligence/" in url and url.endswith("/attachments") and method == "POST":
        return client.post(url + "?purpose=control", files={"file": ("m.pdf", PDF, "application/pdf")},
                           headers=headers)
    if "/intelligence/watches" in url:
        return client.get(url + "?purpose=control&subject_type=trader&subject_value=KR1000000001", headers=headers)
    if "/intelligence/" in url:  # each call states its purpose; actions and outcomes name trader-a's declaration
        url += "" if method == "POST" and url.endswith("/consents") else "?purpose=control"
        body = next((b for suffix, b in INTELLIGENCE_BODIES.items() if url.split("?")[0].endswith(suffix)), None)
        if url.split("?")[0].endswith(("/actions", "/outcomes")):
            body = {"target": "declaration", "mrn": mrn, "hold": False} if "/actions" in url else {
                "mrn": mrn, "outcome": "hit"}
        return client.request(method, url, json=body if method == "POST" else None, headers=headers)
    if "/controls/" in url or "/notifications/" in url:
        body = next((b for suffix, b in CONTROL_BODIES.items() if url.endswith(suffix)), {"reason": "matrix test"})
        if method in ("GET", "DELETE"):
            body = None
    elif url.endswith("/cancel"):
        body = {"reason": "matrix test"}
    elif url.endswith("/decisions"):
        body = {"to": "released", "reason": "matrix test"}
    elif url.endswith("/calculate"):
        body = document()
    elif url.endswith("/classification/suggest"):
        body = {"description": "cotton t-shirts", "hs_code": "610910"}
    elif url.endswith("/classification/rulings") and method == "POST":
        body = {"goods_description": "cotton t-shirts", "match_terms": "t-shirts"}
    elif url.endswith("/decision") and "/classification/rulings/" in url:
        body = {"outcome": "issue", "hs_code": "61091000"}
    elif url.endswith(("/tariff/payments", "/tariff/guarantee-uses")):  # tariff: settle trader-a's declaration
        body = {"mrn": mrn, "guarantee_id": 1} if url.endswith("uses") else {"mrn": mrn}
        headers = {**headers, "Idempotency-Key": "matrix-settle"}
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
    ids = {**_controls_world(client), **_borderposts_world(client), **_agencies_world(client),
           **_enforcement_world(client)}
    ids.update(_training_world(client))
    ids.update(_intelligence_world(client))
    ids.update(_intelligence_derived_world(ids["{alert_ref}"]))
    ids.update(_intelligence_attachment_world(ids["{alert_ref}"]))
    partner_jp()
    ids["{partner}"] = "JP"
    ids["{assistance_id}"] = str(assistance_from_jp())
    ids["{line_id}"] = str(mirror_gap_from_jp())
    ids.update(_crisis_world())
    ids["{notice_id}"] = str(_status_world(client))
    ids["{reference}"] = _rulings_world(client)
    tokens = {role: auth(client, role) for role in ROLES}
    for method, path in _operations(client):
        anonymous = _request(client, method, path, mrn, {}, ids)
        if (method, path) not in PUBLIC:
            assert anonymous.status_code == 401, (method, path)
        for role in ROLES:
            r = _request(client, method, path, mrn, tokens[role], ids)
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


# Writes on one declaration: the declarant (trader-b, which lodged it) may make them, a trader named only as
# a party may not, whatever the party role. Bodies as the endpoint would accept them from the declarant.
PARTY_ROLES = ("importer", "exporter", "seller", "buyer")
DECLARATION_WRITES = (
    ("PUT", "/api/v1/declarations/{mrn}"),
    ("POST", "/api/v1/declarations/{mrn}/cancel"),
    ("POST", "/api/v1/tariff/payments"),
    ("POST", "/api/v1/tariff/guarantee-uses"),
    ("POST", "/api/v1/declarations/{mrn}/decisions"),
    ("POST", "/api/v1/controls/declarations/{mrn}/release"),
    ("POST", "/api/v1/controls/declarations/{mrn}/detain"),
    ("POST", "/api/v1/controls/declarations/{mrn}/reroute"),
)


def _write(client, method, path, mrn, headers, doc):
    url = path.replace("{mrn}", mrn)
    if path.endswith("{mrn}"):
        return client.put(url, json={**doc, "reason": "party test"}, headers={**headers, "If-Match": '"v1"'})
    if path.endswith(("/payments", "/guarantee-uses")):
        body = {"mrn": mrn, "guarantee_id": 1} if path.endswith("uses") else {"mrn": mrn}
        return client.post(url, json=body, headers={**headers, "Idempotency-Key": f"party-{mrn}"})
    body = {"to": "released", "reason": "party test"} if path.endswith("/decisions") else (
        {"channel": "red", "reason": "party test"} if path.endswith("/reroute") else {"reason": "party test"})
    return client.post(url, json=body, headers=headers)


def test_a_party_named_on_another_traders_declaration_may_read_it_but_change_nothing(client, monkeypatch):
    from clearway.config import get_settings
    from tests.factories import TRADER_A, TRADER_B, document_for

    # Unassessed imports wait for their duties: the declaration stays open to amendment and cancellation.
    monkeypatch.setenv("CLEARWAY_DUTY_ASSESSMENT_REQUIRED", "true")
    get_settings.cache_clear()

    a, b = auth(client, "trader-a"), auth(client, "trader-b")
    assert {(m, p) for m, p in DECLARATION_WRITES} <= set(POLICY)
    for role in PARTY_ROLES:
        party_a = {"id": TRADER_A, "name": "Hanbit Trading Co.", "country": "KR"}
        doc = document_for(TRADER_B)
        doc[role] = party_a
        r = client.post("/api/v1/declarations", json=doc, headers=b)
        assert r.status_code == 201, (role, r.text)
        mrn = r.json()["mrn"]
        before = client.get(f"/api/v1/declarations/{mrn}", headers=a)
        assert before.status_code == 200, role  # a named party reads it
        assert before.json()["status"] == "channelled", role
        for method, path in DECLARATION_WRITES:
            r = _write(client, method, path, mrn, a, {**doc, "lrn": doc["lrn"] + "X"})
            assert r.status_code in (403, 404), (role, method, path, r.status_code, r.text[:200])
        after = client.get(f"/api/v1/declarations/{mrn}", headers=b).json()
        assert after["status"] == before.json()["status"] and after["version"] == 1, role
        assert after["lrn"] == doc["lrn"], role
        # The declarant still may: its own amendment and cancellation go through.
        etag = client.get(f"/api/v1/declarations/{mrn}", headers=b).headers["ETag"]
        r = client.put(f"/api/v1/declarations/{mrn}", json={**doc, "reason": "own fix"},
                       headers={**b, "If-Match": etag})
        assert r.status_code == 200, (role, r.text)
        r = client.post(f"/api/v1/declarations/{mrn}/cancel", json={"reason": "own"}, headers=b)
        assert r.status_code == 200, (role, r.text)
