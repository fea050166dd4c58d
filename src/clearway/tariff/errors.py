"""Errors the tariff domain raises; each carries coded problems with JSON pointers."""

from __future__ import annotations

from clearway.errors import Conflict, DomainError, NotFound, Problem, ValidationFailed

__all__ = [
    "AssessmentNotFound", "DutyNotComputable", "FinanceRefused", "ImportFailed", "Problem",
    "RulingNotFound", "RulingStateConflict",
]


class DutyNotComputable(ValidationFailed):
    """The duties of a declaration cannot be computed: unknown line, missing measure or rate gap."""

    slug = "duty-not-computable"
    title_code = "problem.duty_not_computable"


class ImportFailed(ValidationFailed):
    """A file to import is not readable as a schedule, agreements or rates file."""

    slug = "tariff-import-failed"
    title_code = "problem.tariff_import_failed"


class AssessmentNotFound(NotFound):
    """No assessment with that id or for that declaration."""


class FinanceRefused(Conflict):
    """A payment, deferment or guarantee operation is refused (amount, balance, validity)."""

    slug = "finance-refused"
    title_code = "problem.finance_refused"


class RulingNotFound(NotFound):
    """No advance ruling with that reference."""


class RulingStateConflict(Conflict):
    """The ruling is not in a state that allows the operation."""

    slug = "ruling-state"
    title_code = "problem.ruling_state"


def problem(code: str, pointer: str = "", /, **params: object) -> Problem:
    """A problem with the tariff code prefix spelled once."""
    return Problem(f"tariff.{code}", pointer, dict(params))


def refuse(code: str, pointer: str = "", /, **params: object) -> DomainError:
    """A FinanceRefused error with one problem."""
    return FinanceRefused([problem(code, pointer, **params)])
