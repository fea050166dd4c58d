"""Crisis API under /api/v1/crisis: administrators declare and lift emergency profiles and provision post
nodes; customs staff read profiles, what passed under them, nodes and reconciliation tasks. Thin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from clearway.auth.schemas import Principal
from clearway.crisis import provision, selectors, service
from clearway.crisis.models import EmergencyProfile
from clearway.crisis.schemas import (
    ConflictList,
    ConflictRead,
    DecisionRead,
    EmergencyCreate,
    EmergencyList,
    EmergencyRead,
    EmergencyReport,
    EmergencyScope,
    NodeCreate,
    NodeList,
    NodeRead,
    Notice,
    SnapshotIssued,
)
from clearway.db import utcnow
from clearway.deps import CurrentAdmin, DbSession, roles
from clearway.errors import NotFound, Problem
from clearway.openapi_docs import PROBLEMS

router = APIRouter(prefix="/crisis", tags=["crisis"])
READERS = ("officer", "analyst", "admin", "auditor")
Reader = Annotated[Principal, Depends(roles(*READERS))]
ProfileId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Post = Annotated[str, Path(pattern=r"^[A-Z]{2}[0-9A-Z]{2,6}$")]


def emergency_read(profile: EmergencyProfile) -> EmergencyRead:
    """A profile as the API shows it."""
    scope = profile.scope or {}
    return EmergencyRead(
        id=profile.id, kind=profile.kind, effect=profile.effect, state=selectors.emergency_state(profile, utcnow()),
        scope=EmergencyScope(offices=scope.get("offices", []), hs_chapters=scope.get("hs_prefixes", []),
                             origins=scope.get("origins", [])),
        reason=profile.reason, activated_by=profile.activated_by, activated_at=profile.activated_at,
        ends_at=profile.expires_at, lifted_at=profile.lifted_at, lifted_by=profile.lifted_by, public=profile.public,
        notice=Notice(**profile.notice) if profile.notice else None)


def _profile(db: DbSession, profile_id: int) -> EmergencyProfile:
    profile = selectors.emergency_get(db=db, profile_id=profile_id)
    if profile is None:
        raise NotFound([Problem("crisis.emergency_unknown", "", {"id": str(profile_id)})])
    return profile


@router.get("/emergencies", operation_id="listEmergencyProfiles", responses=PROBLEMS)
def emergencies(db: DbSession, actor: Reader) -> EmergencyList:
    """Emergency profiles, newest first, each with its state (active, expired, lifted)."""
    with db.begin():
        return EmergencyList(items=[emergency_read(p) for p in selectors.emergencies_list(db=db)])


@router.post("/emergencies", status_code=201, operation_id="declareEmergencyProfile", responses=PROBLEMS)
def emergency_declare(body: EmergencyCreate, db: DbSession, actor: CurrentAdmin) -> EmergencyRead:
    """Declare an emergency profile for a scope until its end time (audited); it then lifts by itself."""
    scope = {"offices": body.scope.offices, "hs_prefixes": body.scope.hs_chapters, "origins": body.scope.origins}
    with db.begin():
        profile = service.emergency_activate(
            db=db, kind=body.kind, effect=body.effect, scope=scope, reason=body.reason,
            params={k: v for k, v in (("capacity_share", body.capacity_share), ("random_share", body.random_share),
                                      ("duties", body.duties))
                    if v is not None},
            expires_at=body.ends_at, actor=actor.username, now=utcnow(), public=body.public,
            notice=body.notice.model_dump() if body.notice else None)
        return emergency_read(profile)


@router.get("/emergencies/{profile_id}", operation_id="getEmergencyReport", responses=PROBLEMS)
def emergency_report(profile_id: ProfileId, db: DbSession, actor: Reader) -> EmergencyReport:
    """A profile and what passed under it: decisions by channel, post-clearance audit flags, released, held."""
    with db.begin():
        profile = _profile(db, profile_id)
        summary = selectors.emergency_summary(db=db, profile=profile)
        return EmergencyReport(profile=emergency_read(profile), **{**summary, "recent": [
            DecisionRead(**d) for d in summary["recent"]]})


@router.post("/emergencies/{profile_id}/lift", operation_id="liftEmergencyProfile", responses=PROBLEMS)
def emergency_lift(profile_id: ProfileId, db: DbSession, actor: CurrentAdmin) -> EmergencyRead:
    """Lift a profile before its end time (audited; lifting a lifted profile changes nothing)."""
    with db.begin():
        return emergency_read(service.emergency_lift(db=db, profile=_profile(db, profile_id), actor=actor.username,
                                                     now=utcnow()))


@router.get("/posts", operation_id="listPostNodes", responses=PROBLEMS)
def nodes(db: DbSession, actor: Reader) -> NodeList:
    """The posts' offline nodes the centre provisioned, with their last reconciliation."""
    with db.begin():
        return NodeList(items=[NodeRead.model_validate(n) for n in selectors.nodes_list(db=db)])


@router.post("/posts/{post}/snapshot", operation_id="issuePostSnapshot", responses=PROBLEMS)
def snapshot_issue(post: Post, db: DbSession, actor: CurrentAdmin) -> SnapshotIssued:
    """The post's signed snapshot of what the centre holds now, with the key to verify it."""
    with db.begin():
        return SnapshotIssued(**provision.post_snapshot_issue(db=db, post=post, now=utcnow()))


@router.post("/posts/{post}/node", status_code=201, operation_id="registerPostNode", responses=PROBLEMS)
def node_register(post: Post, body: NodeCreate, db: DbSession, actor: CurrentAdmin) -> NodeRead:
    """Register the node the post provisioned: its exports must be signed with this key (audited)."""
    with db.begin():
        node = provision.node_register(db=db, post=post, public_jwk=body.public_jwk, snapshot_hash=body.snapshot_hash,
                                       actor=actor.username, now=utcnow())
        return NodeRead.model_validate(node)


@router.get("/conflicts", operation_id="listReconciliationConflicts", responses=PROBLEMS)
def conflicts(db: DbSession, actor: Reader) -> ConflictList:
    """Open reconciliation tasks: post-release controls, permit cases, lodgements the centre refused."""
    with db.begin():
        return ConflictList(items=[ConflictRead.model_validate(c) for c in selectors.conflicts_open(db=db)])
