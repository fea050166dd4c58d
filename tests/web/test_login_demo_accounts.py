"""The sign-in page of a demo lists every account the seeds made (the FIU's and other agencies' too); outside
demo mode it lists none."""

from __future__ import annotations

import re


def _listed(client) -> list[str]:
    page = client.get("/login")
    assert page.status_code == 200
    return re.findall(r"<li><code>([^<]+)</code></li>", page.text)


def test_the_demo_sign_in_page_lists_every_seeded_account(client, monkeypatch):
    from clearway.config import get_settings
    from clearway.db import get_sessionmaker, utcnow
    from clearway.enforcement.demo import fiu_account

    with get_sessionmaker()() as db, db.begin():
        fiu_account(db=db, now=utcnow())
    assert _listed(client) == []  # test mode is not demo mode
    monkeypatch.setenv("CLEARWAY_ENVIRONMENT", "demo")
    get_settings.cache_clear()
    try:
        listed = _listed(client)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert listed[:7] == ["trader-a", "trader-b", "officer", "analyst", "agency", "admin", "auditor"]
    assert "fiu" in listed
