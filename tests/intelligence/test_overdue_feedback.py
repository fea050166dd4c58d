"""Feedback owed on an alert: past the feedback period with no outcome, the job raises an overdue task for each
recipient (who owes it) and for the originator (who follows it up), once; an outcome or the alert's end closes
them; each owner sees its own tasks in its inbox, through the marking."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from clearway.assembly import wiring_build
from clearway.audit.models import AuditRecord
from clearway.db import get_sessionmaker, utcnow
from clearway.intelligence import overdue, service
from clearway.intelligence.models import IntelFeedbackTask
from clearway.intelligence.schemas import OutcomeCreate
from tests.factories import lodge_direct
from tests.intelligence.helpers import TEXT, create, fiu, principals
from tests.web.conftest import sign_in

pytestmark = pytest.mark.usefixtures("world")
FEEDBACK_DAYS = 14  # the period these tests pass the job explicitly
DAYS = timedelta(days=FEEDBACK_DAYS)


def _pass(now) -> int:  # type: ignore[no-untyped-def]
    with get_sessionmaker()() as db, db.begin():
        return overdue.feedback_overdue_pass(db=db, now=now, days=FEEDBACK_DAYS)


def _tasks(who: str, now, purpose: str = "control"):  # type: ignore[no-untyped-def]
    with get_sessionmaker()() as db:
        return overdue.feedback_tasks_for(db=db, actor=principals()[who], purpose=purpose, now=now)


def test_feedback_past_its_date_raises_one_task_per_owner_which_an_outcome_closes():
    fiu()
    t0 = utcnow() - timedelta(days=40)
    ref = create(now=t0, marking="AMBER", recipients=["org:KRMFDS"], valid_days=90)
    assert _pass(t0 + DAYS - timedelta(minutes=1)) == 0  # not due yet
    late = t0 + DAYS + timedelta(days=3)
    assert _pass(late) == 2 and _pass(late) == 0  # raised once
    (mine,) = _tasks("agency", late)
    assert (mine.reference, mine.role, mine.owner, mine.days_overdue) == (ref, "recipient", "org:KRMFDS", 3)
    assert mine.due_at == t0 + DAYS
    (follow,) = _tasks("analyst", late, purpose="risk_targeting")
    assert (follow.role, follow.owner) == ("originator", "user:analyst")
    assert _tasks("fiu", late) == [] and _tasks("officer", late) == []  # nobody else's
    assert _tasks("agency", late, purpose="policy") == []  # a purpose the alert does not allow
    with get_sessionmaker()() as db:
        audits = list(db.scalars(select(AuditRecord).where(AuditRecord.action == "intelligence.feedback_overdue")))
        assert len(audits) == 2 and all(TEXT not in str(a.detail) for a in audits)
    # The officer reports the outcome on a declaration: the next pass closes both tasks.
    (mrn,) = lodge_direct("trader-a")
    with get_sessionmaker()() as db, db.begin():
        service.outcome_record(db=db, actor=principals()["officer"], reference=ref, purpose="control",
                               body=OutcomeCreate(mrn=mrn, outcome="no_hit"), release=wiring_build().release,
                               now=late)
    assert _pass(late + timedelta(minutes=5)) == 0
    assert _tasks("agency", late) == [] and _tasks("analyst", late, purpose="risk_targeting") == []
    with get_sessionmaker()() as db:
        assert {t.closed_why for t in db.scalars(select(IntelFeedbackTask))} == {"outcome"}


def test_a_withdrawn_alert_closes_its_tasks_and_a_report_owes_no_feedback():
    t0 = utcnow() - timedelta(days=30)
    ref = create(now=t0, recipients=["org:KRMFDS"], valid_days=90)
    create(now=t0, kind="report", recipients=["org:KRMFDS"], valid_days=90)
    late = t0 + DAYS + timedelta(hours=1)
    assert _pass(late) == 2  # the alert's two owners; the report none
    with get_sessionmaker()() as db, db.begin():
        service.alert_withdraw(db=db, actor=principals()["analyst"], reference=ref, now=late)
    _pass(late + timedelta(minutes=5))
    assert _tasks("agency", late) == []
    with get_sessionmaker()() as db:
        assert {t.closed_why for t in db.scalars(select(IntelFeedbackTask))} == {"alert_ended"}


@pytest.mark.parametrize("lang,title", [("en", "Feedback overdue"), ("es", "Retroinformación vencida"),
                                        ("fr", "Retours en retard")])
def test_the_recipient_sees_its_overdue_feedback_in_its_inbox(client, lang, title):
    t0 = utcnow() - timedelta(days=20)
    ref = create(now=t0, recipients=["org:KRMFDS"], valid_days=90)
    _pass(utcnow())
    sign_in(client, "agency")
    page = client.get("/intelligence?purpose=control", headers={"Accept-Language": lang}).text
    assert title in page and f'href="/intelligence/alerts/{ref}?purpose=control"' in page.split('id="overdue"')[1]
    client.cookies.clear()
    sign_in(client, "officer")
    assert 'id="overdue"' not in client.get("/intelligence?purpose=control", headers={"Accept-Language": lang}).text


def test_the_api_lists_the_callers_overdue_feedback_and_refuses_traders(client):
    from tests.factories import auth

    t0 = utcnow() - timedelta(days=20)
    ref = create(now=t0, recipients=["org:KRMFDS"], valid_days=90)
    _pass(utcnow())
    r = client.get("/api/v1/intelligence/feedback-tasks", params={"purpose": "control"},
                   headers=auth(client, "agency"))
    assert r.status_code == 200
    (task,) = r.json()["items"]
    assert (task["reference"], task["role"], task["days_overdue"]) == (ref, "recipient", 20 - FEEDBACK_DAYS)
    assert client.get("/api/v1/intelligence/feedback-tasks", params={"purpose": "control"},
                      headers=auth(client, "officer")).json()["items"] == []
    assert client.get("/api/v1/intelligence/feedback-tasks", params={"purpose": "control"},
                      headers=auth(client, "trader-a")).status_code == 403
