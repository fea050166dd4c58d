"""The exchange kernel between two administrations: signatures, agreements, order, replay, keys, pull."""

from __future__ import annotations

import collections
import copy
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from clearway.audit.models import AuditRecord
from clearway.db import utcnow
from clearway.errors import Conflict, ValidationFailed
from clearway.exchange import directory, envelope, jobs, selectors
from clearway.exchange.handlers import HANDLERS
from clearway.exchange.inbox import envelopes_receive
from clearway.exchange.models import InMessage, OutMessage, PreArrival
from clearway.exchange.service import message_send
from tests.exchange.kit import Instance, Local

EXPORT = {"export_mrn": "26JP000000000001", "ucr": "6JP12345678-0001", "exporter": {"name": "Osaka Exports KK",
          "country": "JP", "tax_id": "JP-T-99"}, "destination": "KR",
          "items": [{"hs_code": "851712", "origin": "JP", "quantity": "10", "value": "1200.00", "currency": "USD",
                     "buyer_note": "internal"}]}


def send(side: Instance, to: str, business_id: str, *, doc_type: str = "export_declaration", version: int = 1,
         payload: dict | None = None, purpose: str = "risk_assessment", now=None) -> OutMessage:  # type: ignore[no-untyped-def]
    """Queue one message at a side (committed)."""
    body = payload if payload is not None else {**EXPORT, "export_mrn": business_id}
    with side.sessions() as db, db.begin():
        return message_send(db=db, actor="test", partner=to, doc_type=doc_type, business_id=business_id,
                            version=version, purpose=purpose, payload=body, now=now or utcnow())


def outbox(side: Instance) -> list[OutMessage]:
    """The side's outbox in stream order."""
    with side.sessions() as db:
        return list(db.scalars(select(OutMessage).order_by(OutMessage.stream, OutMessage.seq)))


def inbox(side: Instance) -> list[InMessage]:
    """The side's inbox in the order messages were applied."""
    with side.sessions() as db:
        return list(db.scalars(select(InMessage).order_by(InMessage.apply_order)))


def receive(side: Instance, envelopes: list) -> list[dict]:  # type: ignore[type-arg]
    """Hand envelopes to a side's inbox; its receipts' bodies."""
    with side.sessions() as db, db.begin():
        return [r["receipt"] for r in envelopes_receive(db=db, envelopes=envelopes, now=utcnow(), handlers=HANDLERS)]


def test_an_export_declaration_arrives_as_pre_arrival_data_without_the_fields_the_agreement_leaves_out(pair):
    a, b = pair
    send(a, "KR", "26JP000000000001")
    a.resources["exchange_transport"] = Local(a, b)
    assert jobs.deliver(a) == 1
    [sent] = outbox(a)
    assert (sent.state, sent.settled, sent.reasons) == ("accepted", True, [])
    with b.sessions() as db:
        [pre] = db.scalars(select(PreArrival)).all()
        assert pre.sender == "JP" and pre.ucr == "6JP12345678-0001"
        # Never sent: the exporter's tax id and an item note are not in the agreement's fields.
        assert "tax_id" not in pre.data["exporter"] and "buyer_note" not in pre.data["items"][0]
        actions = set(db.scalars(select(AuditRecord.action)))
    assert "exchange.received_accepted" in actions
    with a.sessions() as db:
        queued = db.scalar(select(AuditRecord).where(AuditRecord.action == "exchange.message_queued"))
        assert queued is not None and set(queued.detail["dropped"]) == {"exporter.tax_id", "items.buyer_note"}


def test_a_purpose_outside_the_agreement_is_refused_and_nothing_is_queued(pair):
    a, _ = pair
    with pytest.raises(ValidationFailed) as caught:
        send(a, "KR", "X1", purpose="tax_collection")
    assert [p.code for p in caught.value.problems] == ["exchange.purpose_not_permitted"]
    assert outbox(a) == []


def test_a_message_with_a_field_the_agreement_does_not_permit_is_rejected_with_a_code(pair):
    a, b = pair
    with a.sessions() as db, db.begin():
        jwk = directory.own_signing_key(db=db, now=utcnow())
    now = utcnow()
    header = {"sender": "JP", "receiver": "KR", "doc_type": "export_declaration", "purpose": "risk_assessment",
              "business_id": "E1", "version": 1, "stream": "export_declaration", "seq": 1,
              "created_at": envelope.rfc3339(now), "expires_at": envelope.rfc3339(now + timedelta(days=1))}
    # Signed by JP itself, but carrying a field the agreement does not allow into KR.
    forged = envelope.envelope_build(header=header, payload={"export_mrn": "E1", "tax_id": "JP-T-99"}, jwk=jwk)
    [receipt] = receive(b, [forged])
    assert (receipt["status"], receipt["reasons"]) == ("rejected", ["exchange.field_not_permitted"])
    with b.sessions() as db:
        assert db.scalar(select(func.count()).select_from(PreArrival)) == 0


def test_tampered_forged_and_unknown_key_envelopes_are_refused_and_leave_no_trace(pair):
    a, b = pair
    [sent] = [send(a, "KR", "E1")]
    good = sent.envelope
    tampered = copy.deepcopy(good)
    tampered["payload"]["export_mrn"] = "E2"
    renumbered = copy.deepcopy(good)
    renumbered["header"]["seq"] = 2
    stranger = envelope.envelope_build(header={k: v for k, v in good["header"].items()
                                               if k not in ("payload_hash", "kid")},
                                       payload=good["payload"], jwk=envelope.key_generate())
    codes = [r["reasons"] for r in receive(b, [tampered, renumbered, stranger, {"header": "x"}])]
    assert codes == [["exchange.hash_mismatch"], ["exchange.signature_invalid"], ["exchange.unknown_key"],
                     ["exchange.malformed"]]
    assert inbox(b) == []
    [receipt] = receive(b, [good])
    assert receipt["status"] == "accepted"


def test_a_duplicate_gets_the_same_answer_and_a_re_signed_copy_is_refused(pair):
    a, b = pair
    first = send(a, "KR", "E1").envelope
    assert receive(b, [first])[0]["status"] == "accepted"
    again = receive(b, [first])[0]
    assert (again["status"], again["duplicate"]) == ("accepted", True)
    with a.sessions() as db, db.begin():
        jwk = directory.own_signing_key(db=db, now=utcnow())
    later = {k: v for k, v in first["header"].items() if k not in ("payload_hash", "kid")}
    later["created_at"] = envelope.rfc3339(utcnow() + timedelta(seconds=1))
    resigned = envelope.envelope_build(header=later, payload=first["payload"], jwk=jwk)
    assert receive(b, [resigned])[0]["reasons"] == ["exchange.replayed"]
    assert len(inbox(b)) == 1
    with b.sessions() as db:
        applied = db.scalar(select(func.count()).select_from(AuditRecord)
                            .where(AuditRecord.action == "exchange.received_accepted"))
    assert applied == 1


def test_out_of_order_messages_wait_for_the_gap_and_apply_in_order(pair):
    a, b = pair
    env = [send(a, "KR", f"E{i}").envelope for i in range(1, 4)]
    third, second = receive(b, [env[2], env[1]])
    assert (third["status"], third["expected_seq"]) == ("pending", 1)
    assert second["status"] == "pending"
    assert receive(b, [env[0]])[0]["status"] == "accepted"
    assert [(m.seq, m.state) for m in inbox(b)] == [(1, "accepted"), (2, "accepted"), (3, "accepted")]


def test_a_gap_is_re_requested_and_filled(pair):
    a, b = pair
    env = [send(a, "KR", f"E{i}").envelope for i in range(1, 4)]
    with a.sessions() as db, db.begin():  # seq 1 "was lost": A believes it is not due for a while
        db.get(OutMessage, 1).next_attempt_at = utcnow() + timedelta(hours=1)  # type: ignore[union-attr]
    receipts = receive(b, env[1:])
    assert [r["expected_seq"] for r in receipts] == [1, 1]
    with a.sessions() as db, db.begin():
        from clearway.exchange.service import receipts_apply
        receipts_apply(db=db, partner="KR", receipts=[{"receipt": r, "signature": s} for r, s in zip(
            receipts, [x["signature"] for x in _signed(b, env[1:])], strict=True)], now=utcnow())
    a.resources["exchange_transport"] = Local(a, b)
    jobs.deliver(a)
    assert [m.state for m in outbox(a)] == ["accepted"] * 3


def _signed(side: Instance, envelopes: list) -> list[dict]:  # type: ignore[type-arg]
    with side.sessions() as db, db.begin():
        return envelopes_receive(db=db, envelopes=envelopes, now=utcnow(), handlers=HANDLERS)


def test_an_expired_message_is_rejected_once_and_the_stream_goes_on(pair):
    a, b = pair
    send(a, "KR", "OLD", now=utcnow() - timedelta(days=4))  # expired after 3 days
    send(a, "KR", "NEW")
    a.resources["exchange_transport"] = Local(a, b)
    jobs.deliver(a)
    assert [(m.business_id, m.state, m.reasons) for m in outbox(a)] == [
        ("OLD", "rejected", ["exchange.expired"]), ("NEW", "accepted", [])]


def test_a_partner_that_is_down_gets_everything_later_in_order_once(pair):
    a, b = pair
    link = Local(a, b)
    a.resources["exchange_transport"] = link
    link.down = True
    for i in range(1, 6):
        send(a, "KR", f"E{i}")
    jobs.deliver(a)
    assert {m.last_error for m in outbox(a)} == {"connection refused"}
    link.down = False
    for _ in range(50):
        jobs.deliver(a)
        if all(m.settled for m in outbox(a)):
            break
    assert [m.business_id for m in inbox(b)] == ["E1", "E2", "E3", "E4", "E5"]


def test_pull_fallback_brings_what_push_cannot_and_acknowledges_it(pair):
    a, b = pair
    for i in range(1, 4):
        send(a, "KR", f"E{i}")
    with b.sessions() as db, db.begin():
        directory.partner_get(db=db, code="JP").pull = True
    b.resources["exchange_transport"] = Local(a, b)
    assert jobs.pull(b) == 3
    assert [m.state for m in outbox(a)] == ["accepted"] * 3
    assert [m.seq for m in inbox(b)] == [1, 2, 3]


def test_a_rotated_key_signs_new_messages_and_the_old_one_still_verifies_during_the_overlap(pair):
    a, b = pair
    old = send(a, "KR", "E1").envelope
    with a.sessions() as db, db.begin():
        new_key = directory.own_key_rotate(db=db, actor="test", now=utcnow())
    fresh = send(a, "KR", "E2").envelope
    assert fresh["header"]["kid"] == new_key.kid != old["header"]["kid"]
    assert receive(b, [old])[0]["status"] == "accepted"
    assert receive(b, [fresh])[0]["reasons"] == ["exchange.unknown_key"]  # KR does not know it yet
    with b.sessions() as db, db.begin():
        directory.partner_key_add(db=db, actor="test", partner="JP", public_jwk=new_key.public_jwk, now=utcnow())
    assert receive(b, [fresh])[0]["status"] == "accepted"


def test_forged_receipts_settle_nothing(pair):
    a, b = pair
    send(a, "KR", "E1")
    [good] = _signed(b, [outbox(a)[0].envelope])
    forged = copy.deepcopy(good)
    forged["receipt"]["status"] = "rejected"
    with a.sessions() as db, db.begin():
        from clearway.exchange.service import receipts_apply
        counts = receipts_apply(db=db, partner="KR", receipts=[forged, {"receipt": 1}], now=utcnow())
    assert counts["ignored"] == 2 and not outbox(a)[0].settled


def test_the_same_batch_pushed_four_times_at_once_is_stored_and_applied_once(pair):
    a, b = pair
    envelopes = [send(a, "KR", f"E{i}").envelope for i in range(1, 21)]
    link = Local(a, b)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: link.push("", envelopes), range(4)))
    assert {r["receipt"]["status"] for batch in answers for r in batch} == {"accepted"}
    assert sum(not r["receipt"]["duplicate"] for batch in answers for r in batch) == 20
    assert [m.seq for m in inbox(b)] == list(range(1, 21))
    with b.sessions() as db:
        assert db.scalar(select(func.count()).select_from(PreArrival)) == 20


def test_numbers_json_cannot_sign_are_refused_with_a_code_not_a_crash(pair):
    a, b = pair
    with pytest.raises(ValidationFailed) as caught:
        send(a, "KR", "N1", doc_type="test", payload={"n": 2**60}, purpose="connectivity")
    assert caught.value.problems[0].code == "exchange.payload_not_canonical"
    good = send(a, "KR", "N2", doc_type="test", payload={"n": 1}, purpose="connectivity").envelope
    odd = copy.deepcopy(good)
    odd["payload"]["n"] = float("nan")
    assert receive(b, [odd])[0]["reasons"] == ["exchange.hash_mismatch"]


def test_a_partners_aeo_list_is_recognised_here_and_a_new_version_replaces_it(pair):
    a, b = pair
    operators = [{"id": "JP-AEO-0001", "name": "Osaka Electronics KK", "valid_until": "2030-12-31"},
                 {"id": "JP-AEO-0002", "name": "Kobe Pharma KK", "valid_until": "2020-01-01"}]
    for version, listed in ((1, operators), (2, operators[:1])):
        send(a, "KR", "AEO-LIST", doc_type="aeo_list", version=version, purpose="mutual_recognition",
             payload={"operators": listed})
    a.resources["exchange_transport"] = Local(a, b)
    jobs.deliver(a)
    assert [m.state for m in outbox(a)] == ["accepted", "accepted"]
    today = utcnow().date()
    with b.sessions() as db:
        assert selectors.partner_aeo_recognised(db=db, operator_id="JP-AEO-0001", on=today) == "JP"
        assert selectors.partner_aeo_recognised(db=db, operator_id="JP-AEO-0002", on=today) is None
        assert selectors.partner_aeo_recognised(db=db, operator_id="KR1000000001", on=today) is None


def test_a_burst_of_export_declarations_is_received_without_a_statement_per_message(pair):
    from sqlalchemy import event

    a, b = pair
    with a.sessions() as db, db.begin():
        for n in range(120):
            message_send(db=db, actor="test", partner="KR", doc_type="export_declaration",
                         business_id=f"26JP{n:012d}", version=1, purpose="risk_assessment",
                         payload={**EXPORT, "export_mrn": f"26JP{n:012d}", "ucr": f"6JP-UCR-{n}"}, now=utcnow())
    envelopes = [m.envelope for m in outbox(a)]
    statements: list[str] = []
    engine = b.sessions.kw["bind"]
    listener = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        first = receive(b, envelopes[:100])
        again = receive(b, envelopes[80:])  # 20 duplicates answered as before, 20 new ones applied
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert [r["status"] for r in first + again] == ["accepted"] * 140
    assert [r["duplicate"] for r in again] == [True] * 20 + [False] * 20
    with b.sessions() as db:
        assert db.scalar(select(func.count()).select_from(PreArrival)) == 120
    # Each pass reads what its messages need in a few statements, not one or two per message as it did (writes go
    # in a few batched statements on PostgreSQL; SQLite, in process, writes row by row at no round trip).
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) < 30, collections.Counter(s.split("WHERE")[0][:90] for s in reads).most_common(8)


def test_a_batch_queued_after_one_read_of_the_outbox_still_queues_each_message_once(pair):
    from clearway.exchange.service import outbox_prefetch

    a, _ = pair
    first = send(a, "KR", "26JP000000000001")
    with a.sessions() as db, db.begin():
        outbox_prefetch(db=db, partner="KR", keys=[("26JP000000000001", 1), ("26JP000000000002", 1)])
        again = message_send(db=db, actor="test", partner="KR", doc_type="export_declaration",
                             business_id="26JP000000000001", version=1, purpose="risk_assessment",
                             payload={**EXPORT, "export_mrn": "26JP000000000001"}, now=utcnow())
        new = message_send(db=db, actor="test", partner="KR", doc_type="export_declaration",
                           business_id="26JP000000000002", version=1, purpose="risk_assessment",
                           payload={**EXPORT, "export_mrn": "26JP000000000002"}, now=utcnow())
        twice = message_send(db=db, actor="test", partner="KR", doc_type="export_declaration",
                             business_id="26JP000000000002", version=1, purpose="risk_assessment",
                             payload={**EXPORT, "export_mrn": "26JP000000000002"}, now=utcnow())
        with pytest.raises(Conflict) as changed:  # the same version with another content is refused
            message_send(db=db, actor="test", partner="KR", doc_type="export_declaration",
                         business_id="26JP000000000001", version=1, purpose="risk_assessment",
                         payload={**EXPORT, "export_mrn": "26JP000000000001", "ucr": "other"}, now=utcnow())
        assert changed.value.problems[0].code == "exchange.version_exists"
    assert again.id == first.id and twice is new
    with a.sessions() as db, db.begin():
        outbox_prefetch(db=db, partner="KR", keys=[("26JP000000000002", 1)])
        message_send(db=db, actor="test", partner="KR", doc_type="export_declaration", business_id="26JP000000000002",
                     version=1, purpose="risk_assessment", payload={**EXPORT, "export_mrn": "26JP000000000002"},
                     now=utcnow())
    assert [(m.business_id, m.seq) for m in outbox(a)] == [("26JP000000000001", 1), ("26JP000000000002", 2)]
