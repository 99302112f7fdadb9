"""Workspace area: the payment register and bank statement uploads.

The register is ``view_payments`` through ``queries.register``, filtered and paged by a
keyset cursor in SQL. A statement upload goes through the same ``import_bank_file`` as
``POST /v1/bank-statements`` and ``lbx import bank``, so a file is classified, matched and
recorded identically whichever way it came in; the answer is the import report. The
unmatched queue lives in ``payment_queue.py``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.bank_directory import import_bank_file
from api.deps import ServicesDep  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from api.routes.bank import MAX_FILE_BYTES
from api.web.pages import payment_queue, payment_views
from api.web.render import page, translate
from api.web.session import Form, Reader, WebUser  # noqa: TC001  (FastAPI reads them at runtime)
from ledger.errors import LedgerError
from ledger.money import Money
from projections import queries

if TYPE_CHECKING:
    from commands.import_bank_statement import ImportReport

router = APIRouter(include_in_schema=False)
router.include_router(payment_queue.router)

PAGE_SIZE = 50
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def minor_units(amount: str, currency: str) -> int:
    """A decimal amount of a report row ("1500.00") in minor units, for ``fmt.money``."""
    return Money.parse(amount, currency).minor


def _date(text: str) -> str | None:
    try:
        return date.fromisoformat(text).isoformat() if text else None
    except ValueError:
        return None


@router.get("/payments", response_class=HTMLResponse)
def register(request: Request, services: ServicesDep, user: Reader, *, customer: str = "",
             date_from: str = "", date_to: str = "", cursor: str = "") -> Response:
    """Payments in recording order, filtered by customer and received date."""
    store = services.store
    errors: dict[str, str] = {}
    found = payment_views.customer_by_key_or_id(store, customer) if customer else None
    if customer and found is None:
        errors["customer"] = translate(request, "No customer has this key.")
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value and _date(value) is None:
            errors[name] = translate(request, "Enter a date as YYYY-MM-DD.")
    rows: list[dict[str, Any]] = []
    next_cursor = None
    if not errors:
        result = queries.register(
            store, "view_payments", customer_id=found["customer_id"] if found else None,
            date_column="received_on", date_from=_date(date_from), date_to=_date(date_to),
            tiebreak="payment_id", limit=PAGE_SIZE, cursor=cursor or None)
        rows, next_cursor = result.items, result.next_cursor
    query = {"customer": customer, "date_from": date_from, "date_to": date_to}
    names = payment_views.customer_names(store, (r["customer_id"] for r in rows))
    return page(request, "payments/register.html", user, title=translate(request, "Payments"),
                rows=rows, names=names, minor=minor_units,
                query=query, cursor=cursor, next_cursor=next_cursor, errors=errors,
                status_code=422 if errors else 200, queue=payment_views.queue_size(store))


@router.get("/payments/import", response_class=HTMLResponse)
def upload_form(request: Request, services: ServicesDep, user: Reader) -> Response:
    """The statement upload form (shown to those who may import)."""
    return _upload_page(request, services, user)


def _upload_page(request: Request, services: ServicesDep, user: WebUser, *,
                 report: ImportReport | None = None, errors: dict[str, str] | None = None,
                 status_code: int = 200) -> Response:
    return page(request, "payments/import.html", user, status_code=status_code,
                title=translate(request, "Bank statements"), report=report,
                counts=report.counts() if report else None, errors=errors or {},
                minor=minor_units, queue=payment_views.queue_size(services.store))


@router.post("/payments/import", response_class=HTMLResponse)
async def upload(request: Request, services: ServicesDep, user: Reader, _: Form) -> Response:
    """Import the uploaded statement and answer its report (the same file twice: duplicates).

    ``Form`` has checked the CSRF token and the role before the file is even looked at.
    """
    posted = await request.form()
    upload_file = posted.get("file")
    if not isinstance(upload_file, UploadFile) or not upload_file.filename:
        return _upload_page(request, services, user, status_code=422, errors={
            "file": translate(request, "Choose a statement file.")})
    data = await upload_file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        return _upload_page(request, services, user, status_code=422, errors={
            "file": translate(request, "The file is too large for a statement.")})
    try:
        report = await run_in_threadpool(
            import_bank_file, services, data, actor=user.actor, source="web",
            filename=upload_file.filename)
    except LedgerError as error:
        message = f"{translate(request, 'This file cannot be imported')}: {error.detail}"
        return _upload_page(request, services, user, status_code=422,
                            errors={error.field or "file": message})
    await run_in_threadpool(services.await_position, services.ledger.max_position())
    return _upload_page(request, services, user, report=report)


@router.get("/payments/imports/{file_sha256}", response_class=HTMLResponse)
def stored_import(request: Request, services: ServicesDep, user: Reader,
                  file_sha256: str) -> Response:
    """The lines first imported from one file, as they stand now."""
    if not SHA256.match(file_sha256):
        return page(request, "error.html", user, status_code=404, status=404,
                    message=translate(request, "There is no such page."))
    stored = queries.bank_import(services.store, file_sha256)
    return page(request, "payments/stored_import.html", user,
                title=translate(request, "Bank statement import"), stored=stored,
                names=payment_views.customer_names(
                    services.store, (r["customer_id"] for r in stored["rows"])),
                queue=payment_views.queue_size(services.store))
