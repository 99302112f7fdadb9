"""Workspace area: the payment register and bank statement uploads.

The register is ``view_payments`` through ``queries.register``, filtered and paged by a
keyset cursor in SQL. A statement upload goes through the same ``import_bank_file`` as
``POST /v1/bank-statements`` and ``lbx import bank``, so a file is classified, matched and
recorded identically whichever way it came in. It runs as a background job
(:mod:`api.web.jobs`) whose page follows its progress and links to the import report. The
unmatched queue lives in ``payment_queue.py``.
"""

from __future__ import annotations

import hashlib
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
from api.web.jobs import jobs_of
from api.web.pages import payment_queue, payment_views
from api.web.refusals import explain
from api.web.render import page, redirect, translate
from api.web.session import Form, Reader, WebUser  # noqa: TC001  (FastAPI reads them at runtime)
from ledger.bankfiles import parse_statement
from ledger.errors import LedgerError
from ledger.money import Money
from projections import queries

if TYPE_CHECKING:
    from collections.abc import Callable

    from api.bootstrap import Services
    from api.web.jobs import Progress

router = APIRouter(include_in_schema=False)
router.include_router(payment_queue.router)

PAGE_SIZE = 50
BANK_IMPORT = "bank_import"
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
                 errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return page(request, "payments/import.html", user, status_code=status_code,
                title=translate(request, "Bank statements"), errors=errors or {},
                queue=payment_views.queue_size(services.store))


@router.post("/payments/import", response_class=HTMLResponse)
async def upload(request: Request, services: ServicesDep, user: Reader, _: Form) -> Response:
    """Check the uploaded statement, import it in a background job, and follow the job.

    ``Form`` has checked the role and the CSRF token before the file is even looked at. A
    file that is not a statement is refused here, at the file field; the job page shows
    the import's progress and links to its report (the same file twice: duplicates).
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
        await run_in_threadpool(parse_statement, data,
                                own_accounts=frozenset(services.settings.own_accounts))
    except LedgerError as error:
        message = f"{translate(request, 'This file cannot be imported')}: {explain(request, error)}"
        return _upload_page(request, services, user, status_code=422,
                            errors={error.field or "file": message})
    sha = hashlib.sha256(data).hexdigest()
    title = translate(request, "Bank statement import: {file}", file=upload_file.filename)
    job = jobs_of(request).start(BANK_IMPORT, user.actor, _importing(
        services, data, user.actor, upload_file.filename), {
            "title": title, "result_url": f"/app/payments/imports/{sha}"})
    return redirect(f"/app/operations/jobs/{job.job_id}")


def _importing(services: Services, data: bytes, actor: str,
               filename: str) -> Callable[[Progress], dict[str, Any]]:
    """The work of a statement import, reporting lines done after each batch."""

    def work(progress: Progress) -> dict[str, Any]:
        done = 0

        def advanced(lines_done: int, lines: int) -> None:
            nonlocal done
            progress.set_total(lines)
            progress.advance(lines_done - done)
            done = lines_done

        report = import_bank_file(services, data, actor=actor, source="web",
                                  filename=filename, progress=advanced)
        services.await_position(services.ledger.max_position(), timeout=60)
        return {"filename": filename, "file_sha256": report.file_sha256,
                "format": report.format, "counts": report.counts(),
                "warnings": list(report.warnings),
                "balance_problems": list(report.balance_problems)}

    return work


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
