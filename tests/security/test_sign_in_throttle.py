"""Sign-in brute force: after a few wrong passwords an account (or a client address) must wait, doubling each time,
on the API and the web form alike; while it waits even the right password is refused, before it is checked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clearway.db import utcnow

URL = "/api/v1/auth/token"


class Clock:
    """The time the sign-in code sees, moved by the test."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("clearway.session.router.utcnow", clock)
    monkeypatch.setattr("clearway.session.views.utcnow", clock)
    return clock


def _try(client, password, username="trader-a"):
    return client.post(URL, data={"username": username, "password": password})


def test_guessing_a_password_meets_429_with_a_back_off_that_doubles(client, clock):
    for _ in range(5):  # the free failures
        assert _try(client, "wrong").status_code == 400
    assert _try(client, "wrong").status_code == 400  # the sixth failure starts the back-off
    r = _try(client, "demo")  # even the right password waits now: it is not even checked
    assert r.status_code == 429 and r.json()["code"] == "auth.throttled"
    assert r.headers["Retry-After"] == "2"
    clock.advance(2.5)
    assert _try(client, "wrong").status_code == 400
    assert _try(client, "wrong").headers["Retry-After"] == "4"
    clock.advance(4.5)
    assert _try(client, "wrong").status_code == 400
    assert _try(client, "wrong").headers["Retry-After"] == "8"
    # Without the throttle, 90 guesses would have been answered; here nearly all of them are 429.
    answers = [_try(client, "wrong").status_code for _ in range(90)]
    assert answers.count(429) == 90
    clock.advance(8.5)
    assert _try(client, "demo").status_code == 200  # it can sign in once it waited
    assert _try(client, "wrong").status_code == 400  # and a success forgot its failures
    assert _try(client, "demo").status_code == 200


def test_other_accounts_are_not_blocked_by_one_accounts_failures(client, clock):
    for _ in range(6):
        _try(client, "wrong")
    assert _try(client, "demo").status_code == 429
    assert _try(client, "demo", username="trader-b").status_code == 200


def test_spraying_many_accounts_from_one_address_is_throttled_too(client, clock):
    for n in range(20):  # four accounts' worth of free failures, each on another (made-up) account
        assert _try(client, "wrong", username=f"guess-{n}").status_code == 400
    assert _try(client, "wrong", username="guess-20").status_code == 400
    r = _try(client, "demo", username="trader-b")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def test_the_web_form_shares_the_throttle(client, clock):
    from tests.web.conftest import csrf_of

    for _ in range(6):
        _try(client, "wrong")
    page = client.get("/login")
    r = client.post("/login", data={"username": "trader-a", "password": "demo", "csrf": csrf_of(page.text)},
                    follow_redirects=False)
    assert r.status_code == 429 and r.headers["Retry-After"] == "2"
    assert "cw_session" not in r.headers.get("set-cookie", "")
    assert "try again in 2 seconds" in r.text
    clock.advance(3)
    for _ in range(2):  # failures on the form count as well
        page = client.get("/login")
        client.post("/login", data={"username": "trader-a", "password": "nope", "csrf": csrf_of(page.text)})
    assert _try(client, "demo").status_code == 429


def test_an_ipv6_client_is_counted_by_its_64_prefix(world, clock):
    """One IPv6 subscriber holds a whole /64: hopping addresses inside it must not reset the address count."""
    from fastapi.testclient import TestClient

    from clearway.main import create_app

    app = create_app()
    for n in range(21):  # four accounts' worth of free failures and one more, each from another address
        with TestClient(app, raise_server_exceptions=False, client=(f"2001:db8:1:2::{n + 1:x}", 40000)) as c:
            assert _try(c, "wrong", username=f"guess-{n}").status_code == 400
    with TestClient(app, raise_server_exceptions=False, client=("2001:db8:1:2:ffff::1", 40000)) as c:
        r = _try(c, "demo", username="trader-b")
        assert r.status_code == 429, r.text
    with TestClient(app, raise_server_exceptions=False, client=("2001:db8:1:3::1", 40000)) as c:
        assert _try(c, "demo", username="trader-b").status_code == 200  # the next /64 is someone else
