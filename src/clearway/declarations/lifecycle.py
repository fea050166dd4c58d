"""The declaration state machine: which transitions exist and who may make them."""

from __future__ import annotations

from clearway.errors import Conflict, Forbidden, Problem

# status -> statuses it may move to. "amended" is not a status: an amendment keeps the status
# and creates a new version.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "lodged": ("accepted", "rejected"),
    "accepted": ("assessed", "cancelled"),
    "assessed": ("channelled", "cancelled"),
    "channelled": ("under_control", "released", "cancelled"),
    "under_control": ("released", "detained", "channelled"),
    "detained": ("released", "under_control"),
    "released": ("cleared", "under_control"),
    "cleared": (),
    "rejected": (),
    "cancelled": (),
}

# Who may move a declaration into a status by hand; automatic steps run as the system actor.
MANUAL_ROLES: dict[str, tuple[str, ...]] = {
    "under_control": ("officer",),
    "released": ("officer",),
    "detained": ("officer",),
    "cleared": ("officer",),
    "channelled": ("officer",),
    "cancelled": ("trader", "officer"),
}

# Before release a trader may amend or cancel unless a control has started; after release only an
# officer may amend (post-release amendment) and nobody cancels (it would be an invalidation).
TRADER_AMENDABLE = ("accepted", "assessed", "channelled")
OFFICER_AMENDABLE = ("accepted", "assessed", "channelled", "under_control", "detained", "released")
TRADER_CANCELLABLE = ("accepted", "assessed", "channelled")
OFFICER_CANCELLABLE = ("accepted", "assessed", "channelled", "under_control")


def transition_check(*, current: str, target: str) -> None:
    """Raise Conflict when the state machine has no edge from current to target."""
    if target not in TRANSITIONS.get(current, ()):
        raise Conflict([Problem("declaration.transition_invalid", "/status", {"from": current, "to": target})])


def amend_check(*, status: str, role: str) -> None:
    """Raise when a role may not amend a declaration in this status."""
    allowed = OFFICER_AMENDABLE if role == "officer" else TRADER_AMENDABLE if role == "trader" else ()
    if not allowed:
        raise Forbidden([Problem("auth.role_forbidden", "", {"role": role})])
    if status not in allowed:
        code = "declaration.amend_needs_officer" if status in OFFICER_AMENDABLE else "declaration.not_amendable"
        raise Conflict([Problem(code, "/status", {"status": status})])


def cancel_check(*, status: str, role: str) -> None:
    """Raise when a role may not cancel a declaration in this status."""
    allowed = OFFICER_CANCELLABLE if role == "officer" else TRADER_CANCELLABLE if role == "trader" else ()
    if not allowed:
        raise Forbidden([Problem("auth.role_forbidden", "", {"role": role})])
    if status not in allowed:
        raise Conflict([Problem("declaration.not_cancellable", "/status", {"status": status})])
