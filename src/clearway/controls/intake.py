"""Opening a control task when lodging channels a declaration yellow or red: rows of the lodging write, no query.

Lodging is the hot path (benchmarked at hundreds per second), so everything the queue needs to
order and assign a task is derived here from what lodging already holds in memory: the channel,
its reasons, and the items. Nothing here imports the declarations domain, which imports this.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table

from clearway.controls.models import ControlTask
from clearway.writes import PARENT_ID, Rows

KIND_OF_CHANNEL = {"yellow": "documentary", "red": "physical"}
# Workload weights: a physical inspection costs about three documentary checks, and every item
# adds to it (more to unpack than to read). Used to balance examiners, not to bill anyone.
WEIGHT_PER_DECLARATION = {"documentary": Decimal("1.0"), "physical": Decimal("3.0")}
WEIGHT_PER_ITEM = {"documentary": Decimal("0.1"), "physical": Decimal("0.5")}
# Risk points (0-1000) when the risk engine gave no score: red before yellow.
DEFAULT_PRIORITY = {"documentary": 500, "physical": 800}
# HS sections (WCO nomenclature) by first and last chapter.
SECTIONS = (("I", 1, 5), ("II", 6, 14), ("III", 15, 15), ("IV", 16, 24), ("V", 25, 27), ("VI", 28, 38),
            ("VII", 39, 40), ("VIII", 41, 43), ("IX", 44, 46), ("X", 47, 49), ("XI", 50, 63), ("XII", 64, 67),
            ("XIII", 68, 70), ("XIV", 71, 71), ("XV", 72, 83), ("XVI", 84, 85), ("XVII", 86, 89),
            ("XVIII", 90, 92), ("XIX", 93, 93), ("XX", 94, 96), ("XXI", 97, 99))
SECTION_CODES = tuple(code for code, _, _ in SECTIONS)


def section_of(hs_code: str) -> str:
    """The HS section of a code, from its chapter."""
    chapter = int(hs_code[:2]) if hs_code[:2].isdigit() else 0
    return next((code for code, first, last in SECTIONS if first <= chapter <= last), "XXI")


def main_section(items: list[dict[str, Any]]) -> str:
    """The section of the most valuable item: the examiner's speciality that matters most."""
    if not items:
        return "XXI"
    top = max(items, key=lambda item: Decimal(str(item.get("value", "0"))))
    return section_of(str(top.get("hs_code", "")))


def task_weight(kind: str, item_count: int) -> Decimal:
    """How much of an examiner's capacity a task takes."""
    return WEIGHT_PER_DECLARATION[kind] + WEIGHT_PER_ITEM[kind] * item_count


def priority_of(kind: str, reasons: list[dict[str, Any]]) -> int:
    """Risk points 0-1000: the highest score a reason carries, else the channel's default."""
    scores = [float(r["score"]) for r in reasons if isinstance(r.get("score"), int | float)]
    return max(0, min(1000, round(max(scores) * 1000))) if scores else DEFAULT_PRIORITY[kind]


def labels_of(reasons: list[dict[str, Any]]) -> tuple[list[str], str | None, bool]:
    """Rule ids, model version and random-sample flag carried by the channel reasons.

    The risk engine marks a random compliance pick with `"random_sample": true` on a reason, and
    names its model with `"model_version"`; the default rules carry only `rule`.
    """
    rules = sorted({str(r["rule"])[:64] for r in reasons if r.get("rule")})
    model = next((str(r["model_version"])[:64] for r in reasons if r.get("model_version")), None)
    random_pick = any(bool(r.get("random_sample")) for r in reasons)
    return rules, model, random_pick


def task_values(*, declaration_id: int, office: str, kind: str, reasons: list[dict[str, Any]],
                items: list[dict[str, Any]], now: datetime, parent_id: int | None = None) -> dict[str, Any]:
    """The row of a new, unassigned control task."""
    rules, model, random_pick = labels_of(reasons)
    return {
        "declaration_id": declaration_id, "office": office, "kind": kind, "status": "open", "closed": False,
        "priority": priority_of(kind, reasons), "weight": task_weight(kind, len(items)),
        "section": main_section(items), "random_pick": random_pick, "rule_ids": rules, "model_version": model,
        "created_at": now, "parent_id": parent_id,
    }


def lodgement_rows(*, channel: str, office: str, reasons: list[dict[str, Any]], items: list[dict[str, Any]],
                   now: datetime) -> list[Rows]:
    """The control task a freshly channelled declaration needs, as rows of the lodging write (none for
    green and blue); on PostgreSQL they join the declaration's single statement."""
    kind = KIND_OF_CHANNEL.get(channel)
    if kind is None:
        return []
    values = task_values(declaration_id=0, office=office, kind=kind, reasons=reasons, items=items, now=now)
    return [Rows(cast(Table, ControlTask.__table__), [{**values, "declaration_id": PARENT_ID}])]
