"""LPCO applied for once, and the permit as a balance (WCO write-off semantics).

A declaration item that cites a permit reserves its quantity and/or value at lodgement; the
reservation is written off at release and given back when the declaration is cancelled or amended
down. Every change of a balance is one conditional UPDATE (`used + delta` within `[0, granted]`), so
no interleaving of writers can take it below zero: the database re-checks the condition on the
locked row, and a CHECK constraint backs it.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, bindparam, case, insert, literal, select, update
from sqlalchemy.orm import Session

from clearway.agencies.models import Amount as AMOUNT
from clearway.agencies.models import Permit, PermitUse
from clearway.agencies.profiles import AgencyProfile
from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.errors import Conflict, NotFound, Problem, ValidationFailed
from clearway.notifications.service import notification_emit

ZERO = Decimal(0)
LIVE = ("reserved", "written_off")


def _audit(db: Session, actor: Principal, action: str, permit: Permit, now: datetime, **detail: Any) -> None:
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action=action,
                 target_type="permit", target_id=permit.number, detail=detail, at=now)
    # The holder hears of every step of its application (pull feed and webhook, like declaration events).
    notification_emit(db=db, organisation=permit.holder, kind=action, now=now, data={
        "permit": permit.number, "agency": permit.agency, "lpco": permit.lpco, "status": permit.status,
        "reason": permit.reason})


def application_submit(*, db: Session, actor: Principal, profile: AgencyProfile, lpco: str, hs_prefixes: list[str],
                       origin: str | None, quantity: Decimal | None, unit: str | None, value: Decimal | None,
                       currency: str | None, purpose: str, now: datetime) -> Permit:
    """A trader's application for an LPCO, in the agency's inbox."""
    kind = profile.lpco_of(lpco)
    if kind is None:
        raise ValidationFailed([Problem("permit.lpco_unknown", "/lpco", {"agency": profile.code, "lpco": lpco})])
    needs_q, needs_v = kind.balance in ("quantity", "both"), kind.balance in ("value", "both")
    problems = []
    if needs_q and (quantity is None or not unit):
        problems.append(Problem("permit.quantity_required", "/quantity", {"lpco": lpco}))
    if needs_v and (value is None or not currency):
        problems.append(Problem("permit.value_required", "/value", {"lpco": lpco}))
    if problems:
        raise ValidationFailed(problems)
    permit = Permit(number=f"{profile.code}-{now:%y}-{secrets.token_hex(4).upper()}", agency=profile.code,
                    lpco=lpco, holder=actor.organisation_code, status="applied", hs_prefixes=hs_prefixes,
                    origin=origin, requested_quantity=quantity if needs_q else None,
                    requested_value=value if needs_v else None, unit=unit if needs_q else None,
                    currency=currency if needs_v else None, quantity_used=ZERO, value_used=ZERO,
                    purpose=purpose, applied_at=now)
    db.add(permit)
    db.flush()
    _audit(db, actor, "permit.applied", permit, now, lpco=lpco)
    return permit


def application_decide(*, db: Session, actor: Principal, permit: Permit, profile: AgencyProfile, outcome: str,
                       quantity: Decimal | None, value: Decimal | None, valid_from: date | None,
                       valid_to: date | None, conditions: str | None, reason: str | None, now: datetime) -> Permit:
    """The agency approves (amounts, validity, conditions), refuses with a reason, or asks for information."""
    if permit.status not in ("applied", "info_requested"):
        raise Conflict([Problem("permit.already_decided", "/outcome", {"status": permit.status})])
    if outcome in ("refused", "info_requested"):
        if not reason:
            raise ValidationFailed([Problem("permit.reason_required", "/reason", {"outcome": outcome})])
        permit.status, permit.reason = outcome, reason
    else:
        kind = profile.lpco_of(permit.lpco)
        start = valid_from or now.date()
        end = valid_to or start + timedelta(days=kind.max_validity_days if kind else 365)
        if end < start or (kind and (end - start).days > kind.max_validity_days):
            raise ValidationFailed([Problem("permit.validity_invalid", "/valid_to", {
                "max_days": kind.max_validity_days if kind else 365})])
        permit.quantity = quantity if quantity is not None else permit.requested_quantity
        permit.value = value if value is not None else permit.requested_value
        if permit.unit is None:
            permit.quantity = None
        if permit.currency is None:
            permit.value = None
        permit.status, permit.valid_from, permit.valid_to = "approved", start, end
        permit.conditions, permit.reason = conditions, None
    if outcome != "info_requested":
        permit.decided_at, permit.decided_by = now, actor.username
    db.flush()
    _audit(db, actor, f"permit.{outcome}", permit, now)
    return permit


def application_answer(*, db: Session, actor: Principal, permit: Permit, purpose: str, now: datetime) -> Permit:
    """The trader answers an information request: the application goes back to the agency."""
    if permit.status != "info_requested":
        raise Conflict([Problem("permit.not_waiting", "/purpose", {"status": permit.status})])
    permit.status, permit.purpose = "applied", f"{permit.purpose}\n---\n{purpose}"
    db.flush()
    _audit(db, actor, "permit.answered", permit, now)
    return permit


def remaining(permit: Permit) -> tuple[Decimal | None, Decimal | None]:
    """What is left of a permit's quantity and value (None: that balance is not kept)."""
    return (None if permit.quantity is None else permit.quantity - permit.quantity_used,
            None if permit.value is None else permit.value - permit.value_used)


def _check(permit: Permit | None, *, holders: set[str], on: date, pointer: str) -> list[Problem]:
    """Why a cited permit could not be drawn on at all (an unknown permit and another trader's look the same)."""
    if permit is None or permit.holder not in holders:
        return [Problem("permit.unknown", pointer, {})]
    params = {"permit": permit.number}
    if permit.status != "approved":
        return [Problem("permit.not_approved", pointer, {**params, "status": permit.status})]
    if permit.valid_from and permit.valid_to and not permit.valid_from <= on <= permit.valid_to:
        return [Problem("permit.not_valid_on", pointer, {**params, "from": str(permit.valid_from),
                                                        "to": str(permit.valid_to), "on": str(on)})]
    left_q, left_v = remaining(permit)
    return [Problem("permit.exhausted", pointer.rsplit("/", 1)[0], {
        "permit": permit.number, "quantity_left": str(left_q if left_q is not None else "-"),
        "value_left": str(left_v if left_v is not None else "-"), "quantity": "?", "value": "?"})]


def _scope(row: Any, *, agency_lpco: set[tuple[str, str]], item: dict[str, Any], currency: str,
           pointer: str) -> list[Problem]:
    """Why a reserved permit does not cover the item (the caller's transaction then rolls the reservation back)."""
    params = {"permit": row.number}
    hs = str(item.get("hs_code", ""))
    if not any(hs.startswith(p) for p in row.hs_prefixes) or (row.agency, row.lpco) not in agency_lpco \
            or (row.origin and row.origin != item.get("origin_country")):
        return [Problem("permit.out_of_scope", pointer, {**params, "hs_code": hs})]
    if row.unit and row.unit != item.get("quantity", {}).get("unit"):
        return [Problem("permit.unit_mismatch", pointer, {**params, "unit": row.unit})]
    if row.currency and row.currency != currency:
        return [Problem("permit.currency_mismatch", pointer, {**params, "currency": row.currency})]
    return []


def _reserve_statement() -> Any:
    """The check-and-reserve UPDATE, built once: what an item draws (q, v) and the permit (number, holders, on)
    are parameters, so every lodgement reuses the compiled statement."""
    draw_q = case((Permit.quantity.is_(None), literal(ZERO, AMOUNT)), else_=bindparam("q", type_=AMOUNT))
    draw_v = case((Permit.value.is_(None), literal(ZERO, AMOUNT)), else_=bindparam("v", type_=AMOUNT))
    used_q, used_v = Permit.quantity_used + draw_q, Permit.value_used + draw_v
    on = bindparam("on", type_=Date)
    return (update(Permit).where(Permit.number == bindparam("permit_number"),
                                 Permit.holder.in_(bindparam("holders", expanding=True)), Permit.status == "approved",
                                 Permit.valid_from.is_(None) | (Permit.valid_from <= on),
                                 Permit.valid_to.is_(None) | (Permit.valid_to >= on),
                                 Permit.quantity.is_(None) | (used_q <= Permit.quantity),
                                 Permit.value.is_(None) | (used_v <= Permit.value))
            .values(quantity_used=used_q, value_used=used_v)
            .returning(Permit.id, Permit.number, Permit.agency, Permit.lpco, Permit.hs_prefixes, Permit.origin,
                       Permit.unit, Permit.currency, Permit.quantity, Permit.value))


_RESERVE = _reserve_statement()
_USES = insert(PermitUse)


def _reserve(db: Session, *, number: str, holders: set[str], on: date, quantity: Decimal, value: Decimal) -> Any:
    """Check and reserve in one statement: the row if the permit is the holder's, valid and not overdrawn."""
    # Core on the session's connection: the statement touches no object the session holds.
    return db.connection().execute(_RESERVE, {"permit_number": number, "holders": sorted(holders), "on": on,
                                              "q": quantity, "v": value}).first()


def draws_reserve(*, db: Session, document: dict[str, Any], holders: set[str], agency_lpco: set[tuple[str, str]],
                  declaration_id: int, state: str, on: date, now: datetime) -> list[Problem]:
    """Reserve what each item takes from the permits it cites (one conditional UPDATE each, then one insert of the
    uses); the problems say why an item may not, pointing at it and the permit. On any problem the caller's
    transaction must roll back (it raises): the reservations already made go with it."""
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    currency = str(document.get("currency"))
    for i, item in enumerate(document["items"]):
        quantity, value = Decimal(item["quantity"]["value"]), Decimal(item["value"])
        for j, number in enumerate(item.get("permits", ())):
            pointer = f"/items/{i}/permits/{j}"
            row = _reserve(db, number=number, holders=holders, on=on, quantity=quantity, value=value)
            if row is None:  # refused: say why, from the permit as it stands
                found = _check(db.scalar(select(Permit).where(Permit.number == number)
                                         .execution_options(populate_existing=True)), holders=holders, on=on,
                               pointer=pointer)
                if found and found[0].code == "permit.exhausted":
                    found = [Problem(found[0].code, found[0].pointer, {**found[0].params, "quantity": str(quantity),
                                                                       "value": str(value)})]
                problems += found
                continue
            problems += _scope(row, agency_lpco=agency_lpco, item=item, currency=currency, pointer=pointer)
            rows.append({"permit_id": row.id, "declaration_id": declaration_id, "item": i,
                         "quantity": quantity if row.quantity is not None else ZERO,
                         "value": value if row.value is not None else ZERO, "state": state, "at": now})
    if rows and not problems:
        db.connection().execute(_USES, rows)
    return problems


def balance_move(*, db: Session, permit_id: int, quantity: Decimal, value: Decimal) -> bool:
    """Add (or, negative, give back) to a permit's use, only if it stays within [0, granted]; False otherwise."""
    used_q, used_v = Permit.quantity_used + quantity, Permit.value_used + value
    result = db.execute(
        update(Permit).where(Permit.id == permit_id, used_q >= 0, used_v >= 0,
                             (Permit.quantity.is_(None)) | (used_q <= Permit.quantity),
                             (Permit.value.is_(None)) | (used_v <= Permit.value))
        .values(quantity_used=used_q, value_used=used_v).execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def uses_return(*, db: Session, declaration_id: int, states: tuple[str, ...], now: datetime) -> int:
    """Give back a declaration's uses in the given states (cancelled, or before an amendment re-draws)."""
    uses = list(db.scalars(select(PermitUse).where(PermitUse.declaration_id == declaration_id,
                                                   PermitUse.state.in_(states)).order_by(PermitUse.id)))
    for use in uses:
        if not balance_move(db=db, permit_id=use.permit_id, quantity=-use.quantity, value=-use.value):
            raise Conflict([Problem("permit.balance_inconsistent", "", {"use": use.id})])  # never: fail loudly
        use.state, use.closed_at = "returned", now
    db.flush()
    return len(uses)


def uses_write_off(*, db: Session, declaration_ids: list[int], now: datetime) -> int:
    """Write off the reservations of released declarations (the balance already counts them)."""
    if not declaration_ids:
        return 0
    result = db.execute(update(PermitUse).where(PermitUse.declaration_id.in_(declaration_ids),
                                                PermitUse.state == "reserved")
                        .values(state="written_off", closed_at=now).execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


def permits_running_low(*, db: Session, share: Decimal, now: datetime) -> int:
    """Tell each holder once when a permit's balance falls under a share of what was granted."""
    told = 0
    for permit in db.scalars(select(Permit).where(Permit.status == "approved", Permit.warned_low.is_(False))):
        left_q, left_v = remaining(permit)
        low = [(left, granted) for left, granted in ((left_q, permit.quantity), (left_v, permit.value))
               if left is not None and granted and left <= granted * share]
        if not low:
            continue
        permit.warned_low = True
        notification_emit(db=db, organisation=permit.holder, kind="permit.running_low", now=now, data={
            "permit": permit.number, "agency": permit.agency, "quantity_left": str(left_q) if left_q is not None
            else None, "value_left": str(left_v) if left_v is not None else None})
        told += 1
    db.flush()
    return told


def permit_get(*, db: Session, number: str) -> Permit:
    """A permit by number (404 when unknown; scoping is the caller's)."""
    permit = db.scalar(select(Permit).where(Permit.number == number))
    if permit is None:
        raise NotFound([Problem("permit.not_found", "", {})])
    return permit
