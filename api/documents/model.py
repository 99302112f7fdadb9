"""What a document says, gathered from the ledger as recorded, before any layout.

Why from the events and not the views: the ``InvoiceIssued`` event is the invoice as it
was issued (number, dates, every line with quantity, rate and VAT), and the customer's
profile replayed *to that event's version* is the buyer as it stood that day. The company
book gives the seller's version valid on the document's date. Nothing here reads "now",
so rendering the same invoice again, after any later change, says exactly the same —
except that a void recorded since is printed on it (a cancelled счёт must never look
payable). The invoice register (a projection) is asked only which customer the invoice
belongs to.

What an invoice's documents are (docs/documents.md, «What a document says»):

- an invoice with a positive (or zero) total is a счёт на оплату, and its act an акт
  оказанных услуг, dated the last day of the period billed (``api.documents.dates``);
- an invoice whose total is below zero (a cancellation or a downgrade gives back more
  than it charges) asks for nothing: it is printed as a «Корректировочный расчёт»
  (``kind="correction"``) with no bank block, payment terms or QR code, and it has no act;
- a voided invoice is printed with «АННУЛИРОВАН <date>: <reason>» and nothing to pay;
  it has no act either;
- an act is made only once its services are rendered: on or after its date.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Literal
from uuid import UUID

from api.company import CompanyProfile, load_company
from api.documents.acts import NoAct, ensure_act
from api.documents.amount_words import Language, amount_in_words
from api.documents.dates import act_date
from api.documents.lines import DocumentLine, document_line
from ledger.customers.billing_events import CreditNoteIssued, InvoiceIssued, InvoiceVoided
from ledger.errors import NotFound
from ledger.money import Money, total
from projections import queries

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from api.bootstrap import Services
    from api.company import CompanyBook
    from ledger.customers.state import Profile
    from ledger.events import LedgerEvent
    from ledger.vat import VatMode

DocumentKind = Literal["invoice", "act"]
"""The documents of an invoice; a credit note on it is rendered by :func:`build_credit_note`."""

__all__ = ["Buyer", "DocumentKind", "DocumentLine", "InvoiceDocument", "NoAct", "VatGroup",
           "build_credit_note", "build_document", "document_date", "find_invoice"]


@dataclass(frozen=True, slots=True)
class Buyer:
    """The customer's requisites as its profile held them when the invoice was issued."""

    name: str
    inn: str | None
    kpp: str | None
    ogrn: str | None
    address: str | None


@dataclass(frozen=True, slots=True)
class VatGroup:
    """The lines of one VAT rate, summed (a document shows VAT per rate)."""

    rate: Decimal | None
    net: Money
    vat: Money


@dataclass(frozen=True, slots=True)
class InvoiceDocument:
    """Everything a счёт or акт prints, in the language it is printed in."""

    kind: Literal["invoice", "act", "credit_note", "correction"]
    language: Language
    number: str
    document_date: date
    issued_on: date
    due_on: date
    period_start: date | None
    period_end: date | None
    seller: CompanyProfile
    buyer: Buyer
    lines: tuple[DocumentLine, ...]
    vat_groups: tuple[VatGroup, ...]
    discount_total: Money
    net_total: Money
    vat_total: Money
    total: Money
    credit_applied: Money
    amount_due: Money
    corrects: tuple[str, date] | None = None
    """A credit note's invoice: its number and issue date."""
    reason: str = ""
    voided: tuple[date, str] | None = None
    """The invoice was voided: the void's date and reason (it asks for nothing)."""

    @property
    def prices_include_vat(self) -> bool:
        """True when the lines are priced with VAT (a customer billed VAT-inclusive)."""
        return any(line.price_includes_vat for line in self.lines)

    @property
    def credited(self) -> bool:
        """True for an invoice partly or wholly paid from earlier credit when issued."""
        return self.kind == "invoice" and self.credit_applied.minor != 0

    @property
    def asks_payment(self) -> bool:
        """True for a счёт that asks for money: not voided, with something to pay."""
        return self.kind == "invoice" and self.voided is None and self.amount_due.minor > 0

    @property
    def payable(self) -> Money:
        """What the document asks for, and what its words say.

        «Всего к оплате» of an invoice paid in part from credit, else its total (an act or
        a credit note states what was rendered).
        """
        return self.amount_due if self.credited else self.total

    @property
    def total_in_words(self) -> str:
        """The payable amount in words («Одна тысяча … рублей 00 копеек»).

        A correction says by how much it lowers the debt, so its words are of that amount
        (printed after «Сумма уменьшения задолженности»), never «Минус …».
        """
        amount = abs(self.total) if self.kind == "correction" else self.payable
        return amount_in_words(amount, self.language)

    def vat_payable(self) -> tuple[VatGroup, ...]:
        """VAT per rate in what is payable: the payment's own VAT (п. 4 ст. 168 НК).

        Credit applied on the invoice was paid (with its VAT) earlier, so the VAT of the
        amount due is each rate's VAT in proportion to amount due / total, rounded half-up.
        Without credit it is the document's VAT per rate.
        """
        if not self.credited or not self.total.minor:
            return self.vat_groups
        share = Fraction(self.amount_due.minor, self.total.minor)
        return tuple(VatGroup(rate=g.rate, net=g.net.times(share), vat=g.vat.times(share))
                     for g in self.vat_groups)

    @property
    def exempt(self) -> bool:
        """True when no line carries VAT: the document says «Без НДС»."""
        return all(group.rate is None for group in self.vat_groups)


def find_invoice(services: Services, invoice_id: str) -> InvoiceIssued:
    """The ``InvoiceIssued`` event of an invoice, found through the invoice register.

    Raises:
        NotFound: no such invoice (naming ``invoice_id``).
    """
    row = queries.invoice(services.store, invoice_id, services.runtime.clock.today().isoformat())
    if row is not None:
        for event in services.ledger.customer_history(UUID(row["customer_id"])):
            if isinstance(event, InvoiceIssued) and event.invoice_id == invoice_id:
                return event
    raise NotFound("no invoice {invoice_id}", field="invoice_id", invoice_id=invoice_id)


def document_date(event: InvoiceIssued, kind: DocumentKind) -> date:
    """The date a document carries.

    An invoice is dated the day it was issued. An act confirms services rendered, so it is
    dated the last day of the period billed (:func:`api.documents.dates.act_date`), or the
    issue date when the invoice names no period (one-off charges).
    """
    return event.issued_on if kind == "invoice" else act_date(event)


def build_document(
    services: Services, invoice_id: str, kind: DocumentKind, language: Language | None = None,
    *, company: CompanyBook | None = None,
) -> InvoiceDocument:
    """Gather an invoice or act from the ledger and the company book (``company`` or the file).

    Raises:
        NotFound: no such invoice.
        NoAct: an act of a voided or credit invoice, or before its services are rendered.
        CompanyProfileMissing: no seller requisites valid on the document's date.
    """
    event = find_invoice(services, invoice_id)
    history = services.ledger.customer_history(event.originator_id)
    voided = _void_of(history, invoice_id)
    day = document_date(event, kind)
    if kind == "act":
        ensure_act(event, voided, day, services.runtime.clock.today())
    seller = (company or load_company(services.settings)).as_of(day)
    customer = services.ledger.customer(event.originator_id, version=event.originator_version)
    lang = language or seller.language
    mode = invoice_vat_mode(event, customer.state.profile)
    currency = event.total.currency
    lines = tuple(document_line(n, line, lang, mode)
                  for n, line in enumerate(event.lines, start=1))
    printed: Literal["invoice", "act", "correction"] = (
        "correction" if kind == "invoice" and event.total.minor < 0 else kind)
    return InvoiceDocument(
        kind=printed, language=lang, number=event.number,
        document_date=day, issued_on=event.issued_on, due_on=event.due_on,
        period_start=event.period_start, period_end=event.period_end, seller=seller,
        buyer=_buyer(customer.state.profile), lines=lines,
        vat_groups=_vat_groups(lines, currency), discount_total=event.discount_total,
        net_total=total((line.net for line in lines), currency), vat_total=event.vat_total,
        total=event.total, credit_applied=event.credit_applied, amount_due=event.amount_due,
        voided=(voided.effective_date, voided.meta.reason or "") if voided else None,
    )


def invoice_vat_mode(event: InvoiceIssued, profile: Profile) -> VatMode | None:
    """The VAT mode the invoice's lines were read in, as recorded.

    Invoices recorded before the mode was kept take the customer's own mode as it stood
    when they were issued; None when the customer had none (the tariffs' mode governed).
    """
    return event.vat_mode if event.vat_mode is not None else profile.vat_mode


def _void_of(history: Sequence[LedgerEvent], invoice_id: str) -> InvoiceVoided | None:
    return next((e for e in history
                 if isinstance(e, InvoiceVoided) and e.invoice_id == invoice_id), None)


def build_credit_note(
    services: Services, invoice_id: str, credit_note_id: str, language: Language | None = None,
    *, company: CompanyBook | None = None,
) -> InvoiceDocument:
    """Gather a credit note on an invoice: the lines it credits, dated the day it was issued.

    Raises:
        NotFound: no such invoice, or no such credit note on it (``credit_note_id``).
        CompanyProfileMissing: no seller requisites valid on the credit note's date.
    """
    invoice = find_invoice(services, invoice_id)
    note = next((e for e in services.ledger.customer_history(invoice.originator_id)
                 if isinstance(e, CreditNoteIssued) and e.credit_note_id == credit_note_id
                 and e.invoice_id == invoice_id), None)
    if note is None:
        raise NotFound("no credit note {credit_note_id} on invoice {invoice_id}",
                       field="credit_note_id", credit_note_id=credit_note_id,
                       invoice_id=invoice_id)
    day = note.effective_date
    seller = (company or load_company(services.settings)).as_of(day)
    customer = services.ledger.customer(note.originator_id, version=note.originator_version)
    currency = note.total.currency
    lang = language or seller.language
    issued_to = services.ledger.customer(invoice.originator_id,
                                         version=invoice.originator_version)
    mode = invoice_vat_mode(invoice, issued_to.state.profile)
    lines = tuple(document_line(n, line, lang, mode)
                  for n, line in enumerate(note.lines, start=1))
    return InvoiceDocument(
        kind="credit_note", language=lang, number=note.number,
        document_date=day, issued_on=day, due_on=day, period_start=invoice.period_start,
        period_end=invoice.period_end, seller=seller, buyer=_buyer(customer.state.profile),
        lines=lines, vat_groups=_vat_groups(lines, currency),
        discount_total=total((line.discount for line in lines), currency),
        net_total=total((line.net for line in lines), currency), vat_total=note.vat_total,
        total=note.total, credit_applied=Money.zero(currency), amount_due=note.total,
        corrects=(invoice.number, invoice.issued_on), reason=note.meta.reason or "",
    )


def _buyer(profile: Profile) -> Buyer:
    """The buyer's requisites from its profile (those it has; a person may have no КПП)."""
    return Buyer(name=profile.name, inn=profile.inn, kpp=profile.kpp, ogrn=profile.ogrn,
                 address=profile.address)


def _vat_groups(lines: tuple[DocumentLine, ...], currency: str) -> tuple[VatGroup, ...]:
    """One group per rate, highest rate first, «без НДС» last."""
    rates = sorted({line.vat_rate for line in lines},
                   key=lambda r: (r is None, -(r or Decimal(0))))
    return tuple(
        VatGroup(
            rate=rate,
            net=total((line.net for line in lines if line.vat_rate == rate), currency),
            vat=total((line.vat for line in lines if line.vat_rate == rate), currency),
        )
        for rate in rates
    )
