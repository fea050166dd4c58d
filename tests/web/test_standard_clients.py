"""Maintained third-party clients against a real server: what they expect of the standards, Clearway does."""

from __future__ import annotations

import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client


def test_an_oauth2_client_gets_a_token_and_understands_a_refusal(live_server):
    """authlib fetches a token with the password grant and raises invalid_grant on a wrong password."""
    with OAuth2Client() as oauth:
        token = oauth.fetch_token(f"{live_server}/api/v1/auth/token", username="trader-a", password="demo")
        assert token["token_type"] == "bearer" and token["access_token"]
        me = oauth.get(f"{live_server}/api/v1/auth/me")
        assert me.status_code == 200 and me.json()["username"] == "trader-a"
        with pytest.raises(OAuthError) as refused:
            oauth.fetch_token(f"{live_server}/api/v1/auth/token", username="trader-a", password="nope")
    assert refused.value.error == "invalid_grant"
