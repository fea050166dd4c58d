"""The controls domain's entry point for other domains and for the routers.

Other domains call only what is named here: the risk engine reads `control_outcomes` and
`hit_rates` (and marks random picks with `task_random_pick_set`); the exchange opens a control on an
import whose mirror gap an officer escalated (`control_open`); the release decision asks
`controls.holds`. Whatever may end in a release takes the release decision as an argument.
The work itself lives in the modules imported below.
"""

from __future__ import annotations

from sqlalchemy import false, update
from sqlalchemy.orm import Session

from clearway.controls.adjust import AdjustmentFigures, findings_adjustment
from clearway.controls.checks import (
    document_upload,
    documentary_accept,
    documentary_escalate,
    documents_request,
    request_answer,
    request_for_trader,
    task_for_work,
)
from clearway.controls.inspection import (
    finding_record,
    goods_available,
    inspection_end,
    inspection_schedule,
    inspection_start,
    photo_upload,
)
from clearway.controls.models import ControlTask
from clearway.controls.outcomes import ControlOutcome, HitRate, control_outcomes, hit_rates
from clearway.controls.queue import (
    QueueCursor,
    assignments_run,
    queue_fetch,
    task_claim,
    task_claim_next,
    task_reassign,
    workload,
)
from clearway.controls.release import control_open, declaration_detain, declaration_reroute, detention_lift
from clearway.controls.roles import examiner_ensure, examiner_put, examiners_list, supervisor_required

__all__ = [
    "AdjustmentFigures", "ControlOutcome", "HitRate", "QueueCursor", "assignments_run", "control_open",
    "control_outcomes",
    "declaration_detain", "declaration_reroute", "detention_lift",
    "document_upload", "documentary_accept", "documentary_escalate", "documents_request", "examiner_ensure",
    "examiner_put", "examiners_list", "finding_record", "findings_adjustment",
    "goods_available", "hit_rates", "inspection_end", "inspection_schedule",
    "inspection_start", "photo_upload", "queue_fetch",
    "request_answer", "request_for_trader", "supervisor_required", "task_claim", "task_claim_next",
    "task_for_work", "task_random_pick_set", "task_reassign", "workload",
]


def task_random_pick_set(*, db: Session, declaration_id: int, random_pick: bool = True) -> int:
    """Flag the open controls of a declaration as random-sample picks (the risk engine's call); how many."""
    done = db.execute(update(ControlTask).where(ControlTask.declaration_id == declaration_id,
                                                ControlTask.closed == false()).values(random_pick=random_pick)
                      .execution_options(synchronize_session=False))
    return int(done.rowcount)  # type: ignore[attr-defined]
