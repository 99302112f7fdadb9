"""Workspace area: the invoice register, and the documents pages offer to download.

The invoice register lists invoices by number (status as of the business date), filtered
by customer, status and issue date, paged by a keyset cursor in SQL.

Registers (payments, invoices) and a customer's statement go through
:func:`api.documents.exports.export_register`, the same export ``/v1`` offers, so a file
from the workspace and a file from the API never differ; a credit note's PDF goes through
:func:`api.documents.render_credit_note_pdf` in the seller's language, as the API gives
it. A filter that cannot be read answers 422 naming it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID  # noqa: TC003  (FastAPI reads path parameter types at runtime)

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ServicesDep  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from api.documents import render_credit_note_pdf
from api.documents.exports import export_register
from api.downloads import attachment
from api.web.pages import payment_views
from api.web.render import merge_query, page, translate
from api.web.session import Reader  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from ledger.errors import InvalidField
from projections import queries

router = APIRouter(include_in_schema=False)
FileFormat = Literal["csv", "xlsx"]
Day = Annotated[str, Query(max_length=10)]
Status = Literal["", "issued", "partially_paid", "paid", "credited", "written_off", "overdue",
                 "void"]
PAGE_SIZE = 50


def _attachment(content: bytes, media_type: str, filename: str) -> Response:
    return Response(content, media_type=media_type, headers=attachment(filename))


def _customer_id(services: ServicesDep, customer: str) -> str | None:
    """The customer a register is filtered by (external key or id), None for everyone."""
    if not customer:
        return None
    found = payment_views.customer_by_key_or_id(services.store, customer)
    if found is None:
        raise InvalidField(field="customer", why="no customer has this key")
    return str(found["customer_id"])


def _iso_day(text: str) -> str | None:
    """A date filter as ISO ``YYYY-MM-DD``, None when empty or unreadable.

    ``date.fromisoformat`` also reads «20260101» and «2026-W01-1»; the registers compare
    dates as ISO text in SQL, so the page, its export and the payment register must all
    hand over the normalised date, never the text as typed.
    """
    try:
        return date.fromisoformat(text).isoformat() if text else None
    except ValueError:
        return None


def _register(services: ServicesDep, register: Literal["payments", "invoices"],
              file_format: FileFormat, **filters: str | None) -> Response:
    for name in ("date_from", "date_to"):  # unreadable dates go on as typed, to be refused
        filters[name] = _iso_day(filters.get(name) or "") or filters.get(name)
    export = export_register(services, register, file_format,
                             **{k: v for k, v in filters.items() if v})
    return _attachment(export.content, export.media_type, export.filename)


@router.get("/payments/export.{file_format}")
def payments_export(services: ServicesDep, _: Reader, file_format: FileFormat, *,
                    customer: Annotated[str, Query(max_length=200)] = "",
                    date_from: Day = "", date_to: Day = "") -> Response:
    """The payment register as the register page filters it, as CSV or XLSX."""
    return _register(services, "payments", file_format,
                     customer_id=_customer_id(services, customer),
                     date_from=date_from, date_to=date_to)


@router.get("/invoices", response_class=HTMLResponse)
def invoice_register(request: Request, services: ServicesDep, user: Reader, *,
                     customer: Annotated[str, Query(max_length=200)] = "",
                     status: Status = "", date_from: Day = "", date_to: Day = "",
                     cursor: Annotated[str, Query(max_length=500)] = "") -> Response:
    """Invoices by number, filtered by customer, status (as of today) and issue date."""
    store = services.store
    query = {"customer": customer, "status": status, "date_from": date_from,
             "date_to": date_to}
    errors: dict[str, str] = {}
    try:
        customer_id = _customer_id(services, customer)
    except InvalidField:
        customer_id, errors["customer"] = None, translate(request, "No customer has this key.")
    for name in ("date_from", "date_to"):
        if query[name] and _iso_day(query[name]) is None:
            errors[name] = translate(request, "Enter a date as YYYY-MM-DD.")
    rows: list[dict[str, Any]] = []
    next_cursor = None
    if not errors:
        found = queries.invoices(
            store, today=services.runtime.clock.today().isoformat(), status=status or None,
            customer_id=customer_id, period_from=_iso_day(date_from), period_to=_iso_day(date_to),
            limit=PAGE_SIZE, cursor=cursor or None)
        rows, next_cursor = found.items, found.next_cursor
    return page(request, "payments/invoices.html", user, status_code=422 if errors else 200,
                title=translate(request, "Invoice register"), rows=rows, query=query,
                errors=errors, cursor=cursor, next_cursor=next_cursor,
                names=payment_views.customer_names(store, (r["customer_id"] for r in rows)),
                queue=payment_views.queue_size(store),
                filters=merge_query({k: v for k, v in query.items() if v}))


@router.get("/invoices/export.{file_format}")
def invoices_export(services: ServicesDep, _: Reader, file_format: FileFormat, *,
                    customer: Annotated[str, Query(max_length=200)] = "",
                    status: Status = "", date_from: Day = "", date_to: Day = "") -> Response:
    """The invoice register (by issue date, status as of today), as CSV or XLSX."""
    return _register(services, "invoices", file_format,
                     customer_id=_customer_id(services, customer), status=status,
                     date_from=date_from, date_to=date_to)


@router.get("/customers/{customer_id}/statement.{file_format}")
def statement_export(services: ServicesDep, _: Reader, customer_id: UUID,
                     file_format: FileFormat, *, date_from: Day = "",
                     date_to: Day = "") -> Response:
    """The customer's statement for a period (both dates required), as CSV or XLSX."""
    export = export_register(services, "statement", file_format,
                             customer_id=str(customer_id),
                             date_from=_iso_day(date_from) or date_from or None,
                             date_to=_iso_day(date_to) or date_to or None)
    return _attachment(export.content, export.media_type, export.filename)


@router.get("/customers/{customer_id}/invoices/{invoice_id}/credit-notes/"
            "{credit_note_id}.pdf")
def credit_note_document(services: ServicesDep, _: Reader, *, customer_id: UUID,
                         invoice_id: Annotated[str, Path(max_length=200)],
                         credit_note_id: Annotated[str, Path(max_length=200)]) -> Response:
    """A credit note on one of the customer's invoices, as PDF in the seller's language."""
    today = services.runtime.clock.today().isoformat()
    found = queries.invoice(services.store, invoice_id, today)
    if found is None or found["customer_id"] != str(customer_id):
        raise HTTPException(404, "There is no such page.")
    pdf = render_credit_note_pdf(services, invoice_id, credit_note_id, None)
    return Response(pdf, media_type="application/pdf",
                    headers=attachment(f"credit-note-{credit_note_id}.pdf", "inline"))
