"""Building blocks of control scenarios: declarations by channel, officers, supervisors, files."""

from __future__ import annotations

from typing import Any

from tests.factories import auth, document

TOBACCO = {"hs_code": "240220", "description": "Cigarettes, 200 cartons"}  # yellow: documentary check
REVOLVERS = {"hs_code": "930200", "description": "Revolvers"}  # red: physical inspection
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def lodge(client: Any, goods: dict[str, str] | None = None, username: str = "trader-a", **item: Any) -> str:
    """Lodge a one-item declaration (its goods decide the channel); the MRN."""
    doc = document()
    doc["items"][0].update(goods or {}, **item)
    r = client.post("/api/v1/declarations", json=doc, headers=auth(client, username))
    assert r.status_code == 201, r.text
    return str(r.json()["mrn"])


def add_officer(username: str, office: str = "KR0101") -> None:
    """Another officer account (password 'demo') at an office."""
    from sqlalchemy import select

    from clearway.auth.models import Organisation
    from clearway.auth.service import user_create
    from clearway.db import get_sessionmaker, utcnow

    with get_sessionmaker()() as db, db.begin():
        customs = db.scalar(select(Organisation).where(Organisation.code == "KRCUSTOMS"))
        user_create(db=db, username=username, password="demo", role="officer", organisation=customs,  # type: ignore[arg-type]
                    office=office, demo=True, now=utcnow())


def set_examiner(client: Any, username: str, sections: list[str] | None = None, supervisor: bool = False) -> None:
    """An admin records an officer's sections and supervisor flag."""
    r = client.put(f"/api/v1/controls/examiners/{username}", json={"sections": sections or [],
                                                                   "supervisor": supervisor},
                   headers=auth(client, "admin"))
    assert r.status_code == 200, r.text


def queue(client: Any, username: str = "officer", **params: Any) -> list[dict[str, Any]]:
    """The items of an officer's queue."""
    r = client.get("/api/v1/controls/queue", params=params, headers=auth(client, username))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def task_of(client: Any, mrn: str, username: str = "officer") -> dict[str, Any]:
    """The open task of a declaration, from the queue."""
    return next(t for t in queue(client, username, limit=200) if t["mrn"] == mrn)


def claimed(client: Any, mrn: str, username: str = "officer") -> tuple[int, dict[str, str]]:
    """Claim the task of a declaration; its id and the officer's headers."""
    headers = auth(client, username)
    task_id = task_of(client, mrn, username)["id"]
    r = client.post(f"/api/v1/controls/tasks/{task_id}/claim", headers=headers)
    assert r.status_code == 200, r.text
    return int(task_id), headers


def status_of(client: Any, mrn: str) -> str:
    """The declaration's status as its trader sees it."""
    return str(client.get(f"/api/v1/declarations/{mrn}", headers=auth(client, "trader-a")).json()["status"])
