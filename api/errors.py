"""Every error leaves as RFC 9457 problem+json, naming the field at fault.

Ledger errors map by category: ``NotFound`` → 404, ``Rejected`` → 422, ``Conflict`` → 409.
Request validation (pydantic) → 422 with one entry per bad field; a rule across fields
names its field in the error's context (``commands.base.field_rule``). Anything else is a
bug and answers 500 without internals.

The OpenAPI document says so too: :class:`Problem` is the schema of every refusal, and
:func:`problem_responses` declares the refusals a route can answer, so that a client
generated from ``/openapi.json`` knows the shape of an error before it meets one.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException

from ledger.errors import Conflict, LedgerError, NotFound, Rejected

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import FastAPI, Request

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://lbx.dev/problems/"
_SLUG = re.compile(r"[^a-z0-9]+")


PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    """One field at fault and what is wrong with it."""

    field: str = Field(examples=["amount"])
    message: str = Field(examples=["at most 2 decimal places for RUB"])


class DuplicateOf(BaseModel):
    """The payment already on the book that a refused one may be."""

    payment_id: str = Field(examples=["bank:8c3f0d5e2b7a4c1e9f6a0b3d5c7e9f1a"])
    received_on: str = Field(examples=["2026-01-12"])
    reference: str | None = Field(None, examples=["bank document №17 of 2026-01-12"])


class Problem(BaseModel):
    """An RFC 9457 problem: what went wrong, and which field is at fault.

    Some problems add members of their own (RFC 9457 §3.2): a possible duplicate payment
    names the payment it may be (``duplicate_of``) and the field that records it all the
    same (``override``).
    """

    type: str = Field(description="A URI naming the kind of problem",
                      examples=[PROBLEM_BASE + "invalid-amount"])
    title: str = Field(examples=["Invalid amount"])
    status: int = Field(description="The HTTP status, repeated", examples=[422])
    detail: str = Field(examples=["at most 2 decimal places for RUB"])
    field: str | None = Field(None, description="The request field at fault, if one is")
    errors: list[FieldError] | None = Field(None, description="One entry per bad field")
    duplicate_of: DuplicateOf | None = Field(
        None, description="possible-duplicate-payment: the payment this one may be")
    override: str | None = Field(
        None, description="The request field that asks for it to be recorded all the same",
        examples=["not_a_duplicate"])


_MEANINGS = {
    400: "The body cannot be read at all (broken multipart, bytes that are not UTF-8).",
    401: "No API key, or an unknown or revoked one.",
    403: "The key's role may not do this.",
    404: "The customer, subscription, invoice or payment named does not exist.",
    409: "Conflict: the Idempotency-Key was used with another body, the record exists, or"
         " the payment may be one already recorded from the bank statement.",
    413: "The body is larger than this path allows (see the API guide's limits); unread.",
    422: "Refused: a field is invalid, or the ledger's rules refuse it. Nothing was written.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` declaring ``statuses`` as problem+json refusals."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {status: {"description": _MEANINGS[status],
                     "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}}}
            for status in statuses}


COMMAND_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 413, 422)
"""What a command can answer besides its outcome."""
KEYED_PROBLEMS = problem_responses(401, 403, 413, 422)
"""What every operation that takes an API key can answer."""


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
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    """Build a problem+json response (``extensions``: the problem's own members)."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + _SLUG.sub("-", title.lower()).strip("-"),
        "title": title,
        "status": status,
        "detail": detail,
        **(extensions or {}),
    }
    if field is not None:
        body["field"] = field
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE,
                        headers=headers)


def _field_of(loc: Sequence[Any], ctx: dict[str, Any] | None = None) -> str:
    """The dotted field at ``loc``; a rule across a model's fields adds the one it names."""
    parts = [str(p) for p in loc if p not in {"body", "query", "path", "header"}]
    named = (ctx or {}).get("field")
    if isinstance(named, str):
        parts.append(named)
    return ".".join(parts) or "body"


def _validation_error(error: dict[str, Any]) -> dict[str, Any]:
    if error.get("type") == "json_invalid":  # its loc holds a character position, no field
        why = (error.get("ctx") or {}).get("error", error["msg"])
        return {"field": "body",
                "message": f"not valid JSON: {why} at character {error['loc'][-1]}"}
    # pydantic prefixes our validators' messages with "Value error, "; the reader needs
    # only the message itself.
    return {"field": _field_of(error["loc"], error.get("ctx")),
            "message": str(error["msg"]).removeprefix("Value error, ")}


def _validation_errors(raw: Sequence[Any]) -> list[dict[str, Any]]:
    return [_validation_error(e) for e in raw]


async def _ledger_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, LedgerError)  # noqa: S101
    field = error.field
    return problem(_status_of(error), error.title, error.detail, field=field,
                   errors=[{"field": field, "message": error.detail}] if field else None,
                   extensions=error.extensions())


async def _request_invalid(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError | ValidationError)  # noqa: S101
    errors = _validation_errors(error.errors())
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return problem(422, "Invalid request", detail,
                   field=errors[0]["field"] if errors else None, errors=errors)


_HTTP_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
                405: "Method not allowed", 413: "Content too large",
                415: "Unsupported media type", 428: "Precondition required"}


async def _http_error(_: Request, error: Exception) -> JSONResponse:
    """Our own HTTP errors and the framework's (unknown path, unparsable body) alike.

    Registered for Starlette's base class, because FastAPI raises that one itself when it
    cannot read a body (broken multipart, undecodable bytes): a 400 without a field is
    always about the body.
    """
    assert isinstance(error, HTTPException)  # noqa: S101
    field = None
    if isinstance(error.detail, dict):
        field = error.detail.get("field")
        detail = str(error.detail.get("detail", ""))
    else:
        detail = str(error.detail)
    if error.status_code == 400 and field is None:  # noqa: PLR2004
        field = "body"
    title = _HTTP_TITLES.get(error.status_code, "HTTP error")
    return problem(error.status_code, title, detail, field=field,
                   headers=dict(error.headers) if error.headers else None)


async def _bug(_: Request, error: Exception) -> JSONResponse:
    log.error("unhandled error", exc_info=error)
    return problem(500, "Internal error", "an unexpected error occurred; it has been logged")


def _document_problems(app: FastAPI) -> None:
    """Add :class:`Problem` to the document's schemas, where the routes' responses point.

    FastAPI registers a schema only for a response ``model``, and then under
    ``application/json``; refusals are ``application/problem+json``, so the responses
    name the schema by reference and the schema is added here, once.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()  # FastAPI keeps it as app.openapi_schema
        found = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(found.pop("$defs", {}))
        schemas["Problem"] = found
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    """Register the handlers on the app, and document the problems they answer."""
    app.add_exception_handler(LedgerError, _ledger_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(ValidationError, _request_invalid)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _bug)
    _document_problems(app)
