"""Transport security every response carries: HSTS when the deployment is served over https."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class StrictTransport:
    """ASGI middleware adding Strict-Transport-Security to every HTTP response."""

    def __init__(self, app: ASGIApp, *, max_age_s: int):
        self.app = app
        self.value = f"max-age={max_age_s}; includeSubDomains".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"strict-transport-security", self.value)]
            await send(message)

        await self.app(scope, receive, send_with_header)
