"""How large a body each API path takes; larger ones are answered 413 before they are read.

Every request outside the workspace (which keeps its own limits, ``api/web/guards.py``) is
limited by its path: an ordinary command or query body to :data:`DEFAULT_LIMIT`, a file
upload to its handler's file limit plus room for the multipart form around it, and the
paths anyone may post to (payment gateways, CRM webhooks) to the few kilobytes a
notification needs. The refusal is a problem document naming ``body``, like the API's
other errors, whether the body declared its length or was streamed without one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.body_limit import BodyLimit
from api.errors import problem
from api.routes import bank, gateways, integrations
from api.web.guards import PREFIX as WORKSPACE
from api.webhooks import receiver

if TYPE_CHECKING:
    from collections.abc import Mapping

    from starlette.types import Receive, Scope, Send

DEFAULT_LIMIT = 1024 * 1024
"""The largest body of a command or query: the largest real one is a few kilobytes."""
FORM_ROOM = 1024 * 1024
"""What a multipart form may add around its file (boundaries, part headers, other fields)."""
FILE_LIMITS: Mapping[str, int] = {
    "/v1/bank-statements": bank.MAX_FILE_BYTES + FORM_ROOM,
    "/v1/customer-imports": integrations.MAX_FILE_BYTES + FORM_ROOM,
    "/v1/customer-imports/preview": integrations.MAX_FILE_BYTES + FORM_ROOM,
}
"""Paths that take a file, each with its handler's file limit and room for the form."""
PREFIX_LIMITS: Mapping[str, int] = {
    "/v1/gateways/": gateways.MAX_BODY,
    "/v1/crm/": integrations.MAX_WEBHOOK_BYTES,
    "/v1/webhooks/test-receiver": receiver.MAX_BODY,
}
"""Paths anyone may post to (they prove themselves by other means), by prefix."""


def api_body_limit(path: str) -> int:
    """The largest body a request to ``path`` may carry."""
    path = path.rstrip("/") or "/"
    if path in FILE_LIMITS:
        return FILE_LIMITS[path]
    return next((limit for prefix, limit in PREFIX_LIMITS.items()
                 if path.startswith(prefix)), DEFAULT_LIMIT)


def _route_path(scope: Scope) -> str:
    """The path the routes see: without the prefix a proxy serves the app under."""
    path, root = str(scope.get("path", "")), str(scope.get("root_path", ""))
    return path.removeprefix(root) if root and path.startswith(root) else path


class ApiBodyLimit(BodyLimit):
    """Answer 413 (problem+json) to an API request whose body passes its path's limit."""

    def limit(self, scope: Scope) -> int | None:
        """The path's limit; the workspace's requests are its own guard's."""
        path = _route_path(scope)
        if path == WORKSPACE or path.startswith(f"{WORKSPACE}/"):
            return None
        return api_body_limit(path)

    async def refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """A problem naming ``body``; the connection closes, as the body was not read."""
        answer = problem(413, "Content too large", f"the body is larger than {limit} bytes",
                         field="body", headers={"Connection": "close"})
        await answer(scope, receive, send)
