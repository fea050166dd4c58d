"""Reads of the exchange: messages by partner, per-partner figures (counts, lag, error rate)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.exchange.models import (
    AssistanceRequest,
    InMessage,
    MirrorCheck,
    OutMessage,
    Partner,
    PartnerAeo,
    PreArrival,
)
from clearway.exchange.schemas import (
    AssistanceRead,
    Counts,
    MessageRead,
    MirrorFinding,
    MirrorPage,
    MirrorRead,
    PartnerRead,
    PreArrivalRead,
    PreArrivalRisk,
)

RECENT = 1000  # messages each way that the lag and error figures look at


def message_read_out(m: OutMessage) -> MessageRead:
    """An outgoing message as the API shows it."""
    return MessageRead(id=m.id, direction="out", partner=m.partner, stream=m.stream, seq=m.seq, doc_type=m.doc_type,
                       business_id=m.business_id, version=m.version, state=m.state, reasons=m.reasons,
                       attempts=m.attempts, last_error=m.last_error, created_at=m.created_at,
                       settled_at=m.settled_at)


def message_read_in(m: InMessage) -> MessageRead:
    """An incoming message as the API shows it."""
    return MessageRead(id=m.id, direction="in", partner=m.sender, stream=m.stream, seq=m.seq, doc_type=m.doc_type,
                       business_id=m.business_id, version=m.version, state=m.state, reasons=m.reasons,
                       created_at=m.created_at, settled_at=m.applied_at)


def messages(*, db: Session, partner: str | None, direction: str, state: str | None, before: int | None,
             limit: int) -> tuple[list[MessageRead], int | None]:
    """Messages one way, newest first, optionally of one partner and state."""
    model: Any = OutMessage if direction == "out" else InMessage
    who = OutMessage.partner if direction == "out" else InMessage.sender
    query = select(model).order_by(model.id.desc()).limit(limit + 1)
    if partner:
        query = query.where(who == partner)
    if state:
        query = query.where(model.state == state)
    if before:
        query = query.where(model.id < before)
    rows = list(db.scalars(query))
    read = message_read_out if direction == "out" else message_read_in
    items = [read(r) for r in rows[:limit]]
    return items, (rows[limit - 1].id if len(rows) > limit else None)


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3)


def partner_summary(*, db: Session, partner: Partner, now: datetime) -> PartnerRead:
    """A partner with its counts each way, p95 lag, oldest pending message and error rate."""
    sent = Counts(**dict(db.execute(select(OutMessage.state, func.count()).where(OutMessage.partner == partner.code)
                                    .group_by(OutMessage.state)).tuples().all()))
    got = Counts(**dict(db.execute(select(InMessage.state, func.count()).where(InMessage.sender == partner.code)
                                   .group_by(InMessage.state)).tuples().all()))
    failing = db.scalar(select(func.count()).select_from(OutMessage).where(
        OutMessage.partner == partner.code, OutMessage.settled.is_(False), OutMessage.last_error.is_not(None))) or 0
    recent = db.execute(select(OutMessage.created_at, OutMessage.settled_at, OutMessage.state, OutMessage.last_error)
                        .where(OutMessage.partner == partner.code).order_by(OutMessage.id.desc())
                        .limit(RECENT)).all()
    recent_in = list(db.scalars(select(InMessage.state).where(InMessage.sender == partner.code)
                                .order_by(InMessage.id.desc()).limit(RECENT)))
    oldest = db.scalar(select(func.min(OutMessage.created_at)).where(OutMessage.partner == partner.code,
                                                                     OutMessage.settled.is_(False)))
    bad = sum(1 for r in recent if r.state == "rejected" or (r.settled_at is None and r.last_error)) \
        + sum(1 for s in recent_in if s == "rejected")
    total = len(recent) + len(recent_in)
    return PartnerRead(
        code=partner.code, name=partner.name, endpoint=partner.endpoint, active=partner.active, pull=partner.pull,
        sends=partner.sends, accepts=partner.accepts, agreement=partner.agreement, sent=sent, received=got,
        failing=failing, lag_p95_s=_p95([(r.settled_at - r.created_at).total_seconds() for r in recent
                                         if r.settled_at is not None]),
        oldest_pending_s=round((now - oldest).total_seconds(), 3) if oldest else None,
        error_rate=round(bad / total, 6) if total else 0.0)


def partners(*, db: Session, now: datetime) -> list[PartnerRead]:
    """Every partner with its figures, by code."""
    return [partner_summary(db=db, partner=p, now=now) for p in db.scalars(select(Partner).order_by(Partner.code))]


def prearrival_read(r: PreArrival) -> PreArrivalRead:
    """A pre-arrival record as the API and pages show it, with the risk engine's decision on its arrival."""
    detail = r.risk_detail or {}
    return PreArrivalRead(
        id=r.id, sender=r.sender, export_mrn=r.export_mrn, ucr=r.ucr, version=r.version,
        items=len([i for i in (r.data or {}).get("items") or [] if isinstance(i, dict)]), received_at=r.received_at,
        risk=PreArrivalRisk(state="scored" if r.risk_state == "scored" else "not_scored", channel=r.risk_channel,
                            score=r.risk_score, model_version=detail.get("model_version"),
                            engine=detail.get("engine"), reasons=list(r.risk_reasons or []),
                            rule_hits=list(detail.get("rule_hits") or []),
                            error=r.risk_error if r.risk_state != "scored" else None,
                            cause=detail.get("cause"), scored_at=r.scored_at))


def prearrivals(*, db: Session, limit: int = 50, partner: str | None = None, state: str | None = None,
                before: int | None = None) -> tuple[list[PreArrivalRead], int | None]:
    """The latest pre-arrival records (partners' export declarations) with their risk, newest first."""
    query = select(PreArrival).order_by(PreArrival.id.desc()).limit(limit + 1)
    if partner:
        query = query.where(PreArrival.sender == partner)
    if state:
        query = query.where(PreArrival.risk_state == state)
    if before:
        query = query.where(PreArrival.id < before)
    rows = list(db.scalars(query))
    return [prearrival_read(r) for r in rows[:limit]], (rows[limit - 1].id if len(rows) > limit else None)


def partner_aeo_recognised(*, db: Session, operator_id: str, on: date) -> str | None:
    """The partner administration whose current AEO list holds this operator on that day, if any (for risk
    selection to recognise: mutual recognition)."""
    rows = db.scalars(select(PartnerAeo).where(PartnerAeo.operator_id == operator_id).order_by(PartnerAeo.sender))
    for row in rows:
        if row.valid_until is None or row.valid_until >= on.isoformat():
            return row.sender
    return None


def mirror_read(r: MirrorCheck) -> MirrorRead:
    """A mirror report line as the API shows it."""
    return MirrorRead(id=r.id, import_mrn=r.import_mrn, sender=r.sender, export_mrn=r.export_mrn,
                      matched_by=r.matched_by, gap=r.gap,
                      findings=[MirrorFinding.model_validate(f) for f in r.findings],
                      checked_at=r.checked_at, found_on=r.found_on, review=r.review, reviewed_by=r.reviewed_by,
                      reviewed_at=r.reviewed_at, review_note=r.review_note, control_task_id=r.control_task_id)


def mirror_report(*, db: Session, gap: bool | None = None, partner: str | None = None,
                  limit: int = 100) -> MirrorPage:
    """Mirror report lines, newest first (only gaps, or only clean ones, when asked), with the totals."""
    query = select(MirrorCheck).order_by(MirrorCheck.checked_at.desc(), MirrorCheck.id.desc()).limit(limit)
    counted = select(MirrorCheck.gap, func.count()).group_by(MirrorCheck.gap)
    if partner:
        query, counted = query.where(MirrorCheck.sender == partner), counted.where(MirrorCheck.sender == partner)
    if gap is not None:
        query = query.where(MirrorCheck.gap.is_(gap))
    totals = dict(db.execute(counted).tuples().all())
    items = [mirror_read(r) for r in db.scalars(query)]
    return MirrorPage(items=items, gaps=totals.get(True, 0), total=sum(totals.values()))


def assistance_read(row: AssistanceRequest, now: datetime) -> AssistanceRead:
    """A request for assistance as the API shows it (overdue: open past its deadline)."""
    return AssistanceRead(id=row.id, partner=row.partner, direction=row.direction, reference=row.reference,
                          legal_basis=row.legal_basis, purpose=row.purpose, subject=row.subject,
                          questions=row.questions, references=row.references, deadline=row.deadline,
                          state=row.state, overdue=row.state == "open" and row.deadline < now, answer=row.answer,
                          documents=row.documents, requested_by=row.requested_by, replied_by=row.replied_by,
                          created_at=row.created_at, replied_at=row.replied_at)


def assistance_list(*, db: Session, now: datetime, direction: str | None = None, state: str | None = None,
                    limit: int = 100) -> list[AssistanceRead]:
    """Requests for assistance each way, newest first."""
    query = select(AssistanceRequest).order_by(AssistanceRequest.id.desc()).limit(limit)
    if direction:
        query = query.where(AssistanceRequest.direction == direction)
    if state:
        query = query.where(AssistanceRequest.state == state)
    return [assistance_read(r, now) for r in db.scalars(query)]
