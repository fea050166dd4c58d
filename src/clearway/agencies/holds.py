"""The single window's reasons to hold goods: an agency's decision not given (or refused, or waiting for a
sample or a joint inspection), an item without the permit its agency requires, a permit not drawn on.

Fail closed: the expected referrals are recomputed from the current document and the live agencies,
so an item that should have been referred and was not holds the goods too.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from clearway.agencies.models import JointInspection, Permit, PermitUse, Referral
from clearway.agencies.service import LODGED, concerned
from clearway.declarations.models import Declaration
from clearway.holds import Hold, Lodged

HOLDING = {None: "agency.pending", "refuse": "agency.refused", "sample": "agency.sample",
           "joint_inspection": "agency.joint_inspection"}


def _referral_hold(r: Referral, booked: bool) -> Hold | None:
    params = {"agency": r.agency, "item": str(r.item + 1), "due": r.due_at.strftime("%Y-%m-%d %H:%M UTC")}
    if r.fallback == "hold":
        return Hold("agency.no_answer", f"agency:{r.agency}", params)
    if r.decision not in HOLDING:
        return None  # release, or release with conditions
    if r.decision == "refuse":
        return Hold("agency.refused", "trader", {**params, "reason": r.reason or ""})
    if r.decision == "joint_inspection" and not booked:
        return Hold("agency.joint_inspection_unbooked", "customs", params)
    return Hold(HOLDING[r.decision], f"agency:{r.agency}", params)


def agency_holds(db: Session, declaration: Declaration) -> list[Hold]:
    """Hold the goods until every concerned agency has released each of its items and every required
    permit is cited and drawn on."""
    _live, matches = concerned(db, declaration)
    referrals = list(db.scalars(select(Referral).where(Referral.declaration_id == declaration.id,
                                                       Referral.superseded.is_(False)).order_by(Referral.id)))
    if not matches and not referrals:
        return []
    booked = any(r.decision == "joint_inspection" for r in referrals) and db.scalar(
        select(JointInspection.id).where(JointInspection.declaration_id == declaration.id)) is not None
    holds = [h for r in referrals if (h := _referral_hold(r, booked)) is not None]
    referred = {(r.agency, r.item) for r in referrals}
    uses = {(number, item) for number, item in db.execute(
        select(Permit.number, PermitUse.item).join(Permit, Permit.id == PermitUse.permit_id)
        .where(PermitUse.declaration_id == declaration.id, PermitUse.state.in_(("reserved", "written_off"))))
    } if any(m.lpco is not None for m in matches) else set()
    items = declaration.document.get("items", [])
    for m in matches:
        params = {"agency": m.agency, "item": str(m.item + 1)}
        if m.refer and (m.agency, m.item) not in referred:
            holds.append(Hold("agency.not_referred", "customs", params))
        if m.lpco is not None:
            cited = list(items[m.item].get("permits", ())) if m.item < len(items) else []
            if not cited:
                holds.append(Hold("permit.missing", "trader", {**params, "lpco": m.lpco}))
            elif not any((n, m.item) in uses for n in cited):
                holds.append(Hold("permit.not_drawn", "customs", {**params, "permit": cited[0]}))
    return holds


def agency_holds_at_lodging(declaration: Declaration, lodged: Lodged) -> list[Hold]:
    """`agency_holds` for a declaration just lodged: when the lodging step found no live agency concerned,
    it referred nothing and drew no permit, so nothing holds the goods; otherwise the database is asked."""
    db = object_session(declaration)
    if db is None:  # not attached: nothing known, ask nobody's cache (the flow never gets here)
        return [Hold("release.provider_failed", "customs", {"provider": "agency_holds"})]
    found = db.info.get(("agencies.concerned", declaration.id, declaration.version))
    if found is not None and not found[1]:  # the step's own answer in this transaction: no (agency, item) match
        return []
    lodged_here = db.info.get((LODGED, declaration.id, declaration.version))
    if found is None or lodged_here is None or lodged_here[0] is not db.get_transaction():
        return agency_holds(db, declaration)  # not this transaction's lodging step: read what is stored
    made = lodged_here[1]
    # The step referred every match that refers (no decision yet: each waits for its agency) and drew on every
    # cited permit or refused the lodgement, so only a required permit that is not cited can hold beyond them.
    holds = [Hold("agency.pending", f"agency:{r['agency']}", {"agency": r["agency"], "item": str(r["item"] + 1),
                                                               "due": r["due_at"].strftime("%Y-%m-%d %H:%M UTC")})
             for r in made]
    items = declaration.document.get("items", [])
    for m in found[1]:
        if m.lpco is not None and not (m.item < len(items) and items[m.item].get("permits")):
            holds.append(Hold("permit.missing", "trader", {"agency": m.agency, "item": str(m.item + 1),
                                                           "lpco": m.lpco}))
    return holds


agency_holds.at_lodging = agency_holds_at_lodging  # type: ignore[attr-defined]
