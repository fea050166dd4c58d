"""Shapes of the authentication API."""

from __future__ import annotations

from pydantic import BaseModel


class TokenRead(BaseModel):
    """An OAuth2 bearer token response."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Principal(BaseModel):
    """Who is calling: the facts every authorization check needs."""

    user_id: int
    username: str
    role: str
    organisation_id: int
    organisation_code: str
    office: str | None = None
    locale: str = "en"

    @property
    def is_customs(self) -> bool:
        """True for customs staff (officer, analyst, admin, auditor)."""
        return self.role in ("officer", "analyst", "admin", "auditor")


class MeRead(Principal):
    """The signed-in user as shown to itself."""

    organisation_name: str
