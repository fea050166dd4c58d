"""Lodging: validate, assess duties, decide the channel, store it all in one write, then release or hold.

The declaration, its events and audit record, its control task (yellow, red), its assessment with
lines and revenue and any deferment charge or guarantee use are written together (one statement on
PostgreSQL). A green or blue lodgement then goes through the one release decision like every other
release: what holds it (duty not covered, an agency referral...) is written as an event instead; through the
API those notes travel with the idempotency record, in the transaction's last statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.clearance.wiring import Wiring
from clearway.controls import intake
from clearway.declarations import service as declarations
from clearway.declarations.channelling import ChannelContext, ChannelDecision
from clearway.declarations.lifecycle import SYSTEM_ACTOR, declaration_notes
from clearway.declarations.models import Declaration
from clearway.declarations.service import Step
from clearway.holds import Hold, Lodged
from clearway.tariff import service as tariff

CONTROL_TEXT = {"yellow": "documentary check", "red": "physical inspection"}


def _bill_params(bill: tariff.Bill, reference: str | None) -> dict[str, Any]:
    """What the coded reasons of the duty events say: the amount due (plain decimal) and the payment reference."""
    if bill.result is None:
        return {"reference": reference or ""}
    return {"amount": format(bill.due, "f"), "total": format(bill.result.total, "f"),
            "currency": bill.result.currency, "reference": reference or ""}


def _released_reason(bill: tariff.Bill, channel: str) -> tuple[str, dict[str, Any]]:
    """The code and params of an automatic release, with how an amount due was covered."""
    params: dict[str, Any] = {"channel": channel}
    if bill.cover is not None and bill.result is not None:
        params |= {"amount": format(bill.due, "f"), "currency": bill.result.currency, "source": bill.cover.source_id}
        return f"released.auto_{bill.cover.method}", params
    return "released.auto", params


def _steps(decision: ChannelDecision, bill: tariff.Bill, reference: str) -> list[Step]:
    """The automatic events after "lodged": accepted, assessed, paid (deferment), channelled, control started."""
    reasons = "; ".join(r["text"] for r in decision.reasons)
    money = _bill_params(bill, reference)
    assessed = ("assessed.none", {}) if bill.result is None else ("assessed.total", money)
    steps = [Step("accepted", "lodged", "accepted", None), Step("assessed", "accepted", "assessed",
                                                                bill.assessed_text(reference), *assessed)]
    # A deferment charge at lodging is the payment (Time Release Study "paid" milestone).
    if (paid := bill.paid_text(reference)) is not None:
        steps.append(Step("paid", "assessed", "assessed", paid, "paid.deferment", money))
    steps.append(Step("channelled", "assessed", "channelled", f"{decision.channel}: {reasons}",
                      "channelled", {"channel": decision.channel}))
    if decision.channel in CONTROL_TEXT:
        steps.append(Step("control_started", "channelled", "under_control", CONTROL_TEXT[decision.channel],
                          f"control.{decision.channel}", {}))
    return steps


def _held_notes(db: Session, declaration: Declaration, holds: Sequence[Hold], bill: tariff.Bill, reference: str,
                now: datetime, deferred: bool) -> None:
    """Say on the timeline why green goods did not go at once (awaiting payment, or any other hold): one write."""
    others = [h for h in holds if h.code != "duty.unpaid"]
    notes: list[tuple[str, str | None, str | None, dict[str, Any] | None]] = []
    if len(others) < len(holds) and bill.result is not None:
        notes.append(("awaiting_payment", bill.awaiting_text(reference), "awaiting_payment",
                      _bill_params(bill, reference)))
    if others:
        # The holds' own message codes: the page says each in its reader's language.
        notes.append(("held", "; ".join(h.text("en") for h in others), "held",
                      {"holds": [{"code": h.code, "params": dict(h.params)} for h in others]}))
    declaration_notes(db=db, actor=SYSTEM_ACTOR, declaration=declaration, notes=notes, now=now, deferred=deferred)


def declaration_lodge(*, db: Session, wiring: Wiring, actor: Principal, raw: Any, now: datetime,
                      notes_deferred: bool = False) -> Declaration:
    """Lodge a raw document: validated, given an MRN, assessed, channelled, and released when nothing holds it.

    `notes_deferred`: the timeline's "awaiting payment" / "held" notes go with the transaction's last write (the
    API's idempotency record, or the commit) instead of a round trip of their own; for callers that read nothing
    of the lodgement back before committing.
    """
    lodgement = declarations.lodgement_prepare(db=db, actor=actor, raw=raw, now=now)
    doc, number = lodgement.doc, lodgement.mrn
    # Tariff: the duties (refused with coded problems when not computable), warnings, cover of an amount due.
    bill = tariff.lodging_assess(db=db, document=doc, declarant=actor.organisation_code, on=now.date())
    context = ChannelContext(declarant=actor.organisation_code, lodged_at=now, db=db, bill=bill)
    decision = wiring.channel.decide(document=lodgement.document, total_value=lodgement.total, context=context)
    reference = tariff.payment_reference_of(number, 1)
    controlled = decision.channel in CONTROL_TEXT
    children = [*intake.lodgement_rows(channel=decision.channel, office=doc.office, reasons=decision.reasons,
                                       items=lodgement.document["items"], now=now),
                *tariff.bill_rows(bill, mrn=number, office=doc.office, payer=actor.organisation_code, now=now)]
    declaration = declarations.lodgement_write(
        db=db, actor=actor, lodgement=lodgement, status="under_control" if controlled else "channelled",
        channel=decision.channel, reasons=decision.reasons, steps=_steps(decision, bill, reference),
        children=children, now=now)
    wiring.channel.record(db=db, declaration_id=declaration.id, mrn=number, decision=decision, now=now)
    for step in wiring.steps:  # the single window: permits drawn on, agencies referred
        step.lodged(db=db, declaration=declaration, actor=actor, now=now)
    if not controlled:
        released = _released_reason(bill, decision.channel)
        holds = wiring.release.release_or_holds(db=db, declaration=declaration, actor=SYSTEM_ACTOR,
                                                reason=bill.released_text(decision.channel), now=now,
                                                code=released[0], params=released[1],
                                                lodged=Lodged(channel=decision.channel, bill=bill))
        if holds:
            _held_notes(db, declaration, holds, bill, reference, now, notes_deferred)
    return declaration
