"""The invoice register and its lines: what was billed, settled, credited, and what is open.

``open`` is kept as a column so debts can be aged by due date at query time ("overdue" is a
matter of the date the question is asked, not a fact of the history). ``paid`` counts money
and credit alike: a payment's allocation, credit used when the invoice was issued, and credit
a negative invoice or a credit note allocated to it later (``CreditAllocated``). A negative
invoice has nothing open: it is credit, not a debt.

``paid_on`` is the business date on which the invoice's open amount reached zero with
something paid on it (money or credit): the settling event's effective date (a payment's
``received_on``), never before the issue date, so credit used at issue gives ``issued_on``.
It is cleared when the invoice reopens (a payment moved away, a chargeback). A write-off is
not a payment: an invoice closed by writing off its rest keeps ``paid_on`` empty, and so
does one credited in full with nothing paid; but one partly written off and then paid in
full is dated by the payment that closed it. A credit note lowers what is owed: one that
closes a partly paid invoice (crediting no more than is open) dates it. What a note credits
beyond that was paid, and the note releases it (``CreditNoteIssued.released``: the money is
credit again, and settles other invoices), so it no longer counts as paid: a note on an
invoice already paid keeps its date while something paid remains, and an invoice credited
in full has nothing paid and no ``paid_on``, like one a payment was moved off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from ledger.customers.billing_events import CreditNoteIssued, InvoiceIssued, InvoiceVoided
from ledger.customers.collections_events import (
    ChargebackRecorded,
    CreditAllocated,
    DebtWrittenOff,
    PaymentReallocated,
)
from ledger.customers.events import PaymentReceived
from projections.base import Projection, on

if TYPE_CHECKING:
    from datetime import date

    from projections.store import Transaction

Settled = Literal["paid", "credited", "written_off"]


class InvoiceRegister(Projection):
    """Every invoice with its totals and settlement, and every line with its formula."""

    name = "invoices"
    tables = ("view_invoices", "view_invoice_lines")
    revision = 4  # 2: credit allocations settle invoices; a negative invoice is open 0
    # 3: paid_on, the business date an invoice became fully paid
    # 4: paid_on also for an invoice partly written off, then paid in full
    schema = (
        "CREATE TABLE IF NOT EXISTS view_invoices ("
        " invoice_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, number TEXT NOT NULL,"
        " issued_on TEXT NOT NULL, due_on TEXT NOT NULL, period_start TEXT, period_end TEXT,"
        " currency TEXT NOT NULL, subtotal BIGINT NOT NULL, discount_total BIGINT NOT NULL,"
        " vat_total BIGINT NOT NULL, total BIGINT NOT NULL, paid BIGINT NOT NULL DEFAULT 0,"
        " credited BIGINT NOT NULL DEFAULT 0, written_off BIGINT NOT NULL DEFAULT 0,"
        " open BIGINT NOT NULL, void BIGINT NOT NULL DEFAULT 0, paid_on TEXT,"
        " position BIGINT NOT NULL)",
        "CREATE UNIQUE INDEX IF NOT EXISTS view_invoices_number ON view_invoices (number)",
        "CREATE INDEX IF NOT EXISTS view_invoices_customer ON view_invoices (customer_id)",
        "CREATE INDEX IF NOT EXISTS view_invoices_due ON view_invoices (due_on)",
        "CREATE INDEX IF NOT EXISTS view_invoices_issued ON view_invoices (currency, issued_on)",
        "CREATE TABLE IF NOT EXISTS view_invoice_lines ("
        " invoice_id TEXT NOT NULL, line_id TEXT NOT NULL, customer_id TEXT NOT NULL,"
        " number TEXT NOT NULL, issued_on TEXT NOT NULL, kind TEXT NOT NULL,"
        " description TEXT NOT NULL, tariff_code TEXT, component TEXT, period_start TEXT,"
        " period_end TEXT, currency TEXT NOT NULL, amount BIGINT NOT NULL,"
        " discount BIGINT NOT NULL, net BIGINT NOT NULL, vat BIGINT NOT NULL,"
        " total BIGINT NOT NULL, vat_rate TEXT, formula TEXT NOT NULL, position BIGINT NOT NULL,"
        " PRIMARY KEY (invoice_id, line_id))",
        "CREATE INDEX IF NOT EXISTS view_invoice_lines_tariff ON view_invoice_lines"
        " (tariff_code, issued_on)",
    )

    @on(InvoiceIssued)
    def issued(self, tx: Transaction, event: InvoiceIssued, position: int) -> None:
        """Add the invoice and its lines."""
        customer_id = str(event.originator_id)
        tx.execute(
            "INSERT INTO view_invoices (invoice_id, customer_id, number, issued_on, due_on,"
            " period_start, period_end, currency, subtotal, discount_total, vat_total, total,"
            " paid, open, paid_on, position) VALUES (:id, :cid, :number, :issued, :due, :start,"
            " :end, :currency, :subtotal, :discount, :vat, :total, :paid, :open, :paid_on,"
            " :position)",
            {
                "id": event.invoice_id, "cid": customer_id, "number": event.number,
                "issued": event.issued_on.isoformat(), "due": event.due_on.isoformat(),
                "start": _iso(event.period_start), "end": _iso(event.period_end),
                "currency": event.total.currency, "subtotal": event.subtotal.minor,
                "discount": event.discount_total.minor, "vat": event.vat_total.minor,
                "total": event.total.minor, "paid": event.credit_applied.minor,
                "open": max(event.amount_due.minor, 0), "position": position,
                "paid_on": (event.issued_on.isoformat() if event.credit_applied.minor > 0
                            and event.amount_due.minor <= 0 else None),
            },
        )
        self._lines(tx, event, event.invoice_id, event.number,
                    issued_on=event.issued_on.isoformat(), lines=event.lines, sign=1,
                    position=position)

    @staticmethod
    def _lines(
        tx: Transaction, event: Any, document_id: str, number: str, *, issued_on: str,
        lines: Any, sign: int, position: int,
    ) -> None:
        """Add a document's lines; a credit note's lines go in with the opposite sign."""
        for line in lines:
            tx.execute(
                "INSERT INTO view_invoice_lines (invoice_id, line_id, customer_id, number,"
                " issued_on, kind, description, tariff_code, component, period_start,"
                " period_end, currency, amount, discount, net, vat, total, vat_rate, formula,"
                " position) VALUES (:id, :line, :cid, :number, :issued, :kind, :description,"
                " :tariff, :component, :start, :end, :currency, :amount, :discount, :net, :vat,"
                " :total, :rate, :formula, :position)",
                {
                    "id": document_id, "line": line.line_id, "cid": str(event.originator_id),
                    "number": number, "issued": issued_on,
                    "kind": line.kind if sign > 0 else "credit_note",
                    "description": line.description,
                    "tariff": line.tariff_code, "component": line.component,
                    "start": _iso(line.period_start), "end": _iso(line.period_end),
                    "currency": line.total.currency, "amount": sign * line.amount.minor,
                    "discount": sign * line.discount.minor, "net": sign * line.net.minor,
                    "vat": sign * line.vat.minor, "total": sign * line.total.minor,
                    "rate": None if line.vat_rate is None else str(line.vat_rate),
                    "formula": line.formula, "position": position,
                },
            )

    @on(PaymentReceived)
    def paid(self, tx: Transaction, event: PaymentReceived, _: int) -> None:
        """Settle the invoices the payment was allocated to."""
        for invoice_id, minor in event.allocations.items():
            self._settle(tx, invoice_id, "paid", minor, event.received_on)

    @on(PaymentReallocated)
    def reallocated(self, tx: Transaction, event: PaymentReallocated, _: int) -> None:
        """Move what the payment settles from some invoices to others."""
        day = event.meta.effective_date
        for invoice_id, minor in event.removed.items():
            self._settle(tx, invoice_id, "paid", -minor, day)
        for invoice_id, minor in event.added.items():
            self._settle(tx, invoice_id, "paid", minor, day)

    @on(CreditAllocated)
    def credit_allocated(self, tx: Transaction, event: CreditAllocated, _: int) -> None:
        """Settle the invoices a document's credit was allocated to (counted as paid)."""
        for invoice_id, minor in event.allocations.items():
            self._settle(tx, invoice_id, "paid", minor, event.meta.effective_date)

    @on(ChargebackRecorded)
    def charged_back(self, tx: Transaction, event: ChargebackRecorded, _: int) -> None:
        """Reopen the invoices the charged-back payment had settled."""
        for invoice_id, minor in event.removed.items():
            self._settle(tx, invoice_id, "paid", -minor, event.meta.effective_date)

    @on(DebtWrittenOff)
    def written_off(self, tx: Transaction, event: DebtWrittenOff, _: int) -> None:
        """Lower the invoice by the amount written off."""
        self._settle(tx, event.invoice_id, "written_off", event.amount.minor,
                     event.meta.effective_date)

    @on(CreditNoteIssued)
    def credited(self, tx: Transaction, event: CreditNoteIssued, position: int) -> None:
        """Lower the invoice by the credit note, and list its lines as negative lines.

        What the note released (the part of ``paid`` it made credit again) no longer
        counts as paid on the invoice.
        """
        self._settle(tx, event.invoice_id, "credited", event.total.minor,
                     event.meta.effective_date)
        if released := sum(event.released.values()) + event.released_credit:
            self._settle(tx, event.invoice_id, "paid", -released, event.meta.effective_date)
        self._lines(tx, event, event.credit_note_id, event.number,
                    issued_on=event.meta.effective_date.isoformat(), lines=event.lines,
                    sign=-1, position=position)

    @on(InvoiceVoided)
    def voided(self, tx: Transaction, event: InvoiceVoided, _: int) -> None:
        """Mark the invoice void; nothing is open on it any more."""
        tx.execute("UPDATE view_invoices SET void = 1, open = 0 WHERE invoice_id = :id",
                   {"id": event.invoice_id})

    @staticmethod
    def _settle(
        tx: Transaction, invoice_id: str, column: Settled, minor: int, on: date
    ) -> None:
        """Add ``minor`` to ``column``, then recompute ``open`` and ``paid_on`` from the sums.

        The right-hand sides of an UPDATE read the row as it was, so each sum is written
        with the change applied.
        """
        new = {name: f"({name} + :minor)" if name == column else name
               for name in ("paid", "credited", "written_off")}
        left = f"total - {new['paid']} - {new['credited']} - {new['written_off']}"
        # a write-off that closes the invoice is not what paid it: it dates nothing
        closed_on = ("paid_on" if column == "written_off" else
                     "COALESCE(paid_on, CASE WHEN :on > issued_on THEN :on ELSE issued_on END)")
        tx.execute(
            f"UPDATE view_invoices SET {column} = {column} + :minor,"  # noqa: S608
            f" open = CASE WHEN {left} > 0 THEN {left} ELSE 0 END,"
            f" paid_on = CASE WHEN {left} <= 0 AND {new['paid']} > 0 THEN {closed_on} END"
            " WHERE invoice_id = :id",
            {"minor": minor, "id": invoice_id, "on": on.isoformat()},
        )


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())
