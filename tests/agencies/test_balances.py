"""A permit is a balance: reserved at lodgement, given back on cancellation or amendment down, never below zero.

The property drives random interleavings of lodgements, amendments and cancellations against one permit
and checks, after every step, the balance against a model and against the uses the database keeps.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.agencies.helpers import FISH, balance, doc_with, load_shipped, permit_approved, who
from tests.factories import wiring

GRANTED = Decimal(1000)
amounts = st.integers(min_value=1, max_value=600)
steps = st.lists(st.one_of(st.tuples(st.just("lodge"), amounts),
                           st.tuples(st.just("amend"), st.integers(0, 7), amounts),
                           st.tuples(st.just("cancel"), st.integers(0, 7))), min_size=1, max_size=8)


def _item(number: str, value: int) -> dict:
    return {**FISH, "value": f"{value}.00", "permits": [number]}


def _run(step, *, number, live, actor, flows) -> tuple[int, bool]:
    """Apply one step through the clearance flow; returns the change it asks of the balance and whether it held."""
    from clearway.clearance import amend, lodge
    from clearway.db import get_sessionmaker, utcnow
    from clearway.declarations.models import Declaration
    from clearway.errors import DeclarationInvalid

    kind = step[0]
    if kind != "lodge" and not live:
        return 0, True
    with get_sessionmaker()() as db:
        try:
            with db.begin():
                now = utcnow()
                if kind == "lodge":
                    d = lodge.declaration_lodge(db=db, wiring=flows, actor=actor, raw=doc_with(_item(number, step[1])),
                                                now=now)
                    live.append((d.mrn, step[1]))
                    return step[1], True
                index = step[1] % len(live)
                mrn, old = live[index]
                d = db.scalar(select(Declaration).where(Declaration.mrn == mrn))
                if kind == "cancel":
                    amend.declaration_cancel(db=db, wiring=flows, actor=actor, declaration=d, reason="property",
                                             now=now)
                    live.pop(index)
                    return -old, True
                delta = step[2] - old
                raw = {**doc_with(_item(number, step[2]), lrn=d.lrn), "reason": "property amendment"}
                amend.declaration_amend(db=db, wiring=flows, actor=actor, declaration=d, raw=raw,
                                        expected_version=d.version, now=now)
                live[index] = (mrn, step[2])
                return delta, True
        except DeclarationInvalid as exc:
            assert [p.code for p in exc.problems] == ["permit.exhausted"], exc.problems
            asked = step[1] if kind == "lodge" else step[2] - live[step[1] % len(live)][1]
            return asked, False


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_no_interleaving_of_lodgements_amendments_and_cancellations_overdraws_a_permit(world, plan):
    from clearway.agencies.models import Permit, PermitUse
    from clearway.db import get_sessionmaker

    load_shipped()
    number = permit_approved(lpco="MFDS-FOOD", hs=("0303",), quantity=None, value=str(GRANTED))
    actor, flows = who("trader-a"), wiring()
    live: list[tuple[str, int]] = []
    model = 0
    for step in plan:
        asked, held = _run(step, number=number, live=live, actor=actor, flows=flows)
        # A step is refused exactly when it would overdraw the permit; then nothing changes.
        assert held == (model + asked <= GRANTED), (step, model, asked)
        if held:
            model += asked
        assert balance(number)[1] == model
        with get_sessionmaker()() as db:
            kept = db.scalar(select(func.coalesce(func.sum(PermitUse.value), 0)).join(
                Permit, Permit.id == PermitUse.permit_id).where(
                Permit.number == number, PermitUse.state.in_(("reserved", "written_off"))))
        assert Decimal(kept) == model  # the balance is exactly what the live uses add up to
        assert sum(v for _, v in live) == model
