"""The release exercise: each training declaration comes with the state of what could hold it (an agency's
permit, the duty, a control), and the trainee releases or holds it; the truth is whether anything holds it.

The state is drawn from a generator seeded by the case, so the same case always shows the same holds and the
answer can be recomputed. A planted fraud always carries a control (open, or finished with the fraud found):
releasing it is the costly mistake the exercise teaches to avoid.
"""

from __future__ import annotations

import random

from clearway.training.models import TrainingCase

PERMITS = ("not_required", "not_required", "granted", "pending")
DUTIES = ("paid", "paid", "unpaid")
CONTROLS_COMPLIANT = ("none", "none", "cleared", "open")
CONTROLS_FRAUD = ("open", "found")


def hold_state(case: TrainingCase) -> dict[str, str]:
    """What the release officer sees for the case: agency permit, duty and control."""
    rng = random.Random(f"release:{case.id}")
    permit, duty = rng.choice(PERMITS), rng.choice(DUTIES)
    control = rng.choice(CONTROLS_FRAUD if case.fraud_kind is not None else CONTROLS_COMPLIANT)
    return {"agency": permit, "duty": duty, "control": control}


def blocking(state: dict[str, str]) -> list[str]:
    """The holds that forbid releasing: a pending permit, unpaid duty, a control open or that found fraud."""
    found = []
    if state["agency"] == "pending":
        found.append("agency")
    if state["duty"] == "unpaid":
        found.append("duty")
    if state["control"] in ("open", "found"):
        found.append("control")
    return found


def must_hold(case: TrainingCase) -> bool:
    """The ground truth: whether the goods must stay held."""
    return bool(blocking(hold_state(case)))
