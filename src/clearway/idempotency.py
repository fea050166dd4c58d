"""Idempotency-Key support: a retried creating request gets the first answer and one record."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import Integer, String, Text, bindparam, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from clearway.db import Base, UTCDateTime
from clearway.errors import Problem, ValidationFailed
from clearway.writes import Rows


class IdempotencyRecord(Base):
    """The stored answer to a creating request, replayed when the same key comes again."""

    __tablename__ = "idempotency_records"

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# Core statements on the session's connection: these run on every creating request.
_LOOKUP = (select(IdempotencyRecord.request_hash, IdempotencyRecord.status_code, IdempotencyRecord.response)
           .where(IdempotencyRecord.owner == bindparam("owner"), IdempotencyRecord.key == bindparam("key")))
_STORE = insert(IdempotencyRecord)


@dataclass(frozen=True)
class Replay:
    """A stored answer to send again."""

    status_code: int
    body: bytes


def request_hash(body: object) -> str:
    """A hash of the request body that ignores key order and white space."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def idempotency_lookup(*, db: Session, owner: str, key: str, body_hash: str) -> Replay | None:
    """The stored answer for this key, None when unseen; 422 when the key came with another body."""
    row = db.connection().execute(_LOOKUP, {"owner": owner, "key": key}).first()
    if row is None:
        return None
    if row.request_hash != body_hash:
        raise ValidationFailed([Problem("idempotency.key_reused", "", {"key": key})],
                               "this Idempotency-Key was used with a different request body")
    return Replay(row.status_code, row.response.encode())


def idempotency_rows(*, owner: str, key: str, body_hash: str, status_code: int, response: bytes,
                     now: datetime) -> Rows:
    """The record remembering an answer, to be written with the change it answers for."""
    return Rows.of(IdempotencyRecord, [{
        "owner": owner, "key": key, "request_hash": body_hash, "status_code": status_code,
        "response": response.decode(), "created_at": now}])


def idempotency_store(*, db: Session, owner: str, key: str, body_hash: str, status_code: int,
                      response: bytes, now: datetime) -> None:
    """Remember the answer to a key in the caller's transaction."""
    db.connection().execute(_STORE, {"owner": owner, "key": key, "request_hash": body_hash,
                                      "status_code": status_code, "response": response.decode(), "created_at": now})
