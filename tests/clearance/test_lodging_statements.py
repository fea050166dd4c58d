"""What one lodgement through the API costs the database: the statements and round trips, pinned.

Lodging is the busiest write; each statement is a round trip and driver and server work on every
request. The counts below were measured (benchmarks/api_lodge.py and single_window.py lodge the
same shapes); a change that adds a query to the lodging path fails here and has to say why.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select

from tests.agencies.helpers import FISH, PHONE, doc_with, load_shipped
from tests.factories import auth, document

ORANGES = {"hs_code": "080510", "description": "Fresh oranges", "origin_country": "US", "net_mass_kg": "10",
           "quantity": {"value": "10", "unit": "KGM"}, "value": "10.00"}

# Statements per lodgement by backend (BEGIN and COMMIT not counted). On PostgreSQL: the principal's recheck,
# the idempotency lookup, the emergency profiles, the declaration with its family (one statement), the live
# agencies, the intelligence alerts, [the referrals with their webhook notices,] the idempotency record with
# the timeline's "awaiting payment" / "held" notes. SQLite runs each family's inserts one by one.
EXPECTED = {"postgresql": {"plain": 7, "referred": 8}, "sqlite": {"plain": 15, "referred": 16}}


class Counter:
    """The SQL statements the application's engine runs while it is active."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.active = False

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.active:
            self.statements.append(statement)


@pytest.fixture
def counted(db_url: str) -> Iterator[Counter]:
    from clearway.db import get_engine

    counter = Counter()
    engine = get_engine()
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


def _lodge(client: Any, headers: dict[str, str], doc: dict[str, Any], counter: Counter) -> list[str]:
    counter.statements.clear()
    counter.active = True
    try:
        r = client.post("/api/v1/declarations", json=doc, headers={**headers, "Idempotency-Key": doc["lrn"]})
    finally:
        counter.active = False
    assert r.status_code == 201, r.text
    return list(counter.statements)


def _events(lrn: str) -> list[str]:
    from clearway.db import get_sessionmaker
    from clearway.declarations.models import Declaration, DeclarationEvent

    with get_sessionmaker()() as db:
        return list(db.scalars(select(DeclarationEvent.kind).join(Declaration).where(Declaration.lrn == lrn)
                               .order_by(DeclarationEvent.id)))


def _backend() -> str:
    from clearway.db import get_engine

    return get_engine().dialect.name


def test_a_plain_lodgement_runs_the_pinned_number_of_statements(client, tariff, counted):
    headers = auth(client, "trader-a")
    _lodge(client, headers, document(), counted)  # warm: the tariff and agency caches of this process
    doc = document()
    statements = _lodge(client, headers, doc, counted)
    assert len(statements) == EXPECTED[_backend()]["plain"], "\n".join(s[:120] for s in statements)
    # Fewer statements, the same record: every event of the timeline is there, in order, and audited.
    assert _events(doc["lrn"]) == ["lodged", "accepted", "assessed", "channelled", "awaiting_payment"]


def test_a_lodgement_referred_to_three_agencies_runs_the_pinned_number_of_statements(client, counted):
    from clearway.agencies.models import Referral
    from clearway.audit.models import AuditRecord
    from clearway.db import get_sessionmaker
    from clearway.declarations.models import Declaration
    from clearway.notifications.models import OutboxMessage

    load_shipped()
    headers = auth(client, "trader-a")
    _lodge(client, headers, doc_with(FISH, PHONE, ORANGES), counted)  # warm the caches
    doc = doc_with(FISH, PHONE, ORANGES)
    statements = _lodge(client, headers, doc, counted)
    assert len(statements) == EXPECTED[_backend()]["referred"], "\n".join(s[:120] for s in statements)
    with get_sessionmaker()() as db:
        mrn = db.scalar(select(Declaration.mrn).where(Declaration.lrn == doc["lrn"]))
        agencies = set(db.scalars(select(Referral.agency).where(Referral.mrn == mrn)))
        notices = db.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "agency.referral", OutboxMessage.payload["mrn"].as_string() == mrn))
        audited = list(db.scalars(select(AuditRecord.action).where(AuditRecord.target_id == mrn)
                                  .order_by(AuditRecord.id)))
    assert len(agencies) == 3 and notices == 1  # one agency is reached by its own system
    # The timeline says what holds the goods, and the lodgement and that note are in the audit trail.
    assert _events(doc["lrn"]) == ["lodged", "accepted", "assessed", "channelled", "held"]
    assert audited == ["declaration.lodged", "declaration.held"]


def test_without_an_idempotency_key_the_timeline_notes_are_written_at_commit(client, tariff):
    from clearway.audit.models import AuditRecord
    from clearway.db import get_sessionmaker
    from clearway.declarations.models import Declaration

    doc = document()
    r = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a"))
    assert r.status_code == 201, r.text
    assert _events(doc["lrn"]) == ["lodged", "accepted", "assessed", "channelled", "awaiting_payment"]
    with get_sessionmaker()() as db:
        mrn = db.scalar(select(Declaration.mrn).where(Declaration.lrn == doc["lrn"]))
        audited = list(db.scalars(select(AuditRecord.action).where(AuditRecord.target_id == mrn)))
    assert audited == ["declaration.lodged", "declaration.awaiting_payment"]
    # A retry that is refused (same LRN) leaves no stray note behind on the next request's transaction.
    again = client.post("/api/v1/declarations", json=doc, headers=auth(client, "trader-a"))
    assert again.status_code == 422 and _events(doc["lrn"])[-1] == "awaiting_payment"
    assert len(_events(doc["lrn"])) == 5
