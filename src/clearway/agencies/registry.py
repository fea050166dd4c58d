"""The live agencies: loading profiles into the database and reading them back (validated once per checksum)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from clearway.agencies.models import Agency
from clearway.agencies.profiles import AgencyProfile
from clearway.audit.service import audit_append
from clearway.auth.schemas import Principal
from clearway.notifications.service import endpoint_set

_parsed: dict[str, AgencyProfile] = {}  # checksum -> profile: a profile's text never changes under its checksum


def checksum_of(profile: AgencyProfile) -> str:
    """The fingerprint of a profile's content."""
    text = json.dumps(profile.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def agencies_load(*, db: Session, actor: Principal, profiles: Iterable[AgencyProfile], now: datetime,
                  secrets: dict[str, str] | None = None) -> list[str]:
    """Make agencies live (new or changed profiles); returns the codes that changed. No code change needed.

    An agency reached by its own system gets its webhook endpoint (signed like every Clearway webhook);
    the first signing secret is put in `secrets` (shown once by the command line).
    """
    changed = []
    for profile in profiles:
        checksum = checksum_of(profile)
        row = db.scalar(select(Agency).where(Agency.code == profile.code).with_for_update())
        if row is not None and row.checksum == checksum:
            continue
        if row is None:
            row = Agency(code=profile.code)
            db.add(row)
        row.name, row.organisation = profile.name, profile.reach.organisation
        row.profile, row.checksum, row.loaded_at = profile.model_dump(mode="json"), checksum, now
        changed.append(profile.code)
        if profile.reach.kind == "system" and profile.reach.webhook_url:
            system = Principal(user_id=0, username=f"agency:{profile.code}", role="agency", organisation_id=0,
                               organisation_code=profile.reach.organisation)
            _, created = endpoint_set(db=db, actor=system, url=profile.reach.webhook_url, now=now)
            if created is not None and secrets is not None:
                secrets[profile.code] = str(created.get("secret", ""))
        audit_append(db=db, actor=actor.username, actor_org=actor.organisation_code, action="agency.loaded",
                     target_type="agency", target_id=profile.code, detail={"checksum": checksum}, at=now)
    db.flush()
    for key in [k for k in db.info if isinstance(k, tuple) and k[:1] == ("agencies.concerned",)]:
        del db.info[key]  # what this session learned about concerned agencies predates these profiles
    return changed


# Every lodgement asks which agencies are live: their codes and checksums only (statements built once); a
# profile's text is read and validated only the first time this process meets its checksum.
_LIVE = select(Agency.code, Agency.checksum)
_PROFILES = select(Agency.checksum, Agency.profile).where(Agency.checksum.in_(bindparam("checksums", expanding=True)))


def live_agencies(db: Session) -> dict[str, AgencyProfile]:
    """Every live agency's profile by code (one small query; a profile is read and parsed once per checksum)."""
    conn = db.connection()  # Core on the session's connection: profiles are loaded with a flush (agencies_load)
    live = conn.execute(_LIVE).all()
    unknown = sorted({checksum for _code, checksum in live if checksum not in _parsed})
    if unknown:
        for checksum, data in conn.execute(_PROFILES, {"checksums": unknown}):
            _parsed.setdefault(checksum, AgencyProfile.model_validate(data))
    # A row deleted between the two reads is an agency no longer live.
    return {code: _parsed[checksum] for code, checksum in live if checksum in _parsed}


def agencies_of(db: Session, actor: Principal) -> set[str]:
    """The agencies an agency user acts for (none for every other role)."""
    if actor.role != "agency":
        return set()
    return set(db.scalars(select(Agency.code).where(Agency.organisation == actor.organisation_code)))
