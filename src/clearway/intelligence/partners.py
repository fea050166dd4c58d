"""Sending an alert to a partner administration: the partner is one more recipient under the marking, and the
message goes through the exchange domain's public `message_send` (numbered, cut to the agreement, signed, kept
until the partner's signed receipt settles it). Two gates, both must pass: the marking (may this reader pass the
alert to that partner?) and the agreement (may this document, for this purpose, go to it?). The source's
handle never leaves: the payload carries the grading, not `source_ref`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.errors import Forbidden, Problem, ValidationFailed
from clearway.exchange.models import OutMessage
from clearway.exchange.service import message_send
from clearway.intelligence import selectors
from clearway.intelligence.markings import permitted
from clearway.intelligence.models import IntelAlert, IntelRecipient
from clearway.intelligence.schemas import PartnerSend

DOC_TYPE = "assistance_request"  # the exchange's document for mutual administrative assistance
CUSTOMS_ACTORS = ("officer", "analyst")  # a partner administration is addressed by customs only


def alert_payload(alert: IntelAlert) -> dict[str, Any]:
    """What the partner receives: the alert and its marking, never the handle of its source."""
    return {"reference": alert.reference, "marking": f"TLP:{alert.marking}", "purposes": list(alert.purposes),
            "kind": alert.kind, "subject_type": alert.subject_type, "subject_value": alert.subject_value,
            "text": alert.text, "source_grade": alert.source_grade, "info_grade": alert.info_grade,
            "valid_to": alert.valid_to.isoformat(), "originator": alert.originator_org}


def alert_send_to_partner(*, db: Session, actor: Principal, reference: str, body: PartnerSend, purpose: str | None,
                          now: datetime) -> OutMessage:
    """Queue the alert for a partner administration, if both its marking and the partner's agreement allow it."""
    if actor.role not in CUSTOMS_ACTORS:
        raise Forbidden([Problem("auth.role_forbidden", "", {"role": actor.role})])
    alert, handling, party = selectors.alert_readable(db=db, actor=actor, reference=reference, purpose=purpose,
                                                      for_update=True)
    key = f"partner:{body.partner}"
    partner = selectors.recipient_party(db=db, key=key)
    if partner is None:
        raise ValidationFailed([Problem("intelligence.recipient_unknown", "/partner", {"key": key})])
    new = key not in handling.recipients
    if new:
        verdict = permitted(handling, party, "forward", purpose, partner)
        if not verdict:
            raise Forbidden([Problem(verdict.code, "/partner", {"key": key})])
    message = message_send(db=db, actor=actor.username, partner=body.partner, doc_type=DOC_TYPE,
                           business_id=alert.reference, version=1, purpose=body.exchange_purpose,
                           payload=alert_payload(alert), now=now)
    if new:  # the partner now receives the alert like any recipient (its receipt comes back through the exchange)
        db.add(IntelRecipient(alert_id=alert.id, key=key, added_by=actor.username, added_at=now))
        keys = alert.handling_keys if alert.handling_keys is not None else selectors.handling_keys_from_tables(
            db=db, alert=alert)
        alert.handling_keys = {"recipients": [*keys["recipients"], key], "consents": list(keys["consents"])}
        db.flush()
    audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code,
                 action="intelligence.alert_sent_to_partner", target_type="intel_alert", target_id=alert.reference,
                 detail={"marking": alert.marking, "purpose": purpose, "partner": body.partner,
                         "exchange_purpose": body.exchange_purpose, "seq": message.seq}, at=now)
    return message
