"""A 72-hour outage: a burst of lodgements at the post, a crash of the node, then reconciliation with the centre."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.auth.models import User
from clearway.auth.service import principal_of
from clearway.clearance.lodge import declaration_lodge
from clearway.crisis import selectors
from clearway.crisis.models import CrisisConflict, CrisisLink
from clearway.crisis.node import (
    NodeDeclaration,
    NodeJournal,
    NodeMeta,
    node_export,
    node_journal_verify,
    node_lodge,
    node_open,
)
from clearway.crisis.service import ExportRejected, crisis_reconcile
from clearway.db import utcnow
from clearway.declarations.models import Declaration
from clearway.exchange import envelope
from tests.crisis.kit import provisioned_node
from tests.factories import document, wiring

CRASHER = """
import sys
from datetime import datetime, timedelta
from sqlalchemy.orm import Session
from clearway.crisis.node import node_open, node_lodge
from tests.factories import document
engine = node_open(sys.argv[1])
start = datetime.fromisoformat(sys.argv[2])
for n in range(100000):
    with Session(engine) as db, db.begin():
        node_lodge(db=db, raw=document(lrn=f"CRASH-{n:06d}"), now=start + timedelta(seconds=n))
    print(f"CRASH-{n:06d}", flush=True)   # acknowledged to the trader only after the commit
"""


def _central_lodge(db: Session, doc: dict[str, Any], now: datetime) -> str:
    user = db.scalar(select(User).where(User.organisation.has(code=doc["declarant"]["id"])))
    assert user is not None
    return declaration_lodge(db=db, wiring=wiring(), actor=principal_of(user), raw=doc, now=now).mrn


def _crash_node(path: str, start: datetime, after: int) -> list[str]:
    """Lodge in another process and kill -9 it mid-burst; the LRNs it acknowledged."""
    proc = subprocess.Popen([sys.executable, "-c", CRASHER, path, start.isoformat()], stdout=subprocess.PIPE,
                            text=True)
    acked = []
    assert proc.stdout is not None
    for line in proc.stdout:
        acked.append(line.strip())
        if len(acked) >= after:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()
    acked += [line.strip() for line in proc.stdout.read().splitlines() if line.strip()]
    return acked


def test_72_hour_outage_with_crash_reconciles_without_duplicates_or_losses(world, db, tmp_path):  # type: ignore[no-untyped-def]
    centre = envelope.key_generate()
    start = utcnow() - timedelta(hours=72)
    path = str(tmp_path / "post.db")
    engine, node_key = provisioned_node(path, centre, start)
    arms = [{**document()["items"][0], "hs_code": "930190", "value": "1000.00"}]
    permit_item = {**document()["items"][0], "quantity": {"value": "10", "unit": "NAR"}, "permits": ["P-1"]}
    with Session(engine) as ndb, ndb.begin():
        for h in range(0, 72, 3):  # a lodgement every three hours through the outage
            node_lodge(db=ndb, raw=document(), now=start + timedelta(hours=h))
        node_lodge(db=ndb, raw=document(items=arms, invoice_total="1000.00"), now=start + timedelta(hours=1))
        for _ in range(3):
            node_lodge(db=ndb, raw=document(items=[permit_item]), now=start + timedelta(hours=2))
    engine.dispose()
    acked = _crash_node(path, start + timedelta(hours=70), after=40)  # the burst, and the node dies in it
    assert len(acked) >= 40

    engine = node_open(path)
    with Session(engine) as ndb:
        assert node_journal_verify(db=ndb) is None
        stored = set(ndb.scalars(select(NodeDeclaration.lrn)))
        assert set(acked) <= stored  # every acknowledged lodgement survived the crash
        lodged = ndb.scalar(select(func.count()).select_from(NodeJournal).where(NodeJournal.kind == "lodged"))
        assert lodged == len(stored)  # and nothing is half-written: a declaration per journal entry
        export = node_export(db=ndb, now=utcnow())
    total = len(export["body"]["declarations"])

    # While the post was offline the centre issued an alert on the arms line; the permit had 25 granted in all.
    alerts = [{"id": "A-9", "issued_at": (start + timedelta(hours=5)).isoformat(), "hs_prefix": "8517"}]
    with db.begin():
        report = crisis_reconcile(db=db, export=export, node_public_jwk=node_key, lodge=_central_lodge,
                                  alerts=alerts, permits_granted={"P-1": Decimal("25")}, actor="officer",
                                  now=utcnow())
    assert report.linked == total and report.already_linked == 0
    # The link returns again (a retry): nothing more is lodged.
    with db.begin():
        again = crisis_reconcile(db=db, export=export, node_public_jwk=node_key, lodge=_central_lodge,
                                 alerts=alerts, permits_granted={"P-1": Decimal("25")}, actor="officer",
                                 now=utcnow())
    assert again.linked == 0 and again.already_linked == total
    links = db.scalars(select(CrisisLink)).all()
    assert len(links) == total == len({lk.offline_ref for lk in links})
    mrns = [lk.mrn for lk in links]
    assert None not in mrns and len(set(mrns)) == total
    assert db.scalar(select(func.count()).select_from(Declaration)) == total  # zero duplicates, zero losses
    kinds = {c.kind for c in db.scalars(select(CrisisConflict))}
    assert kinds == {"post_release_control", "permit_case"}
    released_phones = [d for d in export["body"]["declarations"] if d["status"] == "released"]
    prc = [c for c in selectors.conflicts_open(db=db) if c.kind == "post_release_control"]
    assert len(prc) == len(released_phones)  # every released smartphone consignment gets a control
    case = next(c for c in selectors.conflicts_open(db=db) if c.kind == "permit_case")
    assert case.detail == {"used": "30.000", "granted": "25"}


def test_tampered_export_is_rejected_and_nothing_reconciled(world, db, tmp_path):  # type: ignore[no-untyped-def]
    centre = envelope.key_generate()
    engine, node_key = provisioned_node(str(tmp_path / "post.db"), centre, utcnow())
    with Session(engine) as ndb, ndb.begin():
        for _ in range(3):
            node_lodge(db=ndb, raw=document(), now=utcnow())
        export = node_export(db=ndb, now=utcnow())
    forged = json.loads(json.dumps(export))
    forged["body"]["declarations"].pop()  # a declaration quietly dropped
    with pytest.raises(ExportRejected) as err, db.begin():
        crisis_reconcile(db=db, export=forged, node_public_jwk=node_key, lodge=_central_lodge, alerts=[],
                         permits_granted={}, actor="officer", now=utcnow())
    assert err.value.problems[0].code == "crisis.export_signature"
    # Even re-signed by the node's own key, a journal that does not match the declarations is refused.
    with Session(engine) as ndb:
        key = ndb.get(NodeMeta, "node_key").value  # type: ignore[union-attr]
    resigned = {"body": forged["body"], "signature": envelope.sign(forged["body"], key)}
    with pytest.raises(ExportRejected) as err, db.begin():
        crisis_reconcile(db=db, export=resigned, node_public_jwk=node_key, lodge=_central_lodge, alerts=[],
                         permits_granted={}, actor="officer", now=utcnow())
    assert err.value.problems[0].code == "crisis.journal_mismatch"
    assert db.scalar(select(func.count()).select_from(CrisisLink)) == 0
