"""Pages for seizure records and alert files in English, Spanish and French, with the marking enforced: a record
or a file is shown only to its readers, the export link only to who may export, every export and download
recorded, and a refused file comes back next to its field."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import func, select

from clearway.audit.models import AuditRecord
from clearway.db import get_sessionmaker
from tests.factories import auth
from tests.intelligence.helpers import create
from tests.intelligence.test_attachments import PDF
from tests.intelligence.test_seizures import PARTIES, _seize
from tests.web.conftest import csrf_of, sign_in

pytestmark = pytest.mark.usefixtures("world")
WORDS = {"en": ("Seizure records (WCO CEN)", "Publish the record", "weapons and ammunition", "Attach the file"),
         "es": ("Registros de incautaciones (OMA CEN)", "Publicar el registro", "armas y municiones",
                "Adjuntar el archivo"),
         "fr": ("Fiches de saisies (OMD CEN)", "Publier la fiche", "armes et munitions", "Joindre le fichier")}


def _audits(action: str) -> int:
    with get_sessionmaker()() as db:
        return db.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.action == action)) or 0


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_an_officer_publishes_a_seizure_by_form_and_only_its_readers_see_and_export_it(client, lang):
    h = {"Accept-Language": lang}
    title, publish, weapons, _attach = WORDS[lang]
    ref = create(marking="AMBER", subject_type="goods", subject_value="930200", hold_goods=True, recipients=[])
    mrn, case = _seize(client)
    assert client.post(f"/api/v1/intelligence/alerts/{ref}/outcomes", params={"purpose": "control"},
                       json={"mrn": mrn, "outcome": "seizure"}, headers=auth(client, "officer")).status_code == 201
    sign_in(client, "officer")
    page = client.get("/intelligence/seizures?purpose=policy", headers=h)
    assert page.status_code == 200 and title in unescape(page.text) and publish in unescape(page.text)
    # A case that does not exist comes back next to its field, nothing published.
    bad = client.post("/intelligence/seizures?purpose=policy", headers=h, follow_redirects=False,
                      data={"csrf": csrf_of(page.text), "case": "EC-NOPE-1", "marking": "GREEN",
                            "purposes": ["policy"]})
    assert bad.status_code == 422 and 'href="#f-case"' in bad.text and 'id="seizures"' not in bad.text
    done = client.post("/intelligence/seizures?purpose=policy", headers=h, follow_redirects=False,
                       data={"csrf": csrf_of(page.text), "case": case, "marking": "GREEN", "purposes": ["policy"]})
    assert done.status_code == 303
    shown = client.get("/intelligence/seizures?purpose=policy", headers=h).text
    # Raised to the AMBER of the alert that led to it; non-nominal on the page too.
    assert "TLP:AMBER" in shown and 'id="seizures-export"' in shown and weapons in unescape(shown)
    assert "weapons_ammunition" not in shown  # the CEN code said in the page's language
    assert [i for i in (mrn, *(v for p in PARTIES.values() for k, v in p.items() if k != "country"))
            if i in unescape(shown)] == []
    before = _audits("intelligence.seizures_exported")
    exported = client.get("/intelligence/seizures/export?purpose=policy", headers=h)
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    assert len(exported.json()["records"]) == 1 and _audits("intelligence.seizures_exported") == before + 1
    # The agency is no reader of an AMBER record without recipients: it sees no record and no export link.
    client.cookies.clear()
    sign_in(client, "agency")
    other = client.get("/intelligence/seizures?purpose=policy", headers=h).text
    assert 'id="seizures"' not in other and 'id="seizures-export"' not in other and "weapons" not in other
    assert 'id="seizures-withheld"' in other
    assert 'method="post" action="/intelligence/seizures' not in other  # no publish form for an agency
    assert client.get("/intelligence/seizures/export?purpose=policy", headers=h).json()["records"] == []
    client.cookies.clear()
    sign_in(client, "trader-a")
    assert client.get("/intelligence/seizures?purpose=policy", headers=h).status_code == 403


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_a_file_is_attached_by_form_and_downloaded_by_page_only_where_the_marking_allows_export(client, lang):
    h = {"Accept-Language": lang}
    attach = WORDS[lang][3]
    ref = create(marking="AMBER+STRICT", recipients=["org:KRMFDS"])
    sign_in(client, "analyst")
    page = client.get(f"/intelligence/alerts/{ref}?purpose=control", headers=h)
    assert attach in unescape(page.text) and 'enctype="multipart/form-data"' in page.text
    token = csrf_of(page.text)
    wrong = client.post(f"/intelligence/alerts/{ref}/attachments?purpose=control", headers=h,
                        data={"csrf": token}, files={"file": ("x.pdf", b"MZ\x90\x00", "application/pdf")},
                        follow_redirects=False)
    assert wrong.status_code == 422 and 'href="#f-file"' in wrong.text and 'id="attachments"' not in wrong.text
    ok = client.post(f"/intelligence/alerts/{ref}/attachments?purpose=control", headers=h, data={"csrf": token},
                     files={"file": ("invoice.pdf", PDF, "application/pdf")}, follow_redirects=False)
    assert ok.status_code == 303
    shown = client.get(f"/intelligence/alerts/{ref}?purpose=control", headers=h).text
    link = f'href="/intelligence/alerts/{ref}/attachments/'
    assert "invoice.pdf" in shown and link in shown
    file_id = shown.split(link, 1)[1].split("?", 1)[0]
    before = _audits("intelligence.attachment_read")
    got = client.get(f"/intelligence/alerts/{ref}/attachments/{file_id}?purpose=control", headers=h)
    assert got.status_code == 200 and got.content == PDF and _audits("intelligence.attachment_read") == before + 1
    # The MFDS reads an AMBER+STRICT alert but may not take its file out: listed, no link, the download refused.
    client.cookies.clear()
    sign_in(client, "agency")
    theirs = client.get(f"/intelligence/alerts/{ref}?purpose=control", headers=h).text
    assert "invoice.pdf" in theirs and link not in theirs
    refused = client.get(f"/intelligence/alerts/{ref}/attachments/{file_id}?purpose=control", headers=h)
    assert refused.status_code == 403 and PDF not in refused.content
    client.cookies.clear()
    sign_in(client, "trader-a")
    assert client.get(f"/intelligence/alerts/{ref}/attachments/{file_id}?purpose=control",
                      headers=h).status_code in (403, 404)
