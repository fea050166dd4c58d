"""Sending: number, cut to the agreement, sign and keep each message until a signed receipt settles it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, insert, or_, select, true, update
from sqlalchemy.orm import Session

from clearway.audit.models import AuditRecord
from clearway.audit.service import audit_append, audit_row
from clearway.errors import Conflict, Problem, ValidationFailed
from clearway.exchange import envelope
from clearway.exchange.agreements import Agreement, outbound_check
from clearway.exchange.directory import own_party, own_signing_key, partner_get, partner_public_key
from clearway.exchange.models import OutMessage
from clearway.exchange.settings import backoff_s, exchange_settings
from clearway.exchange.streams import stream_locked_once, tx_cache

FINAL = ("accepted", "rejected")


def message_send(*, db: Session, actor: str, partner: str, doc_type: str, business_id: str, version: int,
                 purpose: str, payload: dict[str, Any], now: datetime) -> OutMessage:
    """Queue one message for a partner: fields the agreement does not permit are cut, never sent."""
    settings, cache = exchange_settings(), tx_cache(db)
    if ("partner", partner) not in cache:  # the partner and its parsed agreement, read once per transaction
        found = partner_get(db=db, code=partner)
        cache[("partner", partner)] = (found, Agreement.model_validate(found.agreement))
    target, terms = cache[("partner", partner)]
    if not target.active:
        raise Conflict([Problem("exchange.partner_inactive", "", {"value": partner})])
    kept, dropped, reasons = outbound_check(agreement=terms, accepts=target.accepts, doc_type=doc_type,
                                            purpose=purpose, payload=payload)
    if reasons:
        raise ValidationFailed([Problem(code, "/doc_type" if "doc_type" in code else "/purpose", {"value": partner})
                                for code in reasons])
    try:
        digest = envelope.payload_hash(kept)
    except (ValueError, RecursionError):  # no JCS form: NaN, integers past 2^53, nesting too deep
        raise ValidationFailed([Problem("exchange.payload_not_canonical", "/payload", {})]) from None
    # Rows queued earlier in this transaction are not flushed yet (the caller's commit writes them): kept here, with
    # what `outbox_prefetch` read for a batch the caller is about to queue.
    added = cache.setdefault("queued", {})
    known = added.get((partner, business_id, version))
    if known is None and (partner, business_id, version) not in cache.get("queued_read", ()):
        known = db.scalar(select(OutMessage).where(OutMessage.partner == partner, OutMessage.business_id == business_id,
                                                   OutMessage.version == version))
    if known is not None:
        if known.doc_type == doc_type and known.envelope["header"]["payload_hash"] == digest:
            return known  # the same message again: one record, one delivery
        raise Conflict([Problem("exchange.version_exists", "/version", {"value": version})])
    if "signer" not in cache:  # our code and key, read once per transaction
        cache["signer"] = (own_party(db=db), own_signing_key(db=db, now=now))
    party, jwk = cache["signer"]
    stream = stream_locked_once(db=db, partner=partner, direction="out", name=doc_type)
    stream.last_seq += 1
    header = {"sender": party, "receiver": partner, "doc_type": doc_type, "purpose": purpose,
              "business_id": business_id, "version": version, "stream": doc_type, "seq": stream.last_seq,
              "created_at": envelope.rfc3339(now),
              "expires_at": envelope.rfc3339(now + timedelta(seconds=settings.expiry_s))}
    signed = envelope.envelope_build(header=header, payload=kept, jwk=jwk)
    row = OutMessage(partner=partner, stream=doc_type, seq=stream.last_seq, doc_type=doc_type,
                     business_id=business_id, version=version, envelope=signed, state="pending", settled=False,
                     reasons=[], attempts=0, next_attempt_at=now, created_at=now)
    db.add(row)
    added[(partner, business_id, version)] = row
    _audit_at_commit(db, audit_row(actor=actor, actor_org=party, action="exchange.message_queued",
                                   target_type="exchange_out", target_id=f"{partner}/{doc_type}/{row.seq}",
                                   detail={"business_id": business_id, "version": version, "purpose": purpose,
                                           "dropped": dropped, "legal_basis": target.agreement.get("legal_basis")},
                                   at=now))
    return row


def outbox_prefetch(*, db: Session, partner: str, keys: Iterable[tuple[str, int]]) -> None:
    """Read at once which of the (business id, version) a caller is about to queue for a partner in this
    transaction are queued already, so that `message_send` asks nothing per message (a burst of exports)."""
    cache = tx_cache(db)
    added, read = cache.setdefault("queued", {}), cache.setdefault("queued_read", set())
    wanted = {(partner, business_id, version) for business_id, version in keys} - read - set(added)
    ids = sorted({business_id for _, business_id, _ in wanted})
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for row in db.scalars(select(OutMessage).where(OutMessage.partner == partner,
                                                       OutMessage.business_id.in_(chunk))):
            if (partner, row.business_id, row.version) in wanted:
                added[(partner, row.business_id, row.version)] = row
    read |= wanted


def _audit_at_commit(db: Session, row: dict[str, Any]) -> None:
    """Keep a queued message's audit record for one insert, with all of its transaction's, when it commits:
    one statement for a burst instead of one per message (each is a round trip on PostgreSQL)."""
    cache = tx_cache(db)
    pending = cache.get("audits_at_commit")
    if pending is None:
        pending = cache["audits_at_commit"] = []
        event.listen(db, "before_commit", _audits_write, once=True)
    pending.append(row)


def _audits_write(db: Session) -> None:
    """Insert the audit records kept by this transaction (a rolled-back one's were dropped with its cache)."""
    pending = tx_cache(db).pop("audits_at_commit", None)
    if pending:
        db.execute(insert(AuditRecord), pending)


def outbox_claim(*, db: Session, partner: str, now: datetime, limit: int) -> list[dict[str, Any]]:
    """The envelopes due for a partner, in stream order, counted as an attempt (retried later if unanswered)."""
    db.flush()  # messages queued in this transaction are due too
    rows = list(db.scalars(select(OutMessage).where(OutMessage.partner == partner, OutMessage.settled.is_(False),
                                                    OutMessage.next_attempt_at <= now)
                           .order_by(OutMessage.stream, OutMessage.seq).limit(limit)))
    for row in rows:
        row.attempts += 1
        row.sent_at = row.sent_at or now
        # If no receipt comes back (the partner or we die mid-flight), the next try waits out the backoff.
        row.next_attempt_at = now + timedelta(seconds=backoff_s(row.attempts))
    return [row.envelope for row in rows]


def outbox_pending_after(*, db: Session, partner: str, after: dict[str, int], now: datetime,
                         limit: int) -> list[dict[str, Any]]:
    """Unsettled envelopes for a partner past the numbers it says it has (a pull), in stream order."""
    db.flush()  # messages queued in this transaction are held too
    past = [(OutMessage.stream == name) & (OutMessage.seq > seq) for name, seq in after.items()]
    unknown = OutMessage.stream.not_in(list(after)) if after else true()
    chosen = list(db.scalars(select(OutMessage).where(OutMessage.partner == partner, OutMessage.settled.is_(False),
                                                      or_(unknown, *past))
                             .order_by(OutMessage.stream, OutMessage.seq).limit(limit)))
    for row in chosen:
        row.attempts += 1
        row.sent_at = row.sent_at or now
    return [row.envelope for row in chosen]


def delivery_failed(*, db: Session, partner: str, envelopes: Sequence[dict[str, Any]], error: str) -> None:
    """Note why a push failed; the backoff set when the envelopes were claimed decides the next try."""
    for env in envelopes:
        h = env["header"]
        db.execute(update(OutMessage).where(OutMessage.partner == partner, OutMessage.stream == h["stream"],
                                            OutMessage.seq == h["seq"]).values(last_error=error[:200]))


def _receipt_body(receipt: Any, partner: str, party: str) -> dict[str, Any] | None:
    if not isinstance(receipt, dict) or not isinstance(body := receipt.get("receipt"), dict):
        return None
    ref = body.get("ref")
    if body.get("sender") != partner or body.get("receiver") != party or not isinstance(ref, dict) \
            or not isinstance(body.get("kid"), str) or body.get("status") not in (*FINAL, "pending", "refused"):
        return None
    return body


def receipts_apply(*, db: Session, partner: str, receipts: Sequence[Any], now: datetime) -> dict[str, int]:
    """Settle messages by the partner's signed receipts; unsigned, forged or stray receipts change nothing."""
    settings, party = exchange_settings(), own_party(db=db)
    db.flush()  # messages queued in this transaction can be settled too
    counts = {"settled": 0, "held": 0, "refused": 0, "ignored": 0}
    bodies = [_receipt_body(receipt, partner, party) for receipt in receipts]
    # One read of the keys and one of the messages the receipts name, instead of one each per receipt.
    keys = {kid: partner_public_key(db=db, partner=partner, kid=kid, at=now)
            for kid in {b["kid"] for b in bodies if b is not None}}
    named = [(b["ref"].get("stream"), b["ref"].get("seq")) for b in bodies if b is not None]
    streams = {s for s, n in named if isinstance(s, str)}
    seqs = {n for s, n in named if isinstance(n, int) and not isinstance(n, bool)}
    rows = {(r.stream, r.seq): r for r in db.scalars(select(OutMessage).where(
        OutMessage.partner == partner, OutMessage.stream.in_(streams), OutMessage.seq.in_(seqs)))} if seqs else {}
    audits = []
    for receipt, body in zip(receipts, bodies, strict=True):
        key = keys.get(body["kid"]) if body else None
        if body is None or key is None or not envelope.verify(body, receipt.get("signature"), key):
            counts["ignored"] += 1
            continue
        ref = body["ref"]
        row = rows.get((ref.get("stream"), ref.get("seq")))
        if row is None or row.envelope["header"]["payload_hash"] != ref.get("payload_hash"):
            counts["ignored"] += 1
            continue
        row.acknowledged_at = row.acknowledged_at or now
        status = body["status"]
        if status in FINAL:
            if not row.settled:
                row.state, row.settled, row.settled_at = status, True, now
                row.reasons = [str(r)[:80] for r in body.get("reasons", [])][:20]
                row.last_error = None
                audits.append(audit_row(actor=f"partner:{partner}", actor_org=partner, action=f"exchange.{status}",
                                        target_type="exchange_out", target_id=f"{partner}/{row.stream}/{row.seq}",
                                        detail={"reasons": row.reasons}, at=now))
            counts["settled"] += 1
        elif status == "pending":
            row.state, row.last_error = ("received" if not row.settled else row.state), None
            row.next_attempt_at = now + timedelta(seconds=settings.recheck_s)
            counts["held"] += 1
            expected = body.get("expected_seq")
            if isinstance(expected, int) and expected < row.seq:
                # The partner misses earlier numbers: send them again now (a gap re-request).
                db.execute(update(OutMessage).where(OutMessage.partner == partner, OutMessage.stream == row.stream,
                                                    OutMessage.seq >= expected, OutMessage.seq < row.seq,
                                                    OutMessage.settled.is_(False)).values(next_attempt_at=now))
        else:
            row.last_error = ",".join(str(r)[:60] for r in body.get("reasons", []))[:200] or "exchange.refused"
            counts["refused"] += 1
    if audits:
        db.execute(insert(AuditRecord), audits)
    return counts


def stream_replay(*, db: Session, actor: str, partner: str, stream: str, from_seq: int, now: datetime) -> int:
    """Deliver a stream again from a number on: the partner answers what it has with its earlier receipts and
    applies only what it lacks, so a replay can never apply anything twice. How many were put back."""
    partner_get(db=db, code=partner)
    rows = list(db.scalars(select(OutMessage).where(OutMessage.partner == partner, OutMessage.stream == stream,
                                                    OutMessage.seq >= from_seq)))
    for row in rows:
        row.settled, row.next_attempt_at, row.last_error = False, now, None
        row.state = "pending" if row.state in FINAL else row.state
    audit_append(db=db, actor=actor, actor_org=own_party(db=db), action="exchange.stream_replayed",
                 target_type="partner", target_id=partner, detail={"stream": stream, "from_seq": from_seq,
                                                                   "messages": len(rows)}, at=now)
    return len(rows)
