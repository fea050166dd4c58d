"""Which declaration events a trader is told about, under what type, and with what data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# Events that change no status but concern the trader, by event kind.
NOTE_TYPES = {
    "accepted": "declaration.accepted",
    "channelled": "declaration.channelled",
    "amended": "declaration.amended",
    "rerouted": "declaration.rerouted",
    "documents_requested": "control.documents_requested",
    "inspection_scheduled": "control.inspection_scheduled",
    "inspection_requested": "control.inspection_requested",
    "check_done": "control.finished",
    "control_finished": "control.finished",
    "duty_adjusted": "duty.to_pay",
    "awaiting_payment": "duty.to_pay",  # tariff: green or blue goods wait for payment or a guarantee
    "paid": "duty.paid",  # tariff: the duty was paid or charged to a deferment account (not merely secured)
    "reassessed": "duty.reassessed",  # tariff: an amendment changed the duties
}
# Status changes the trader is told about, by the status reached.
STATUS_TYPES = {
    "under_control": "declaration.under_control",
    "released": "declaration.released",
    "cleared": "declaration.cleared",
    "detained": "declaration.detained",
    "cancelled": "declaration.cancelled",
}


def notification_type(kind: str, from_status: str | None, to_status: str) -> str | None:
    """The notification type of an event, or None when it does not concern the trader."""
    if kind in ("accepted", "channelled"):
        return NOTE_TYPES[kind]
    if from_status != to_status and to_status in STATUS_TYPES:
        return STATUS_TYPES[to_status]
    return NOTE_TYPES.get(kind)


def rfc3339(at: datetime) -> str:
    """A UTC timestamp as RFC 3339 with a Z."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_data(row: Any) -> dict[str, Any]:
    """The data of a notification about a declaration event (the seq is added per organisation)."""
    data: dict[str, Any] = {"mrn": row.mrn, "lrn": row.lrn, "event": row.kind, "status": row.to_status,
                            "at": rfc3339(row.at), "version": row.version, "reason": row.reason}
    if row.kind == "channelled" and row.reason and ":" in row.reason:
        data["channel"] = row.reason.split(":", 1)[0]
    return data
