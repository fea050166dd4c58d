"""The public hours feed of a crossing: machine-readable hours, open now, next change, delays, signed with Ed25519.

The signing key is derived from the deployment's secret (so every API process signs alike and
nothing extra is stored); the public key is published next to the feed. The signature covers the
canonical JSON (sorted keys, no spaces) of `document`.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from typing import Any

import orjson
from nacl.signing import SigningKey, VerifyKey
from sqlalchemy.orm import Session

from clearway.borderposts import selectors
from clearway.borderposts.models import BorderPost, PostPair
from clearway.borderposts.schedule import epoch


def signing_key(secret: str) -> SigningKey:
    """The feed's Ed25519 key, derived from the deployment secret."""
    return SigningKey(hashlib.sha256(f"clearway-borderposts-feed:{secret}".encode()).digest())


def public_key_b64(secret: str) -> str:
    """The public key that verifies the feed, base64."""
    return base64.b64encode(bytes(signing_key(secret).verify_key)).decode()


def canonical(document: dict[str, Any]) -> bytes:
    """The bytes that are signed."""
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)


def sign(document: dict[str, Any], secret: str) -> dict[str, Any]:
    """The document with its detached signature."""
    signature = signing_key(secret).sign(canonical(document)).signature
    return {"document": document, "signature": base64.b64encode(signature).decode(), "algorithm": "Ed25519",
            "public_key": public_key_b64(secret)}


def verify(signed: dict[str, Any], public_key: str) -> bool:
    """Whether a signed feed verifies under a public key (base64)."""
    try:
        VerifyKey(base64.b64decode(public_key)).verify(canonical(signed["document"]),
                                                       base64.b64decode(signed["signature"]))
    except Exception:  # any malformed input or bad signature is simply "does not verify"
        return False
    return True


def _rfc3339(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _post(db: Session, post: BorderPost, now: datetime) -> dict[str, Any]:
    spans = selectors.post_open(db, post, now.date() - timedelta(days=1), now.date() + timedelta(days=14))
    is_open, change = selectors.state_now(spans, epoch(now))
    rows = selectors.hours_in_force(selectors.hours_of(db, post), now)
    return {
        "code": post.code, "name": post.name, "country": post.country, "timezone": post.timezone,
        "holiday_calendar": post.holiday_country, "lanes": post.lanes, "open_now": is_open,
        "next_change": _rfc3339(selectors.utc_of(change)),
        "hours": [{"agency": a, "traffic": t, "opening_hours": r.rule, "valid_from": _rfc3339(r.valid_from),
                   "source": r.source} for (a, t), r in sorted(rows.items())],
        "exceptions": [{"kind": e.kind, "starts_local": e.starts_local.isoformat(timespec="minutes"),
                        "ends_local": e.ends_local.isoformat(timespec="minutes"), "reason": e.reason}
                       for e in selectors.exceptions_of(db, post)
                       if e.ends_local >= now.replace(tzinfo=None) - timedelta(days=1)],
    }


def feed_document(db: Session, pair: PostPair, now: datetime) -> dict[str, Any]:
    """The feed of a pair as of now (unsigned)."""
    ours, partner = selectors.pair_posts(db, pair)
    split = selectors.pair_split(db, pair, now.date() - timedelta(days=28), now.date() + timedelta(days=1))
    week = selectors.pair_windows(db, pair, now.date(), now.date() + timedelta(days=7))
    history = selectors.feed_history(db, pair)

    def hours(q: float) -> float | None:
        value = split.dwell_percentile_h(q)
        return None if value is None else round(value, 2)

    return {
        "crossing": pair.code, "name": pair.name, "generated_at": _rfc3339(now),
        "version": history[0].version if history else 0,
        "posts": [_post(db, ours, now), _post(db, partner, now)],
        "joint_open_hours_next_7_days": round(week.joint_s / 3600, 2),
        "measured_delay": {"days": 28, "crossings": len(split.splits), "p50_hours": hours(50), "p95_hours": hours(95),
                           "closure_share_of_waiting": None if split.closure_share is None
                           else round(split.closure_share, 4)},
        "daily_closure_share": [{"day": d.day.isoformat(), "direction": d.direction, "crossings": d.crossings,
                                 "mean_dwell_hours": round(d.mean_dwell_h, 2),
                                 "closure_share_of_waiting": None if d.closure_share is None
                                 else round(d.closure_share, 4)} for d in split.daily],
        "history": [{"version": v.version, "published_at": _rfc3339(v.published_at), "change": v.change}
                    for v in history[:50]],
    }
