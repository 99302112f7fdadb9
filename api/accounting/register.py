"""The sales and payments register of a period, read from the event log as known at a cut-off.

Why the log and not the views: the views hold the *current* state (an invoice voided last
week shows as void) and the invoice view keeps no recorded time, so they cannot say what
was known at an earlier instant. Each customer's history is read and cut at
``as_known_at`` (recorded time); business dates then choose the period. The cost is one
pass over every customer's events per export, which an accounting export can afford.

What goes where (docs/integrations.md states the same rules for the accountant):

- **sales**: invoices whose act is dated in the period (the realisation date: the last
  day of the period billed, or the issue date of an invoice with no period —
  ``api.documents.dates.act_date``, the date the act prints), unless voided within it
  (a void dated after the period's end leaves the sale in place: the period's file
  carried it);
- **corrections**: credit notes dated in the period; voids dated in the period of
  invoices whose sale fell *before* it (an earlier file carried them), with negative
  amounts; and **credit invoices** issued in the period — an invoice some VAT rate of
  which sums below zero (a cancellation or a downgrade gives back days not served) is no
  sale: 1C's realisation takes no negative rows, so it is a correction, dated the day it
  was issued, as recorded. A void of an invoice whose sale (or correction) falls in the
  void's own period is no correction: that invoice is simply absent. So each sale and its
  reversal are counted exactly once, each in its own period;
- **payments**: payments received (business date) in the period.

**Late records**: an event dated in the period but recorded after the cut-off (a payment
typed in on 2 March, dated 30 January) is in no file made with that cut-off, and a later
period's file selects by business date, so it would reach 1C never. The register counts
them (``late_records``) so that every file can say so and ask for a re-export with a later
cut-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import takewhile
from typing import TYPE_CHECKING, Literal

from api.documents.dates import act_date
from ledger.audit import replay
from ledger.customers.billing_events import CreditNoteIssued, InvoiceIssued, InvoiceVoided
from ledger.customers.events import PaymentReceived
from ledger.money import Money
from ledger.vat import charged_rate

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import date
    from decimal import Decimal
    from uuid import UUID

    from api.accounting.period import ExportPeriod
    from ledger.application import Ledger
    from ledger.customers.billing_events import LineRecord
    from ledger.events import LedgerEvent
    from ledger.vat import VatMode


CREDIT_INVOICE_REASON = ("счёт ниже нуля по ставке НДС: перерасчёт за дни, которые не будут "
                         "оказаны (отмена, пауза или смена тарифа)")
"""The «Причина» of a credit invoice on the «Корректировки» sheet."""


@dataclass(frozen=True)
class Counterparty:
    """A customer as the accountant's 1C knows it: name, ИНН, КПП (as known at the cut-off)."""

    customer_id: str
    external_key: str
    name: str
    inn: str | None
    kpp: str | None


@dataclass(frozen=True)
class Line:
    """One document line: before VAT, VAT and with VAT; ``percent`` None means "без НДС"."""

    description: str
    tariff_code: str | None
    percent: Decimal | None
    net: Money
    vat: Money
    total: Money

    @property
    def rate_label(self) -> str:
        """The rate as an accountant writes it: ``22%`` or ``без НДС``."""
        return "без НДС" if self.percent is None else f"{self.percent.normalize():f}%"


@dataclass(frozen=True)
class Document:
    """An invoice (a sale), or a correction of one.

    A correction is a credit note or a void (negative lines), or a credit invoice (lines
    as recorded, some rate below zero).
    """

    document_id: str
    kind: Literal["invoice", "credit_note", "void", "credit_invoice"]
    number: str
    on: date
    customer_id: str
    currency: str
    lines: tuple[Line, ...]
    invoice_number: str = ""
    reason: str = ""

    @property
    def net(self) -> Money:
        """The sum of the lines before VAT."""
        return _sum((line.net for line in self.lines), self.currency)

    @property
    def vat(self) -> Money:
        """The sum of the lines' VAT (a document's VAT is the sum of its rounded lines)."""
        return _sum((line.vat for line in self.lines), self.currency)

    @property
    def total(self) -> Money:
        """The sum of the lines with VAT."""
        return _sum((line.total for line in self.lines), self.currency)


@dataclass(frozen=True)
class Payment:
    """Money received from a customer, with the payer's document and the invoices it paid."""

    payment_id: str
    customer_id: str
    on: date
    amount: Money
    reference: str
    payer_name: str | None
    payer_inn: str | None
    method: str
    invoice_numbers: tuple[str, ...]


@dataclass(frozen=True)
class Register:
    """Everything one export holds, in a fixed order (the same input gives the same file)."""

    period: ExportPeriod
    counterparties: tuple[Counterparty, ...]
    sales: tuple[Document, ...]
    corrections: tuple[Document, ...]
    payments: tuple[Payment, ...]
    late_records: int = 0
    """Invoices, credit notes, voids and payments dated in the period, recorded after the
    cut-off: not in this file; a later cut-off brings them in."""

    def counterparty(self, customer_id: str) -> Counterparty:
        """The counterparty of a document or payment."""
        return next(c for c in self.counterparties if c.customer_id == customer_id)


def read_register(ledger: Ledger, period: ExportPeriod) -> Register:
    """Collect the period's documents and payments, as known at ``period.as_known_at``."""
    counterparties: list[Counterparty] = []
    sales: list[Document] = []
    corrections: list[Document] = []
    payments: list[Payment] = []
    late = 0
    for customer_id in ledger.customer_ids():
        history = ledger.customer_history(customer_id)
        # the longest prefix recorded by the cut-off: a history as it stood then (a later
        # version stamped a moment earlier, while waiting for the writer's lock, is not in it)
        known = list(takewhile(lambda e: e.recorded_at <= period.as_known_at, history))
        late += sum(1 for e in history[len(known):] if _dated_within(e, period))
        found = _customer(known, period)
        if not any(found):
            continue
        sales.extend(found[0])
        corrections.extend(found[1])
        payments.extend(found[2])
        counterparties.append(_counterparty(customer_id, known))
    return Register(
        period=period,
        counterparties=tuple(sorted(counterparties, key=lambda c: (c.name, c.customer_id))),
        sales=tuple(sorted(sales, key=lambda d: (d.on, d.number))),
        corrections=tuple(sorted(corrections, key=lambda d: (d.on, d.number))),
        payments=tuple(sorted(payments, key=lambda p: (p.on, p.customer_id, p.payment_id))),
        late_records=late,
    )


def sale_date(invoice: InvoiceIssued) -> date:
    """The business date an invoice counts on: its act's, or its issue date for a credit."""
    return invoice.issued_on if invoice.total.minor < 0 else act_date(invoice)


def _dated_within(event: LedgerEvent, period: ExportPeriod) -> bool:
    """True for a document or payment whose business date lies in the period."""
    if isinstance(event, InvoiceIssued):
        day = sale_date(event)
    elif isinstance(event, PaymentReceived):
        day = event.received_on
    elif isinstance(event, CreditNoteIssued | InvoiceVoided):
        day = event.effective_date
    else:
        return False
    return period.date_from <= day <= period.date_to


def _customer(
    known: Sequence[LedgerEvent], period: ExportPeriod
) -> tuple[list[Document], list[Document], list[Payment]]:
    """One customer's sales, corrections and payments of the period."""
    issued = {e.invoice_id: e for e in known if isinstance(e, InvoiceIssued)}
    voided = {e.invoice_id: e for e in known if isinstance(e, InvoiceVoided)}
    modes = _vat_modes(known, issued.values())

    def within(day: date) -> bool:
        return period.date_from <= day <= period.date_to

    invoices = [_invoice(e, modes[e.invoice_id]) for e in issued.values()]
    kept = [d for d in invoices if within(d.on) and not (
        d.document_id in voided and voided[d.document_id].effective_date <= period.date_to)]
    sales = [d for d in kept if d.kind == "invoice"]
    corrections = [d for d in kept if d.kind == "credit_invoice"]
    corrections += [_credit_note(e, modes.get(e.invoice_id)) for e in known
                    if isinstance(e, CreditNoteIssued) and within(e.effective_date)]
    corrections += [_void(e, issued[e.invoice_id], modes[e.invoice_id])
                    for e in voided.values() if within(e.effective_date)
                    and sale_date(issued[e.invoice_id]) < period.date_from]
    numbers = {invoice_id: e.number for invoice_id, e in issued.items()}
    payments = [_payment(e, numbers) for e in known
                if isinstance(e, PaymentReceived) and within(e.received_on)]
    return sales, corrections, payments


def _vat_modes(
    known: Sequence[LedgerEvent], invoices: Iterable[InvoiceIssued]
) -> dict[str, VatMode | None]:
    """Each invoice's VAT mode as recorded.

    For invoices recorded before it was kept: the customer's own mode as it stood when
    they were issued (None: the tariffs' governed, and the line's amounts tell).
    """
    return {e.invoice_id: e.vat_mode if e.vat_mode is not None
            else replay(known, version=e.originator_version).state.profile.vat_mode
            for e in invoices}


def _counterparty(customer_id: UUID, known: Sequence[LedgerEvent]) -> Counterparty:
    """The customer's profile as it stood at the cut-off (a later rename does not apply)."""
    profile = replay(known).state.profile
    return Counterparty(str(customer_id), profile.external_key, profile.name, profile.inn,
                        profile.kpp)


def _line(record: LineRecord, sign: int, mode: VatMode | None) -> Line:
    """A recorded line, negated for a correction; "без НДС" when it carried no VAT.

    A line keeps the rate it was priced with even when the customer is billed without VAT
    (its VAT is then zero); the invoice's recorded VAT mode says so
    (``ledger.vat.charged_rate``), not its amounts: a 22 % line of 0.02 stays 22 %.
    """
    percent = charged_rate(record.vat_rate, mode=mode, vat=record.vat, net=record.net)
    return Line(record.description, record.tariff_code, percent,
                Money(sign * record.net.minor, record.net.currency),
                Money(sign * record.vat.minor, record.vat.currency),
                Money(sign * record.total.minor, record.total.currency))


def _invoice(event: InvoiceIssued, mode: VatMode | None) -> Document:
    """A sale dated like its act; a credit invoice (a rate below zero) as a correction."""
    lines = tuple(_line(r, 1, mode) for r in event.lines)
    rates: dict[Decimal | None, int] = {}
    for line in lines:
        rates[line.percent] = rates.get(line.percent, 0) + line.total.minor
    if any(minor < 0 for minor in rates.values()):
        return Document(event.invoice_id, "credit_invoice", event.number, event.issued_on,
                        str(event.originator_id), event.total.currency, lines, event.number,
                        CREDIT_INVOICE_REASON)
    return Document(event.invoice_id, "invoice", event.number, act_date(event),
                    str(event.originator_id), event.total.currency, lines)


def _credit_note(event: CreditNoteIssued, mode: VatMode | None) -> Document:
    return Document(event.credit_note_id, "credit_note", event.number, event.effective_date,
                    str(event.originator_id), event.total.currency,
                    tuple(_line(r, -1, mode) for r in event.lines), event.invoice_number,
                    event.meta.reason or "")


def _void(event: InvoiceVoided, invoice: InvoiceIssued, mode: VatMode | None) -> Document:
    return Document(f"void:{event.invoice_id}", "void", event.number, event.effective_date,
                    str(event.originator_id), event.total.currency,
                    tuple(_line(r, -1, mode) for r in invoice.lines), event.number,
                    event.meta.reason or "")


def _payment(event: PaymentReceived, numbers: dict[str, str]) -> Payment:
    return Payment(event.payment_id, str(event.originator_id), event.received_on, event.amount,
                   event.reference, event.payer_name, event.payer_inn, event.method,
                   tuple(sorted(numbers.get(i, i) for i in event.allocations)))


def _sum(amounts: Iterable[Money], currency: str) -> Money:
    total = Money.zero(currency)
    for amount in amounts:
        total += amount
    return total
