"""The API key, checked before the body is read: 401 for a missing, unknown or revoked key.

FastAPI reads and parses a request's body before it runs the dependencies, so
:func:`api.auth.require` alone would hold a stranger's whole body in memory, and answer 422
to a broken one, before saying 401. This plain ASGI middleware finds the request's route
first: a route that declares the roles it admits (``x-roles``, as every keyed route does)
is answered 401 at once unless the request presents a live key, and not a byte of the body
is read. The routes that prove themselves otherwise (payment gateways, CRM webhooks, the
webhook test receiver) declare no roles and pass through, as do unknown paths (404). The
middleware is given the API's routers, and matches their routes as the router will.

Only the key is checked here. The role is still ``require``'s to check (403), with the
principal found here, so the key ring is loaded once per request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.routing import Match

from api.auth import PRINCIPAL_SCOPE_KEY, caller
from api.errors import problem

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import APIRouter
    from starlette.responses import Response
    from starlette.types import ASGIApp, Receive, Scope, Send


def declares_roles(route: APIRoute) -> bool:
    """Whether ``route`` names the roles it admits, as every keyed route does."""
    return bool((route.openapi_extra or {}).get("x-roles"))


def _refusal(error: HTTPException) -> Response:
    """The 401 as ``api/errors.py`` would have drawn it from ``require``."""
    said = error.detail if isinstance(error.detail, dict) else {"detail": str(error.detail)}
    return problem(error.status_code, "Unauthorized", str(said.get("detail", "")),
                   field=said.get("field"), headers=dict(error.headers or {}))


class KeyCheck:
    """Answer 401 to a keyed route's request without a live API key, before its body."""

    def __init__(self, app: ASGIApp, routers: Sequence[APIRouter]) -> None:
        self.app = app
        self.routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]

    def needs_key(self, scope: Scope) -> bool:
        """Whether this request is for a keyed route (and for no route that takes no key).

        A path that a route without roles also answers passes, whichever route the router
        picks: such a route proves itself otherwise, and a keyed one still has ``require``.
        """
        matched = [r for r in self.routes if r.matches(scope)[0] is Match.FULL]
        return bool(matched) and all(declares_roles(r) for r in matched)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Authenticate the headers of a keyed route's request; pass the rest through."""
        if scope["type"] != "http" or not self.needs_key(scope):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        services = scope["app"].state.services
        try:
            principal = await run_in_threadpool(
                caller, services, headers.get("authorization"), headers.get("x-api-key"))
        except HTTPException as refused:
            await _refusal(refused)(scope, receive, send)
            return
        scope[PRINCIPAL_SCOPE_KEY] = principal
        await self.app(scope, receive, send)
