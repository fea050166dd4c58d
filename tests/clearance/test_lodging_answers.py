"""The release decision at lodging answers from the flow's facts; it must equal what the database says."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from clearway.auth.models import User
from clearway.auth.service import principal_of
from clearway.clearance.lodge import declaration_lodge
from clearway.clearance.release import ReleaseDecision
from clearway.db import get_sessionmaker, utcnow
from tests.factories import auth, wiring
from tests.tariff_flow.conftest import BOOKS, SHIRTS, WHISKY, declaration_with


class Compared(ReleaseDecision):
    """The release decision, checking each lodging answer against the providers' own reading."""

    seen: list[tuple[list[str], list[str]]]

    def holds_at_lodging(self, db: Any, declaration: Any, lodged: Any) -> list[Any]:
        fast = super().holds_at_lodging(db, declaration, lodged)
        db.flush()
        self.seen.append(([h.code for h in fast], [h.code for h in self.holds(db, declaration)]))
        return fast


CASES = {
    "duty due, no cover": declaration_with({}),
    "nothing due": declaration_with(BOOKS),
    "two items with duty": declaration_with({}, SHIRTS),
    "yellow goods": declaration_with(WHISKY),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("username", ["trader-a", "trader-b"])
def test_the_lodging_answer_equals_the_database_answer(client, tariff, case, username):
    if username == "trader-a":  # a deferment account covers trader-a's duty at lodging
        client.post("/api/v1/tariff/deferment-accounts", headers=auth(client, "officer"), json={
            "holder_id": "KR1000000001", "currency": "KRW", "credit_limit": "900000000"})
    base = wiring()
    compared = Compared(providers=base.release.providers, finality=base.release.finality)
    compared.seen = []
    with get_sessionmaker()() as db, db.begin():
        actor = principal_of(db.scalar(select(User).where(User.username == username)))
        party = {"id": actor.organisation_code, "name": "Trader", "country": "KR"}
        raw = {**CASES[case], "declarant": party, "importer": party, "buyer": party}
        declaration_lodge(db=db, wiring=replace(base, release=compared), actor=actor, raw=raw, now=utcnow())
    assert compared.seen or case == "yellow goods"  # a controlled lodgement is not asked: it is under control
    for fast, read in compared.seen:
        assert sorted(fast) == sorted(read)



BOOK = {"hs_code": "490199", "description": "Printed books", "origin_country": "GB", "net_mass_kg": "300",
        "quantity": {"value": "300", "unit": "KGM"}, "value": "4000.00"}


@pytest.mark.parametrize("concerned", [False, True])
def test_the_lodging_answer_of_the_single_window_equals_the_database_answer(client, concerned):
    from tests.agencies.helpers import FISH, PHONE, doc_with, load_shipped

    load_shipped()
    base = wiring()
    compared = Compared(providers=base.release.providers, finality=base.release.finality)
    compared.seen = []
    items = [FISH, PHONE] if concerned else [BOOK]
    with get_sessionmaker()() as db, db.begin():
        actor = principal_of(db.scalar(select(User).where(User.username == "trader-a")))
        declaration_lodge(db=db, wiring=replace(base, release=compared), actor=actor, raw=doc_with(*items),
                          now=utcnow())
    assert compared.seen
    for fast, read in compared.seen:
        assert sorted(fast) == sorted(read)
    assert (sorted(compared.seen[0][0]).count("agency.pending") == 2) == concerned


class ComparedInFull(ReleaseDecision):
    """As `Compared`, comparing every hold with its party and parameters (what the trader's page says)."""

    seen: list[tuple[list[Any], list[Any]]]

    def holds_at_lodging(self, db: Any, declaration: Any, lodged: Any) -> list[Any]:
        fast = super().holds_at_lodging(db, declaration, lodged)
        db.flush()
        self.seen.append(([(h.code, h.party, dict(h.params)) for h in fast],
                          [(h.code, h.party, dict(h.params)) for h in self.holds(db, declaration)]))
        return fast


@pytest.mark.parametrize("shape", ["three agencies", "one item"])
def test_the_single_window_lodging_answer_names_the_same_agencies_items_and_due_times(client, shape):
    """The referrals just made answer the holds at lodging: the same agency, item and due time as read back."""
    from tests.agencies.helpers import FISH, PHONE, doc_with, load_shipped

    load_shipped()
    base = wiring()
    compared = ComparedInFull(providers=base.release.providers, finality=base.release.finality)
    compared.seen = []
    items = [FISH, PHONE] if shape == "three agencies" else [PHONE]
    with get_sessionmaker()() as db, db.begin():
        actor = principal_of(db.scalar(select(User).where(User.username == "trader-a")))
        declaration_lodge(db=db, wiring=replace(base, release=compared), actor=actor, raw=doc_with(*items),
                          now=utcnow())
    assert compared.seen
    for fast, read in compared.seen:
        assert sorted(fast, key=repr) == sorted(read, key=repr)
        assert any(code == "agency.pending" and params.get("due") for code, _party, params in fast)
