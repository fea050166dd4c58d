"""Pages and the public feed: week view with gaps in words, what-ifs as chart and table, a signed feed."""

from __future__ import annotations

from datetime import UTC, datetime

from clearway.borderposts.feed import verify
from tests.borderposts.flows import make_pair
from tests.factories import auth


def test_pair_page_shows_both_local_times_and_names_the_gaps(client):
    make_pair(client)
    r = client.get("/borderposts/KZCN", headers=auth(client, "analyst"))
    assert r.status_code == 200, r.text
    html = r.text
    assert "Both posts in the local time of Nurzhol (Asia/Almaty)" in html
    assert "Both posts in the local time of Khorgos (Asia/Shanghai)" in html
    # Gaps are written in the cells, not only coloured.
    assert 'title="gap: only our post open"' in html and 'title="gap: only the partner open"' in html
    # Weekdays: 3 joint hours, 6 when only we are open, 3 when only the partner is: in both grids.
    assert html.count("This week: 15 hours both open, 30 hours only we are open, 15 hours only the partner") == 2


def test_pairs_page_is_for_customs_staff_and_translated(client):
    make_pair(client)
    assert client.get("/borderposts", headers=auth(client, "trader-a")).status_code in (403, 404)
    r = client.get("/borderposts", headers={**auth(client, "officer"), "Accept-Language": "es"})
    assert r.status_code == 200 and "Pasos fronterizos y sus contrapartes" in r.text and "Nurzhol" in r.text


def test_public_feed_is_signed_versioned_and_says_what_is_open(client):
    admin = make_pair(client)
    client.post("/api/v1/borderposts/posts/CN-KHG/exceptions", headers=admin, json={
        "kind": "closure", "starts_local": "2099-01-05T00:00:00", "ends_local": "2099-01-06T00:00:00",
        "reason": "Gate works"})
    r = client.get("/public/crossings/KZCN/feed.json")
    assert r.status_code == 200 and r.headers["cache-control"].startswith("public")
    signed = r.json()
    key = client.get("/public/crossings/feed-key.json").json()["public_key"]
    assert verify(signed, key)
    doc = signed["document"]
    assert doc["version"] == 4  # two hours rows and one exception after the pair was made: 1 + 2 + 1
    assert [p["timezone"] for p in doc["posts"]] == ["Asia/Almaty", "Asia/Shanghai"]
    assert doc["posts"][1]["exceptions"][0]["reason"] == "Gate works"
    assert doc["posts"][0]["hours"][0]["opening_hours"] == "Mo-Fr 09:00-18:00"
    assert isinstance(doc["posts"][0]["open_now"], bool) and doc["posts"][0]["next_change"]
    # A changed document no longer verifies.
    signed["document"]["posts"][0]["open_now"] = not signed["document"]["posts"][0]["open_now"]
    assert not verify(signed, key)


def test_public_crossing_page_needs_no_sign_in(client):
    make_pair(client)
    r = client.get("/public/crossings/KZCN", headers={"Accept-Language": "fr"})
    assert r.status_code == 200 and "Flux lisible par machine" in r.text and "Mo-Fr 09:00-15:00" in r.text
    assert client.get("/public/crossings").status_code == 200
    assert client.get("/public/crossings/NOPE").status_code == 404


def test_job_recheck_records_the_baseline_then_alerts_on_a_cut(client, db):
    from clearway.borderposts import service
    from clearway.borderposts.models import PostPair
    from clearway.borderposts.selectors import alerts_of

    make_pair(client)
    with db.begin():
        pair = db.query(PostPair).one()
        pair.baseline_joint_s = pair.baseline_joint_s * 2  # as if a tzdata update had halved the joint time
        alerts = service.pairs_recheck(db=db, now=datetime.now(UTC))
    assert [a.cause for a in alerts] == ["recheck"] and alerts[0].cut_share == 0.5
    with db.begin():
        assert len(alerts_of(db)) == 1
