"""Watchlist conversions are shared per subject: alerts on one subject make one watchlist entry (strictest marking,
latest expiry), and whether the subject is watched is told only to readers of at least one of its alerts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clearway.db import get_sessionmaker, utcnow
from clearway.intelligence import derived, selectors
from clearway.intelligence.models import IntelDerived
from clearway.intelligence.schemas import ConversionCreate
from clearway.risk.models import WatchlistEntry
from tests.intelligence.helpers import TEXT, create, fiu, principals

pytestmark = pytest.mark.usefixtures("world")


def _convert(ref: str, **body):  # type: ignore[no-untyped-def]
    with get_sessionmaker()() as db, db.begin():
        item = derived.alert_convert(db=db, actor=principals()["analyst"], reference=ref, now=utcnow(),
                                     body=ConversionCreate(into="watchlist", **body))
        return item.reference, item.target_id, item.expires_at


def _watch(who: str, purpose: str = "control"):  # type: ignore[no-untyped-def]
    with get_sessionmaker()() as db:
        return selectors.subject_watch(db=db, actor=principals()[who], subject_type="trader",
                                       subject_value="KR1000000001", purpose=purpose)


def test_alerts_on_one_subject_share_one_watchlist_entry_until_the_last_is_lifted():
    green = create(marking="GREEN", valid_days=3)
    amber = create(marking="AMBER", valid_days=9)
    first = _convert(green, days=3, severity="medium")
    second = _convert(amber, days=9, severity="high")
    assert first[1] == second[1]  # one entry for the subject
    with get_sessionmaker()() as db:
        entry = db.get(WatchlistEntry, first[1])
        assert entry.active and entry.expires_at == second[2] and entry.severity == "high"
        assert green in entry.source and amber in entry.source and "TLP:AMBER" in entry.source
        assert TEXT not in (entry.note or "") and "HUMINT" not in entry.source
        assert {d.marking for d in db.scalars(select(IntelDerived))} == {"AMBER"}
        assert db.scalar(select(WatchlistEntry.id).where(WatchlistEntry.id != first[1])) is None
    # The GREEN source ends: the entry goes on for the AMBER one, no longer naming the GREEN alert.
    with get_sessionmaker()() as db, db.begin():
        assert len(derived.derived_expire_due(db=db, now=first[2])) == 1
    with get_sessionmaker()() as db:
        entry = db.get(WatchlistEntry, first[1])
        assert entry.active and green not in entry.source and amber in entry.source
    with get_sessionmaker()() as db, db.begin():
        derived.derived_lift(db=db, actor=principals()["analyst"], reference=second[0], now=utcnow())
    with get_sessionmaker()() as db:
        assert db.get(WatchlistEntry, first[1]).active is False


def test_only_readers_of_a_source_alert_learn_that_the_subject_is_watched_and_only_of_the_alerts_they_read():
    fiu()
    shared = create(marking="AMBER", recipients=["org:KRMFDS"])  # MFDS may read it, the FIU may not
    red = create(marking="RED", recipients=["user:officer"])  # the officer, named, may read it
    _convert(shared, days=5)
    _convert(red, days=5)
    mfds = _watch("agency")
    assert mfds.watched and mfds.alerts == [shared] and mfds.marking == "RED"
    officer = _watch("officer")
    assert officer.watched and set(officer.alerts) == {shared, red}
    for outsider in ("fiu", "trader-a"):
        seen = _watch(outsider)
        assert (seen.watched, seen.alerts, seen.marking, seen.until) == (False, [], None, None)
    # A purpose the alerts do not allow is no need to know.
    assert _watch("agency", purpose="policy").watched is False


def test_the_alert_page_says_the_subject_is_watched_naming_only_the_alerts_the_reader_may_read(client):
    from tests.web.conftest import sign_in

    shared = create(marking="AMBER", recipients=["org:KRMFDS"])
    hidden = create(marking="RED", recipients=["user:officer"])
    _convert(hidden, days=5)
    sign_in(client, "agency")
    before = client.get(f"/intelligence/alerts/{shared}?purpose=control", headers={"Accept-Language": "fr"}).text
    assert 'id="subject-watched"' not in before  # watched only for a RED alert the MFDS may not read
    _convert(shared, days=5)
    page = client.get(f"/intelligence/alerts/{shared}?purpose=control", headers={"Accept-Language": "fr"}).text
    line = page.split('id="subject-watched">', 1)[1].split("</p>", 1)[0]
    assert "liste de surveillance" in line and shared in line and hidden not in page
