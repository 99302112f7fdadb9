"""Documents over HTTP: an invoice or act as PDF, and registers as CSV or XLSX.

The routes only translate: they check the caller's role, read the query, and hand over to
``api.documents`` (the web workspace calls the same functions with its own sign-in).
Documents and registers are read by accountants and auditors. The OpenAPI document declares
the binary answers by media type, so a generated client knows it gets a file.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Response

from api.auth import ACCOUNTANT, AUDITOR, Principal, require, roles_extra
from api.bodies import BusinessDate
from api.deps import Views
from api.documents import export_register, render_credit_note_pdf, render_invoice_pdf
from api.documents.tables import MEDIA_TYPES
from api.downloads import attachment
from api.errors import problem_responses
from ledger.errors import InvalidField
from projections.queries import InvoiceStatus

router = APIRouter(prefix="/v1", tags=["documents"])

READ = (ACCOUNTANT, AUDITOR)
Reader = Annotated[Principal, Depends(require(*READ))]
QUERY_NAMES = {"date_from": "from", "date_to": "to"}

PDF_ANSWER = {
    200: {"description": "The document as PDF", "content": {"application/pdf": {}}},
    **problem_responses(404),
}
EXPORT_ANSWER = {
    200: {"description": "The register as CSV or XLSX",
          "content": {MEDIA_TYPES["csv"]: {}, MEDIA_TYPES["xlsx"]: {}}},
    **problem_responses(404),
}


@router.get("/invoices/{invoice_id}/document.pdf", openapi_extra=roles_extra(*READ),
            summary="An invoice (счёт) or act (акт) as PDF", response_class=Response,
            responses={**PDF_ANSWER, **problem_responses(409)})
def invoice_document(
    services: Views, _: Reader, invoice_id: Annotated[str, Path(max_length=200)],
    kind: Literal["invoice", "act"] = "invoice", language: Literal["ru", "en"] | None = None,
) -> Response:
    """The invoice as issued, with the seller's requisites valid on the document's date.

    ``kind=act`` gives the act of services rendered, dated the last day of the period
    billed; it is refused (409) before that day, and for a voided or credit invoice.
    ``language`` defaults to the seller's (company file). Rendering the same document again
    gives the same bytes (a voided invoice is marked АННУЛИРОВАН from its void on).
    """
    content = render_invoice_pdf(services, invoice_id, kind, language)
    return Response(content, media_type="application/pdf",
                    headers=attachment(f"{kind}-{invoice_id}.pdf"))


@router.get("/invoices/{invoice_id}/credit-notes/{credit_note_id}/document.pdf",
            openapi_extra=roles_extra(*READ), summary="A credit note (кредит-нота) as PDF",
            response_class=Response, responses=PDF_ANSWER)
def credit_note_document(
    services: Views, _: Reader, invoice_id: Annotated[str, Path(max_length=200)],
    credit_note_id: Annotated[str, Path(max_length=200)],
    language: Literal["ru", "en"] | None = None,
) -> Response:
    """The credited lines, the invoice they reduce and why, dated the day of the credit."""
    content = render_credit_note_pdf(services, invoice_id, credit_note_id, language)
    return Response(content, media_type="application/pdf",
                    headers=attachment(f"credit-note-{credit_note_id}.pdf"))


@router.get("/exports/{register}.{fmt}", openapi_extra=roles_extra(*READ),
            summary="A register as CSV or XLSX", response_class=Response,
            responses=EXPORT_ANSWER)
def export(
    services: Views, _: Reader,
    register: Literal["invoices", "payments", "debts", "statement"],
    fmt: Literal["csv", "xlsx"],
    customer_id: UUID | None = None,
    date_from: Annotated[BusinessDate | None, Query(alias="from")] = None,
    date_to: Annotated[BusinessDate | None, Query(alias="to")] = None,
    status: InvoiceStatus | None = None,
    currency: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    as_of: BusinessDate | None = None,
) -> Response:
    """Invoices, payments, debts by age (``as_of``) or one customer's statement.

    ``from``/``to`` bound the issue date of invoices, the receipt date of payments and the
    statement's period (required there, with ``customer_id``). Money is a number with two
    decimals beside a ``currency`` column; dates are dates.
    """
    try:
        found = export_register(
            services, register, fmt, customer_id=customer_id, date_from=date_from,
            date_to=date_to, status=status, currency=currency, as_of=as_of)
    except InvalidField as error:  # the function's argument names → the query's
        if error.field in QUERY_NAMES:
            raise InvalidField(error.wording, field=QUERY_NAMES[error.field],
                               **error.facts) from None
        raise
    return Response(found.content, media_type=found.media_type,
                    headers=attachment(found.filename))
