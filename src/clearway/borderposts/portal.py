"""The crossings part of the public portal: an hours page per crossing and its signed, versioned JSON feed."""

from __future__ import annotations

from datetime import timedelta

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from clearway.borderposts import feed, selectors
from clearway.borderposts.views import grids, monday_of
from clearway.config import get_settings
from clearway.db import utcnow
from clearway.deps import DbSession
from clearway.web.render import render

router = APIRouter(include_in_schema=False)
# Public and cacheable for a minute: "open now" must not go stale for long.
PUBLIC_CACHE = {"Cache-Control": "public, max-age=60"}


@router.get("/public/crossings")
def crossings_page(request: Request, db: DbSession) -> Response:
    """Every border crossing, whether each side is open now, and the week's joint open hours."""
    now = utcnow()
    with db.begin():
        documents = [feed.feed_document(db, pair, now) for pair in selectors.pairs_list(db)]
    return render(request, "borderposts/public_list.html", user=None, documents=documents, section="crossings")


@router.get("/public/crossings/feed-key.json")
def feed_key() -> Response:
    """The Ed25519 public key that verifies every crossing feed."""
    body = {"algorithm": "Ed25519", "public_key": feed.public_key_b64(get_settings().secret_key),
            "signed_bytes": "JSON of `document` with sorted keys and no spaces"}
    return Response(orjson.dumps(body), media_type="application/json", headers=PUBLIC_CACHE)


@router.get("/public/crossings/{pair_code}")
def crossing_page(pair_code: str, request: Request, db: DbSession) -> Response:
    """A crossing's hours page: both posts' hours in local time, open now, next change, exceptions, delays."""
    now = utcnow()
    with db.begin():
        pair = selectors.pair_get(db, pair_code)
        document = feed.feed_document(db, pair, now)
        in_ours, in_partner = grids(db, pair, monday_of(now.date()))
    return render(request, "borderposts/public_crossing.html", user=None, doc=document, in_ours=in_ours,
                  in_partner=in_partner, section="crossings", week_end=now.date() + timedelta(days=7))


@router.get("/public/crossings/{pair_code}/feed.json")
def crossing_feed(pair_code: str, db: DbSession) -> Response:
    """The crossing's machine-readable hours, signed (Ed25519) and versioned with its change history."""
    now = utcnow()
    with db.begin():
        document = feed.feed_document(db, selectors.pair_get(db, pair_code), now)
    signed = feed.sign(document, get_settings().secret_key)
    return Response(orjson.dumps(signed), media_type="application/json", headers=PUBLIC_CACHE)
