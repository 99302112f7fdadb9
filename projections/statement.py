"""The statement of account (акт сверки): every movement of what a customer owes, dated.

One row per event that changes the balance, with the amount in ``debit`` (raises what the
customer owes: an invoice, a refund, a chargeback, a positive adjustment) or ``credit``
(lowers it: a payment, a credit note, a void, a write-off, a negative adjustment). Summed,
debits minus credits give exactly the ledger's ``Balance.net_minor``. Rows are dated by
their business date (``meta.effective_date``), so a backdated payment lands in its own
period; running balances are computed when a statement is asked for, not stored.
Re-allocations, credit allocated to open invoices (``CreditAllocated``: the negative invoice
or credit note that left the credit is listed, once) and dunning steps move no money and are
not listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from ledger.customers.billing_events import CreditNoteIssued, InvoiceIssued, InvoiceVoided
from ledger.customers.collections_events import ChargebackRecorded, DebtWrittenOff, RefundIssued
from ledger.customers.events import AdjustmentRecorded, PaymentReceived
from projections.base import Projection, on

if TYPE_CHECKING:
    from ledger.money import Money
    from projections.store import Transaction


class Movement(NamedTuple):
    """What one event does to the account: a positive ``signed`` is a debit, negative a credit."""

    kind: str
    document: str
    description: str
    signed: Money


class CustomerStatement(Projection):
    """Dated debits and credits of each customer's account, for statements of account."""

    name = "statement"
    tables = ("view_movements",)
    schema = (
        "CREATE TABLE IF NOT EXISTS view_movements ("
        " customer_id TEXT NOT NULL, version BIGINT NOT NULL, position BIGINT NOT NULL,"
        " occurred_on TEXT NOT NULL, kind TEXT NOT NULL, document TEXT NOT NULL,"
        " description TEXT NOT NULL, currency TEXT NOT NULL, debit BIGINT NOT NULL,"
        " credit BIGINT NOT NULL, PRIMARY KEY (customer_id, version))",
        "CREATE INDEX IF NOT EXISTS view_movements_on ON view_movements"
        " (customer_id, occurred_on, position)",
    )

    @on(InvoiceIssued)
    def invoiced(self, tx: Transaction, event: InvoiceIssued, position: int) -> None:
        """An invoice: its total is owed."""
        period = f" for {event.period_start} → {event.period_end}" if event.period_start else ""
        _add(tx, event, position,
             Movement("invoice", event.number, f"Invoice{period}", event.total))

    @on(InvoiceVoided)
    def voided(self, tx: Transaction, event: InvoiceVoided, position: int) -> None:
        """A void takes the invoice's total back."""
        _add(tx, event, position, Movement("void", event.number, "Invoice voided", -event.total))

    @on(CreditNoteIssued)
    def credited(self, tx: Transaction, event: CreditNoteIssued, position: int) -> None:
        """A credit note lowers what is owed."""
        _add(tx, event, position, Movement("credit_note", event.number,
             f"Credit note on invoice {event.invoice_number}", -event.total))

    @on(PaymentReceived)
    def paid(self, tx: Transaction, event: PaymentReceived, position: int) -> None:
        """A payment lowers what is owed."""
        ref = f", ref {event.reference}" if event.reference else ""
        _add(tx, event, position, Movement("payment", event.payment_id, f"Payment received{ref}",
             -event.amount))

    @on(AdjustmentRecorded)
    def adjusted(self, tx: Transaction, event: AdjustmentRecorded, position: int) -> None:
        """An adjustment moves what is owed by its signed amount."""
        _add(tx, event, position, Movement("adjustment", event.adjustment_id,
             f"Adjustment: {event.meta.reason}", event.amount))

    @on(RefundIssued)
    def refunded(self, tx: Transaction, event: RefundIssued, position: int) -> None:
        """A refund pays credit back, so the balance rises."""
        source = f" against payment {event.payment_id}" if event.payment_id else " from credit"
        _add(tx, event, position,
             Movement("refund", event.refund_id, f"Refund{source}", event.amount))

    @on(ChargebackRecorded)
    def charged_back(self, tx: Transaction, event: ChargebackRecorded, position: int) -> None:
        """A chargeback undoes (part of) a payment."""
        _add(tx, event, position, Movement("chargeback", event.chargeback_id,
             f"Chargeback of payment {event.payment_id}", event.amount))

    @on(DebtWrittenOff)
    def written_off(self, tx: Transaction, event: DebtWrittenOff, position: int) -> None:
        """A write-off gives up debt."""
        _add(tx, event, position, Movement("write_off", event.write_off_id,
             f"Bad debt written off on invoice {event.invoice_number}", -event.amount))


def _add(tx: Transaction, event: Any, position: int, movement: Movement) -> None:
    kind, document, description, signed = movement  # one row per event: (customer, version)
    tx.execute(
        "INSERT INTO view_movements (customer_id, version, position, occurred_on, kind,"
        " document, description, currency, debit, credit) VALUES (:cid, :version, :position,"
        " :on, :kind, :document, :description, :currency, :debit, :credit)",
        {
            "cid": str(event.originator_id), "version": event.originator_version,
            "position": position, "on": event.effective_date.isoformat(), "kind": kind,
            "document": document, "description": description, "currency": signed.currency,
            "debit": max(signed.minor, 0), "credit": max(-signed.minor, 0),
        },
    )
