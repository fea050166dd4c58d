"""The pull fallback: a partner that cannot be pushed to asks with a signed request, then acknowledges."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.errors import Problem, Unauthenticated, ValidationFailed
from clearway.exchange import envelope
from clearway.exchange.directory import own_party, own_signing_key, partner_public_key
from clearway.exchange.models import Partner, Stream
from clearway.exchange.service import outbox_pending_after
from clearway.exchange.settings import exchange_settings


class PullHeader(BaseModel):
    """The signed header of a pull request."""

    model_config = ConfigDict(extra="forbid", strict=True)

    sender: str = Field(min_length=2, max_length=8)
    receiver: str = Field(min_length=2, max_length=8)
    doc_type: str = Field(pattern="^pull$")
    nonce: str = Field(min_length=8, max_length=64)
    created_at: str = Field(max_length=40)
    payload_hash: str = Field(max_length=80)
    kid: str = Field(min_length=1, max_length=100)


class PullBody(BaseModel):
    """What the puller already has, per stream, and how many it wants."""

    model_config = ConfigDict(extra="forbid", strict=True)

    after: dict[str, int] = Field(default_factory=dict, max_length=50)
    limit: int = Field(default=200, ge=1, le=1000)


def pull_request_build(*, db: Session, partner: str, now: datetime) -> dict[str, Any]:
    """Our signed request to a partner for what it holds for us past what we applied."""
    after = {s.name: s.last_seq for s in db.scalars(select(Stream).where(Stream.partner == partner,
                                                                          Stream.direction == "in"))}
    header = {"sender": own_party(db=db), "receiver": partner, "doc_type": "pull",
              "nonce": os.urandom(12).hex(), "created_at": envelope.rfc3339(now)}
    return envelope.envelope_build(header=header, payload={"after": after, "limit": exchange_settings().batch},
                                   jwk=own_signing_key(db=db, now=now))


def pull_answer(*, db: Session, request: Any, now: datetime) -> list[dict[str, Any]]:
    """The envelopes a partner's verified, fresh pull request asks for (401 when it is not one)."""
    refused = Unauthenticated("not a valid signed pull request")
    refused.problems = [Problem("exchange.pull_refused", "", {})]
    try:
        header = PullHeader.model_validate(request["header"])
        body = PullBody.model_validate(request["payload"])
        signature = request["signature"]
    except (ValidationError, KeyError, TypeError):
        raise ValidationFailed([Problem("exchange.malformed", "", {})]) from None
    settings = exchange_settings()
    try:
        created = datetime.fromisoformat(header.created_at.replace("Z", "+00:00")) \
            if header.created_at.endswith("Z") else None
    except ValueError:
        created = None
    partner = db.get(Partner, header.sender)
    key = partner_public_key(db=db, partner=header.sender, kid=header.kid, at=now) if partner else None
    skew = timedelta(seconds=settings.clock_skew_s)
    if header.receiver != own_party(db=db) or partner is None or not partner.active or key is None \
            or created is None or not (now - skew <= created <= now + skew) \
            or not envelope.verify(request["header"], signature, key) \
            or envelope.payload_hash_or_none(request["payload"]) != header.payload_hash:
        raise refused
    return outbox_pending_after(db=db, partner=partner.code, after=body.after, now=now, limit=body.limit)
