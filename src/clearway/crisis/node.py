"""The offline post node: one border post's own embedded SQLite database, working from a signed snapshot.

The node's tables live on their own metadata (not the centre's Base): a node holds only what the post
needs. Every lodgement writes the declaration, its permit draws and its journal entry in one SQLite
transaction, so a crash of the node leaves either all of it or none of it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Engine,
    Integer,
    MetaData,
    Numeric,
    String,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from clearway.crisis import journal
from clearway.crisis.snapshot import snapshot_verify
from clearway.declarations.schemas import DeclarationCreate
from clearway.errors import DeclarationInvalid, Problem, ValidationFailed
from clearway.exchange import envelope


class NodeBase(DeclarativeBase):
    """Base of the node's own tables."""

    metadata = MetaData()


class NodeMeta(NodeBase):
    """Key/value facts of the node: its post, snapshot, keys."""

    __tablename__ = "node_meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class NodeDeclaration(NodeBase):
    """A declaration lodged at the post while offline, under its offline reference."""

    __tablename__ = "node_declarations"
    __table_args__ = (UniqueConstraint("declarant", "lrn"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offline_ref: Mapped[str] = mapped_column(String(40), unique=True)
    declarant: Mapped[str] = mapped_column(String(20))
    lrn: Mapped[str] = mapped_column(String(35))
    doc: Mapped[Any] = mapped_column(JSON)
    doc_hash: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[Any] = mapped_column(JSON)
    duty: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(12))  # released | waiting
    lodged_at: Mapped[str] = mapped_column(String(40))


class NodePermit(NodeBase):
    """The part of a permit's balance the centre allocated to this post."""

    __tablename__ = "node_permits"
    __table_args__ = (CheckConstraint("used >= 0 AND used <= allocated", name="within"),)
    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    allocated: Mapped[Decimal] = mapped_column(Numeric(18, 3))
    used: Mapped[Decimal] = mapped_column(Numeric(18, 3), default=Decimal(0))


class NodeJournal(NodeBase):
    """The hash-chained journal: every provisioning, lodgement and release, in order."""

    __tablename__ = "node_journal"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(40))
    body: Mapped[Any] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class NodeNotProvisioned(ValidationFailed):
    """The node has no verified snapshot, or it has expired: it lodges nothing."""

    slug = "crisis-node-not-provisioned"
    title_code = "problem.crisis_node_not_provisioned"


@dataclass(frozen=True)
class OfflineOutcome:
    """What the post tells the trader at once."""

    offline_ref: str
    channel: str
    released: bool
    duty: Decimal
    reasons: list[str]


def node_open(path: str) -> Engine:
    """The node's engine on its SQLite file, tables created (the node has no migrations of its own)."""
    engine = create_engine(f"sqlite:///{path}", json_serializer=lambda v: orjson.dumps(v).decode(),
                           json_deserializer=orjson.loads)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # synchronous=FULL: an acknowledged lodgement survives a power cut of the post.
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    NodeBase.metadata.create_all(engine)
    return engine


def _append(db: Session, *, at: datetime, kind: str, ref: str, body: Any) -> NodeJournal:
    last = db.scalars(select(NodeJournal).order_by(NodeJournal.seq.desc()).limit(1)).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, journal.GENESIS)
    stamp = at.isoformat()
    entry = NodeJournal(seq=seq, at=stamp, kind=kind, ref=ref, body=body, prev_hash=prev,
                        hash=journal.entry_hash(prev_hash=prev, seq=seq, at=stamp, kind=kind, ref=ref, body=body))
    db.add(entry)
    db.flush()
    return entry


def _meta(db: Session, key: str) -> Any:
    row = db.get(NodeMeta, key)
    return None if row is None else row.value


def node_provision(*, db: Session, signed: dict[str, Any], centre_public_jwk: dict[str, Any], post: str,
                   now: datetime) -> dict[str, Any]:
    """Verify the centre's snapshot, load it and the post's permit allocations; returns the node's public key."""
    snapshot = snapshot_verify(signed=signed, centre_public_jwk=centre_public_jwk, post=post)
    key = _meta(db, "node_key") or envelope.key_generate()
    for k, v in (("post", post), ("snapshot", snapshot), ("snapshot_hash", signed["hash"]), ("node_key", key),
                 ("centre_key", centre_public_jwk)):
        db.merge(NodeMeta(key=k, value=v))
    for p in snapshot["permits"]:
        row = db.get(NodePermit, p["number"])
        if row is None:
            db.add(NodePermit(number=p["number"], allocated=Decimal(p["allocated"]), used=Decimal(0)))
        else:
            row.allocated = Decimal(p["allocated"])
    _append(db, at=now, kind="provisioned", ref=post, body={"snapshot_hash": signed["hash"]})
    return envelope.public_of(key)


@dataclass(frozen=True)
class Prepared:
    """A verified snapshot made ready for lodging: the lookups each lodgement needs, built once."""

    snapshot: dict[str, Any]
    known: frozenset[str]
    rates: dict[str, Decimal]
    lengths: tuple[int, ...]  # tariff prefix lengths, longest first
    aeo: frozenset[str]


# Prepared snapshots by content hash: a snapshot never changes under its hash, so this is a pure memo.
_PREPARED: dict[str, Prepared] = {}


def _prepare(snapshot: dict[str, Any]) -> Prepared:
    rates = {p: Decimal(r) for p, r in snapshot["tariff"].items()}
    return Prepared(snapshot=snapshot, known=frozenset(snapshot["reference"].get("hs", [])), rates=rates,
                    lengths=tuple(sorted({len(p) for p in rates}, reverse=True)),
                    aeo=frozenset(str(a).strip() for a in snapshot["aeo"]))


def _prepared(db: Session, now: datetime) -> Prepared:
    digest = _meta(db, "snapshot_hash")
    prepared = _PREPARED.get(digest) if digest else None
    if prepared is None:
        snapshot = _meta(db, "snapshot")
        if snapshot is None:
            raise NodeNotProvisioned([Problem("crisis.node_not_provisioned", "", {})])
        prepared = _prepare(snapshot)
        if len(_PREPARED) >= 8:
            _PREPARED.clear()
        _PREPARED[str(digest)] = prepared
    valid_until = prepared.snapshot["valid_until"]
    if datetime.fromisoformat(valid_until) <= now:
        # A stale snapshot could release goods against rules the centre has since changed: fail closed.
        raise NodeNotProvisioned([Problem("crisis.snapshot_expired", "", {"valid_until": valid_until})])
    return prepared


def _snapshot(db: Session, now: datetime) -> dict[str, Any]:
    return _prepared(db, now).snapshot


def _channel(snapshot: dict[str, Any], doc: dict[str, Any]) -> tuple[str, list[str]]:
    """The channel from the snapshot's watchlist, rules and model thresholds; the most severe wins."""
    order = {"green": 0, "yellow": 1, "red": 2}
    channel, reasons = "green", list[str]()
    names = {str(doc.get(r, {}).get(f, "")).lower() for r in ("declarant", "importer", "exporter", "seller")
             for f in ("id", "name") if isinstance(doc.get(r), dict)}
    for entry in snapshot["watchlist"]:
        if entry.lower() in names:
            channel, reasons = "red", [*reasons, f"watchlist: {entry}"]
    for rule in snapshot["rules"]:
        for item in doc["items"]:
            if item["hs_code"].startswith(rule.get("hs_prefix", "")) and \
                    rule.get("origin") in (None, item.get("origin_country")):
                if order[rule["channel"]] > order[channel]:
                    channel = rule["channel"]
                reasons.append(f"rule {rule['id']}")
                break
    value = sum(Decimal(i["value"]) for i in doc["items"])
    limit = snapshot["model"].get("yellow_above_value")
    if limit is not None and value > Decimal(limit) and order[channel] < 1:
        channel, reasons = "yellow", [*reasons, f"model {snapshot['model'].get('version')}: value"]
    return channel, reasons


def _duty(prepared: Prepared, doc: dict[str, Any]) -> Decimal:
    total = Decimal(0)
    for i, item in enumerate(doc["items"]):
        code = item["hs_code"]
        rate = next((prepared.rates[code[:n]] for n in prepared.lengths if code[:n] in prepared.rates), None)
        if rate is None:
            raise DeclarationInvalid([Problem("tariff.line_unknown", f"/items/{i}/hs_code", {})])
        total += Decimal(item["value"]) * rate / 100
    return total.quantize(Decimal("0.01"), ROUND_HALF_UP)


def aeo_traders(doc: dict[str, Any]) -> list[str]:
    """The traders whose AEO status the AEO lane asks for: the declarant and the importer when it names one by id
    (an AEO broker lodging for an importer who is not one does not bring the importer's goods into the lane)."""
    ids = [str((doc.get(role) or {}).get("id") or "").strip() for role in ("declarant", "importer")]
    return sorted({i for i in ids if i}) or [""]


def _release(prepared: Prepared, doc: dict[str, Any], channel: str, reasons: list[str]) -> tuple[bool, list[str]]:
    """Whether the snapshot's policy lets the goods go at the post, and the reasons with the AEO lane's answer.

    The AEO lane opens only for traders on the snapshot's AEO list, and never for red: a physical inspection
    is carried out at the post whoever the trader is.
    """
    policy = prepared.snapshot["policy"]
    if channel in policy.get("release_channels", ["green"]):
        return True, reasons
    if channel == "red" or channel not in policy.get("aeo_release_channels", []):
        return False, reasons
    missing = [t for t in aeo_traders(doc) if t not in prepared.aeo]
    if missing:
        return False, [*reasons, f"AEO lane: {', '.join(t or '?' for t in missing)} not on the snapshot's AEO list"]
    return True, [*reasons, f"AEO lane: {', '.join(aeo_traders(doc))} released under the snapshot policy"]


def node_lodge(*, db: Session, raw: Any, now: datetime) -> OfflineOutcome:
    """Lodge at the post offline: validated, assessed, channelled from the snapshot, released if its policy allows."""
    prepared = _prepared(db, now)
    snapshot = prepared.snapshot
    try:
        doc = DeclarationCreate.model_validate(raw).model_dump(mode="json", exclude_none=True)
    except ValidationError as exc:
        raise DeclarationInvalid([Problem("declaration.schema", "/" + "/".join(str(p) for p in e["loc"]), {})
                                  for e in exc.errors()]) from exc
    bad = [i for i, item in enumerate(doc["items"]) if item["hs_code"][:6] not in prepared.known]
    if bad:
        raise DeclarationInvalid([Problem("declaration.hs_unknown", f"/items/{i}/hs_code", {}) for i in bad])
    declarant = doc["declarant"].get("id", "")
    existing = db.scalars(select(NodeDeclaration).where(NodeDeclaration.declarant == declarant,
                                                        NodeDeclaration.lrn == doc["lrn"])).first()
    if existing is not None:
        # A retry of the same lodgement (the link flapped, the trader pressed again) gives the same answer.
        if existing.doc_hash != envelope.payload_hash(doc):
            raise DeclarationInvalid([Problem("declaration.lrn_duplicate", "/lrn", {})])
        return OfflineOutcome(existing.offline_ref, existing.channel, existing.status == "released",
                              Decimal(existing.duty), list(existing.reasons))
    duty = _duty(prepared, doc)
    for i, item in enumerate(doc["items"]):
        for number in item.get("permits", []):
            drawn = db.execute(update(NodePermit).where(
                NodePermit.number == number, NodePermit.used + Decimal(item["quantity"]["value"])
                <= NodePermit.allocated).values(used=NodePermit.used + Decimal(item["quantity"]["value"])))
            if drawn.rowcount != 1:  # type: ignore[attr-defined]
                raise DeclarationInvalid([Problem("permit.exhausted", f"/items/{i}/permits", {"permit": number})])
    channel, reasons = _channel(snapshot, doc)
    released, reasons = _release(prepared, doc, channel, reasons)
    count = db.scalar(select(func.max(NodeDeclaration.id))) or 0  # O(log n), unlike a count
    # The node's own id in the reference: a post re-provisioned on a new node never reuses an earlier reference.
    ref = f"{snapshot['post']}-{node_id(db)}-{count + 1:07d}"
    doc_hash = envelope.payload_hash(doc)
    db.add(NodeDeclaration(offline_ref=ref, declarant=declarant, lrn=doc["lrn"], doc=doc, doc_hash=doc_hash,
                           channel=channel, reasons=reasons, duty=str(duty),
                           status="released" if released else "waiting", lodged_at=now.isoformat()))
    _append(db, at=now, kind="lodged", ref=ref, body={"doc_hash": doc_hash, "channel": channel,
                                                      "duty": str(duty), "released": released})
    return OfflineOutcome(ref, channel, released, duty, reasons)


class NodeDecisionInvalid(ValidationFailed):
    """A decision at the post on a declaration that is not waiting, or that the node does not hold."""

    slug = "crisis-node-decision-invalid"
    title_code = "problem.crisis_node_decision_invalid"


DECISIONS = {"release": "released", "detain": "detained"}


def node_decide(*, db: Session, offline_ref: str, decision: str, officer: str, note: str, now: datetime) -> str:
    """An officer's decision at the post on goods waiting for a control: released or detained, journalled."""
    _snapshot(db, now)
    if decision not in DECISIONS:
        raise NodeDecisionInvalid([Problem("crisis.node_decision_unknown", "/decision", {})])
    declaration = db.scalars(select(NodeDeclaration).where(NodeDeclaration.offline_ref == offline_ref)).first()
    if declaration is None:
        raise NodeDecisionInvalid([Problem("crisis.node_declaration_unknown", "/offline_ref", {"ref": offline_ref})])
    if declaration.status != "waiting":
        raise NodeDecisionInvalid([Problem("crisis.node_not_waiting", "/offline_ref",
                                           {"ref": offline_ref, "status": declaration.status})])
    declaration.status = DECISIONS[decision]
    _append(db, at=now, kind="decided", ref=offline_ref,
            body={"decision": decision, "officer": officer, "note": note[:200], "channel": declaration.channel})
    return declaration.status


def node_status(*, db: Session) -> dict[str, Any]:
    """What the node holds: its post, snapshot validity, declarations by status, journal length and soundness."""
    counts = {status: n for status, n in db.execute(select(NodeDeclaration.status, func.count())
                                                    .group_by(NodeDeclaration.status))}
    snapshot = _meta(db, "snapshot") or {}
    return {"post": _meta(db, "post"), "snapshot_hash": _meta(db, "snapshot_hash"),
            "valid_until": snapshot.get("valid_until"), "declarations": counts,
            "journal": db.scalar(select(func.count()).select_from(NodeJournal)) or 0,
            "journal_broken_at": node_journal_verify(db=db)}


ACCESS_ROLES = ("trader", "officer")  # a trader lodges as its own party; an officer decides and reads the node


@dataclass(frozen=True)
class NodeCaller:
    """Who calls the node's HTTP API: a role and the party (trader's EORI-like code, or the officer's name)."""

    role: str
    party: str


def _key_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def node_key_issue(*, db: Session, role: str, party: str, now: datetime) -> str:
    """A new API key for one trader or officer at the post; only its digest is kept, and the issue is journalled."""
    party = party.strip()
    if role not in ACCESS_ROLES or not 2 <= len(party) <= 40:
        raise ValidationFailed([Problem("crisis.node_key_role", "/role" if role not in ACCESS_ROLES else "/party",
                                        {"roles": ", ".join(ACCESS_ROLES)})])
    token = secrets.token_urlsafe(32)
    digest = _key_digest(token)
    keys = [*(_meta(db, "api_keys") or []), {"digest": digest, "role": role, "party": party,
                                             "issued_at": now.isoformat()}]
    db.merge(NodeMeta(key="api_keys", value=keys))
    # Who may lodge or decide at the post is part of the record the centre verifies.
    _append(db, at=now, kind="key_issued", ref=party, body={"role": role, "key": digest[:16]})
    return token


def node_caller(*, db: Session, token: str) -> NodeCaller | None:
    """The trader or officer a key was issued to, or None for a key the node never issued."""
    digest = _key_digest(token)
    for key in _meta(db, "api_keys") or []:
        if hmac.compare_digest(str(key["digest"]), digest):
            return NodeCaller(role=str(key["role"]), party=str(key["party"]))
    return None


def node_declaration(*, db: Session, offline_ref: str) -> NodeDeclaration | None:
    """One declaration the node holds, by its offline reference."""
    return db.scalars(select(NodeDeclaration).where(NodeDeclaration.offline_ref == offline_ref)).first()


def node_id(db: Session) -> str:
    """Six hex digits naming this node (from its key), part of every offline reference it gives."""
    return hashlib.sha256(str((_meta(db, "node_key") or {}).get("kid", "")).encode()).hexdigest()[:6].upper()


def node_journal_verify(*, db: Session) -> int | None:
    """The first broken journal entry's seq, or None when the journal is whole."""
    rows = db.scalars(select(NodeJournal).order_by(NodeJournal.seq)).all()
    return journal.chain_verify({"seq": r.seq, "at": r.at, "kind": r.kind, "ref": r.ref, "body": r.body,
                                 "prev_hash": r.prev_hash, "hash": r.hash} for r in rows)


def node_export(*, db: Session, now: datetime) -> dict[str, Any]:
    """Everything the post did offline, signed with the node's key, for the centre to reconcile."""
    journal_rows = [{"seq": r.seq, "at": r.at, "kind": r.kind, "ref": r.ref, "body": r.body,
                     "prev_hash": r.prev_hash, "hash": r.hash}
                    for r in db.scalars(select(NodeJournal).order_by(NodeJournal.seq))]
    declarations = [{"offline_ref": d.offline_ref, "doc": d.doc, "doc_hash": d.doc_hash, "channel": d.channel,
                     "status": d.status, "duty": d.duty, "lodged_at": d.lodged_at}
                    for d in db.scalars(select(NodeDeclaration).order_by(NodeDeclaration.id))]
    permits = [{"number": p.number, "used": str(p.used)} for p in db.scalars(select(NodePermit))]
    body = {"post": _meta(db, "post"), "snapshot_hash": _meta(db, "snapshot_hash"),
            "snapshot_issued_at": (_meta(db, "snapshot") or {}).get("issued_at"), "exported_at": now.isoformat(),
            "journal": journal_rows, "declarations": declarations, "permits": permits}
    return {"body": body, "signature": envelope.sign(body, _meta(db, "node_key"))}


def doc_digest(doc: Any) -> str:
    """A short digest of a document, for logs."""
    return hashlib.sha256(envelope.canonical(doc)).hexdigest()[:16]
