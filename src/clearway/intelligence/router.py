"""The intelligence API under /api/v1/intelligence: create an alert with its marking, read it (audited), export
it, pass it on, acknowledge it, record the originator's consent, act on it, report its outcome.

Thin: parse, authorise, call one service in one transaction, shape the answer. Every call that touches an
alert's content states its purpose (`?purpose=`): need-to-know is checked against it, and it is audited.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from clearway.db import utcnow
from clearway.deps import CurrentUser, DbSession, Releaser
from clearway.intelligence import attachments, derived, overdue, partners, seizures, selectors, service
from clearway.intelligence.schemas import (
    ActionCreate,
    ActionRead,
    AlertCreate,
    AlertList,
    AlertRead,
    AttachmentRead,
    ConsentCreate,
    ConsentRead,
    ConversionCreate,
    DerivedRead,
    FeedbackTaskList,
    HitRates,
    OutcomeCreate,
    OutcomeRead,
    PartnerSend,
    PartnerSent,
    RecipientsAdd,
    SeizureCreate,
    SeizureList,
    SeizureRead,
    WatchRead,
)
from clearway.openapi_docs import PROBLEMS

router = APIRouter(prefix="/intelligence", tags=["intelligence"])
Reference = Annotated[str, Path(pattern=r"^INT-[0-9]{4}-[0-9]{5}$")]
DerivedRef = Annotated[str, Path(pattern=r"^DRV-[0-9]{4}-[0-9]{5}$")]
Purpose = Annotated[Literal["risk_targeting", "control", "investigation", "policy"],
                    Query(description="Why the caller needs to know; the alert must allow it (need-to-know).")]


def _read(db: DbSession, actor: CurrentUser, reference: str, purpose: str) -> AlertRead:
    alert, handling, party = selectors.alert_readable(db=db, actor=actor, reference=reference, purpose=purpose)
    return selectors.alert_read(db=db, alert=alert, handling=handling, party=party, purpose=purpose)


@router.get("/alerts", operation_id="listIntelligenceAlerts", responses=PROBLEMS)
def alerts(db: DbSession, actor: CurrentUser, purpose: Purpose,
           status: Annotated[Literal["open", "withdrawn"] | None, Query()] = None) -> AlertList:
    """The caller's inbox: the alerts it may read for the purpose, without their text."""
    with db.begin():
        service.community_check(db=db, actor=actor)
        return AlertList(purpose=purpose, items=selectors.alerts_for(db=db, actor=actor, purpose=purpose,
                                                                     status=status))


@router.post("/alerts", status_code=201, operation_id="createIntelligenceAlert", responses=PROBLEMS)
def alert_create(body: AlertCreate, db: DbSession, actor: CurrentUser) -> AlertRead:
    """Create an alert or report with its handling marking and first recipients."""
    with db.begin():
        alert = service.alert_create(db=db, actor=actor, body=body, now=utcnow())
        return _read(db, actor, alert.reference, body.purposes[0])


@router.get("/alerts/{alert_ref}", operation_id="getIntelligenceAlert", responses=PROBLEMS)
def alert_get(alert_ref: Reference, db: DbSession, actor: CurrentUser, purpose: Purpose) -> AlertRead:
    """One alert in full, if its marking lets the caller read it for the purpose (404 otherwise); audited."""
    with db.begin():
        alert, handling, party = service.alert_read_audited(db=db, actor=actor, reference=alert_ref,
                                                            purpose=purpose, now=utcnow())
        return selectors.alert_read(db=db, alert=alert, handling=handling, party=party, purpose=purpose)


@router.get("/alerts/{alert_ref}/export", operation_id="exportIntelligenceAlert", responses=PROBLEMS)
def alert_export(alert_ref: Reference, db: DbSession, actor: CurrentUser, purpose: Purpose) -> JSONResponse:
    """The alert as a file to take out of the system, if the marking allows this reader to export it; audited."""
    with db.begin():
        alert, handling, party = service.alert_export(db=db, actor=actor, reference=alert_ref, purpose=purpose,
                                                      now=utcnow())
        read = selectors.alert_read(db=db, alert=alert, handling=handling, party=party, purpose=purpose)
    return JSONResponse(read.model_dump(mode="json"), headers={
        "Content-Disposition": f'attachment; filename="{alert_ref}.json"', "Cache-Control": "no-store"})


@router.post("/alerts/{alert_ref}/recipients", operation_id="forwardIntelligenceAlert", responses=PROBLEMS)
def alert_forward(alert_ref: Reference, body: RecipientsAdd, db: DbSession, actor: CurrentUser,
                  purpose: Purpose) -> AlertRead:
    """Pass the alert on to more recipients, each as the marking or the originator's consent allows (all or none)."""
    with db.begin():
        service.alert_forward(db=db, actor=actor, reference=alert_ref, keys=body.recipients, purpose=purpose,
                              now=utcnow())
        return _read(db, actor, alert_ref, purpose)


@router.post("/alerts/{alert_ref}/acknowledgement", operation_id="acknowledgeIntelligenceAlert",
             responses=PROBLEMS)
def alert_acknowledge(alert_ref: Reference, db: DbSession, actor: CurrentUser, purpose: Purpose) -> AlertRead:
    """Acknowledge receipt of an alert the caller (its user, office or organisation) was sent."""
    with db.begin():
        service.alert_acknowledge(db=db, actor=actor, reference=alert_ref, purpose=purpose, now=utcnow())
        return _read(db, actor, alert_ref, purpose)


@router.post("/alerts/{alert_ref}/consents", status_code=201, operation_id="consentIntelligenceAlert",
             responses=PROBLEMS)
def consent_grant(alert_ref: Reference, body: ConsentCreate, db: DbSession, actor: CurrentUser) -> ConsentRead:
    """The originator records its consent to one action beyond the marking for one recipient."""
    with db.begin():
        c = service.consent_grant(db=db, actor=actor, reference=alert_ref, body=body, now=utcnow())
        return ConsentRead(action=c.action, key=c.key, granted_by=c.granted_by, note=c.note, granted_at=c.granted_at)


@router.post("/alerts/{alert_ref}/actions", status_code=201, operation_id="actOnIntelligenceAlert",
             responses=PROBLEMS)
def action_take(alert_ref: Reference, body: ActionCreate, db: DbSession, actor: CurrentUser,
                purpose: Purpose) -> ActionRead:
    """Target a declaration or a party with the alert (officers and analysts); with `hold` the goods wait."""
    with db.begin():
        a = service.action_take(db=db, actor=actor, reference=alert_ref, body=body, purpose=purpose, now=utcnow())
        return ActionRead(id=a.id, target=a.target, mrn=body.mrn if a.declaration_id else None, party_id=a.party_id,
                          hold=a.hold, status=a.status, note=a.note, created_by=a.created_by,
                          created_at=a.created_at)


@router.post("/alerts/{alert_ref}/outcomes", status_code=201, operation_id="reportIntelligenceOutcome",
             responses=PROBLEMS)
def outcome_record(alert_ref: Reference, body: OutcomeCreate, db: DbSession, actor: CurrentUser,
                   release: Releaser, purpose: Purpose) -> OutcomeRead:
    """Report what came of the alert on one declaration back to its originator (officers and analysts)."""
    with db.begin():
        o = service.outcome_record(db=db, actor=actor, reference=alert_ref, body=body, purpose=purpose,
                                   release=release, now=utcnow())
        return OutcomeRead(mrn=body.mrn, outcome=o.outcome, note=o.note,
                           recorded_by=o.recorded_by, recorded_at=o.recorded_at)


@router.post("/alerts/{alert_ref}/withdrawal", operation_id="withdrawIntelligenceAlert", responses=PROBLEMS)
def alert_withdraw(alert_ref: Reference, db: DbSession, actor: CurrentUser, purpose: Purpose) -> AlertRead:
    """The originator withdraws its alert: it holds no goods from now on."""
    with db.begin():
        service.alert_withdraw(db=db, actor=actor, reference=alert_ref, now=utcnow())
        return _read(db, actor, alert_ref, purpose)


@router.post("/alerts/{alert_ref}/conversions", status_code=201, operation_id="convertIntelligenceAlert",
             responses=PROBLEMS)
def alert_convert(alert_ref: Reference, body: ConversionCreate, db: DbSession, actor: CurrentUser) -> DerivedRead:
    """Turn the alert into a watchlist entry or a time-boxed enhanced control, lifted at its expiry (analysts)."""
    with db.begin():
        item = derived.alert_convert(db=db, actor=actor, reference=alert_ref, body=body, now=utcnow())
        return selectors.derived_read(item, alert_ref)


@router.post("/derived/{derived_ref}/lifting", operation_id="liftIntelligenceDerived", responses=PROBLEMS)
def derived_lift(derived_ref: DerivedRef, db: DbSession, actor: CurrentUser) -> DerivedRead:
    """Lift an enhanced control or watchlist entry made from an alert before its expiry (analysts)."""
    with db.begin():
        item = derived.derived_lift(db=db, actor=actor, reference=derived_ref, now=utcnow())
        alert = selectors.alert_by_id(db=db, alert_id=item.alert_id or 0)
        return selectors.derived_read(item, alert.reference)


@router.get("/watches", operation_id="intelligenceSubjectWatch", responses=PROBLEMS)
def subject_watch(db: DbSession, actor: CurrentUser, purpose: Purpose,
                  subject_type: Annotated[Literal["trader", "vehicle", "vessel"], Query()],
                  subject_value: Annotated[str, Query(min_length=1, max_length=200)]) -> WatchRead:
    """Whether a subject is watched because of alerts the caller may read for the purpose (and which ones)."""
    with db.begin():
        service.community_check(db=db, actor=actor)
        value = service.subject_normalised(subject_type, subject_value)
        return selectors.subject_watch(db=db, actor=actor, subject_type=subject_type, subject_value=value,
                                       purpose=purpose)


@router.get("/feedback-tasks", operation_id="listIntelligenceFeedbackTasks", responses=PROBLEMS)
def feedback_tasks(db: DbSession, actor: CurrentUser, purpose: Purpose) -> FeedbackTaskList:
    """The caller's overdue feedback: alerts whose outcome it owes (or, as originator, follows up) past the date."""
    with db.begin():
        service.community_check(db=db, actor=actor)
        return FeedbackTaskList(purpose=purpose, items=overdue.feedback_tasks_for(db=db, actor=actor,
                                                                                  purpose=purpose, now=utcnow()))


@router.get("/hit-rates", operation_id="intelligenceHitRates", responses=PROBLEMS)
def hit_rates(db: DbSession, actor: CurrentUser, purpose: Purpose,
              by: Annotated[Literal["source", "originator", "subject_type"], Query()] = "source") -> HitRates:
    """Alerts, declarations, controls and finds per source, originator or alert type, with Wilson intervals."""
    with db.begin():
        service.community_check(db=db, actor=actor)
        return HitRates(purpose=purpose, by=by, rows=selectors.hit_rates(db=db, actor=actor, purpose=purpose, by=by))


@router.post("/seizures", status_code=201, operation_id="publishIntelligenceSeizure", responses=PROBLEMS)
def seizure_publish(body: SeizureCreate, db: DbSession, actor: CurrentUser) -> SeizureRead:
    """Publish an enforcement case as a non-nominal WCO CEN seizure record (officers and analysts)."""
    with db.begin():
        return seizures.seizure_read(seizures.seizure_publish(db=db, actor=actor, body=body, now=utcnow()))


@router.get("/seizures", operation_id="listIntelligenceSeizures", responses=PROBLEMS)
def seizure_list(db: DbSession, actor: CurrentUser, purpose: Purpose) -> SeizureList:
    """The CEN seizure records the caller may read for the purpose."""
    with db.begin():
        service.community_check(db=db, actor=actor)
        records, _withheld = seizures.seizures_for(db=db, actor=actor, purpose=purpose, limit=500)
        return SeizureList(purpose=purpose, items=[seizures.seizure_read(r) for r in records])


@router.get("/seizures/export", operation_id="exportIntelligenceSeizures", responses=PROBLEMS)
def seizure_export(db: DbSession, actor: CurrentUser, purpose: Purpose) -> JSONResponse:
    """The CEN records the marking lets the caller export, as a file; the export is audited."""
    with db.begin():
        service.community_check(db=db, actor=actor)
        body = seizures.seizures_export(db=db, actor=actor, purpose=purpose, now=utcnow())
    return JSONResponse(body, headers={"Content-Disposition": 'attachment; filename="cen-seizures.json"',
                                       "Cache-Control": "no-store"})


@router.post("/alerts/{alert_ref}/attachments", status_code=201, operation_id="attachToIntelligenceAlert",
             responses=PROBLEMS)
def attachment_add(alert_ref: Reference, db: DbSession, actor: CurrentUser, purpose: Purpose,
                   file: Annotated[UploadFile, File()]) -> AttachmentRead:
    """Attach a file (PDF, PNG, JPEG, plain text or CSV, up to 1.5 MB) to an alert; it carries the alert's marking."""
    data = file.file.read(attachments.MAX_BYTES + 1)
    with db.begin():
        row = attachments.attachment_add(db=db, actor=actor, reference=alert_ref, purpose=purpose,
                                         name=file.filename, media_type=file.content_type, data=data, now=utcnow())
        return selectors.attachment_read(row)


@router.get("/alerts/{alert_ref}/attachments/{attachment_id}", operation_id="downloadIntelligenceAttachment",
            responses=PROBLEMS)
def attachment_download(alert_ref: Reference, attachment_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                        db: DbSession, actor: CurrentUser, purpose: Purpose) -> Response:
    """Download an attachment, if the alert's marking lets the caller export it; audited."""
    with db.begin():
        row = attachments.attachment_download(db=db, actor=actor, reference=alert_ref, attachment_id=attachment_id,
                                              purpose=purpose, now=utcnow())
        content, name, kind = row.content, row.name, row.media_type
    return Response(content, media_type=kind, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})


@router.post("/alerts/{alert_ref}/partner-messages", status_code=201, operation_id="sendIntelligenceToPartner",
             responses=PROBLEMS)
def alert_to_partner(alert_ref: Reference, body: PartnerSend, db: DbSession, actor: CurrentUser,
                     purpose: Purpose) -> PartnerSent:
    """Send the alert to a partner administration through the exchange, as its marking and agreement allow."""
    with db.begin():
        m = partners.alert_send_to_partner(db=db, actor=actor, reference=alert_ref, body=body, purpose=purpose,
                                           now=utcnow())
        return PartnerSent(reference=alert_ref, partner=m.partner, doc_type=m.doc_type, seq=m.seq, state=m.state)
