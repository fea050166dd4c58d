"""From alert to action: an alert becomes a watchlist entry or a time-boxed enhanced control through the risk
engine's own services; matching lodgements are raised to the control level until the expiry, the expiry job
lifts it (recorded), and an officer's reason names the alert and its marking but never its text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from clearway.audit.models import AuditRecord
from clearway.db import get_sessionmaker, utcnow
from clearway.errors import Forbidden, NotFound, ValidationFailed
from clearway.intelligence import derived, selectors
from clearway.intelligence.models import IntelDerived
from clearway.intelligence.schemas import ConversionCreate
from clearway.risk.models import RiskDecision, RiskRule, WatchlistEntry
from tests.factories import lodge_direct
from tests.intelligence.helpers import TEXT, create, principals

pytestmark = pytest.mark.usefixtures("world")


@pytest.fixture(autouse=True)
def fresh_engine():  # type: ignore[no-untyped-def]
    """The risk engine (the channel decider) unloaded for each test, with no random pick."""
    from clearway.risk.engine.live import engine

    draw = engine.draw
    engine.snapshot, engine.bind, engine.checked = None, None, 0.0
    engine.draw = lambda: 0.99
    yield
    engine.snapshot, engine.bind, engine.draw = None, None, draw


def _convert(ref: str, who: str = "analyst", **body):  # type: ignore[no-untyped-def]
    with get_sessionmaker()() as db, db.begin():
        item = derived.alert_convert(db=db, actor=principals()[who], reference=ref, now=utcnow(),
                                     body=ConversionCreate(**body))
        return item.reference, item.kind, item.target_id, item.expires_at


def _decision(mrn: str):  # type: ignore[no-untyped-def]
    from clearway.declarations.models import Declaration

    with get_sessionmaker()() as db:
        d = db.scalar(select(Declaration).where(Declaration.mrn == mrn))
        return db.scalar(select(RiskDecision).where(RiskDecision.declaration_id == d.id))


def test_an_amber_alert_becomes_an_enhanced_control_that_selects_matching_goods_until_lifted_at_expiry():
    ref = create(marking="AMBER")
    (before,) = lodge_direct("trader-a")
    assert _decision(before) is None  # nothing configured: no risk decision at all
    drv, kind, rule_id, expires = _convert(ref, into="enhanced_control", days=5, channel="red")
    assert kind == "rule"
    (mrn,) = lodge_direct("trader-a")
    (other,) = lodge_direct("trader-b")
    decision = _decision(mrn)
    assert decision.channel == "red" and [h["rule_id"] for h in decision.rule_hits] == [rule_id]
    text = decision.rule_hits[0]["text"]
    assert ref in text and "AMBER" in text and TEXT not in text and "HUMINT" not in text
    assert _decision(other).rule_hits == []  # another trader's goods go as before
    # The derived item carries the alert's marking and shows on the alert.
    with get_sessionmaker()() as db:
        alert, handling, party = selectors.alert_readable(db=db, actor=principals()["analyst"], reference=ref,
                                                          purpose="risk_targeting")
        read = selectors.alert_read(db=db, alert=alert, handling=handling, party=party, purpose="risk_targeting")
    assert [(d.reference, d.marking, d.status) for d in read.derived] == [(drv, "AMBER", "active")]
    # Nothing is lifted before the expiry; at it, the job lifts it and records who and why.
    with get_sessionmaker()() as db, db.begin():
        assert derived.derived_expire_due(db=db, now=expires - timedelta(seconds=1)) == []
    with get_sessionmaker()() as db, db.begin():
        assert [d.reference for d in derived.derived_expire_due(db=db, now=expires)] == [drv]
    with get_sessionmaker()() as db:
        assert db.get(RiskRule, rule_id).active_version is None
        item = db.scalar(select(IntelDerived).where(IntelDerived.reference == drv))
        assert (item.status, item.lifted_by) == ("lifted", "system")
        lifted = db.scalar(select(AuditRecord).where(AuditRecord.action == "intelligence.derived_lifted"))
        assert lifted.target_id == ref and lifted.detail["why"] == "expired"
    (after,) = lodge_direct("trader-a")
    assert _decision(after) is None or _decision(after).rule_hits == []


def test_a_trader_alert_becomes_a_watchlist_entry_with_the_alerts_expiry_and_can_be_lifted_by_hand():
    ref = create(marking="GREEN", valid_days=3)
    drv, kind, entry_id, expires = _convert(ref, into="watchlist", days=30, severity="high")
    with get_sessionmaker()() as db:
        entry = db.get(WatchlistEntry, entry_id)
        assert (kind, entry.kind, entry.party_id, entry.active) == ("watchlist", "trader", "KR1000000001", True)
        assert ref in entry.source and "GREEN" in entry.source and TEXT not in (entry.note or "")
        # Never beyond the alert's own validity (3 days, not 30).
        assert entry.expires_at == expires and expires - utcnow() < timedelta(days=3, minutes=1)
    (mrn,) = lodge_direct("trader-a")
    assert [h["entry_id"] for h in _decision(mrn).watchlist_hits] == [entry_id]
    with get_sessionmaker()() as db, db.begin():
        derived.derived_lift(db=db, actor=principals()["analyst"], reference=drv, now=utcnow())
    with get_sessionmaker()() as db:
        assert db.get(WatchlistEntry, entry_id).active is False
    (after,) = lodge_direct("trader-a")
    assert _decision(after) is None or _decision(after).watchlist_hits == []


def test_only_an_analyst_who_may_read_the_alert_for_targeting_converts_it_and_only_matchable_subjects():
    ref = create(marking="AMBER", purposes=["control"])  # not for risk targeting: not even by its author
    with get_sessionmaker()() as db, db.begin(), pytest.raises(Forbidden) as refused:
        derived.alert_convert(db=db, actor=principals()["analyst"], reference=ref, now=utcnow(),
                              body=ConversionCreate(into="enhanced_control"))
    assert [p.code for p in refused.value.problems] == ["intelligence.purpose_not_permitted"]
    red = create(marking="RED", recipients=["user:agency"], who="officer")  # the analyst is not named
    with get_sessionmaker()() as db, db.begin(), pytest.raises(NotFound):
        derived.alert_convert(db=db, actor=principals()["analyst"], reference=red, now=utcnow(),
                              body=ConversionCreate(into="enhanced_control"))
    ref = create(marking="GREEN")
    for who in ("officer", "agency", "trader-a"):
        with get_sessionmaker()() as db, db.begin(), pytest.raises(Forbidden):
            derived.alert_convert(db=db, actor=principals()[who], reference=ref, now=utcnow(),
                                  body=ConversionCreate(into="enhanced_control"))
    person = create(marking="GREEN", subject_type="person", subject_value="a courier")
    goods = create(marking="GREEN", subject_type="goods", subject_value="2402 20")
    with get_sessionmaker()() as db, db.begin(), pytest.raises(ValidationFailed) as caught:
        derived.alert_convert(db=db, actor=principals()["analyst"], reference=person, now=utcnow(),
                              body=ConversionCreate(into="enhanced_control"))
    assert [p.code for p in caught.value.problems] == ["intelligence.subject_not_matchable"]
    with get_sessionmaker()() as db, db.begin(), pytest.raises(ValidationFailed) as caught:
        derived.alert_convert(db=db, actor=principals()["analyst"], reference=goods, now=utcnow(),
                              body=ConversionCreate(into="watchlist"))
    assert [p.code for p in caught.value.problems] == ["intelligence.subject_not_listable"]
    with get_sessionmaker()() as db:
        assert db.scalars(select(IntelDerived)).all() == []


def test_a_subject_with_quotes_stays_one_string_and_the_rule_matches_only_it():
    from clearway.risk.rules.compile import matches
    from clearway.risk.rules.facts import ITEMS_KEY
    from clearway.risk.rules.ruleset import rule_check

    sly = 'KR1" or true or "'
    compiled = rule_check(derived.rule_expression("trader", sly) or "")
    assert matches(compiled, {**dict.fromkeys(derived.TRADER_FIELDS, "KR9"), ITEMS_KEY: []}) is None
    assert matches(compiled, {**dict.fromkeys(derived.TRADER_FIELDS, sly), ITEMS_KEY: []}) == []
    goods = rule_check(derived.rule_expression("goods", "240220") or "")
    assert matches(goods, {ITEMS_KEY: [{"item.hs_code": "85171300"}, {"item.hs_code": "24022010"}]}) == [2]
    assert derived.rule_expression("person", "anyone") is None


@pytest.mark.parametrize("lang,button", [("en", "Turn the alert into action"),
                                         ("es", "Convertir la alerta en acción"),
                                         ("fr", "Transformer l'alerte en action")])
def test_one_click_on_the_alert_page_makes_an_enhanced_control_the_page_then_lists(client, lang, button):
    from html import unescape

    from tests.web.conftest import csrf_of, sign_in

    ref = create(marking="AMBER")
    sign_in(client, "analyst")
    h = {"Accept-Language": lang}
    page = client.get(f"/intelligence/alerts/{ref}", params={"purpose": "risk_targeting"}, headers=h)
    assert button in unescape(page.text)
    r = client.post(f"/intelligence/alerts/{ref}/convert", params={"purpose": "risk_targeting"}, headers=h,
                    data={"csrf": csrf_of(page.text), "into": "enhanced_control", "days": "7", "channel": "yellow"},
                    follow_redirects=True)
    assert r.status_code == 200 and 'data-status="active"' in r.text and "TLP:AMBER" in r.text
    with get_sessionmaker()() as db:
        (item,) = db.scalars(select(IntelDerived)).all()
        assert db.get(RiskRule, item.target_id).active_version == 1
    sign_in(client, "officer")  # an officer reads the alert but converts nothing: no form
    assert button not in unescape(client.get(f"/intelligence/alerts/{ref}", params={"purpose": "control"},
                                             headers=h).text)


def test_alerts_on_one_subject_share_one_enhanced_control_with_the_strictest_marking_and_the_latest_expiry():
    green = create(marking="GREEN")
    amber = create(marking="AMBER")
    red = create(marking="RED", recipients=[])
    first = _convert(green, into="enhanced_control", days=2)
    second = _convert(amber, into="enhanced_control", days=9)
    third = _convert(red, into="enhanced_control", days=5)
    assert first[2] == second[2] == third[2]  # one rule for the three alerts on trader KR1000000001
    (mrn,) = lodge_direct("trader-a")
    (hit,) = _decision(mrn).rule_hits  # one rule evaluated, one hit
    assert green in hit["text"] and amber in hit["text"] and "TLP:RED" in hit["text"]
    assert red not in hit["text"] and "and others" in hit["text"]  # a RED alert is never named
    with get_sessionmaker()() as db:
        assert {d.marking for d in db.scalars(select(IntelDerived))} == {"RED"}
    # The RED and GREEN items expire; the rule goes on for the AMBER one, re-versioned to its marking and expiry.
    with get_sessionmaker()() as db, db.begin():
        lifted = derived.derived_expire_due(db=db, now=third[3])
        assert sorted(d.reference for d in lifted) == sorted([first[0], third[0]])
    with get_sessionmaker()() as db:
        from clearway.risk.rules.ruleset import rule_version

        rule = db.get(RiskRule, first[2])
        version = rule_version(db=db, rule=rule, version=rule.active_version)
        assert version.valid_to == second[3].date() and "TLP:AMBER" in version.reason and green not in version.reason
        assert db.scalar(select(IntelDerived.marking).where(IntelDerived.reference == second[0])) == "AMBER"
    with get_sessionmaker()() as db, db.begin():
        derived.derived_expire_due(db=db, now=second[3])
    with get_sessionmaker()() as db:
        assert db.get(RiskRule, first[2]).active_version is None
    # A different control level is a different rule.
    fourth = _convert(create(marking="GREEN"), into="enhanced_control", channel="yellow")
    assert fourth[2] != first[2]
