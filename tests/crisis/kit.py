"""Helpers for the crisis tests: a centre key, a snapshot, a provisioned node on its own SQLite file."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from clearway.crisis.node import node_open, node_provision
from clearway.crisis.snapshot import snapshot_build, snapshot_sign
from clearway.exchange import envelope

POST = "KR0101"


def signed_snapshot(centre_key: dict[str, Any], now: datetime, **over: Any) -> dict[str, Any]:
    """A snapshot for POST signed by the centre's key."""
    parts: dict[str, Any] = dict(
        post=POST, issued_at=now, valid_until=now + timedelta(days=7),
        reference={"hs": ["851713", "300490", "930190"]}, tariff={"8517": "0", "3004": "8", "9301": "20"},
        rules=[{"id": "R-ARMS", "hs_prefix": "9301", "channel": "red"},
               {"id": "R-PHARMA-IN", "hs_prefix": "3004", "origin": "IN", "channel": "yellow"}],
        watchlist=["Shady Exports Ltd"], model={"version": "m-7", "yellow_above_value": "50000"},
        aeo=["KR1000000001"], permits=[{"number": "P-1", "allocated": "100"}],
        policy={"release_channels": ["green"], "aeo_release_channels": ["yellow"]})
    parts.update(over)
    return snapshot_sign(snapshot=snapshot_build(**parts), jwk=centre_key)


def provisioned_node(path: str, centre_key: dict[str, Any], now: datetime) -> tuple[Any, dict[str, Any]]:
    """A node engine on path, provisioned; returns it and the node's public key."""
    engine = node_open(path)
    with Session(engine) as db, db.begin():
        public = node_provision(db=db, signed=signed_snapshot(centre_key, now),
                                centre_public_jwk=envelope.public_of(centre_key), post=POST, now=now)
    return engine, public
