"""Two Clearway instances' databases in one process, joined by a transport that can be told to misbehave."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from clearway.db import Base, make_engine, utcnow
from clearway.exchange import directory
from clearway.exchange.handlers import HANDLERS
from clearway.exchange.inbox import envelopes_receive
from clearway.exchange.pull import pull_answer
from clearway.exchange.service import receipts_apply
from clearway.exchange.transport import TransportError
from clearway.migrate import upgrade_head
from clearway.models import load_all

FIELDS = ["export_mrn", "ucr", "exporter.name", "exporter.country", "destination", "items.hs_code",
          "items.origin", "items.quantity", "items.value", "items.currency"]
AEO = ["operators.id", "operators.name", "operators.valid_until"]
REQUEST = ["reference", "legal_basis", "purpose", "subject", "questions", "references", "deadline"]
REPLY = ["reference", "outcome", "answer", "documents", "replied_at"]
AGREEMENT: dict[str, Any] = {
    "legal_basis": "KR-JP agreement on mutual administrative assistance in customs matters, art. 5",
    "purposes": ["risk_assessment", "connectivity", "mutual_recognition"], "retention_days": 365, "reciprocity": True,
    "documents": {"export_declaration": {"out": FIELDS, "in": FIELDS}, "aeo_list": {"out": AEO, "in": AEO},
                  "test": {"out": ["n", "text"], "in": ["n", "text"]},
                  "assistance_request": {"out": REQUEST, "in": REQUEST},
                  "assistance_reply": {"out": REPLY, "in": REPLY}},
}
DOCS = ["export_declaration", "aeo_list", "test", "assistance_request", "assistance_reply"]


@dataclass
class Instance:
    """One administration's database."""

    code: str
    sessions: sessionmaker[Session]
    resources: dict[str, Any] = field(default_factory=dict)
    wiring: Any = None


def instance(where: Path | str, code: str, *, migrate: bool = False) -> Instance:
    """A fresh database (a SQLite file or an empty database's URL) with every table (by the migrations, for a
    real server), and our first signing key."""
    load_all()
    url = f"sqlite:///{where}" if isinstance(where, Path) else where
    if migrate:
        upgrade_head(url)
    engine = make_engine(url, 4)
    if not migrate:
        Base.metadata.create_all(engine)
    sessions = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
    with sessions() as db, db.begin():
        directory.own_key_rotate(db=db, actor="test", now=utcnow() - timedelta(days=30), party=code)
    return Instance(code, sessions)


def public_keys(side: Instance) -> list[dict[str, Any]]:
    """The side's public keys, as its JWKS endpoint gives them."""
    with side.sessions() as db, db.begin():
        return directory.own_public_keys(db=db, now=utcnow())


def introduce(a: Instance, b: Instance, *, endpoint_of_b: str = "http://127.0.0.1:9",
              endpoint_of_a: str = "http://127.0.0.1:9", agreement: dict[str, Any] | None = None) -> None:
    """Make each side a partner of the other, with its keys and the agreement."""
    for me, other, endpoint in ((a, b, endpoint_of_b), (b, a, endpoint_of_a)):
        keys = public_keys(other)
        with me.sessions() as db, db.begin():
            now = utcnow()
            directory.partner_add(db=db, actor="test", code=other.code, name=f"Customs {other.code}",
                                  endpoint=endpoint, sends=DOCS, accepts=DOCS, agreement=agreement or AGREEMENT,
                                  now=now)
            for key in keys:
                directory.partner_key_add(db=db, actor="test", partner=other.code, public_jwk=key, now=now)


class Local:
    """A transport that hands envelopes straight to the other side's services, each side in its own transaction."""

    def __init__(self, sender: Instance, receiver: Instance):
        self.sender, self.receiver = sender, receiver
        self.down = False

    def push(self, endpoint: str, envelopes: list[dict[str, Any]]) -> list[Any]:
        """The receiver's receipts for the envelopes."""
        if self.down:
            raise TransportError("connection refused")
        with self.receiver.sessions() as db, db.begin():
            return envelopes_receive(db=db, envelopes=envelopes, now=utcnow(), handlers=HANDLERS)

    def pull(self, endpoint: str, request: dict[str, Any]) -> list[Any]:
        """What the sender holds for the puller (`request` is signed by the receiver side)."""
        if self.down:
            raise TransportError("connection refused")
        with self.sender.sessions() as db, db.begin():
            return pull_answer(db=db, request=request, now=utcnow())

    def ack(self, endpoint: str, receipts: list[dict[str, Any]]) -> None:
        """The receiver's receipts, applied at the sender."""
        if self.down:
            raise TransportError("connection refused")
        with self.sender.sessions() as db, db.begin():
            receipts_apply(db=db, partner=self.receiver.code, receipts=receipts, now=utcnow())
