"""Every error leaves as RFC 9457 problem+json, naming the field at fault.

Ledger errors map by category: ``NotFound`` → 404, ``Rejected`` → 422, ``Conflict`` → 409.
Request validation (pydantic) → 422 with one entry per bad field. Anything else is a bug
and answers 500 without internals.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from ledger.errors import Conflict, LedgerError, NotFound, Rejected

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import Request

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://lbx.dev/problems/"
_SLUG = re.compile(r"[^a-z0-9]+")


def _status_of(error: LedgerError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, Rejected):
        return 422
    return 400


def problem(
    status: int, title: str, detail: str, *, field: str | None = None,
    errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build a problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + _SLUG.sub("-", title.lower()).strip("-"),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type="application/problem+json",
                        headers=headers)


def _field_of(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in {"body", "query", "path", "header"}]
    return ".".join(parts) or "body"


def _validation_errors(raw: Sequence[Any]) -> list[dict[str, Any]]:
    return [{"field": _field_of(e["loc"]), "message": e["msg"]} for e in raw]


async def _ledger_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, LedgerError)  # noqa: S101
    field = error.field
    return problem(_status_of(error), error.title, error.detail, field=field,
                   errors=[{"field": field, "message": error.detail}] if field else None)


async def _request_invalid(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError | ValidationError)  # noqa: S101
    errors = _validation_errors(error.errors())
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "Invalid request", detail,
                   field=errors[0]["field"] if errors else None, errors=errors)


async def _http_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)  # noqa: S101
    field = None
    if isinstance(error.detail, dict):
        field = error.detail.get("field")
        detail = str(error.detail.get("detail", ""))
    else:
        detail = str(error.detail)
    title = {401: "Unauthorized", 403: "Forbidden", 404: "Not found",
             405: "Method not allowed", 428: "Precondition required"}.get(
        error.status_code, "HTTP error")
    return problem(error.status_code, title, detail, field=field,
                   headers=dict(error.headers) if error.headers else None)


async def _bug(_: Request, error: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=error)
    return problem(500, "Internal error", "an unexpected error occurred; it has been logged")


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(LedgerError, _ledger_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(ValidationError, _request_invalid)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _bug)
