"""A continuity drill: a post goes offline, keeps working on its node, and reconnects with the centre.

It runs against the configured database (the demo world): the centre issues the post's snapshot, a node
is provisioned on its own SQLite file, declarations modelled on the centre's recent ones are lodged at the
post while it is cut off, officers decide at the post on what waits, then the post reconciles (twice: the
second pass must add nothing). The report holds the figures the drill was run for.
"""

from __future__ import annotations

import copy
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from clearway.auth.models import User
from clearway.auth.service import principal_of
from clearway.clearance.lodge import declaration_lodge
from clearway.clearance.offline import post_reconcile
from clearway.clearance.wiring import Wiring
from clearway.crisis import node as post_node
from clearway.crisis import provision
from clearway.crisis.models import CrisisLink
from clearway.declarations.models import Declaration
from clearway.declarations.schemas import EXAMPLE
from clearway.errors import DomainError, NotFound, Problem
from clearway.exchange.directory import own_key_rotate

Progress = Callable[[str, int, int], None]


@dataclass
class DrillReport:
    """What the drill measured."""

    post: str
    lodged: int = 0
    refused: int = 0
    released_offline: int = 0
    decided_at_post: int = 0
    waiting: int = 0
    offline_s: float = 0.0
    reconcile_s: float = 0.0
    linked: int = 0
    relinked: int = 0
    lost: int = 0
    duplicates: int = 0
    journal_ok: bool = False
    rules_left_out: int = 0
    conflicts: dict[str, int] = field(default_factory=dict)

    @property
    def offline_rate(self) -> float:
        """Lodgements per second at the node."""
        return self.lodged / self.offline_s if self.offline_s else 0.0


def _templates(db: Session, snapshot: dict[str, Any], post: str) -> list[dict[str, Any]]:
    """Recent central declarations (or the documented example) the node can take: known HS codes, no permits."""
    known = set(snapshot["reference"]["hs"])
    docs = list(db.scalars(select(Declaration.document).where(Declaration.type == "IM")
                           .order_by(Declaration.id.desc()).limit(200))) or [EXAMPLE]
    found = []
    for doc in docs:
        items = [{k: v for k, v in i.items() if k != "permits"} for i in doc.get("items", [])]
        if items and all(i["hs_code"][:6] in known for i in items):
            found.append({**copy.deepcopy(doc), "items": items, "office": post})
    found = found or [{**copy.deepcopy(EXAMPLE), "office": post}]
    # Every tenth lodgement is goods the snapshot sends to a control (arms; medicines from India), so the
    # drill also exercises what waits at the post and the officers' decisions there.
    base = found[0]
    for hs, origin in (("930190", "CN"), ("300490", "IN")):
        if hs in known:
            item = {**base["items"][0], "hs_code": hs, "origin_country": origin, "description": "Drill control goods"}
            control = {**copy.deepcopy(base), "items": [item], "invoice_total": item["value"]}
            found += [control] * max(1, len(found) // 9)
    return found


def drill_run(*, sessions: sessionmaker[Session], wiring: Wiring, post: str, count: int, workdir: Path,
              now: Callable[[], datetime], progress: Progress | None = None) -> DrillReport:
    """Run the drill: provision, go offline and lodge `count` declarations, decide at the post, reconcile."""
    report = DrillReport(post=post)
    with sessions() as db, db.begin():
        try:
            issued = provision.post_snapshot_issue(db=db, post=post, now=now())
        except DomainError:  # the centre has no signing key yet: a drill may make the first one
            own_key_rotate(db=db, actor="drill", now=now())
            issued = provision.post_snapshot_issue(db=db, post=post, now=now())
        templates = _templates(db, issued["signed"]["snapshot"], post)
    report.rules_left_out = int(issued["signed"]["snapshot"]["policy"].get("rules_left_out", 0))
    engine = post_node.node_open(str(workdir / f"node-{post}.db"))
    with Session(engine) as ndb, ndb.begin():
        node_key = post_node.node_provision(db=ndb, signed=issued["signed"], post=post, now=now(),
                                            centre_public_jwk=issued["centre_public_jwk"])
        node_id = post_node.node_id(ndb)
    with sessions() as db, db.begin():
        provision.node_register(db=db, post=post, public_jwk=node_key, snapshot_hash=issued["signed"]["hash"],
                                actor="drill", now=now())

    # The link is down: every lodgement is its own transaction on the node, acknowledged once committed.
    stamp = now().strftime("%y%m%d%H%M%S")
    started = time.perf_counter()
    waiting: list[str] = []
    for n in range(count):
        doc = copy.deepcopy(templates[n % len(templates)])
        doc["lrn"] = f"DRILL-{stamp}-{node_id}-{n:06d}"  # unique across drills, even two in one second
        try:
            with Session(engine) as ndb, ndb.begin():
                outcome = post_node.node_lodge(db=ndb, raw=doc, now=now())
        except DomainError:
            report.refused += 1
            continue
        report.lodged += 1
        report.released_offline += outcome.released
        if not outcome.released:
            waiting.append(outcome.offline_ref)
        if progress and (n + 1) % 50 == 0:
            progress("offline", n + 1, count)
    # Officers at the post control half of what waits and release it; the rest waits for the centre.
    for ref in waiting[: len(waiting) // 2]:
        with Session(engine) as ndb, ndb.begin():
            post_node.node_decide(db=ndb, offline_ref=ref, decision="release", officer="drill", note="", now=now())
        report.decided_at_post += 1
    report.waiting = len(waiting) - report.decided_at_post
    report.offline_s = time.perf_counter() - started
    with Session(engine) as ndb:
        report.journal_ok = post_node.node_journal_verify(db=ndb) is None
        export = post_node.node_export(db=ndb, now=now())
    engine.dispose()

    # The link is back.
    started = time.perf_counter()
    with sessions() as db, db.begin():
        first = post_reconcile(db=db, wiring=wiring, post=post, export=export, actor="drill", now=now(),
                               progress=None if progress is None else lambda a, b: progress("reconcile", a, b))
    report.reconcile_s = time.perf_counter() - started
    with sessions() as db, db.begin():
        again = post_reconcile(db=db, wiring=wiring, post=post, export=export, actor="drill", now=now())
    refs = [d["offline_ref"] for d in export["body"]["declarations"]]
    with sessions() as db:
        hashes = {d["offline_ref"]: d["doc_hash"] for d in export["body"]["declarations"]}
        links = [(r, m) for r, m, h in db.execute(select(CrisisLink.offline_ref, CrisisLink.mrn, CrisisLink.doc_hash)
                                                  .where(CrisisLink.offline_ref.in_(refs))) if hashes[r] == h]
        mrns = [m for _r, m in links if m is not None]
        central = db.scalar(select(func.count()).select_from(Declaration).where(Declaration.mrn.in_(mrns))) or 0
    report.linked, report.relinked = first.linked, again.linked
    # Lost: an offline declaration without its link, or linked to an MRN the centre does not hold.
    report.lost = len(set(refs) - {r for r, _m in links}) + max(0, len(set(mrns)) - central)
    report.duplicates = (len(links) - len({r for r, _m in links})) + (len(mrns) - len(set(mrns)))
    report.conflicts = dict(Counter(c["kind"] for c in first.conflicts))
    if progress:
        progress("reconcile", len(refs), len(refs))
    return report


def trader_lodger(*, sessions: sessionmaker[Session], wiring: Wiring, username: str
                  ) -> tuple[Callable[[Session, dict[str, Any], datetime], Declaration], dict[str, Any]]:
    """The lodging flow as one trader, for a plan drill, and the documented example made that trader's."""
    with sessions() as db:
        user = db.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound([Problem("crisis.drill_trader_unknown", "", {"username": username})])
        actor = principal_of(user)
        party = {"id": actor.organisation_code, "name": user.organisation.name, "country": "KR"}

    def lodge(db: Session, doc: dict[str, Any], now: datetime) -> Declaration:
        return declaration_lodge(db=db, wiring=wiring, actor=actor, raw=doc, now=now)

    return lodge, {**copy.deepcopy(EXAMPLE), "declarant": party, "importer": party, "buyer": party}
