"""The trader is told when the enhanced control on it is lifted (WTO TFA 5.1), and told nothing of the
intelligence behind it: no alert reference, marking, text, source, originator or reason."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from clearway.db import get_sessionmaker, utcnow
from clearway.intelligence import derived
from clearway.intelligence.schemas import ConversionCreate
from clearway.notifications.models import OutboxMessage
from tests.intelligence.helpers import TEXT, create, principals

pytestmark = pytest.mark.usefixtures("world")


def _convert(ref: str, **body):  # type: ignore[no-untyped-def]
    with get_sessionmaker()() as db, db.begin():
        item = derived.alert_convert(db=db, actor=principals()["analyst"], reference=ref, now=utcnow(),
                                     body=ConversionCreate(**body))
        return item.reference, item.expires_at


def _told(organisation: str) -> list[OutboxMessage]:
    with get_sessionmaker()() as db:
        return list(db.scalars(select(OutboxMessage).where(OutboxMessage.organisation == organisation,
                                                           OutboxMessage.kind == derived.LIFTED_KIND)))


def test_the_trader_hears_once_when_its_last_enhanced_control_ends_and_learns_nothing_of_the_intelligence():
    first = create(marking="AMBER", source_ref="HUMINT-7")
    second = create(marking="RED", recipients=[], source_ref="FIU-TIP-3")
    _drv1, short = _convert(first, into="enhanced_control", days=2)
    drv2, _long = _convert(second, into="enhanced_control", days=6)
    # The first alert's item expires, the second keeps the control in force: telling the trader now would lie.
    with get_sessionmaker()() as db, db.begin():
        assert len(derived.derived_expire_due(db=db, now=short)) == 1
    assert _told("KR1000000001") == []
    # Lifted by hand before its expiry: the control has ended, the trader is told.
    with get_sessionmaker()() as db, db.begin():
        derived.derived_lift(db=db, actor=principals()["analyst"], reference=drv2, now=utcnow())
    (notice,) = _told("KR1000000001")
    assert notice.payload["status"] == "lifted" and notice.payload["control_level"] == "normal"
    said = json.dumps(notice.payload)
    for secret in (first, second, "AMBER", "RED", TEXT, "HUMINT", "FIU", "KRCUSTOMS", "analyst", "by hand",
                   drv2, "INT-", "DRV-"):
        assert secret not in said
    assert _told("KR1000000002") == []  # another trader hears nothing


def test_a_watchlist_entry_lifted_or_a_control_on_a_non_trader_subject_tells_no_trader():
    ref = create(marking="GREEN")
    _drv, expires = _convert(ref, into="watchlist", days=3)
    vehicle = create(marking="GREEN", subject_type="vehicle", subject_value="12GA3456")
    _v, vexpires = _convert(vehicle, into="enhanced_control", days=3)
    with get_sessionmaker()() as db, db.begin():
        assert len(derived.derived_expire_due(db=db, now=max(expires, vexpires) + timedelta(seconds=1))) == 2
    with get_sessionmaker()() as db:
        assert list(db.scalars(select(OutboxMessage).where(OutboxMessage.kind == derived.LIFTED_KIND))) == []


@pytest.mark.parametrize("lang,said", [
    ("en", "Enhanced control lifted"), ("es", "Control reforzado levantado"), ("fr", "Contrôle renforcé levé")])
def test_the_trader_reads_the_lifting_on_its_notifications_page_in_its_language(client, lang, said):
    from clearway.notifications.relay import relay_once
    from tests.web.conftest import sign_in

    drv, _expires = _convert(create(marking="AMBER"), into="enhanced_control", days=4)
    with get_sessionmaker()() as db, db.begin():
        derived.derived_lift(db=db, actor=principals()["analyst"], reference=drv, now=utcnow())
    with get_sessionmaker()() as db, db.begin():
        assert relay_once(db=db, now=utcnow(), gap_wait_s=0) >= 1
    sign_in(client, "trader-a")
    page = client.get("/notifications", headers={"Accept-Language": lang}).text
    assert said in page and "INT-" not in page and "AMBER" not in page and TEXT not in page
