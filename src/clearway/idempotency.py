"""Idempotency-Key support: a retried creating request gets the first answer and one record.

`idempotent` is the one way an endpoint honours an Idempotency-Key: it replays a stored answer
(status, body and the headers that name what was created: Location, ETag), or runs the step and
stores its answer in the same transaction. When a concurrent retry with the same key commits
first, this one fails (the unique key at commit, or a refusal because the twin already changed
what it checks) and the stored answer is replayed instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from sqlalchemy import JSON, Integer, String, Text, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column
from starlette.responses import Response

from clearway.db import Base, UTCDateTime, utcnow
from clearway.errors import DomainError, Problem, ValidationFailed
from clearway.writes import Rows, deferred_take, insert_groups

REPLAYED_HEADERS = ("Location", "ETag", "Content-Location")


class IdempotencyRecord(Base):
    """The stored answer to a creating request, replayed when the same key comes again."""

    __tablename__ = "idempotency_records"

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# Core statements on the session's connection: these run on every creating request.
_LOOKUP = (select(IdempotencyRecord.request_hash, IdempotencyRecord.status_code, IdempotencyRecord.response,
                  IdempotencyRecord.headers)
           .where(IdempotencyRecord.owner == bindparam("owner"), IdempotencyRecord.key == bindparam("key")))
_STORE = insert(IdempotencyRecord)


@dataclass(frozen=True)
class Answer:
    """What a creating step answers: status, JSON body, and the headers naming what it created."""

    status_code: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def response(self) -> Response:
        """The HTTP response of this answer."""
        return Response(self.body, status_code=self.status_code, media_type="application/json",
                        headers=dict(self.headers))


Replay = Answer  # a stored answer, sent again


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
    return Answer(row.status_code, row.response.encode(), dict(row.headers or {}))


def _values(owner: str, key: str, body_hash: str, answer: Answer, now: datetime) -> dict[str, object]:
    kept = {k: v for k, v in answer.headers.items() if k in REPLAYED_HEADERS}
    return {"owner": owner, "key": key, "request_hash": body_hash, "status_code": answer.status_code,
            "response": answer.body.decode(), "headers": kept or None, "created_at": now}


def idempotency_rows(*, owner: str, key: str, body_hash: str, answer: Answer, now: datetime) -> Rows:
    """The record remembering an answer, to be written with the change it answers for."""
    return Rows.of(IdempotencyRecord, [_values(owner, key, body_hash, answer, now)])


def idempotency_store(*, db: Session, owner: str, key: str, body_hash: str, answer: Answer, now: datetime) -> None:
    """Remember the answer to a key in the caller's transaction, with any rows the step deferred to its last write."""
    if pending := deferred_take(db):
        insert_groups(db.connection(), [idempotency_rows(owner=owner, key=key, body_hash=body_hash, answer=answer,
                                                         now=now), *pending])
        return
    db.connection().execute(_STORE, _values(owner, key, body_hash, answer, now))


def idempotent(*, db: Session, owner: str, key: str | None, body: object, run: Callable[[datetime], Answer],
               on_conflict: Callable[[], DomainError] | None = None) -> Response:
    """Run a creating step in one transaction and remember its answer under the key, or replay that answer.

    `owner` scopes keys (an organisation, a user); `body` is the request as JSON data, hashed so that
    the same key with another body is refused (422). A unique-key failure at commit means a twin
    committed first: its answer is replayed; without a stored answer, `on_conflict` names the
    problem (e.g. a duplicate LRN) or the error goes on.
    """
    body_hash = request_hash(body)

    def twin_answer() -> Response | None:
        # The twin that won the race has committed by now (we waited on its locks or its key).
        db.rollback()
        if not key:
            return None
        with db.begin():
            replay = idempotency_lookup(db=db, owner=owner, key=key, body_hash=body_hash)
        return replay.response() if replay else None

    try:
        with db.begin():
            if key and (replay := idempotency_lookup(db=db, owner=owner, key=key, body_hash=body_hash)):
                return replay.response()
            now = utcnow()
            answer = run(now)
            if key:
                idempotency_store(db=db, owner=owner, key=key, body_hash=body_hash, answer=answer, now=now)
    except IntegrityError:
        if (replayed := twin_answer()) is not None:
            return replayed
        if on_conflict is not None:
            raise on_conflict() from None
        raise
    except DomainError:
        # A twin may have changed the state this step checks (paid, asked already) after we looked the key
        # up: its answer is ours. Without one, the refusal stands.
        if key and (replayed := twin_answer()) is not None:
            return replayed
        raise
    return answer.response()
