"""The web workspace: one place to see statuses, debts, renewals, tariffs and history.

Server-rendered pages under ``/app``, served by the same FastAPI service as the API and
reading the same views. People sign in with their API key (``session.py``); each area of
the workspace is a small router in ``pages/``. Errors on workspace pages answer as HTML
pages, not problem documents; everything else keeps the API's problem+json.
"""

from __future__ import annotations

from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.web.guards import BodyLimit, SecurityHeaders
from api.web.pages import ROUTERS
from api.web.refusals import explain
from api.web.render import page, translate
from api.web.session import SignInRequired, current_user
from ledger.errors import Conflict, LedgerError, NotFound

if TYPE_CHECKING:
    from fastapi import FastAPI, Request

PREFIX = "/app"
STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Add the workspace's pages, static files and HTML error pages to ``app``."""
    for router in ROUTERS:
        app.include_router(router, prefix=PREFIX)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="web-static")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=307)

    async def sign_in_first(_: Request, error: Exception) -> Response:
        assert isinstance(error, SignInRequired)  # noqa: S101  (registered for this type only)
        return RedirectResponse(f"{PREFIX}/sign-in?next={error.next_path}", status_code=303)

    app.add_exception_handler(SignInRequired, sign_in_first)
    for kind in (HTTPException, StarletteHTTPException, LedgerError, RequestValidationError,
                 Exception):
        _answer_pages_in_html(app, kind)


def _answer_pages_in_html(app: FastAPI, kind: type[Exception]) -> None:
    """Keep the API's handler for ``kind`` but draw an error page on workspace paths."""
    api_handler: Any = next((app.exception_handlers[k] for k in kind.__mro__
                             if k in app.exception_handlers), None)

    async def handle(request: Request, error: Exception) -> Response:
        if not request.url.path.startswith(PREFIX) and api_handler is not None:
            result = api_handler(request, error)
            return await result if hasattr(result, "__await__") else result  # type: ignore[no-any-return]
        return _error_page(request, error)

    app.add_exception_handler(kind, handle)


def _error_page(request: Request, error: Exception) -> Response:
    status = 500
    message = translate(request, "Something went wrong.")
    if isinstance(error, StarletteHTTPException):
        status = error.status_code
        missing = status == HTTPStatus.NOT_FOUND
        message = translate(request, "There is no such page." if missing else str(error.detail))
    elif isinstance(error, LedgerError):
        status = 404 if isinstance(error, NotFound) else 409 if isinstance(error, Conflict) else 422
        message = explain(request, error)
    elif isinstance(error, RequestValidationError):
        status = 422
        message = translate(request, "The address has a value that is not valid here.")
    try:
        user = current_user(request, request.app.state.services)
    except SignInRequired:
        user = None
    return page(request, "error.html", user, status_code=status, status=status, message=message)
