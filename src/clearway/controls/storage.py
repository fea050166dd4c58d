"""Files sent to customs (answers to document requests, inspection photos): checks and storage.

A file is refused unless its declared content type is one customs reads (PDF, PNG, JPEG) and its
first bytes say the same, and unless it fits the size limit. Bytes live in the database by
default, or under CLEARWAY_CONTROLS_UPLOAD_DIR when set, named by their SHA-256 (so a rolled-back
upload leaves at worst an unreferenced file, never a row pointing at nothing).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from clearway.controls.models import ControlFile
from clearway.errors import PayloadTooLarge, Problem, ValidationFailed

MAGIC = {"application/pdf": (b"%PDF-",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",)}


class UploadSettings(BaseSettings):
    """Where uploaded files go and how large they may be."""

    model_config = SettingsConfigDict(env_prefix="CLEARWAY_CONTROLS_", env_file=".env", extra="ignore")

    upload_dir: str | None = None
    upload_max_bytes: int = Field(default=1_000_000, ge=1024, le=50_000_000)


@lru_cache
def upload_settings() -> UploadSettings:
    """The process-wide upload settings."""
    return UploadSettings()


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks."""

    filename: str
    content_type: str
    data: bytes
    sha256: str


def file_check(*, filename: str | None, content_type: str | None, data: bytes) -> CheckedFile:
    """The file if its type, content and size are acceptable; a 413 or 422 problem otherwise."""
    limit = upload_settings().upload_max_bytes
    if len(data) > limit:
        raise PayloadTooLarge([Problem("upload.too_large", "/file", {"max": limit})])
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind not in MAGIC:
        raise ValidationFailed([Problem("upload.type_refused", "/file", {"value": kind[:80] or "-",
                                                                         "allowed": ", ".join(MAGIC)})])
    if not data or not data.startswith(MAGIC[kind]):
        raise ValidationFailed([Problem("upload.content_mismatch", "/file", {"value": kind})])
    name = Path((filename or "upload").replace("\\", "/")).name
    name = "".join(c for c in name if c.isprintable())[:255] or "upload"
    return CheckedFile(name, kind, data, hashlib.sha256(data).hexdigest())


def file_store(checked: CheckedFile, row: ControlFile) -> None:
    """Put the bytes where the settings say: on the row, or in the upload directory (atomically)."""
    folder = upload_settings().upload_dir
    row.size, row.sha256 = len(checked.data), checked.sha256
    if not folder:
        row.content, row.path = checked.data, None
        return
    target = Path(folder) / checked.sha256[:2] / checked.sha256
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
            tmp.write(checked.data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp.name, target)
    row.content, row.path = None, str(target)


def file_bytes(row: ControlFile) -> bytes:
    """The stored bytes of a file, from the row or the disk."""
    if row.path:
        return Path(row.path).read_bytes()
    return row.content or b""
