"""Signing in and out, and choosing the workspace's language."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.auth import SERVICE, authenticate
from api.deps import ServicesDep  # noqa: TC001  (FastAPI resolves it at runtime)
from api.web.i18n import language_of
from api.web.render import LANGUAGE_COOKIE, page, redirect, translate
from api.web.session import (
    COOKIE,
    SESSION_HOURS,
    SignInRequired,
    User,
    csrf_matches,
    current_user,
    end_session,
    secure_cookies,
    session_cookie,
)

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path inside the workspace (never another site) is followed after sign-in."""
    if target and target.startswith("/app/") and not target.startswith("//"):
        return target
    return "/app/"


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, services: ServicesDep, next: str | None = None) -> Response:  # noqa: A002
    """The sign-in page (a signed-in person goes straight on)."""
    try:
        current_user(request, services)
        return RedirectResponse(_safe_next(next), status_code=303)
    except SignInRequired:
        return page(request, "sign_in.html", None, next=_safe_next(next), error=None)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request, services: ServicesDep,
    key: Annotated[str, Form(max_length=300)] = "",
    next: Annotated[str, Form(max_length=500)] = "/app/",  # noqa: A002
) -> Response:
    """Check the access key and start a session."""
    if not _same_origin(request):
        raise HTTPException(403, "The sign-in form was sent from another site.")
    token = key.strip()
    principal = None
    try:
        principal = authenticate(services, token)
    except HTTPException:
        principal = None
    if principal is None or principal.role is SERVICE:
        error = translate(request, "This access key is not valid for the workspace.")
        return page(request, "sign_in.html", None, status_code=401, next=_safe_next(next),
                    error=error)
    response = redirect(_safe_next(next))
    response.set_cookie(
        COOKIE, session_cookie(services, principal.key_id), max_age=SESSION_HOURS * 3600,
        httponly=True, samesite="lax", path="/",
        secure=secure_cookies(request, services),
    )
    return response


def _same_origin(request: Request) -> bool:
    """Whether a browser's ``Origin`` (when it sends one) is the workspace's own host.

    Hosts are compared, not schemes, so a proxy that ends TLS does not look like another
    site; ``Origin: null`` (a sandboxed or privacy-redirected form) is another site.
    """
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin != "null" and urlsplit(origin).netloc.lower() == host.lower()


@router.post("/sign-out")
async def sign_out(request: Request, services: ServicesDep, user: User) -> Response:
    """End the session here and on the server; every session of the same key ends with it.

    A form with the CSRF token, so no other site can sign you out.
    """
    form = await request.form(max_files=0, max_fields=10)
    if not csrf_matches(str(form.get("csrf_token", "")), user.csrf):
        raise HTTPException(403, "The form has expired; reload the page and try again.")
    await run_in_threadpool(end_session, services, user.principal.key_id)
    response = redirect("/app/sign-in")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/language/{language}")
def choose_language(language: str, next: str | None = None) -> Response:  # noqa: A002
    """Remember the reader's language for a year and go back where they were."""
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(LANGUAGE_COOKIE, language_of(language), max_age=365 * 86400,
                        samesite="lax", path="/")
    return response
