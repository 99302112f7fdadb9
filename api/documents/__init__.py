"""Documents and exports: invoices and acts as PDF, registers as CSV and XLSX.

Design overview:

- ``model`` gathers what a document says from the ledger as recorded: the ``InvoiceIssued``
  event, the buyer's profile replayed to that event, and the seller's requisites valid on
  the document's date (``api.company``). Nothing reads "now", so a document renders the
  same forever (a void recorded since is marked on it; an act is refused before its date).
- ``dates`` dates an act (the last day of the period billed), for the PDF and the 1C
  export alike; ``acts`` refuses an act of a voided or credit invoice, or before its date;
  ``lines`` prints a recorded line so that quantity × price is its sum, and
  ``line_texts`` its description in the document's language.
- ``pdf`` lays it out (fpdf2, DejaVu fonts shipped with matplotlib), Russian or English;
  ``labels`` holds the words and fixed number formats; ``amount_words`` the total in words.
- ``purpose`` words the payment purpose with its VAT; ``payment_qr`` puts it, the payee's
  requisites and the sum into the invoice's payment QR code (ГОСТ Р 56042-2014), which
  ``qr_code`` draws.
- ``exports`` reads registers from the views into typed tables and writes CSV or XLSX.

The HTTP routes (``api/routes/documents.py``) and the web workspace both call the two
functions below; they take ``Services`` and know nothing of how the caller signed in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.documents.exports import REGISTERS, Format, Register, export_register
from api.documents.model import DocumentKind, build_credit_note, build_document
from api.documents.pdf import render_pdf
from api.documents.tables import Export
from ledger.errors import InvalidField

if TYPE_CHECKING:
    from api.bootstrap import Services
    from api.company import CompanyBook
    from api.documents.amount_words import Language

__all__ = [
    "REGISTERS",
    "DocumentKind",
    "Export",
    "Format",
    "Register",
    "export_register",
    "render_credit_note_pdf",
    "render_invoice_pdf",
]


def render_invoice_pdf(
    services: Services, invoice_id: str, kind: DocumentKind = "invoice",
    language: Language | None = None, *, company: CompanyBook | None = None,
) -> bytes:
    """An invoice (счёт на оплату) or an act (акт оказанных услуг) as PDF bytes.

    Args:
        services: LBX's services (the ledger, the views, the settings).
        invoice_id: the invoice, as the invoice register names it.
        kind: ``"invoice"`` or ``"act"``.
        language: ``"ru"`` or ``"en"``; by default the seller's (company file).
        company: the seller's requisites; by default read from the company file.

    Raises:
        NotFound: no such invoice (``invoice_id``).
        InvalidField: ``kind`` is neither invoice nor act.
        NoAct: (409) an act of a voided or credit invoice, or before its services are
            rendered.
        CompanyProfileMissing: no seller requisites valid on the document's date.
        CompanyProfileInvalid: the company file (or its logo) cannot be used.
    """
    if kind not in {"invoice", "act"}:
        raise InvalidField(field="kind", why="invoice or act")
    if language not in {None, "ru", "en"}:
        raise InvalidField(field="language", why="ru or en")
    return render_pdf(build_document(services, invoice_id, kind, language, company=company))


def render_credit_note_pdf(
    services: Services, invoice_id: str, credit_note_id: str,
    language: Language | None = None, *, company: CompanyBook | None = None,
) -> bytes:
    """A credit note (кредит-нота) on an invoice as PDF bytes, dated the day it was issued.

    Raises:
        NotFound: no such invoice (``invoice_id``) or credit note on it (``credit_note_id``).
        CompanyProfileMissing: no seller requisites valid on the credit note's date.
    """
    if language not in {None, "ru", "en"}:
        raise InvalidField(field="language", why="ru or en")
    return render_pdf(build_credit_note(services, invoice_id, credit_note_id, language,
                                        company=company))
