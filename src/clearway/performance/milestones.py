"""The one place that maps declaration events to Time Release Study milestones and intervals.

WCO Time Release Study (TRS) method, WTO TFA art. 7.6. Every milestone is the time of the
*first* event of its kinds for a declaration (a release after a post-release control does not
move the release time); `arrival` comes from the stored document (transport.arrival).

| milestone            | event kinds (declaration_events.kind)     | emitted by                     |
| -------------------- | ----------------------------------------- | ------------------------------ |
| arrival              | (document: transport.arrival)             | the trader's declaration       |
| lodged               | lodged                                    | declarations (lodging)         |
| accepted             | accepted                                  | declarations (lodging)         |
| assessed             | assessed                                  | declarations / tariff          |
| risk                 | channelled                                | declarations / risk engine     |
| documents_requested  | documents_requested                       | controls                       |
| documents_received   | documents_received                        | controls                       |
| check_done           | check_done                                | controls (documentary check)   |
| inspection_requested | inspection_requested                      | controls                       |
| inspection_started   | inspection_started                        | controls                       |
| inspection_ended     | inspection_ended                          | controls                       |
| paid                 | paid                                      | tariff (payment confirmed)     |
| released             | released                                  | declarations / controls        |
| cleared              | cleared                                   | controls / officer decision    |

Kinds not in this table (amended, control_started, detained, cancelled, rejected, …) are
informational: they never start or end an interval. A new kind is added here and nowhere else.

Missing and out-of-order events are reported, never dropped silently: `REQUIRES` lists, for
each milestone, the milestones that must exist before it; a milestone whose prerequisite is
absent counts as "missing", one earlier than its prerequisite as "out of order", and an
interval whose end precedes its start is left out of that interval's statistics and counted.
"""

from __future__ import annotations

from dataclasses import dataclass

# Milestone name -> event kinds that mark it (first occurrence wins).
MILESTONE_KINDS: dict[str, tuple[str, ...]] = {
    "lodged": ("lodged",),
    "accepted": ("accepted",),
    "assessed": ("assessed",),
    "risk": ("channelled",),
    "documents_requested": ("documents_requested",),
    "documents_received": ("documents_received",),
    "check_done": ("check_done",),
    "inspection_requested": ("inspection_requested",),
    "inspection_started": ("inspection_started",),
    "inspection_ended": ("inspection_ended",),
    "paid": ("paid",),
    "released": ("released",),
    "cleared": ("cleared",),
}
# Every milestone column of a timeline, in TRS order; arrival is read from the document.
MILESTONES: tuple[str, ...] = ("arrival", *MILESTONE_KINDS)


@dataclass(frozen=True)
class Interval:
    """A TRS interval: from one milestone to another, measured where both exist."""

    name: str
    start: str
    end: str
    signed: bool = False  # arrival -> lodgement is negative for pre-arrival lodgement, and that is fine


INTERVALS: tuple[Interval, ...] = (
    Interval("arrival_to_lodgement", "arrival", "lodged", signed=True),
    Interval("lodgement_to_acceptance", "lodged", "accepted"),
    Interval("acceptance_to_risk_decision", "accepted", "risk"),
    Interval("risk_decision_to_documents_requested", "risk", "documents_requested"),
    Interval("documents_requested_to_received", "documents_requested", "documents_received"),
    Interval("documents_received_to_check_done", "documents_received", "check_done"),
    Interval("risk_decision_to_inspection_requested", "risk", "inspection_requested"),
    Interval("inspection_requested_to_started", "inspection_requested", "inspection_started"),
    Interval("inspection_started_to_ended", "inspection_started", "inspection_ended"),
    Interval("assessment_to_payment", "assessed", "paid"),
    Interval("risk_decision_to_release", "risk", "released"),
    Interval("release_to_clearance", "released", "cleared"),
    # Totals: the TFA 7.6 headline figures.
    Interval("lodgement_to_release", "lodged", "released"),
    Interval("arrival_to_release", "arrival", "released"),
    Interval("lodgement_to_clearance", "lodged", "cleared"),
)
INTERVAL_BY_NAME = {i.name: i for i in INTERVALS}
HEADLINE = "lodgement_to_release"

# Milestone -> milestones that must precede it; checked for presence (missing) and order.
REQUIRES: dict[str, tuple[str, ...]] = {
    "accepted": ("lodged",),
    "assessed": ("accepted",),
    "risk": ("accepted",),
    "documents_requested": ("risk",),
    "documents_received": ("documents_requested",),
    "check_done": ("documents_received",),
    "inspection_requested": ("risk",),
    "inspection_started": ("inspection_requested",),
    "inspection_ended": ("inspection_started",),
    "released": ("risk",),
    "cleared": ("released",),
}
# One named check per (milestone, prerequisite) pair, in a stable order for reports and bit flags.
CHECKS: tuple[tuple[str, str], ...] = tuple((m, p) for m, ps in REQUIRES.items() for p in ps)


def kind_to_milestone() -> dict[str, str]:
    """Event kind -> milestone, inverted from MILESTONE_KINDS."""
    return {kind: milestone for milestone, kinds in MILESTONE_KINDS.items() for kind in kinds}


def check_name(milestone: str, prerequisite: str) -> str:
    """The stable name of a check, e.g. documents_requested_before_documents_received."""
    return f"{prerequisite}_before_{milestone}"


def timeline_problems(times: dict[str, int | None]) -> tuple[list[str], list[str]]:
    """The missing and out-of-order checks that fail for one timeline (milestone -> epoch seconds)."""
    missing, disorder = [], []
    for milestone, prerequisite in CHECKS:
        at, before = times.get(milestone), times.get(prerequisite)
        if at is None:
            continue
        if before is None:
            missing.append(check_name(milestone, prerequisite))
        elif before > at:
            disorder.append(check_name(milestone, prerequisite))
    return missing, disorder
