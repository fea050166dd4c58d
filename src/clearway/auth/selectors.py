"""Reads of the auth domain that other domains need."""

from __future__ import annotations

from sqlalchemy.orm import Session

from clearway.auth.models import Organisation
from clearway.auth.schemas import Principal


def organisation_of(*, db: Session, actor: Principal) -> Organisation | None:
    """The organisation a signed-in user acts for."""
    return db.get(Organisation, actor.organisation_id)
