"""CRM in over HTTP: the customer-list import, the CRM webhook URLs, and the webhooks.

``router`` (API key): ``POST /v1/customer-imports/preview`` checks a CSV or XLSX customer
list and writes nothing; ``POST /v1/customer-imports`` applies its valid rows, idempotently
by the file's content (no ``Idempotency-Key``: every row's key is derived from the file's
SHA-256 and the row, so the same file twice changes nothing). ``GET /v1/crm/webhooks``
shows an admin the URLs to paste into amoCRM and Bitrix24.

``inbound`` (no API key): ``POST /v1/crm/amocrm/{secret}`` and ``POST
/v1/crm/bitrix24/{secret}``. Each CRM proves itself as ``api/crm`` describes (a derived URL
secret; Bitrix24's application token too), and the record is always read back from the
CRM's REST API. Refusals are RFC 9457 problem+json; the endpoints are plain functions so
that the CRM re-reads and the ledger writes run in the thread pool. ``api/limits.py``
answers 413 to a file over :data:`MAX_FILE_BYTES` or a webhook over
:data:`MAX_WEBHOOK_BYTES` before either is read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, File, Path, Request, UploadFile
from fastapi.responses import JSONResponse

from api.auth import ACCOUNTANT, ADMIN, Principal, require, roles_extra
from api.crm import amocrm, bitrix24
from api.crm.common import webhook_urls
from api.crm.spreadsheet import UnreadableImport
from api.deps import ServicesDep
from api.errors import problem_responses
from api.gateways.common import Refused
from api.imports import apply_customers, preview_customers

if TYPE_CHECKING:
    from collections.abc import Callable

router = APIRouter(prefix="/v1", tags=["integrations"])

inbound = APIRouter(prefix="/v1/crm", tags=["integrations"])
"""CRM webhooks: no API key (each CRM proves itself in its own way)."""

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Ten thousand customers fit in a megabyte or two; more is not a customer list."""
MAX_WEBHOOK_BYTES = 64 * 1024
"""A CRM webhook names a few records (LBX reads them back); anyone may post, so little is read."""

Importer = Annotated[Principal, Depends(require(ACCOUNTANT))]
Admin = Annotated[Principal, Depends(require(ADMIN))]
CustomerList = Annotated[UploadFile, File(description=(
    "CSV (UTF-8 or Windows-1251; `;`, `,` or tab) or XLSX; the first row names the columns: "
    "Наименование/name, ИНН/inn, КПП/kpp, ОГРН/ogrn, Email, Телефон/phone, Адрес/address, "
    "Менеджер/manager, Теги/tags, Внешний ключ/external_key, Валюта/currency"))]
Secret = Annotated[str, Path(max_length=200,
                             description="The secret shown by GET /v1/crm/webhooks")]


def _read(file: UploadFile) -> bytes:
    data = file.file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableImport("the file is larger than {most} bytes", most=MAX_FILE_BYTES)
    return data


@router.post("/customer-imports/preview", openapi_extra=roles_extra(ACCOUNTANT),
             summary="Preview a customer list import (nothing is written)")
def preview_import(services: ServicesDep, _: Importer, file: CustomerList) -> dict[str, Any]:
    """Every row with what confirming would do: create, update, unchanged or error.

    A row in error names the field and says what is wrong; a file that is not a table with
    a name column answers 422 naming ``file``.
    """
    return preview_customers(services, file.filename, _read(file)).as_dict()


@router.post("/customer-imports", openapi_extra=roles_extra(ACCOUNTANT),
             summary="Import a customer list: apply its valid rows")
def confirm_import(
    services: ServicesDep, principal: Importer, file: CustomerList
) -> dict[str, Any]:
    """Apply the valid rows as per-customer commands; rows in error are skipped and reported.

    The same file again changes nothing: its rows come back ``unchanged``.
    """
    data = _read(file)
    return apply_customers(services, data, principal.actor, filename=file.filename).as_dict()


@router.get("/crm/webhooks", openapi_extra=roles_extra(ADMIN),
            summary="The webhook URLs to give amoCRM and Bitrix24")
def crm_webhooks(services: ServicesDep, _: Admin, request: Request) -> dict[str, Any]:
    """The URLs (each with this installation's derived secret) and what is configured."""
    settings = services.settings
    return {
        "urls": webhook_urls(settings, str(request.base_url)),
        "configured": {
            "amocrm": bool(settings.amocrm_url and settings.amocrm_token),
            "bitrix24": bool(settings.bitrix24_url and settings.bitrix24_app_token),
        },
    }


async def raw_body(request: Request) -> bytes:
    """The body as sent; the adapters read ids (and Bitrix24's token) from it, nothing else.

    At most :data:`MAX_WEBHOOK_BYTES` bytes arrive here: ``api/limits.py`` refuses more.
    """
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]
_FORM = {"requestBody": {"required": True, "content": {
    media: {"schema": {"type": "object"}}
    for media in ("application/x-www-form-urlencoded", "application/json")}}}


def _answer(work: Callable[[], dict[str, Any]]) -> JSONResponse:
    try:
        return JSONResponse(work())
    except Refused as refusal:
        return refusal.response()


@inbound.post("/amocrm/{secret}", summary="amoCRM webhook", description=amocrm.__doc__,
              openapi_extra=_FORM, responses=problem_responses(401, 422))
def amocrm_webhook(
    secret: Secret, body: RawBody, request: Request, services: ServicesDep
) -> JSONResponse:
    """Sync the contacts and companies the webhook names, as amoCRM's API says they are."""
    content_type = request.headers.get("content-type", "")
    return _answer(lambda: amocrm.handle(body, content_type, secret, services))


@inbound.post("/bitrix24/{secret}", summary="Bitrix24 event", description=bitrix24.__doc__,
              openapi_extra=_FORM, responses=problem_responses(401, 422))
def bitrix24_event(
    secret: Secret, body: RawBody, request: Request, services: ServicesDep
) -> JSONResponse:
    """Sync the company or contact the event names, as Bitrix24's API says it is."""
    content_type = request.headers.get("content-type", "")
    return _answer(lambda: bitrix24.handle(body, content_type, secret, services))
