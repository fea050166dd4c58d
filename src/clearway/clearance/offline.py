"""The reconnect journey: a post's offline work lodged at the centre through the ordinary lodging flow.

Every offline declaration goes through `declaration_lodge` like any other (validation, duties, the
channel, the one release decision) under its declarant's organisation; the crisis domain links each to
its offline reference once, writes off permits once and turns what the post could not know into tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearway.auth.models import Organisation
from clearway.auth.schemas import Principal
from clearway.clearance.lodge import declaration_lodge
from clearway.clearance.wiring import Wiring
from clearway.crisis import provision, selectors
from clearway.crisis.service import CentralLodge, ExportRejected, ReconcileReport, crisis_reconcile
from clearway.errors import Problem, ValidationFailed


class DeclarantUnknown(ValidationFailed):
    """An offline declaration names a declarant the centre does not know: kept, linked, left to a person."""

    slug = "crisis-declarant-unknown"
    title_code = "problem.crisis_declarant_unknown"


def central_lodge(*, wiring: Wiring, post: str) -> CentralLodge:
    """Lodge one offline document at the centre as its declarant's organisation; returns the national MRN."""
    actors: dict[str, Principal] = {}  # a post's traders are few: one lookup each per reconciliation

    def lodge(db: Session, doc: dict[str, Any], now: datetime) -> str:
        code = str(doc.get("declarant", {}).get("id", ""))
        actor = actors.get(code)
        if actor is None:
            org = db.scalar(select(Organisation).where(Organisation.code == code, Organisation.kind == "trader"))
            if org is None:
                raise DeclarantUnknown([Problem("crisis.declarant_unknown", "/declarant/id", {"id": code})])
            actor = actors[code] = Principal(user_id=0, username=f"post:{post}", role="trader",
                                             organisation_id=org.id, organisation_code=org.code)
        return declaration_lodge(db=db, wiring=wiring, actor=actor, raw=doc, now=now).mrn
    return lodge


def post_reconcile(*, db: Session, wiring: Wiring, post: str, export: Any, actor: str, now: datetime,
                   progress: Callable[[int, int], None] | None = None) -> ReconcileReport:
    """Reconcile a post's export with the centre, checked against the node key registered at provisioning."""
    node = selectors.node_of(db=db, post=post)
    if node is None:
        raise ExportRejected([Problem("crisis.node_unknown", "/post", {"post": post})])
    body = export.get("body") if isinstance(export, dict) else None
    if isinstance(body, dict) and body.get("post") != post:
        raise ExportRejected([Problem("crisis.export_other_post", "/body/post", {"post": str(body.get("post"))})])
    numbers = [str(p.get("number")) for p in (body or {}).get("permits", []) if isinstance(p, dict)]
    report = crisis_reconcile(db=db, export=export, node_public_jwk=node.public_jwk,
                              lodge=central_lodge(wiring=wiring, post=post),
                              alerts=provision.alerts_since(db=db, now=now),
                              permits_granted=provision.permits_granted(db=db, numbers=numbers), actor=actor,
                              now=now, progress=progress)
    node.reconciled_at = now
    return report
