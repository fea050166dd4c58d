"""The clearance flow's background job: release goods whose last hold went away without a request.

Most releases happen in the request that lifts the last hold (a payment, the end of a control).
Some holds end by themselves or elsewhere (an agency answering through its own system, a hold that
expires); this pass asks the release decision again for declarations still waiting, a bounded
batch at a time, going round them all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from clearway.db import utcnow
from clearway.declarations.lifecycle import SYSTEM_ACTOR
from clearway.declarations.models import Declaration
from clearway.jobs import Job

BATCH = 200
WAITING = ("channelled", "under_control")


def release_pass(ctx: Any) -> int:
    """Release every waiting declaration of the next batch that nothing holds any more; how many."""
    after = int(ctx.resources.get("release_after", 0))
    released = 0
    with ctx.sessions() as db, db.begin():
        ids = list(db.scalars(select(Declaration.id).where(Declaration.status.in_(WAITING), Declaration.id > after)
                              .order_by(Declaration.id).limit(BATCH)))
        ctx.resources["release_after"] = ids[-1] if len(ids) == BATCH else 0  # go round again at the end
        for declaration_id in ids:
            declaration = db.get(Declaration, declaration_id, with_for_update=True)
            if declaration is None or declaration.status not in WAITING:
                continue
            if ctx.wiring.release.attempt(db=db, declaration=declaration, actor=SYSTEM_ACTOR,
                                          reason="nothing holds the goods any more: release", now=utcnow(),
                                          code="released.nothing_holds", params={}):
                released += 1
    return released


def jobs() -> list[Job]:
    """This flow's jobs."""
    return [Job("release", 30.0, release_pass)]
