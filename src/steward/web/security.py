"""Response headers and Host checking for a private surface (spec §10: the UI shows embargoed reports).

No page loads a script, so the policy allows none: even if escaping ever failed, an injected `<script>` or
`onerror=` would not run. Pages are never cached and never framed, and links leak no Referer to other sites.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the CLI imports this module without the web extra installed
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
"""Host header values a loopback server answers; anything else could be a DNS-rebinding page reading the UI."""

LOOPBACK_ADDRESSES = frozenset({"127.0.0.1", "localhost", "::1"})


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: the only binds that keep the UI on this machine."""
    bare = host.strip().strip("[]").casefold()
    return bare in LOOPBACK_ADDRESSES or bare.startswith("127.")


class SecurityHeaders:
    """Plain ASGI middleware (no response buffering) that sets `SECURITY_HEADERS` on every HTTP response."""

    def __init__(self, app: ASGIApp, headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in (headers or SECURITY_HEADERS).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in self.headers}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + self.headers
            await send(message)

        await self.app(scope, receive, with_headers)


def allowed_hosts(extra: Iterable[str] = ()) -> list[str]:
    return [*LOOPBACK_HOSTS, *extra]
