"""Rendering workspace pages: Jinja templates in the reader's language, with notices.

Every page goes through :func:`page`, which gives templates the signed-in person, their
language, locale-aware formatters (``fmt.money``, ``fmt.date``...), what the system wrote
itself in that language (``said``, ``bank_reason``, ``formula``: see ``said.py``), the CSRF
token for forms and the one-shot notice left by the previous action (post → redirect → get).
"""

from __future__ import annotations

from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode

from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.web.i18n import LANGUAGES, Formats, language_of, translations
from api.web.said import bank_reason_text, formula_text, said_text

if TYPE_CHECKING:
    from collections.abc import Mapping

    from fastapi import Request

    from api.web.session import WebUser

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGE_COOKIE = "lbx_lang"
NOTICE_COOKIE = "lbx_notice"
REBUILD_JOB = "rebuild"
"""The kind of the job that rebuilds views (``pages/operations.py``): while one runs,
every page says its figures may be incomplete."""


def merge_query(query: Mapping[str, Any], **changes: Any) -> str:
    """The query string ``query`` with ``changes`` applied (empty values dropped)."""
    merged = {**dict(query), **dict(changes.items())}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


@cache
def environment(language: str) -> Environment:
    """The template environment of one language (translations installed once)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html", "svg")),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["languages"] = LANGUAGES
    env.globals["said"] = partial(said_text, language=language)
    env.globals["bank_reason"] = partial(bank_reason_text, language=language)
    env.globals["formula"] = partial(formula_text, language=language)
    env.filters["urlquote"] = lambda value: quote(str(value), safe="")
    env.filters["merge_query"] = merge_query
    return env


def request_language(request: Request) -> str:
    """The language the reader chose (cookie), Russian by default."""
    return language_of(request.cookies.get(LANGUAGE_COOKIE))


def page(
    request: Request, template: str, user: WebUser | None, *, status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` for ``user`` in their language."""
    language = request_language(request)
    raw_notice = request.cookies.get(NOTICE_COOKIE)
    notice = unquote(raw_notice) if raw_notice else None
    registry = getattr(request.app.state, "web_jobs", None)
    rebuilding = user is not None and registry is not None and registry.running(
        REBUILD_JOB) is not None
    html = environment(language).get_template(template).render(
        request=request, user=user, language=language, fmt=Formats(language),
        csrf_token=user.csrf if user else "", notice=notice, path=request.url.path,
        rebuilding=rebuilding, **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if raw_notice:
        response.delete_cookie(NOTICE_COOKIE, path="/")
    return response


def redirect(url: str, notice: str | None = None) -> RedirectResponse:
    """Go to ``url`` after an action (303, so a reload never re-posts), with a notice."""
    response = RedirectResponse(url, status_code=303)
    if notice:
        response.set_cookie(NOTICE_COOKIE, quote(notice), path="/", max_age=60,
                            httponly=True, samesite="lax")
    return response


def translate(request: Request, message: str, **values: Any) -> str:
    """``message`` in the reader's language, with ``{name}`` placeholders filled."""
    text: str = translations(request_language(request)).gettext(message)
    return text.format(**values) if values else text
