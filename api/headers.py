"""The security headers every response carries, and the content security policies of the pages."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The portal page (and every other response): its own files only, no inline script or style, never in a frame.
# The same as the page's own <meta> policy, plus what only a header can say (frame-ancestors).
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
# GraphiQL (api/static/graphiql/): the registry's own copy of React and GraphiQL, started by a file, no inline script;
# its stylesheet embeds its fonts as data: URLs, and its dialogs add a <style> element that locks the page's scrolling
# (react-remove-scroll), whose content changes with the scroll bar: inline style, never inline script.
GRAPHIQL_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Content-Security-Policy", PAGE_POLICY),
)


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_secured)


def with_policy(send: Send, policy: str) -> Send:
    """`send`, with the response's Content-Security-Policy set to `policy`."""

    async def send_with_policy(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message)["Content-Security-Policy"] = policy
        await send(message)

    return send_with_policy
