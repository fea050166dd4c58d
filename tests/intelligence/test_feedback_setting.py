"""The feedback period is a setting (CLEARWAY_INTELLIGENCE_FEEDBACK_DAYS): a bad value is refused with a validation
error naming it, and the overdue job raises tasks after the period the deployment set, not a built-in 14 days."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from clearway.assembly import wiring_build
from clearway.db import get_sessionmaker, utcnow
from clearway.intelligence import jobs, overdue
from clearway.intelligence.settings import IntelligenceSettings, intelligence_settings
from clearway.worker import JobContext
from tests.intelligence.helpers import create, principals


@pytest.mark.parametrize("bad", ["0", "-3", "181", "two weeks", "1.5"])
def test_a_bad_feedback_period_is_refused_with_the_setting_named(monkeypatch, bad):
    monkeypatch.setenv("CLEARWAY_INTELLIGENCE_FEEDBACK_DAYS", bad)
    with pytest.raises(ValidationError) as refused:
        IntelligenceSettings()
    assert "feedback_days" in str(refused.value)


def test_a_worker_with_a_bad_feedback_period_does_not_start(monkeypatch):
    from clearway.worker import jobs_all

    monkeypatch.setenv("CLEARWAY_INTELLIGENCE_FEEDBACK_DAYS", "0")
    intelligence_settings.cache_clear()
    try:
        with pytest.raises(ValidationError, match="feedback_days"):
            jobs_all()
    finally:
        intelligence_settings.cache_clear()


def test_the_default_period_is_fourteen_days(monkeypatch):
    monkeypatch.delenv("CLEARWAY_INTELLIGENCE_FEEDBACK_DAYS", raising=False)
    assert IntelligenceSettings().feedback_days == 14


@pytest.mark.usefixtures("world")
def test_the_overdue_job_raises_tasks_after_the_period_the_deployment_set(monkeypatch):
    ref = create(now=utcnow() - timedelta(days=5), recipients=["org:KRMFDS"], valid_days=60)
    ctx = JobContext(sessions=get_sessionmaker(), wiring=wiring_build())
    monkeypatch.setenv("CLEARWAY_INTELLIGENCE_FEEDBACK_DAYS", "7")
    intelligence_settings.cache_clear()
    assert jobs.overdue_pass(ctx) == 0  # five days old: not late under a seven-day period
    monkeypatch.setenv("CLEARWAY_INTELLIGENCE_FEEDBACK_DAYS", "3")
    intelligence_settings.cache_clear()
    try:
        assert jobs.overdue_pass(ctx) == 2  # the MFDS (recipient) and the analyst (originator)
    finally:
        intelligence_settings.cache_clear()
    with get_sessionmaker()() as db:
        (task,) = overdue.feedback_tasks_for(db=db, actor=principals()["agency"], purpose="control", now=utcnow())
    assert task.reference == ref and task.days_overdue == 2
