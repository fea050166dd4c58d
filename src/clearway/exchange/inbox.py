"""Receiving: verify, de-duplicate on (sender, business id, version), apply in stream order exactly once,
and answer each envelope with a signed receipt (accepted / rejected with codes, pending, or refused)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from clearway.audit.models import AuditRecord
from clearway.audit.service import audit_row
from clearway.exchange import envelope
from clearway.exchange.agreements import Agreement, inbound_check
from clearway.exchange.directory import own_party, own_signing_key
from clearway.exchange.models import ExchangeKey, InMessage, Partner
from clearway.exchange.settings import exchange_settings
from clearway.exchange.streams import stream_locked

Handler = Callable[[Session, InMessage], list[str]]
Text = Field(min_length=1, max_length=80, pattern=r"^[\x21-\x7e]+$")


class EnvelopeHeader(BaseModel):
    """The signed header of an envelope; anything else in it is refused."""

    model_config = ConfigDict(extra="forbid", strict=True)

    sender: str = Field(min_length=2, max_length=8)
    receiver: str = Field(min_length=2, max_length=8)
    doc_type: str = Field(min_length=1, max_length=40)
    purpose: str = Field(min_length=1, max_length=40)
    business_id: str = Text
    version: int = Field(ge=1, le=1_000_000)
    stream: str = Field(min_length=1, max_length=40)
    seq: int = Field(ge=1, le=2**31 - 1)
    created_at: str = Field(max_length=40)
    expires_at: str = Field(max_length=40)
    payload_hash: str = Field(max_length=80)
    kid: str = Field(min_length=1, max_length=100)


def _when(value: str) -> datetime | None:
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def _ref(raw: Any) -> dict[str, Any]:
    """What a receipt says it answers: the header's identifying fields as far as they can be read."""
    header = raw.get("header") if isinstance(raw, dict) else None
    header = header if isinstance(header, dict) else {}
    ref: dict[str, Any] = {}
    for name in ("stream", "seq", "business_id", "version", "payload_hash"):
        value = header.get(name)
        if isinstance(value, str):
            ref[name] = value[:80]
        elif isinstance(value, int) and not isinstance(value, bool):
            ref[name] = value
    return ref


class Checked(NamedTuple):
    """An envelope whose form, sender, key, signature and hash were verified."""

    raw: Any
    header: EnvelopeHeader
    partner: Partner
    created: datetime


class Receiver:
    """One pass over received envelopes, in one transaction: signs receipts with our key at `now`."""

    def __init__(self, *, db: Session, now: datetime, handlers: dict[str, Handler]):
        self.db, self.now, self.handlers = db, now, handlers
        self.settings = exchange_settings()
        self.jwk = own_signing_key(db=db, now=now)
        self.party = own_party(db=db)
        # Within one pass (one transaction) a stream row, once locked, stays locked and current; a partner's
        # key row and parsed agreement are read once; whether a stream holds buffered messages is tracked.
        self.streams: dict[tuple[str, str, str], Any] = {}
        self.key_rows: dict[tuple[str, str], ExchangeKey | None] = {}
        self.terms: dict[str, Agreement] = {}
        self.buffered: dict[tuple[str, str], bool] = {}
        self.partners: dict[str, Partner | None] = {}
        self.by_seq: dict[tuple[str, str, int], InMessage] = {}
        self.by_business: dict[tuple[str, str, int], InMessage] = {}
        self.audits: list[dict[str, Any]] = []

    def key(self, partner: str, kid: str, at: datetime) -> dict[str, Any] | None:
        """The partner's public key with this kid if it was valid at `at`."""
        if (partner, kid) not in self.key_rows:
            self.key_rows[(partner, kid)] = self.db.scalar(select(ExchangeKey).where(
                ExchangeKey.owner == partner, ExchangeKey.own.is_(False), ExchangeKey.kid == kid))
        row = self.key_rows[(partner, kid)]
        if row is None or row.revoked or row.valid_from > at or (row.valid_to is not None and row.valid_to <= at):
            return None
        return row.public_jwk

    def has_buffered(self, sender: str, stream: str) -> bool:
        """Whether the stream holds messages waiting for an earlier number (asked once per pass)."""
        if (sender, stream) not in self.buffered:
            self.buffered[(sender, stream)] = self.db.scalar(select(InMessage.id).where(
                InMessage.sender == sender, InMessage.stream == stream, InMessage.state == "pending").limit(1)
            ) is not None
        return self.buffered[(sender, stream)]

    def stream(self, partner: str, direction: str, name: str) -> Any:
        """A stream row locked for the rest of this pass."""
        found = self.streams.get((partner, direction, name))
        if found is None:
            found = self.streams[(partner, direction, name)] = stream_locked(
                db=self.db, partner=partner, direction=direction, name=name)
        return found

    def receipt(self, raw: Any, *, to: str, status: str, reasons: Sequence[str] = (),
                expected: int | None = None, duplicate: bool = False) -> dict[str, Any]:
        """A signed receipt for one envelope."""
        body: dict[str, Any] = {"sender": self.party, "receiver": to[:8], "ref": _ref(raw),
                                "status": status, "reasons": list(reasons), "duplicate": duplicate,
                                "created_at": envelope.rfc3339(self.now)}
        if expected is not None:
            body["expected_seq"] = expected
        return envelope.receipt_build(body=body, jwk=self.jwk)

    def partner(self, code: str) -> Partner | None:
        """A partner row, read once per pass."""
        if code not in self.partners:
            self.partners[code] = self.db.get(Partner, code)
        return self.partners[code]

    def check(self, raw: Any) -> Checked | dict[str, Any]:
        """Verify one envelope (form, receiver, sender, key, signature, hash, clock): Checked, or the refusal."""
        outer = raw.get("header") if isinstance(raw, dict) else None
        claimed = outer.get("sender") if isinstance(outer, dict) else None
        claimed = claimed if isinstance(claimed, str) else ""
        try:
            header = EnvelopeHeader.model_validate(raw["header"])
            payload, signature = raw["payload"], raw["signature"]
            if not isinstance(payload, dict) or not isinstance(signature, str) or set(raw) != {
                    "header", "payload", "signature"}:
                raise TypeError
        except (ValidationError, KeyError, TypeError):
            return self.receipt(raw, to=claimed, status="refused", reasons=["exchange.malformed"])
        created, expires = _when(header.created_at), _when(header.expires_at)
        partner = self.partner(header.sender)
        refusal = None
        if header.receiver != self.party:
            refusal = "exchange.wrong_receiver"
        elif partner is None or not partner.active:
            refusal = "exchange.unknown_sender"
        elif created is None or expires is None:
            refusal = "exchange.malformed"
        else:
            key = self.key(header.sender, header.kid, created)
            if key is None:
                refusal = "exchange.unknown_key"
            elif not envelope.verify(raw["header"], signature, key):
                refusal = "exchange.signature_invalid"
            elif envelope.payload_hash_or_none(payload) != header.payload_hash:
                refusal = "exchange.hash_mismatch"
            elif created > self.now + timedelta(seconds=self.settings.clock_skew_s):
                refusal = "exchange.from_future"
        if refusal is not None or partner is None or created is None or expires is None:
            return self.receipt(raw, to=claimed, status="refused", reasons=[refusal or "exchange.malformed"])
        return Checked(raw, header, partner, created)

    def lock(self, checked: Sequence[Checked]) -> None:
        """Lock the streams of verified envelopes, each sender's apply counter first and streams by name (the
        same order in every pass, so that concurrent passes cannot deadlock); then read, once, what is already
        stored under their numbers and business ids (after the locks: two pushes of one envelope cannot both
        store it)."""
        streams: dict[str, set[str]] = {}
        for c in checked:
            streams.setdefault(c.header.sender, set()).add(c.header.stream)
        for sender in sorted(streams):
            self.stream(sender, "ord", "apply")
            for name in sorted(streams[sender]):
                self.stream(sender, "in", name)
            mine = [c.header for c in checked if c.header.sender == sender]
            for row in self.db.scalars(select(InMessage).where(
                    InMessage.sender == sender,
                    (InMessage.stream.in_(sorted(streams[sender])) & InMessage.seq.in_({h.seq for h in mine}))
                    | InMessage.business_id.in_({h.business_id for h in mine}))):
                self.remember(row)
        self.prefetch(checked)

    def prefetch(self, checked: Sequence[Checked]) -> None:
        """Let each document type's handler read at once what it would look up per message (a handler offers
        `prefetch(db, [(sender, payload)...])`); only envelopes not stored yet are applied, so only theirs."""
        fresh: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for c in checked:
            h = c.header
            if self.by_seq.get((h.sender, h.stream, h.seq)) or self.by_business.get((h.sender, h.business_id,
                                                                                    h.version)):
                continue
            fresh.setdefault(h.doc_type, []).append((h.sender, c.raw["payload"]))
        for doc_type, messages in fresh.items():
            prefetch = getattr(self.handlers.get(doc_type), "prefetch", None)
            if prefetch is not None:
                prefetch(self.db, messages)

    def remember(self, row: InMessage) -> None:
        """Keep a stored (or just added) row findable by its number and by its business id in this pass."""
        self.by_seq[(row.sender, row.stream, row.seq)] = row
        self.by_business[(row.sender, row.business_id, row.version)] = row

    def take(self, checked: Checked) -> dict[str, Any]:
        """Store a verified envelope once and apply it if it is next in its stream (locked by `lock`)."""
        raw, header, partner, created = checked
        signature = raw["signature"]
        stream = self.stream(header.sender, "in", header.stream)
        known = self.by_seq.get((header.sender, header.stream, header.seq)) or self.by_business.get(
            (header.sender, header.business_id, header.version))
        if known is not None:
            if known.signature == signature:  # the very same signed copy again: answer as before, do nothing
                return self._answer(raw, known, duplicate=True)
            return self.receipt(raw, to=header.sender, status="refused", reasons=["exchange.replayed"])
        if header.seq <= stream.last_seq:  # applied long ago and its record purged: a replay
            return self.receipt(raw, to=header.sender, status="refused", reasons=["exchange.replayed"])
        row = InMessage(sender=header.sender, stream=header.stream, seq=header.seq, doc_type=header.doc_type,
                        business_id=header.business_id, version=header.version, payload_hash=header.payload_hash,
                        signature=signature, header=raw["header"], payload=raw["payload"], state="pending",
                        reasons=[], received_at=self.now, created_at=created)
        buffered = self.has_buffered(header.sender, header.stream)
        self.db.add(row)
        self.remember(row)
        if header.seq == stream.last_seq + 1:
            self._apply_from(partner, stream, row, buffered)
        else:
            self.buffered[(header.sender, header.stream)] = True
        return self._answer(raw, row, duplicate=False, expected=stream.last_seq + 1)

    def _answer(self, raw: Any, row: InMessage, *, duplicate: bool, expected: int | None = None) -> dict[str, Any]:
        if row.state == "pending":
            if expected is None:
                expected = self.stream(row.sender, "in", row.stream).last_seq + 1
            return self.receipt(raw, to=row.sender, status="pending", expected=expected, duplicate=duplicate)
        return self.receipt(raw, to=row.sender, status=row.state, reasons=row.reasons, duplicate=duplicate)

    def _apply_from(self, partner: Partner, stream: Any, row: InMessage, buffered: bool) -> None:
        """Apply the row, then every buffered one that now follows without a gap."""
        order = self.stream(partner.code, "ord", "apply")
        while True:
            self._apply(partner, row)
            order.last_seq += 1
            row.apply_order, row.applied_at = order.last_seq, self.now
            stream.last_seq = row.seq
            if not buffered:  # nothing waits behind this one: no need to look
                return
            following = self.by_seq.get((partner.code, row.stream, row.seq + 1))
            if following is None:  # not in this pass: perhaps stored, waiting, by an earlier one
                following = self.db.scalar(select(InMessage).where(
                    InMessage.sender == partner.code, InMessage.stream == row.stream, InMessage.seq == row.seq + 1))
            if following is None or following.state != "pending":
                return
            self.remember(following)
            row = following

    def _apply(self, partner: Partner, row: InMessage) -> None:
        header = row.header
        reasons: list[str] = []
        expires = _when(header["expires_at"])
        if expires is None or expires < row.received_at:
            reasons.append("exchange.expired")
        elif row.created_at < row.received_at - timedelta(seconds=self.settings.replay_window_s):
            reasons.append("exchange.too_old")
        else:
            if partner.code not in self.terms:
                self.terms[partner.code] = Agreement.model_validate(partner.agreement)
            reasons = inbound_check(agreement=self.terms[partner.code], sends=partner.sends, doc_type=row.doc_type,
                                    purpose=header["purpose"], payload=row.payload)
        if not reasons:
            handler = self.handlers.get(row.doc_type)
            reasons = ["exchange.doc_type_unsupported"] if handler is None else handler(self.db, row)
        row.state, row.reasons = ("rejected" if reasons else "accepted"), reasons
        self.audits.append(audit_row(actor=f"partner:{partner.code}", actor_org=partner.code,
                                     action=f"exchange.received_{row.state}", target_type="exchange_in",
                                     target_id=f"{partner.code}/{row.stream}/{row.seq}",
                                     detail={"business_id": row.business_id, "version": row.version,
                                             "reasons": reasons, "purpose": header["purpose"],
                                             "legal_basis": partner.agreement.get("legal_basis")}, at=self.now))

    def finish(self) -> None:
        """Write what the pass added: its rows, then its audit records in one statement."""
        self.db.flush()
        if self.audits:
            self.db.execute(insert(AuditRecord), self.audits)
            self.audits = []


def envelopes_receive(*, db: Session, envelopes: Sequence[Any], now: datetime,
                      handlers: dict[str, Handler]) -> list[dict[str, Any]]:
    """Receive envelopes in the order given; one signed receipt for each."""
    receiver = Receiver(db=db, now=now, handlers=handlers)
    checked = [receiver.check(raw) for raw in envelopes]  # signatures first, without any lock held
    receiver.lock([c for c in checked if isinstance(c, Checked)])
    receipts = [receiver.take(c) if isinstance(c, Checked) else c for c in checked]
    receiver.finish()
    return receipts
