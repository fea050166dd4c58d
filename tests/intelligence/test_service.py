"""Alerts through the services: created with a marking, read by need-to-know (audited), passed on only as the
marking allows, acted on against declarations through the one release decision, and their outcomes reported."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from clearway.audit.models import AuditRecord
from clearway.db import get_sessionmaker, utcnow
from clearway.errors import Forbidden, NotFound, ValidationFailed
from clearway.intelligence import selectors, service
from clearway.intelligence.models import IntelAlert, IntelRecipient
from clearway.intelligence.schemas import ActionCreate, ConsentCreate, OutcomeCreate
from tests.factories import lodge_direct
from tests.intelligence.helpers import TEXT, body, create, fiu, principals, status_and_holds

pytestmark = pytest.mark.usefixtures("world")


def _read(who: str, reference: str, purpose: str = "control"):  # type: ignore[no-untyped-def]
    with get_sessionmaker()() as db, db.begin():
        alert, handling, party = service.alert_read_audited(db=db, actor=principals()[who], reference=reference,
                                                            purpose=purpose, now=utcnow())
        return selectors.alert_read(db=db, alert=alert, handling=handling, party=party, purpose=purpose)


def _fails(exc: type[Exception], fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    with get_sessionmaker()() as db, db.begin(), pytest.raises(exc) as caught:
        fn(*args, db=db, now=utcnow(), **kwargs)
    return [p.code for p in caught.value.problems]  # type: ignore[attr-defined]


def test_an_amber_alert_is_read_by_its_originator_and_recipients_only_and_each_read_is_audited():
    ref = create()
    assert _read("officer", ref).text == TEXT  # the originating organisation
    assert _read("agency", ref).text == TEXT  # MFDS is a recipient
    for who in ("trader-a", "admin", "auditor"):
        assert _fails(NotFound, service.alert_read_audited, actor=principals()[who], reference=ref,
                      purpose="control") == ["intelligence.alert_unknown"]
    # A purpose the alert does not allow reads nothing, even for a recipient.
    with pytest.raises(NotFound):
        _read("agency", ref, purpose="policy")
    with get_sessionmaker()() as db:
        reads = db.scalars(select(AuditRecord).where(AuditRecord.action == "intelligence.alert_read",
                                                     AuditRecord.target_id == ref)).all()
    assert sorted(r.actor for r in reads) == ["agency", "officer"]
    assert all(r.detail["purpose"] == "control" and r.detail["marking"] == "AMBER" for r in reads)


def test_unknown_markings_purposes_and_recipients_are_refused_and_nothing_is_stored():
    who = principals()["analyst"]
    assert _fails(ValidationFailed, service.alert_create, actor=who, body=body(marking="WHITE")) == [
        "intelligence.marking_unknown"]
    assert _fails(ValidationFailed, service.alert_create, actor=who, body=body(purposes=["curiosity"])) == [
        "intelligence.purpose_unknown"]
    assert _fails(ValidationFailed, service.alert_create, actor=who,
                  body=body(recipients=["org:KRMFDS", "user:nobody", "org:NOWHERE", "fax:123"])) == [
        "intelligence.recipient_unknown"] * 3
    # A trader is no recipient of intelligence, whatever the marking.
    assert _fails(ValidationFailed, service.alert_create, actor=who,
                  body=body(marking="GREEN", recipients=["org:KR1000000002"])) == [
        "intelligence.recipient_outside_community"]
    assert _fails(Forbidden, service.alert_create, actor=principals()["trader-a"], body=body()) == [
        "intelligence.no_need_to_know"]
    with get_sessionmaker()() as db:
        assert db.scalars(select(IntelAlert)).all() == []


def test_passing_an_amber_alert_beyond_its_recipients_needs_the_originators_consent():
    fiu()
    ref = create()
    agency = principals()["agency"]
    assert _fails(Forbidden, service.alert_forward, actor=agency, reference=ref, keys=["org:KRKOFIU"],
                  purpose="control") == ["intelligence.beyond_marking_needs_consent"]
    # Only the originator records consent; then the same forward goes through, once.
    assert _fails(Forbidden, service.consent_grant, actor=agency, reference=ref,
                  body=ConsentCreate(action="forward", key="org:KRKOFIU")) == ["intelligence.not_the_originator"]
    with get_sessionmaker()() as db, db.begin():
        service.consent_grant(db=db, actor=principals()["analyst"], reference=ref, now=utcnow(),
                              body=ConsentCreate(action="forward", key="org:KRKOFIU", note="FIU case 12"))
    with get_sessionmaker()() as db, db.begin():
        service.alert_forward(db=db, actor=agency, reference=ref, keys=["org:KRKOFIU"], purpose="control",
                              now=utcnow())
    assert _read("fiu", ref).text == TEXT
    # The FIU may not pass it on to anyone else: consent was for it only.
    assert _fails(Forbidden, service.alert_forward, actor=principals()["fiu"], reference=ref, keys=["user:trader-a"],
                  purpose="control") == ["intelligence.recipient_outside_community"]


def test_a_red_alert_goes_to_named_people_only_and_is_never_passed_on_by_them():
    fiu()
    ref = create(marking="RED", recipients=["user:agency"])
    assert _read("agency", ref).text == TEXT
    with pytest.raises(NotFound):
        _read("officer", ref)  # the analyst's own colleague is not named
    assert _fails(Forbidden, service.alert_forward, actor=principals()["agency"], reference=ref, keys=["user:fiu"],
                  purpose="control") == ["intelligence.red_no_forward"]
    assert _fails(Forbidden, service.alert_export, actor=principals()["agency"], reference=ref,
                  purpose="control") == ["intelligence.red_no_export"]


def test_a_recipient_acknowledges_receipt_and_the_inbox_shows_it():
    ref = create(marking="GREEN")
    assert [a.acknowledged for a in selectors_list("agency")] == [False]
    with get_sessionmaker()() as db, db.begin():
        service.alert_acknowledge(db=db, actor=principals()["agency"], reference=ref, purpose="control", now=utcnow())
    assert [(a.reference, a.acknowledged) for a in selectors_list("agency")] == [(ref, True)]
    assert _fails(Forbidden, service.alert_acknowledge, actor=principals()["officer"], reference=ref,
                  purpose="control") == ["intelligence.not_a_recipient"]
    assert selectors_list("trader-a") == []


def selectors_list(who: str, purpose: str = "control"):  # type: ignore[no-untyped-def]
    with get_sessionmaker()() as db:
        return selectors.alerts_for(db=db, actor=principals()[who], purpose=purpose)


def test_an_alert_on_a_trader_holds_its_goods_until_an_officer_reports_no_hit():
    (before,) = lodge_direct("trader-a")
    assert status_and_holds(before)[0] == "released"  # nothing held these goods before the alert
    ref = create(marking="AMBER+STRICT", hold_goods=True)
    (mrn,) = lodge_direct("trader-a")
    (other,) = lodge_direct("trader-b")
    assert status_and_holds(mrn) == ("channelled", [f"intelligence.alert:{ref}"])
    assert status_and_holds(other)[0] == "released"  # another trader's goods go as before
    with get_sessionmaker()() as db:
        hold = selectors_hold(db, mrn)
    assert set(hold.params) == {"alert", "marking"} and TEXT not in hold.text("en")  # no source text leaks
    from clearway.assembly import wiring_build

    with get_sessionmaker()() as db, db.begin():
        service.outcome_record(db=db, actor=principals()["officer"], reference=ref, purpose="control",
                               body=OutcomeCreate(mrn=mrn, outcome="no_hit"), release=wiring_build().release,
                               now=utcnow())
    assert status_and_holds(mrn) == ("released", [])
    # The originator sees the outcome reported back.
    assert [(a.reference, a.outcomes) for a in selectors_list("analyst", "risk_targeting")] == [(ref, 1)]
    assert [(o.mrn, o.outcome, o.recorded_by) for o in _read("analyst", ref, "risk_targeting").outcomes] == [
        (mrn, "no_hit", "officer")]


def selectors_hold(db, mrn):  # type: ignore[no-untyped-def]
    from clearway.declarations.models import Declaration
    from clearway.intelligence.holds import intelligence_holds

    (hold,) = intelligence_holds(db, db.scalar(select(Declaration).where(Declaration.mrn == mrn)))
    return hold


def test_a_party_targeted_by_an_officer_is_held_and_a_seizure_keeps_the_goods_back():
    ref = create(marking="GREEN", subject_type="modus_operandi", subject_value="cigarettes behind phones")
    with get_sessionmaker()() as db, db.begin():
        service.action_take(db=db, actor=principals()["officer"], reference=ref, purpose="control", now=utcnow(),
                            body=ActionCreate(target="party", party_id="kr1000000002"))
    (mrn,) = lodge_direct("trader-b")
    assert status_and_holds(mrn) == ("channelled", [f"intelligence.alert:{ref}"])
    assert status_and_holds(lodge_direct("trader-a")[0])[0] == "released"
    from clearway.assembly import wiring_build

    with get_sessionmaker()() as db, db.begin():
        service.outcome_record(db=db, actor=principals()["officer"], reference=ref, purpose="control",
                               body=OutcomeCreate(mrn=mrn, outcome="seizure", note="2,000 cartons"),
                               release=wiring_build().release, now=utcnow())
    # The alert no longer holds them, but a seizure releases nothing: controls take the goods from here.
    assert status_and_holds(mrn) == ("channelled", [])
    assert _fails(Forbidden, service.action_take, actor=principals()["agency"], reference=ref, purpose="control",
                  body=ActionCreate(target="declaration", mrn=mrn)) == ["auth.role_forbidden"]


def test_an_expired_or_unreadable_alert_holds_nothing_and_outcomes_are_reported_once():
    now = utcnow()
    create(hold_goods=True, now=now - timedelta(days=40), valid_days=30)
    (mrn,) = lodge_direct("trader-a")
    assert status_and_holds(mrn)[0] == "released"
    ref = create(marking="RED", recipients=[], hold_goods=True)
    (held,) = lodge_direct("trader-a")
    assert status_and_holds(held)[1] == [f"intelligence.alert:{ref}"]
    # An officer who may not read the RED alert cannot report on it: it answers as unknown.
    from clearway.assembly import wiring_build

    assert _fails(NotFound, service.outcome_record, actor=principals()["officer"], reference=ref, purpose="control",
                  body=OutcomeCreate(mrn=held, outcome="no_hit"), release=wiring_build().release) == [
        "intelligence.alert_unknown"]
    with get_sessionmaker()() as db, db.begin():
        service.outcome_record(db=db, actor=principals()["analyst"], reference=ref, purpose="control",
                               body=OutcomeCreate(mrn=held, outcome="not_controlled"), release=wiring_build().release,
                               now=utcnow())
    from clearway.errors import Conflict

    assert _fails(Conflict, service.outcome_record, actor=principals()["analyst"], reference=ref, purpose="control",
                  body=OutcomeCreate(mrn=held, outcome="hit"), release=wiring_build().release) == [
        "intelligence.outcome_exists"]
    with get_sessionmaker()() as db:
        assert db.scalars(select(IntelRecipient.key)).all() == ["org:KRMFDS"]  # the first alert's only


def test_the_lodging_answer_equals_the_providers_own_reading():
    from clearway.assembly import wiring_build
    from clearway.auth.models import User
    from clearway.auth.service import principal_of
    from clearway.clearance.lodge import declaration_lodge
    from clearway.declarations.models import Declaration
    from clearway.holds import Lodged
    from clearway.intelligence.holds import intelligence_holds, intelligence_holds_at_lodging
    from tests.factories import document

    matched = create(hold_goods=True, marking="GREEN")
    targeted = create(marking="GREEN", subject_type="person", subject_value="a courier")
    create(hold_goods=True, marking="GREEN", subject_type="goods", subject_value="9302")  # revolvers: not these goods
    with get_sessionmaker()() as db, db.begin():
        service.action_take(db=db, actor=principals()["analyst"], reference=targeted, purpose="control", now=utcnow(),
                            body=ActionCreate(target="party", party_id="KR1000000001"))
    with get_sessionmaker()() as db, db.begin():
        actor = principal_of(db.scalar(select(User).where(User.username == "trader-a")))
        d = declaration_lodge(db=db, wiring=wiring_build(), actor=actor, raw=document(), now=utcnow())
        fast = intelligence_holds_at_lodging(db.get(Declaration, d.id), Lodged(channel="green", bill=None))
        db.flush()
        read = intelligence_holds(db, d)
    assert [h.params["alert"] for h in fast] == [h.params["alert"] for h in read] == [matched, targeted]


def test_past_twenty_alerts_the_rest_hold_as_one_that_counts_them_and_gives_the_strictest_marking():
    from clearway.intelligence.holds import LISTED

    refs = [create(marking="GREEN", hold_goods=True, recipients=[]) for _ in range(LISTED + 1)]
    refs.append(create(marking="RED", hold_goods=True, recipients=[]))
    (mrn,) = lodge_direct("trader-a")
    status, holds = status_and_holds(mrn)
    assert status == "channelled" and holds[:LISTED] == [f"intelligence.alert:{r}" for r in refs[:LISTED]]
    with get_sessionmaker()() as db:
        from clearway.declarations.models import Declaration
        from clearway.intelligence.holds import intelligence_holds

        last = intelligence_holds(db, db.scalar(select(Declaration).where(Declaration.mrn == mrn)))[-1]
    assert (last.code, dict(last.params)) == ("intelligence.more_alerts", {"count": "2", "marking": "RED"})
    assert "2" in last.text("fr") and "RED" in last.text("es")


def test_the_handling_kept_on_the_alert_row_equals_its_recipient_and_consent_rows():
    fiu()
    ref = create(recipients=["org:KRMFDS", "user:agency"])
    analyst = principals()["analyst"]
    with get_sessionmaker()() as db, db.begin():  # two consents in one transaction: the row keeps both
        service.consent_grant(db=db, actor=analyst, reference=ref, now=utcnow(),
                              body=ConsentCreate(action="forward", key="org:KRKOFIU"))
        service.consent_grant(db=db, actor=analyst, reference=ref, now=utcnow(),
                              body=ConsentCreate(action="export", key="org:KRMFDS"))
    with get_sessionmaker()() as db, db.begin():
        service.alert_forward(db=db, actor=principals()["agency"], reference=ref, keys=["org:KRKOFIU"],
                              purpose="control", now=utcnow())
    with get_sessionmaker()() as db:
        alert = selectors.alert_get(db=db, reference=ref)
        row = selectors.handling_of(db=db, alert=alert)
        tables = selectors.handling_keys_from_tables(db=db, alert=alert)
        alert.handling_keys = None  # an alert from before the keys were kept on the row reads the tables
        older = selectors.handling_of(db=db, alert=alert)
    assert row == older
    assert row.recipients == {"org:KRMFDS", "user:agency", "org:KRKOFIU"} == set(tables["recipients"])
    assert row.consents == {("forward", "org:KRKOFIU"), ("export", "org:KRMFDS")}
