"""Classification page: search by words in any of the three languages, browse the HS 2022 tree, see why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from clearway.classification import service
from clearway.classification.bundle import model_current
from clearway.classification.train import nomenclature
from clearway.db import utcnow
from clearway.deps import CurrentUser, DbSession
from clearway.web.render import render
from clearway.web.security import page_locale

router = APIRouter(include_in_schema=False)


def _tree(code: str) -> dict[str, object]:
    """A node of the nomenclature (the chapters at the root) with its children and its parents."""
    hs = nomenclature()
    if code not in hs:
        children = sorted((c, d) for c, (level, _, d) in hs.items() if level == 2)
        return {"code": "", "description": "", "children": children, "path": []}
    children = sorted((c, d) for c, (_, parent, d) in hs.items() if parent == code)
    path = [(p, hs[p][2]) for p in (code[:2], code[:4]) if p in hs and p != code and len(p) < len(code)]
    return {"code": code, "description": hs[code][2], "children": children, "path": path}


@router.get("/classification")
def classification_page(request: Request, db: DbSession, actor: CurrentUser,
                        q: Annotated[str, Query(max_length=2000)] = "",
                        code: Annotated[str, Query(max_length=10, pattern=r"^\d{0,6}$")] = "") -> Response:
    """Suggestions with explanations for a description, and the nomenclature tree at a code."""
    query = q.strip()
    answer = None
    if len(query) >= 2:
        with db.begin():
            answer = service.classification_suggest(db=db, actor=actor, description=query, limit=8, hs_code=None,
                                                    on=utcnow().date(), locale=page_locale(request))
    return render(request, "classification/page.html", user=actor, q=query, answer=answer, tree=_tree(code),
                  version=model_current().version)
