"""Shapes of a bulk import's outcome, shared by the command line and a future upload endpoint."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class RowError(BaseModel):
    """One problem of one declaration, pointed back at the file's row (or line) and column."""

    row: int
    column: str
    value: str
    code: str
    params: dict[str, Any] = {}


class Lodged(BaseModel):
    """A declaration the import lodged: where it came from and the MRN it got."""

    row: int
    lrn: str
    mrn: str


class BulkImportRead(BaseModel):
    """A stored import record."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation: str
    sha256: str
    filename: str
    file_format: str
    username: str
    started_at: datetime
    finished_at: datetime | None
    declarations: int
    rows: int
    processed: int
    accepted: int
    rejected: int


class ImportReport(BaseModel):
    """What one run of a bulk import did; counts are declarations, not rows."""

    filename: str
    file_format: str
    sha256: str
    dry_run: bool
    import_id: int | None = None
    declarations: int = 0
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped: int = 0
    resumed_from: int = 0
    previous: BulkImportRead | None = None
    lodged: list[Lodged] = []
    errors: list[RowError] = []

    @property
    def exit_code(self) -> int:
        """0 when nothing was rejected, 1 otherwise."""
        return 1 if self.rejected else 0
