"""HTTP methods as RFC 9110 asks: HEAD wherever GET is served (§9.3.2), and a 405's Allow naming them all (§15.5.6)."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """Answer HEAD as the GET would be answered, with its headers and without its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        started = False

        async def headers_only(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                await send(message)
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            # the body of the GET is dropped; a stream sees the client gone (below) and stops

        async def gone_once_answered() -> Message:
            if started:
                return {"type": "http.disconnect"}
            return await receive()

        await self.app({**scope, "method": "GET"}, gone_once_answered, headers_only)


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> str:
    """The Allow field value for a path: every method some route serves there, with HEAD where GET is."""
    # Asked method by method: included routers answer a full match only for a method they serve.
    methods = {m for m in _METHODS if any(r.matches({**scope, "method": m})[0] is Match.FULL for r in routes)}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))
