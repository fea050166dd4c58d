"""Concurrent writers on PostgreSQL never overdraw a permit: exactly as many lodgements succeed as fit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from tests.agencies.helpers import FISH, balance, doc_with, load_shipped, permit_approved, who
from tests.factories import wiring


def test_concurrent_lodgements_against_one_permit_take_exactly_what_it_holds(world, db_url):
    from clearway.clearance.lodge import declaration_lodge
    from clearway.db import get_sessionmaker, utcnow
    from clearway.errors import DeclarationInvalid

    if db_url.startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time: there is no interleaving to test")
    load_shipped()
    number = permit_approved(lpco="MFDS-FOOD", hs=("0303",), quantity=None, value="1000")
    actor, flows = who("trader-a"), wiring()
    docs = [doc_with({**FISH, "value": "30.00", "permits": [number]}) for _ in range(48)]

    def lodge(doc: dict) -> str:
        with get_sessionmaker()() as db:
            try:
                with db.begin():
                    declaration_lodge(db=db, wiring=flows, actor=actor, raw=doc, now=utcnow())
                return "lodged"
            except DeclarationInvalid as exc:
                return exc.problems[0].code

    with ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(lodge, docs))
    assert outcomes.count("lodged") == 33  # 33 x 30 = 990 <= 1000 < 34 x 30
    assert outcomes.count("permit.exhausted") == 15
    assert balance(number)[1] == Decimal(990)
