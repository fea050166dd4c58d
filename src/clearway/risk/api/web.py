"""Helpers of the risk pages: who may see them, reading forms into drafts, placing errors, rule excerpts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Path
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from clearway.auth.schemas import Principal
from clearway.deps import roles
from clearway.errors import DomainError, Problem
from clearway.i18n import translate
from clearway.problems import from_pydantic

PageAnalyst = Annotated[Principal, Depends(roles("analyst"))]
PageReader = Annotated[Principal, Depends(roles("analyst", "auditor"))]
PageId = Annotated[int, Path(ge=1, le=2_147_483_647)]
Draft = TypeVar("Draft", bound=BaseModel)


@dataclass
class Errors:
    """Problems of a form, by field name, and all of them for the summary."""

    by_field: dict[str, list[str]] = field(default_factory=dict)
    summary: list[tuple[str, str, str]] = field(default_factory=list)  # (field id, where, message)
    excerpt: dict[str, Any] | None = None  # the expression's faulty line and where the caret goes

    def __bool__(self) -> bool:
        return bool(self.summary)


def text(form: FormData, name: str) -> str:
    """A text field of a form, stripped ('' when absent or a file)."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def words(form: FormData, name: str) -> list[str]:
    """A field of codes separated by commas or spaces, in upper case."""
    return [w for w in text(form, name).replace(",", " ").upper().split() if w]


def number(value: str) -> int:
    """A small positive integer from a form field, 0 when it is not one."""
    return int(value) if value.isdigit() and len(value) < 10 else 0


def checked(form: FormData, name: str) -> list[str]:
    """Every value of a multi-valued field (checkboxes)."""
    return [v for v in form.getlist(name) if isinstance(v, str) and v]


def draft_of(model: type[Draft], values: dict[str, Any]) -> tuple[Draft | None, list[Problem]]:
    """The validated draft, or the problems with it (empty fields count as absent)."""
    try:
        return model.model_validate({k: v for k, v in values.items() if v not in ("", None)}), []
    except ValidationError as exc:
        return None, from_pydantic([dict(e) for e in exc.errors()])


def attempt(run: Callable[[], Any]) -> tuple[Any, list[Problem]]:
    """Run a service call; its domain error's problems instead of an error page."""
    try:
        return run(), []
    except DomainError as exc:
        return None, exc.problems or [Problem("field.invalid", "", {"field": "form"})]


def errors_of(problems: list[Problem], locale: str, source: str = "") -> Errors:
    """Place problems next to their fields; a rule-language error also gets the excerpt with a caret."""
    placed = Errors()
    for problem in problems:
        name = problem.pointer.strip("/").split("/")[0] or "form"
        message = translate(problem.code, locale, **problem.params)
        placed.by_field.setdefault(name, []).append(message)
        placed.summary.append((f"field-{name}", "", message))
        if problem.code.startswith("rule.") and "line" in problem.params and placed.excerpt is None:
            placed.excerpt = excerpt(source, int(problem.params["line"]), int(problem.params["column"]))
    return placed


def excerpt(source: str, line: int, column: int) -> dict[str, Any]:
    """The expression's line at fault, and a caret under the column."""
    lines = source.splitlines() or [""]
    shown = lines[min(max(line, 1), len(lines)) - 1]
    return {"line": line, "column": column, "text": shown, "caret": " " * max(column - 1, 0) + "^"}
