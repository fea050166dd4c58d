"""Writes of crisis operations: reconciliation of a post's offline work, emergency profiles."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.audit.service import audit_append
from clearway.crisis import journal, selectors
from clearway.crisis.models import CrisisConflict, CrisisLink, CrisisPermitUse, EmergencyProfile
from clearway.errors import DomainError, Problem, ValidationFailed
from clearway.exchange import envelope
from clearway.notifications.service import notification_emit
from clearway.reference.service import offices

# The caller (a flow above the domains) lodges one offline document centrally and returns its MRN.
CentralLodge = Callable[[Session, dict[str, Any], datetime], str]
KINDS = ("relief", "priority", "surge", "closure")
EFFECTS = ("lighter", "green_lane", "documentary", "hold", "capacity")
# What each kind does unless the manager says otherwise: relief (RKC J5) and priority goods go lighter,
# a surge lowers the inspection capacity and the random rate (the controls the model or the draw chose are
# kept at the profile's shares, the others released for post-clearance audit), a closure suspends release.
DEFAULT_EFFECT = {"relief": "lighter", "priority": "green_lane", "surge": "capacity", "closure": "hold"}
MAX_DAYS = 90  # an emergency mode is for a time: renewing it is a new, audited decision
STARTED, ENDED = "crisis.emergency_started", "crisis.emergency_ended"  # what traders in scope are told


class ExportRejected(ValidationFailed):
    """The post's export is not signed by the node's key, or its journal is broken: nothing is reconciled."""

    slug = "crisis-export-rejected"
    title_code = "problem.crisis_export_rejected"


@dataclass
class ReconcileReport:
    """What one reconciliation did."""

    post: str
    linked: int = 0
    already_linked: int = 0
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    mrns: dict[str, str | None] = field(default_factory=dict)


def _conflict(db: Session, report: ReconcileReport, *, kind: str, subject: str, detail: dict[str, Any],
              now: datetime) -> None:
    if db.scalars(select(CrisisConflict).where(CrisisConflict.kind == kind,
                                               CrisisConflict.subject == subject)).first() is None:
        db.add(CrisisConflict(kind=kind, subject=subject, post=report.post, detail=detail, created_at=now))
    report.conflicts.append({"kind": kind, "subject": subject, **detail})


def _check_export(export: Any, node_public_jwk: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(export, dict) or not isinstance(export.get("body"), dict):
        raise ExportRejected([Problem("crisis.export_malformed", "", {})])
    body = export["body"]
    if not envelope.verify(body, str(export.get("signature", "")), node_public_jwk):
        raise ExportRejected([Problem("crisis.export_signature", "/signature", {})])
    broken = journal.chain_verify(body["journal"])
    if broken is not None:
        raise ExportRejected([Problem("crisis.journal_broken", f"/body/journal/{broken - 1}", {"seq": str(broken)})])
    lodged = {e["ref"]: e["body"]["doc_hash"] for e in body["journal"] if e["kind"] == "lodged"}
    held = {d["offline_ref"]: d["doc_hash"] for d in body["declarations"]}
    if lodged != held:
        # A declaration missing from the journal, or journalled and missing: either is tampering or loss.
        missing = sorted(set(lodged) ^ set(held) | {r for r in lodged if held.get(r) != lodged[r]})
        raise ExportRejected([Problem("crisis.journal_mismatch", "/body/declarations",
                                      {"refs": ",".join(missing[:5])})])
    return body


def crisis_reconcile(*, db: Session, export: Any, node_public_jwk: dict[str, Any], lodge: CentralLodge,
                     alerts: Sequence[dict[str, Any]], permits_granted: dict[str, Decimal], actor: str,
                     now: datetime, progress: Callable[[int, int], None] | None = None) -> ReconcileReport:
    """Bring a post's offline work into the centre once: MRNs linked, permits written off, conflicts as tasks."""
    body = _check_export(export, node_public_jwk)
    report = ReconcileReport(post=str(body["post"]))
    known = {ref: (mrn, digest) for ref, mrn, digest in db.execute(
        select(CrisisLink.offline_ref, CrisisLink.mrn, CrisisLink.doc_hash).where(CrisisLink.post == report.post))}
    total = len(body["declarations"])
    for n, d in enumerate(body["declarations"], 1):
        if progress is not None and n % 100 == 0:
            progress(n, total)
        ref = d["offline_ref"]
        if ref in known:
            if known[ref][1] != d["doc_hash"]:
                # The same reference for another document: never taken as "already linked" (that would lose it).
                _conflict(db, report, kind="ref_reused", subject=ref,
                          detail={"offline_ref": ref, "doc_hash": d["doc_hash"]}, now=now)
                continue
            report.already_linked += 1
            report.mrns[ref] = known[ref][0]
            continue
        mrn: str | None
        try:
            with db.begin_nested():
                mrn = lodge(db, d["doc"], now)
        except DomainError as exc:
            # Kept and linked without an MRN: the declaration is not lost, a person decides.
            mrn = None
            _conflict(db, report, kind="lodge_refused", subject=ref,
                      detail={"codes": [p.code for p in exc.problems] or [exc.slug]}, now=now)
        db.add(CrisisLink(offline_ref=ref, post=report.post, mrn=mrn, doc_hash=d["doc_hash"],
                          offline_channel=d["channel"], released_offline=d["status"] == "released",
                          reconciled_at=now))
        report.linked += 1
        report.mrns[ref] = mrn
        _alert_conflicts(db, report, d, mrn, alerts, body.get("snapshot_issued_at"), now)
    db.flush()
    _permit_write_off(db, report, body["permits"], permits_granted, now)
    audit_append(db=db, actor=actor, actor_org="customs", action="crisis.reconciled", target_type="post",
                 target_id=report.post, detail={"linked": report.linked, "already": report.already_linked,
                                                "conflicts": len(report.conflicts)}, at=now)
    return report


def _alert_conflicts(db: Session, report: ReconcileReport, d: dict[str, Any], mrn: str | None,
                     alerts: Sequence[dict[str, Any]], since: str | None, now: datetime) -> None:
    """An alert the centre issued after the snapshot that matches goods released offline: a post-release control."""
    if d["status"] != "released":
        return
    doc = d["doc"]
    parties = {str(doc.get(r, {}).get("id", "")) for r in ("declarant", "importer", "exporter")
               if isinstance(doc.get(r), dict)}
    for alert in alerts:
        if since is not None and alert["issued_at"] < since:
            continue  # the node had it in its snapshot
        hit = alert.get("party") in parties or any(
            i["hs_code"].startswith(alert["hs_prefix"]) for i in doc["items"] if alert.get("hs_prefix"))
        if hit:
            _conflict(db, report, kind="post_release_control", subject=f"{d['offline_ref']}:{alert['id']}",
                      detail={"offline_ref": d["offline_ref"], "mrn": mrn or "", "alert": alert["id"]}, now=now)


def _permit_write_off(db: Session, report: ReconcileReport, uses: list[dict[str, Any]],
                      granted: dict[str, Decimal], now: datetime) -> None:
    """Record each post's draw once (a repeated export replaces, never adds); over-use across posts is a case."""
    for use in uses:
        row = db.scalars(select(CrisisPermitUse).where(CrisisPermitUse.post == report.post,
                                                       CrisisPermitUse.permit == use["number"])).first()
        if row is None:
            db.add(CrisisPermitUse(post=report.post, permit=use["number"], used=Decimal(use["used"])))
        else:
            row.used = Decimal(use["used"])
    db.flush()
    for number in {u["number"] for u in uses}:
        total = db.scalar(select(func.sum(CrisisPermitUse.used)).where(CrisisPermitUse.permit == number))
        limit = granted.get(number)
        if limit is None or Decimal(total or 0) > limit:
            _conflict(db, report, kind="permit_case", subject=number,
                      detail={"used": str(total), "granted": str(limit)}, now=now)


class EmergencyInvalid(ValidationFailed):
    """An emergency activation without a known kind, a scope or a future expiry."""

    slug = "crisis-emergency-invalid"
    title_code = "problem.crisis_emergency_invalid"


def emergency_activate(*, db: Session, kind: str, scope: dict[str, list[str]], params: dict[str, Any],
                       reason: str, expires_at: datetime, actor: str, now: datetime, effect: str | None = None,
                       public: bool = False, notice: dict[str, str] | None = None) -> EmergencyProfile:
    """Activate an emergency profile until its mandatory end time, audited."""
    problems = []
    if kind not in KINDS:
        problems.append(Problem("crisis.emergency_kind", "/kind", {}))
    effect = effect or DEFAULT_EFFECT.get(kind, "")
    if effect not in EFFECTS:
        problems.append(Problem("crisis.emergency_effect", "/effect", {}))
    if expires_at <= now:
        problems.append(Problem("crisis.emergency_expiry_past", "/ends_at", {}))
    elif (expires_at - now).total_seconds() > MAX_DAYS * 86400:
        problems.append(Problem("crisis.emergency_expiry_far", "/ends_at", {"days": str(MAX_DAYS)}))
    for name in ("capacity_share", "random_share"):
        value = params.get(name)
        if value is not None and not (isinstance(value, int | float) and not isinstance(value, bool)
                                      and 0 <= float(value) <= 1):
            problems.append(Problem("crisis.emergency_share", f"/{name}", {"name": name}))
    if params.get("duties") is not None and (kind != "relief" or params["duties"] not in ("waived", "secured")):
        problems.append(Problem("crisis.emergency_duties", "/duties", {}))
    if not any(scope.get(k) for k in ("offices", "hs_prefixes", "origins")):
        problems.append(Problem("crisis.emergency_scope_empty", "/scope", {}))
    known = offices()
    problems += [Problem("crisis.emergency_office_unknown", f"/scope/offices/{i}", {"office": o})
                 for i, o in enumerate(scope.get("offices", [])) if o not in known]
    if public and not (notice or {}).get("en"):
        problems.append(Problem("crisis.emergency_notice_missing", "/notice/en", {}))
    if problems:
        raise EmergencyInvalid(problems)
    profile = EmergencyProfile(kind=kind, scope=scope, params=params, reason=reason, activated_by=actor,
                               activated_at=now, expires_at=expires_at, effect=effect, public=public,
                               notice=notice or None)
    db.add(profile)
    db.flush()
    selectors.profiles_changed(db)
    traders_tell(db=db, profile=profile, kind=STARTED, now=now)
    audit_append(db=db, actor=actor, actor_org="customs", action="crisis.emergency_activated",
                 target_type="emergency_profile", target_id=str(profile.id),
                 detail={"kind": kind, "effect": effect, "scope": scope, "expires_at": expires_at.isoformat(),
                         "public": public}, at=now)
    return profile


def emergency_lift(*, db: Session, profile: EmergencyProfile, actor: str, now: datetime) -> EmergencyProfile:
    """Lift a profile now (a manager, or "system" when its expiry passed), audited once."""
    if profile.lifted_at is None:
        profile.lifted_at = min(now, profile.expires_at)
        profile.lifted_by = actor
        selectors.profiles_changed(db)
        traders_tell(db=db, profile=profile, kind=ENDED, now=now)
        audit_append(db=db, actor=actor, actor_org="customs", action="crisis.emergency_lifted",
                     target_type="emergency_profile", target_id=str(profile.id),
                     detail={"kind": profile.kind, "expired": now >= profile.expires_at}, at=now)
    return profile


def emergency_expire_due(*, db: Session, now: datetime) -> list[EmergencyProfile]:
    """Lift every profile whose expiry has passed; returns them."""
    due = list(db.scalars(select(EmergencyProfile).where(EmergencyProfile.lifted_at.is_(None),
                                                         EmergencyProfile.expires_at <= now)))
    for profile in due:
        emergency_lift(db=db, profile=profile, actor="system", now=now)
    return due


def traders_tell(*, db: Session, profile: EmergencyProfile, kind: str, now: datetime) -> int:
    """Tell every trader who recently lodged in the profile's scope that it started or ended; how many."""
    if (profile.params or {}).get("notify_traders") is False:
        return 0  # the continuity plan says traders are not told of this mode
    scope = profile.scope or {}
    notice = profile.notice or {}
    data: dict[str, Any] = {
        "profile": profile.id, "kind": profile.kind, "effect": profile.effect, "state": kind.rsplit("_", 1)[-1],
        "offices": list(scope.get("offices", [])), "hs_chapters": list(scope.get("hs_prefixes", [])),
        "origins": list(scope.get("origins", [])), "starts_at": profile.activated_at.isoformat(),
        "ends_at": (profile.lifted_at or profile.expires_at).isoformat(), "reason": profile.reason,
        # The trader's systems show it in their user's language: every language the manager gave.
        "notice": {lang: notice.get(lang) or notice.get("en") or profile.reason for lang in ("en", "es", "fr")}}
    traders = selectors.traders_in_scope(db=db, scope=scope, now=now)
    for organisation in traders:
        notification_emit(db=db, organisation=organisation, kind=kind, data=data, now=now)
    return len(traders)
