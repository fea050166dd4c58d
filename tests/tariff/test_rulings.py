"""Advance rulings: requested by a trader, issued by an officer, and checked against declarations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

import pytest
from sqlalchemy.orm import Session

from clearway.errors import ValidationFailed
from clearway.tariff.errors import RulingNotFound, RulingStateConflict
from clearway.tariff.rulings import (
    ruling_issue,
    ruling_refuse,
    ruling_request,
    ruling_revoke,
    rulings_contradicted,
)
from tests.tariff.worked_schedule import declaration, item

NOW = datetime(2026, 1, 5, tzinfo=UTC)
TRADER, OTHER = "KR1000000001", "KR2000000002"


def _issued(db: Session, kind: Literal["classification", "origin"] = "classification", hs_code: str | None = None,
            origin_country: str | None = None, valid_to: date | None = None) -> str:
    ruling = ruling_request(db=db, holder_id=TRADER, kind=kind, goods_description="Smartwatch model X1",
                            match_terms="smartwatch X1", proposed_hs="851762", now=NOW)
    assert ruling.reference == f"AR-2026-{ruling.id:06d}" and ruling.status == "requested"
    ruling_issue(db=db, reference=ruling.reference, officer_id=9, valid_from=date(2026, 1, 10), now=NOW,
                 hs_code=hs_code, origin_country=origin_country, valid_to=valid_to)
    return ruling.reference


def _watch(hs: str = "85176200", origin: str = "CN") -> dict[str, object]:
    return item(hs, "1000", origin=origin, description="Smartwatch, model X1, 44 mm")


def test_declaration_contradicting_a_classification_ruling_is_flagged(db: Session) -> None:
    reference = _issued(db, hs_code="851762")
    document = declaration(item("85171300", "10", description="Phone"), _watch("91021100"))
    (problem,) = rulings_contradicted(db=db, declarant_id=TRADER, document=document, on=date(2026, 2, 1))
    assert (problem.code, problem.pointer) == ("tariff.ruling_classification", "/items/1/hs_code")
    assert problem.params == {"ruling": reference, "expected": "851762", "given": "91021100"}


def test_agreeing_declaration_and_other_goods_are_not_flagged(db: Session) -> None:
    _issued(db, hs_code="851762")
    document = declaration(_watch("85176200"), item("91021100", "1", description="Smartwatch model X2"))
    assert rulings_contradicted(db=db, declarant_id=TRADER, document=document, on=date(2026, 2, 1)) == []


def test_ruling_binds_only_its_holder_and_only_while_valid(db: Session) -> None:
    _issued(db, hs_code="851762", valid_to=date(2026, 12, 31))
    document = declaration(_watch("91021100"))
    assert rulings_contradicted(db=db, declarant_id=OTHER, document=document, on=date(2026, 2, 1)) == []
    assert rulings_contradicted(db=db, declarant_id=TRADER, document=document, on=date(2026, 1, 9)) == []
    assert rulings_contradicted(db=db, declarant_id=TRADER, document=document, on=date(2027, 1, 1)) == []


def test_origin_ruling(db: Session) -> None:
    _issued(db, kind="origin", origin_country="VN")
    (problem,) = rulings_contradicted(db=db, declarant_id=TRADER, document=declaration(_watch(origin="CN")),
                                      on=date(2026, 2, 1))
    assert (problem.code, problem.pointer, problem.params["expected"]) == (
        "tariff.ruling_origin", "/items/0/origin_country", "VN")


def test_revoked_ruling_stops_binding_from_the_revocation_date(db: Session) -> None:
    reference = _issued(db, hs_code="851762")
    ruling_revoke(db=db, reference=reference, officer_id=9, justification="HS amendment", on=date(2026, 6, 1))
    document = declaration(_watch("91021100"))
    assert len(rulings_contradicted(db=db, declarant_id=TRADER, document=document, on=date(2026, 5, 31))) == 1
    assert rulings_contradicted(db=db, declarant_id=TRADER, document=document, on=date(2026, 6, 1)) == []


def test_decisions_are_checked_and_states_enforced(db: Session) -> None:
    ruling = ruling_request(db=db, holder_id=TRADER, kind="classification", goods_description="Widget",
                            match_terms="widget", now=NOW)
    with pytest.raises(ValidationFailed) as caught:
        ruling_issue(db=db, reference=ruling.reference, officer_id=9, valid_from=date(2026, 1, 10), now=NOW)
    assert [(p.code, p.pointer) for p in caught.value.problems] == [("tariff.ruling_decision", "/hs_code")]
    ruling_refuse(db=db, reference=ruling.reference, officer_id=9, justification="Not enough detail", now=NOW)
    with pytest.raises(RulingStateConflict):
        ruling_issue(db=db, reference=ruling.reference, officer_id=9, valid_from=date(2026, 1, 10), now=NOW,
                     hs_code="847130")
    with pytest.raises(RulingNotFound):
        ruling_revoke(db=db, reference="AR-0000-000000", officer_id=9, justification="x", on=date(2026, 1, 1))
    with pytest.raises(ValidationFailed):
        ruling_request(db=db, holder_id=TRADER, kind="origin", goods_description="x", match_terms="  ", now=NOW)
