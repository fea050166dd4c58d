"""The border-post API: posts, pairs, hours with alerts, joint windows, crossing events and waiting by cause."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.borderposts.flows import make_pair
from tests.factories import auth


def _monday() -> date:
    today = datetime.now(UTC).date()
    return today - timedelta(days=today.weekday()) + timedelta(days=7)


def test_joint_windows_of_a_misaligned_pair_in_utc(client):
    admin = make_pair(client)
    start = _monday()
    r = client.get("/api/v1/borderposts/pairs/KZCN/windows", headers=admin,
                   params={"date_from": start.isoformat(), "date_to": (start + timedelta(days=7)).isoformat()})
    assert r.status_code == 200, r.text
    body = r.json()
    # Kazakhstan 09-18 at UTC+5 = 04-13 UTC; China 09-15 at UTC+8 = 01-07 UTC: 3 joint hours a weekday.
    assert body["joint_h_per_week"] == 15.0
    assert body["ours_only_h_per_week"] == 30.0 and body["partner_only_h_per_week"] == 15.0
    assert body["joint"][0]["start"].endswith("04:00:00Z") and body["joint"][0]["end"].endswith("07:00:00Z")


def test_new_hours_that_cut_joint_time_raise_an_alert(client):
    admin = make_pair(client)
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    r = client.post("/api/v1/borderposts/posts/CN-KHG/hours", headers=admin,
                    json={"rule": "Mo-Fr 09:00-13:00", "valid_from": midnight.isoformat()})
    assert r.status_code == 201, r.text
    [alert] = r.json()["alerts"]
    assert alert["pair"] == "KZCN" and alert["cause"] == "hours"
    assert alert["cut_share"] == 0.6667  # 3 joint hours a weekday down to 1, over the coming week
    assert [a["cause"] for a in client.get("/api/v1/borderposts/alerts", headers=admin).json()] == ["hours"]


def test_small_changes_raise_no_alert(client):
    admin = make_pair(client, alert_share=0.5)
    r = client.post("/api/v1/borderposts/posts/CN-KHG/hours", headers=admin,
                    json={"rule": "Mo-Fr 09:00-14:00", "valid_from": datetime.now(UTC).isoformat()})
    assert r.status_code == 201 and r.json()["alerts"] == []


def test_bad_rule_zone_and_unknown_codes_are_coded_4xx(client):
    admin = make_pair(client)
    r = client.post("/api/v1/borderposts/posts/KZ-NUR/hours", headers=admin,
                    json={"rule": "Mo-Fr 25:00-99:00", "valid_from": "2026-01-01T00:00:00Z"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "borderposts.rule_invalid"
    r = client.post("/api/v1/borderposts/posts", headers=admin, json={
        "code": "XX-1", "name": "x", "country": "KZ", "timezone": "Mars/Olympus", "side": "ours"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "borderposts.timezone_unknown"
    r = client.get("/api/v1/borderposts/pairs/NOPE/windows", headers=admin)
    assert r.status_code == 404 and r.json()["errors"][0]["code"] == "borderposts.pair_unknown"
    r = client.get("/api/v1/borderposts/pairs/KZCN/windows", headers=admin,
                   params={"date_from": "2026-01-01", "date_to": "2028-01-01"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "borderposts.period_invalid"


def test_readers_cannot_write_and_traders_cannot_read(client):
    make_pair(client)
    officer, trader = auth(client, "officer"), auth(client, "trader-a")
    assert client.get("/api/v1/borderposts/pairs", headers=officer).status_code == 200
    assert client.get("/api/v1/borderposts/pairs", headers=trader).status_code == 403
    r = client.post("/api/v1/borderposts/posts/KZ-NUR/hours", headers=officer,
                    json={"rule": "24/7", "valid_from": "2026-01-01T00:00:00Z"})
    assert r.status_code == 403


def _event(client, headers, reference, kind, at):
    return client.post("/api/v1/borderposts/crossings/events", headers=headers, json={
        "pair": "KZCN", "reference": reference, "direction": "out", "kind": kind, "at": at.isoformat()})


def test_crossing_events_give_the_dwell_split_and_closure_share(client):
    make_pair(client)
    officer = auth(client, "officer")
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)
    while day.weekday() > 3:  # a Monday to Thursday: the partner opens again the next morning
        day -= timedelta(days=1)
    # Arrives 10:00 UTC (we are open 04-13 UTC, the partner closed since 07:00); cleared 10:30; enters the
    # partner the next day at 01:15 UTC, when it opens: 14 h 45 min waiting for the partner.
    arrived, exited, entered = day + timedelta(hours=10), day + timedelta(hours=10, minutes=30), \
        day + timedelta(hours=25, minutes=15)
    for kind, at in (("arrived", arrived), ("exited", exited), ("entered", entered)):
        r = _event(client, officer, "KZ 123 ABC", kind, at)
        assert r.status_code == 201, r.text
    assert r.json()["entered"].startswith(entered.strftime("%Y-%m-%dT%H:%M"))
    r = client.get("/api/v1/borderposts/pairs/KZCN/closure-share", headers=officer)
    body = r.json()
    assert body["crossings"] == 1
    # 10:00-13:00 we are open and the partner closed (3 h); 13:00-01:00 both closed, counted as ours (12 h);
    # 01:00-01:15 only the partner is open, we are closed; no joint time, so no processing is counted.
    assert body["waiting_partner_closed_h"] == 3.0
    assert body["waiting_ours_closed_h"] == 12.25
    assert body["processing_h"] == 0.0 and body["closure_share"] == 1.0
    [daily] = body["days"]
    assert daily["direction"] == "out" and daily["closure_share"] == 1.0


def test_crossing_events_out_of_order_are_refused(client):
    make_pair(client)
    officer = auth(client, "officer")
    at = datetime(2026, 3, 3, 10, tzinfo=UTC)
    assert _event(client, officer, "T1", "exited", at).status_code == 201
    r = _event(client, officer, "T1", "arrived", at + timedelta(hours=1))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "borderposts.event_order"


def test_partner_hours_import_is_all_or_nothing(client):
    admin = make_pair(client)
    rows = [{"post_code": "CN-KHG", "rule": "Mo-Sa 09:00-17:00", "valid_from": "2026-01-01T00:00:00Z"},
            {"post_code": "CN-NOPE", "rule": "Mo-Sa 09:00-17:00", "valid_from": "2026-01-01T00:00:00Z"}]
    r = client.post("/api/v1/borderposts/hours-imports", headers=admin, json={"rows": rows})
    assert r.status_code == 404
    r = client.post("/api/v1/borderposts/hours-imports", headers=admin, json={"rows": rows[:1]})
    assert r.status_code == 201 and r.json()["recorded"] == 1


def test_passenger_hours_are_their_own_windows(client):
    admin = make_pair(client)
    for code in ("KZ-NUR", "CN-KHG"):
        r = client.post(f"/api/v1/borderposts/posts/{code}/hours", headers=admin,
                        json={"traffic": "passengers", "rule": "24/7", "valid_from": "2024-01-01T00:00:00Z"})
        assert r.status_code == 201
    start = _monday()
    params = {"date_from": start.isoformat(), "date_to": (start + timedelta(days=7)).isoformat()}
    passengers = client.get("/api/v1/borderposts/pairs/KZCN/windows", headers=admin,
                            params={**params, "traffic": "passengers"}).json()
    cargo = client.get("/api/v1/borderposts/pairs/KZCN/windows", headers=admin, params=params).json()
    assert passengers["joint_h_per_week"] == 168.0 and cargo["joint_h_per_week"] == 15.0


def test_hours_change_from_their_valid_from_not_before(client):
    admin = make_pair(client)
    start = _monday()
    wednesday = datetime(start.year, start.month, start.day, tzinfo=UTC) + timedelta(days=2)
    r = client.post("/api/v1/borderposts/posts/KZ-NUR/hours", headers=admin,
                    json={"rule": "Mo-Fr 10:00-18:00", "valid_from": wednesday.isoformat()})
    assert r.status_code == 201
    body = client.get("/api/v1/borderposts/pairs/KZCN/windows", headers=admin, params={
        "date_from": start.isoformat(), "date_to": (start + timedelta(days=7)).isoformat()}).json()
    # Monday and Tuesday keep 04-07 UTC (3 h); from Wednesday Kazakhstan opens at 05:00 UTC (2 h a day).
    assert body["joint_h_per_week"] == 3 + 3 + 2 + 2 + 2


def test_times_outside_the_computable_range_are_refused_with_422(client):
    make_pair(client)
    r = client.post("/api/v1/borderposts/crossings/events", headers=auth(client, "officer"), json={
        "pair": "KZCN", "reference": "T9", "direction": "out", "kind": "arrived", "at": "0001-01-01T00:00:00+01:00"})
    assert r.status_code == 422
