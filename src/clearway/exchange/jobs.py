"""The exchange's background jobs: push due envelopes to partners, pull where push cannot reach or a stream
has a gap, and cut payloads past the agreed retention."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from clearway.db import utcnow
from clearway.exchange.exports import exports_send
from clearway.exchange.handlers import HANDLERS
from clearway.exchange.inbox import envelopes_receive
from clearway.exchange.models import InMessage, Partner
from clearway.exchange.pull import pull_request_build
from clearway.exchange.service import delivery_failed, outbox_claim, receipts_apply
from clearway.exchange.settings import exchange_settings
from clearway.exchange.transport import HttpTransport, Transport, TransportError
from clearway.jobs import Job

MAX_BATCHES = 50  # per partner and pass, so one busy partner does not starve the others


def transport_of(ctx: Any) -> Transport:
    """The job context's transport (an HTTP one unless a test put another there)."""
    if "exchange_transport" not in ctx.resources:
        ctx.resources["exchange_transport"] = HttpTransport(exchange_settings().timeout_s)
    transport: Transport = ctx.resources["exchange_transport"]
    return transport


def _partners(ctx: Any) -> list[tuple[str, str, bool]]:
    with ctx.sessions() as db, db.begin():
        return [(p.code, p.endpoint, p.pull) for p in db.scalars(select(Partner).where(
            Partner.active.is_(True), Partner.endpoint.is_not(None)).order_by(Partner.code))]


def deliver_to(ctx: Any, partner: str, endpoint: str) -> int:
    """Push what is due for one partner, batch after batch; how many envelopes were answered."""
    transport, done = transport_of(ctx), 0
    for _ in range(MAX_BATCHES):
        with ctx.sessions() as db, db.begin():
            envelopes = outbox_claim(db=db, partner=partner, now=utcnow(), limit=exchange_settings().batch)
        if not envelopes:
            break
        try:
            receipts = transport.push(endpoint, envelopes)
        except TransportError as exc:
            with ctx.sessions() as db, db.begin():
                delivery_failed(db=db, partner=partner, envelopes=envelopes, error=str(exc))
            break
        with ctx.sessions() as db, db.begin():
            receipts_apply(db=db, partner=partner, receipts=receipts, now=utcnow())
        done += len(envelopes)
    return done


def deliver(ctx: Any) -> int:
    """Push due envelopes to every reachable partner."""
    return sum(deliver_to(ctx, code, endpoint) for code, endpoint, _pull in _partners(ctx))


def pull_from(ctx: Any, partner: str, endpoint: str) -> int:
    """Pull what a partner holds for us, apply it, and acknowledge with our receipts."""
    transport = transport_of(ctx)
    with ctx.sessions() as db, db.begin():
        request = pull_request_build(db=db, partner=partner, now=utcnow())
    try:
        envelopes = transport.pull(endpoint, request)
    except TransportError:
        return 0
    if not envelopes:
        return 0
    with ctx.sessions() as db, db.begin():
        receipts = envelopes_receive(db=db, envelopes=envelopes, now=utcnow(), handlers=HANDLERS)
    with contextlib.suppress(TransportError):  # unacknowledged, the partner sends them again: same receipts
        transport.ack(endpoint, receipts)
    return len(envelopes)


def pull(ctx: Any) -> int:
    """Pull from partners set to pull, and from any whose stream has waited on a gap too long."""
    done = 0
    cutoff = utcnow() - timedelta(seconds=exchange_settings().gap_wait_s)
    for code, endpoint, wants_pull in _partners(ctx):
        if not wants_pull:
            with ctx.sessions() as db, db.begin():
                wants_pull = db.scalar(select(InMessage.id).where(
                    InMessage.sender == code, InMessage.state == "pending", InMessage.received_at < cutoff
                ).limit(1)) is not None
        if wants_pull:
            done += pull_from(ctx, code, endpoint)
    return done


def retention(ctx: Any) -> int:
    """Empty the payloads kept past each partner's agreed retention (headers stay, for de-duplication)."""
    done, now = 0, utcnow()
    with ctx.sessions() as db, db.begin():
        for partner in db.scalars(select(Partner)):
            days = int(partner.agreement.get("retention_days", 0) or 0)
            if days <= 0:
                continue
            result = db.execute(update(InMessage).where(
                InMessage.sender == partner.code, InMessage.state != "pending",
                InMessage.received_at < now - timedelta(days=days), InMessage.purged.is_(False)
            ).values(payload={}, purged=True).execution_options(synchronize_session=False))
            done += int(getattr(result, "rowcount", 0) or 0)
    return done


def exports(ctx: Any) -> int:
    """Queue new export declarations for the partners of their destinations."""
    with ctx.sessions() as db, db.begin():
        return exports_send(db=db, now=utcnow())


def jobs() -> list[Job]:
    """This domain's jobs."""
    poll = exchange_settings().poll_s
    return [Job("exchange.deliver", poll, deliver), Job("exchange.pull", max(poll, 1.0), pull),
            Job("exchange.exports", 5.0, exports), Job("exchange.retention", 3600.0, retention)]
