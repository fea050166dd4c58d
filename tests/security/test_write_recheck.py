"""A write re-reads its user inside its own transaction: what another process changed about the user counts at once."""

from __future__ import annotations

from sqlalchemy import event, update

from tests.factories import auth, document


def _disable_elsewhere(username: str, **values: object) -> None:
    """What `clearway users disable` (or an administrator in another process) does: this server's cache stays."""
    from clearway.auth.models import User
    from clearway.db import get_sessionmaker

    with get_sessionmaker()() as db, db.begin():
        db.execute(update(User).where(User.username == username).values(**values))


def test_a_disabled_user_gets_no_replay_of_an_earlier_answer(client):
    """The same Idempotency-Key and body after the user was disabled: refused, not the stored 201 replayed."""
    from clearway.auth.models import User

    bearer = auth(client, "trader-a")
    doc = document()
    first = client.post("/api/v1/declarations", json=doc, headers={**bearer, "Idempotency-Key": "once-1"})
    assert first.status_code == 201, first.text
    _disable_elsewhere("trader-a", active=False, token_version=User.token_version + 1)
    again = client.post("/api/v1/declarations", json=doc, headers={**bearer, "Idempotency-Key": "once-1"})
    assert again.status_code == 401, again.text


def test_a_user_moved_to_another_organisation_cannot_write_for_the_old_one(client):
    """Authorization facts changed after this server cached them: the write is refused, then a new sign-in works."""
    from clearway.auth.models import Organisation, User
    from clearway.db import get_sessionmaker

    bearer = auth(client, "trader-a")
    assert client.get("/api/v1/declarations", headers=bearer).status_code == 200  # cached in this server
    with get_sessionmaker()() as db:
        other = db.query(User).filter(User.username == "trader-b").one().organisation_id
        home = db.query(User).filter(User.username == "trader-a").one().organisation_id
        assert db.get(Organisation, other) is not None and other != home
    _disable_elsewhere("trader-a", organisation_id=other)
    r = client.post("/api/v1/declarations", json=document(), headers=bearer)
    assert r.status_code == 401, r.text
    _disable_elsewhere("trader-a", organisation_id=home)
    assert client.post("/api/v1/declarations", json=document(), headers=auth(client, "trader-a")).status_code == 201


def test_a_lodgement_by_a_cached_user_is_one_transaction(client):
    """The user's look-up is folded into the lodgement's transaction (no transaction of its own per write)."""
    from clearway.db import get_engine

    bearer = auth(client, "trader-a")
    assert client.get("/api/v1/declarations", headers=bearer).status_code == 200  # cached in this server
    begins: list[int] = []
    listener = lambda *_: begins.append(1)  # noqa: E731
    event.listen(get_engine(), "begin", listener)
    try:
        assert client.post("/api/v1/declarations", json=document(), headers=bearer).status_code == 201
    finally:
        event.remove(get_engine(), "begin", listener)
    assert len(begins) == 1
