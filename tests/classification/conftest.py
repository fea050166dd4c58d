"""Classification test fixtures: the web suite's real server and Chromium, for the lodge-form test."""

from __future__ import annotations

from tests.web.conftest import browser, live_server, page  # noqa: F401  # re-exported fixtures
