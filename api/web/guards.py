"""What every workspace answer goes through: a limit on posted bodies and security headers.

Both are plain ASGI middlewares, so they act before FastAPI parses a form or a file: a post
larger than its path allows is answered 413 without reading it (``api/body_limit.py``: by
its ``Content-Length``, and by counting the bytes of a body streamed without one), and
every answer under ``/app`` carries headers that keep it out of frames, other sites' forms
and caches. Pages draw no inline script (the scripts are static files), so the policy
admits scripts from the workspace itself only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api import body_limit as limits

if TYPE_CHECKING:
    from collections.abc import Mapping

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/app"
DEFAULT_LIMIT = 256 * 1024
"""The largest body of an ordinary workspace form."""
LIMITS: Mapping[str, int] = {
    f"{PREFIX}/payments/import": 21 * 1024 * 1024,
    f"{PREFIX}/integrations/customer-import/preview": 6 * 1024 * 1024,
}
"""Paths that take a file, with their larger limits (the file's limit plus the form)."""
POLICY = ("default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; "
          "form-action 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
HEADERS = {
    b"x-frame-options": b"DENY",
    b"content-security-policy": POLICY.encode(),
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
}


def body_limit(path: str) -> int:
    """The largest body a POST to ``path`` may carry."""
    return LIMITS.get(path.rstrip("/") or "/", DEFAULT_LIMIT)


async def _too_large(send: Send) -> None:
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": b"The request is too large."})


class BodyLimit(limits.BodyLimit):
    """Answer 413 to a workspace POST whose body is larger than its path allows."""

    def limit(self, scope: Scope) -> int | None:
        """The path's limit for a POST under ``/app``; other requests are not ours."""
        path = str(scope.get("path", ""))
        if scope.get("method") != "POST" or not path.startswith(PREFIX):
            return None
        return body_limit(path)

    async def refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """A short text: the workspace draws no problem documents."""
        del scope, receive, limit
        await _too_large(send)


class SecurityHeaders:
    """Add the workspace's security headers (and ``no-store`` on pages) under ``/app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass through, adding headers to the start of each workspace answer."""
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not path.startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        static = path.startswith(f"{PREFIX}/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in HEADERS]
                headers.extend(HEADERS.items())
                if not static:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
