"""Timeline lines of collections: re-allocations, credit, refunds, chargebacks, dunning."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.customers import collections_events as cev
from ledger.money import Money
from projections.messages import Line, declare
from projections.system_lines import said

if TYPE_CHECKING:
    from collections.abc import Callable

    from projections.messages import Value

NOTHING = ""


def _reason(event: Any) -> Value:
    return said(event.meta.reason)


ON_INVOICE = declare("{number} {amount}")


def _on_invoices(amounts: dict[str, int], numbers: dict[str, str], currency: str) -> Value:
    return tuple(Line(ON_INVOICE, {"number": numbers.get(i, i), "amount": Money(m, currency)})
                 for i, m in amounts.items())


REALLOCATED = declare("Payment {payment_id} re-allocated: taken off {removed}; put on {added}"
                      " — {reason}")
REALLOCATED_OFF = declare("Payment {payment_id} re-allocated: taken off {removed} — {reason}")
REALLOCATED_ON = declare("Payment {payment_id} re-allocated: put on {added} — {reason}")


def reallocated(event: cev.PaymentReallocated) -> Line:
    """A payment moved between invoices."""
    values: dict[str, Value] = {"payment_id": event.payment_id, "reason": _reason(event)}
    removed = _on_invoices(event.removed, event.numbers, event.currency)
    added = _on_invoices(event.added, event.numbers, event.currency)
    if event.removed and event.added:
        return Line(REALLOCATED, {**values, "removed": removed, "added": added})
    if event.removed:
        return Line(REALLOCATED_OFF, {**values, "removed": removed})
    return Line(REALLOCATED_ON, {**values, "added": added})


CREDIT_ALLOCATED = {
    "invoice": declare("Credit of {credit} from invoice {source_number} settled {invoices}"
                       " (oldest due first){rest}"),
    "credit_note": declare("Credit of {credit} from credit note {source_number} settled"
                           " {invoices} (oldest due first){rest}"),
}
CREDIT_LEFT = declare("; {left} stays credit for the next invoices")


def credit_allocated(event: cev.CreditAllocated) -> Line:
    """Credit settling open invoices."""
    currency = event.credit.currency
    left = event.credit.minor - sum(event.allocations.values())
    rest = Line(CREDIT_LEFT, {"left": Money(left, currency)}) if left else NOTHING
    return Line(CREDIT_ALLOCATED[event.source], {
        "credit": event.credit, "source_number": event.source_number,
        "invoices": _on_invoices(event.allocations, event.numbers, currency), "rest": rest})


REFUND_OF_PAYMENT = declare("Refund of {amount} against payment {payment_id} — {reason}")
REFUND_FROM_CREDIT = declare("Refund of {amount} from credit — {reason}")


def refund(event: cev.RefundIssued) -> Line:
    """Money returned to the customer."""
    values: dict[str, Value] = {"amount": event.amount, "reason": _reason(event)}
    if event.payment_id:
        return Line(REFUND_OF_PAYMENT, {**values, "payment_id": event.payment_id})
    return Line(REFUND_FROM_CREDIT, values)


CHARGEBACK = declare("Chargeback: the bank took back {amount} of payment {payment_id}"
                     "{reopened}{why}")
REOPENED = declare("; reopened {invoices}")
BECAUSE = declare(" — {reason}")


def chargeback(event: cev.ChargebackRecorded) -> Line:
    """A payment the bank took back."""
    currency = event.amount.currency
    reopened = (Line(REOPENED, {"invoices": _on_invoices(event.removed, event.numbers, currency)})
                if event.removed else NOTHING)
    why = Line(BECAUSE, {"reason": _reason(event)}) if event.meta.reason else NOTHING
    return Line(CHARGEBACK, {"amount": event.amount, "payment_id": event.payment_id,
                             "reopened": reopened, "why": why})


WRITTEN_OFF = declare("Bad debt written off on invoice {invoice_number}: {amount},"
                      " approved by {approver} — {reason}")


def written_off(event: cev.DebtWrittenOff) -> Line:
    """A bad debt written off."""
    return Line(WRITTEN_OFF, {"invoice_number": event.invoice_number, "amount": event.amount,
                              "approver": event.approver, "reason": _reason(event)})


_DUNNING = ("on invoice {invoice_number}: {days_overdue} days overdue, {open_amount} open"
            " (policy v{policy_version})")
DUNNING = {
    "remind": declare(f"Dunning step {{step}} (reminder) {_DUNNING}"),
    "suspend": declare(f"Dunning step {{step}} (suspension) {_DUNNING}"),
    "cancel": declare(f"Dunning step {{step}} (cancellation) {_DUNNING}"),
}


def dunning_step(event: cev.DunningStepTaken) -> Line:
    """A reminder, suspension or cancellation for debt."""
    return Line(DUNNING[event.action], {
        "step": event.step, "invoice_number": event.invoice_number,
        "days_overdue": event.days_overdue, "open_amount": event.open_amount,
        "policy_version": event.policy_version})


LINKED = declare("Payment {payment_id} found on the bank statement (line {bank_payment_id}):"
                 " no new money — {reason}")


def linked(event: cev.PaymentLinkedToBankLine) -> Line:
    """A payment typed in by hand was found on a bank statement and linked to its line."""
    return Line(LINKED, {"payment_id": event.payment_id,
                         "bank_payment_id": event.bank_payment_id, "reason": _reason(event)})


DESCRIBERS: dict[type[Any], Callable[[Any], Line]] = {
    cev.PaymentReallocated: reallocated,
    cev.CreditAllocated: credit_allocated,
    cev.RefundIssued: refund,
    cev.ChargebackRecorded: chargeback,
    cev.DebtWrittenOff: written_off,
    cev.DunningStepTaken: dunning_step,
    cev.PaymentLinkedToBankLine: linked,
}
