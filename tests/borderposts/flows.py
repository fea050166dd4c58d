"""Helpers of the border-post tests: a misaligned pair set up through the API."""

from __future__ import annotations

from typing import Any

from tests.factories import auth

KZ = {"code": "KZ-NUR", "name": "Nurzhol", "country": "KZ", "timezone": "Asia/Almaty", "side": "ours", "lanes": 4}
CN = {"code": "CN-KHG", "name": "Khorgos", "country": "CN", "timezone": "Asia/Shanghai", "side": "partner",
      "lanes": 4}
SINCE = "2024-01-01T00:00:00Z"


def make_pair(client: Any, *, ours_rule: str = "Mo-Fr 09:00-18:00", partner_rule: str = "Mo-Fr 09:00-15:00",
              alert_share: float = 0.1) -> dict[str, str]:
    """Two posts, a pair KZCN and their customs cargo hours; returns the admin's headers."""
    admin = auth(client, "admin")
    for post in (KZ, CN):
        r = client.post("/api/v1/borderposts/posts", json=post, headers=admin)
        assert r.status_code == 201, r.text
    r = client.post("/api/v1/borderposts/pairs", headers=admin, json={
        "code": "KZCN", "name": "Nurzhol – Khorgos", "ours": "KZ-NUR", "partner": "CN-KHG", "service_s": 1800,
        "alert_share": alert_share})
    assert r.status_code == 201, r.text
    for code, rule in (("KZ-NUR", ours_rule), ("CN-KHG", partner_rule)):
        r = client.post(f"/api/v1/borderposts/posts/{code}/hours", headers=admin,
                        json={"rule": rule, "valid_from": SINCE})
        assert r.status_code == 201, r.text
    return admin
