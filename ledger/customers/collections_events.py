"""Collections facts: (re-)allocations, refunds, chargebacks, write-offs, dunning steps.

Like every event, each ``change`` only assigns state. Money that leaves us (a refund, a
chargeback) goes to ``Balance.refunded`` and raises what the customer owes by as much as it
lowers their credit; a write-off goes to ``Balance.written_off`` and to the invoice it
settles. The event kind tells a refund from a chargeback in views and statements.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from ledger.aggregate import StateEvent
from ledger.dunning import ACTING, DunningAction
from ledger.money import Money

if TYPE_CHECKING:
    from ledger.customers.payment_book import PaymentState
    from ledger.customers.state import CustomerState


def allocate(payment: PaymentState, amounts: dict[str, int], sign: int) -> None:
    """Add (sign 1) or take back (sign -1) a payment's allocations (not the invoices' paid)."""
    for invoice_id, minor in amounts.items():
        left = payment.allocations.get(invoice_id, 0) + sign * minor
        if left:
            payment.allocations[invoice_id] = left
        else:
            payment.allocations.pop(invoice_id, None)


def move_allocations(
    state: CustomerState, payment: PaymentState, amounts: dict[str, int], sign: int
) -> None:
    """Add (sign 1) or take back (sign -1) a payment's allocations, and the invoices' paid."""
    allocate(payment, amounts, sign)
    for invoice_id, minor in amounts.items():
        state.invoices[invoice_id].paid += sign * minor


class PaymentReallocated(StateEvent):
    """A payment's allocation was changed: ``removed`` taken off invoices, ``added`` put on.

    Amounts are minor units of the payment's ``currency``; ``numbers`` names each invoice.
    What the customer owes does not change, only which invoices are open. The reason is
    mandatory and lives in ``meta.reason``.
    """

    payment_id: str
    currency: str
    removed: dict[str, int] = Field(default_factory=dict)
    added: dict[str, int] = Field(default_factory=dict)
    numbers: dict[str, str] = Field(default_factory=dict)

    def change(self, state: CustomerState) -> None:
        """Move the allocations."""
        payment = state.payments[self.payment_id]
        move_allocations(state, payment, self.removed, -1)
        move_allocations(state, payment, self.added, 1)


class CreditAllocated(StateEvent):
    """Credit a document left the customer settled their open invoices, oldest due first.

    Recorded right after the event that created the credit (a negative invoice, or a credit
    note larger than what its own invoice still had open), in the same command, so that
    nothing is ever settled implicitly: the history says which credit settled which invoice
    and by how much. ``source`` is ``"invoice"`` or ``"credit_note"``; ``source_id`` and
    ``source_number`` name the document; ``credit`` is all the credit it left, of which
    ``allocations`` (invoice id → minor units, in the order settled) went to invoices and
    the rest stays credit for the next invoices. What the customer owes does not change,
    only which invoices are open. Like an invoice's ``credit_applied``, the amounts count
    as paid on the invoices they settle.

    ``payments`` says which part of ``allocations`` is payments' money (payment id →
    invoice id → minor units): a credit note on a paid invoice frees the payments that
    had settled it (``CreditNoteIssued.released``), and that money settles the other
    invoices as those payments' allocations, so that a refund, re-allocation or chargeback
    of a payment follows its money. The rest is credit that no payment holds. Notes
    recorded before this field existed carry none.
    """

    source: Literal["invoice", "credit_note"]
    source_id: str
    source_number: str
    credit: Money
    allocations: dict[str, int] = Field(default_factory=dict)
    numbers: dict[str, str] = Field(default_factory=dict)
    payments: dict[str, dict[str, int]] = Field(default_factory=dict)

    def change(self, state: CustomerState) -> None:
        """Settle the invoices; a negative invoice remembers that its credit is spent."""
        for invoice_id, minor in self.allocations.items():
            state.invoices[invoice_id].paid += minor
        for payment_id, amounts in self.payments.items():
            allocate(state.payments[payment_id], amounts, 1)
        if self.source == "invoice":
            state.invoices[self.source_id].credit_allocated += sum(self.allocations.values())


class RefundIssued(StateEvent):
    """Money was paid back to the customer, from their credit or against one payment.

    ``sources`` says which payments' unallocated money it came from (payment id → minor
    units); a ``"credit"`` entry is credit that no payment holds (a credit note, an
    adjustment). ``payment_id`` is None for a refund of credit.
    """

    refund_id: str
    amount: Money
    payment_id: str | None = None
    sources: dict[str, int] = Field(default_factory=dict)

    def change(self, state: CustomerState) -> None:
        """Count the refund; the payments it came from have that much less to allocate."""
        state.balance(self.amount.currency).refunded += self.amount.minor
        for payment_id, minor in self.sources.items():
            if payment_id in state.payments:
                state.payments[payment_id].refunded += minor


class ChargebackRecorded(StateEvent):
    """The payer's bank took a payment (or part of it) back.

    It first uses the payment's unallocated part; the rest is taken off the invoices it
    had settled (``removed``, the most recently allocated first), which become open again.
    """

    chargeback_id: str
    payment_id: str
    amount: Money
    removed: dict[str, int] = Field(default_factory=dict)
    numbers: dict[str, str] = Field(default_factory=dict)

    def change(self, state: CustomerState) -> None:
        """The money is owed again; the invoices it settled reopen."""
        state.balance(self.amount.currency).refunded += self.amount.minor
        payment = state.payments[self.payment_id]
        payment.refunded += self.amount.minor
        move_allocations(state, payment, self.removed, -1)


class DebtWrittenOff(StateEvent):
    """Part or all of an invoice's open amount was written off as bad debt.

    ``approver`` is the second person who agreed to it (never the actor who records it);
    the reason is mandatory and lives in ``meta.reason``.
    """

    write_off_id: str
    invoice_id: str
    invoice_number: str
    amount: Money
    approver: str

    def change(self, state: CustomerState) -> None:
        """Lower what the customer owes and what the invoice asks for."""
        state.balance(self.amount.currency).written_off += self.amount.minor
        state.invoices[self.invoice_id].written_off += self.amount.minor


class DunningStepTaken(StateEvent):
    """A step of the dunning policy was taken for an overdue invoice.

    ``step`` is the step's position in policy version ``policy_version`` (from 1);
    ``days_after_due`` is the step's day and ``days_overdue`` the invoice's age when the
    step was taken (later than the step's day only when a run was missed). The outbound
    notifications deliver reminders from these events.
    """

    invoice_id: str
    invoice_number: str
    due_on: date
    step: int
    days_after_due: int
    action: DunningAction
    days_overdue: int
    open_amount: Money
    policy_version: int

    def change(self, state: CustomerState) -> None:
        """Remember the step as taken for the invoice (and the suspension bar).

        A suspension or cancellation is remembered by its action too: a later policy
        version may put it on another day, and it is still taken once.
        """
        last = state.dunning.get(self.invoice_id, 0)
        state.dunning[self.invoice_id] = max(last, self.days_after_due)
        if self.action in ACTING:
            state.dunning_actions.setdefault(self.invoice_id, set()).add(self.action)
        if self.action == "suspend":
            state.suspension_days = self.days_after_due


class PaymentLinkedToBankLine(StateEvent):
    """A bank statement line was found to be a payment already on the book (no new money).

    The payment was typed in by hand before the statement arrived; ``bank_payment_id`` is
    the line's aggregate. The payment is then claimed: no second line can link to it.
    """

    payment_id: str
    bank_payment_id: str

    def change(self, state: CustomerState) -> None:
        """Remember the payment as claimed by the line."""
        state.bank_links[self.payment_id] = self.bank_payment_id
