"""Plain-language lines for the customer timeline: what happened, in an accountant's words."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from ledger.customers import billing_events as bev
from ledger.customers import collections_events as cev
from ledger.customers import events as ev
from ledger.money import Money


@singledispatch
def describe(event: Any) -> str:
    """One line saying what the event means (a generic line for unknown types)."""
    return type(event).__name__


@describe.register
def _(event: ev.CustomerRegistered) -> str:
    inn = f", ИНН {event.inn}" if event.inn else ""
    return f"Customer registered: {event.name}{inn}, billed in {event.currency}"


@describe.register
def _(event: ev.CustomerProfileUpdated) -> str:
    changed = ", ".join(f"{k} → {v}" for k, v in sorted(event.changes.items()))
    return f"Profile updated: {changed}"


@describe.register
def _(event: ev.SubscriptionStarted) -> str:
    term = f", contract ends {event.term_end}" if event.term_end else ""
    return (
        f"Subscribed to {event.tariff_code} v{event.tariff_version} × {event.quantity}"
        f" from {event.started_on}; first renewal {event.first_renewal}{term}"
    )


@describe.register
def _(event: ev.ChargeRecorded) -> str:
    return f"One-off charge recorded for invoicing: {event.amount} — {event.description}"


@describe.register
def _(event: bev.InvoiceIssued) -> str:
    period = f" for {event.period_start} → {event.period_end}" if event.period_start else ""
    what = f"Invoice {event.number} issued{period}: {event.total} incl. VAT {event.vat_total}"
    if event.amount_due.minor < 0:  # nothing is due: the customer gets credit
        return f"{what}, a credit of {-event.amount_due} to the customer"
    credit = f", {event.credit_applied} paid from credit" if event.credit_applied.minor else ""
    return f"{what}{credit}, due {event.due_on}"


@describe.register
def _(event: bev.InvoiceVoided) -> str:
    return f"Invoice {event.number} voided ({event.total}) — {event.meta.reason}"


@describe.register
def _(event: bev.CreditNoteIssued) -> str:
    return (f"Credit note {event.number} on invoice {event.invoice_number}: {event.total}"
            f" — {event.meta.reason}")


@describe.register
def _(event: bev.UsageRecorded) -> str:
    return f"Usage: {event.quantity} × {event.component} on {event.occurred_on}"


@describe.register
def _(event: bev.SubscriptionChanged) -> str:
    lines = "; ".join(line.formula for line in event.lines if line.formula)
    prorated = f"; corrections: {lines}" if lines else ""
    return (f"Subscription change ({event.when.replace('_', ' ')}): {event.tariff_code}"
            f" v{event.tariff_version} × {event.quantity} from {event.effective_on}{prorated}")


@describe.register
def _(event: bev.SubscriptionPaused) -> str:
    return f"Subscription paused from {event.paused_from}"


@describe.register
def _(event: bev.SubscriptionResumed) -> str:
    return f"Subscription resumed on {event.resumed_on}"


@describe.register
def _(event: bev.SubscriptionCancelled) -> str:
    when = event.when.replace("_", " ")
    return f"Subscription cancelled ({when}), service ends {event.cancel_at}"


@describe.register
def _(event: bev.IndividualPriceSet) -> str:
    price = f"price {event.price}" if event.price is not None else "own tiers"
    until = f" until {event.until}" if event.until else ""
    who = f", agreed by {event.agreed_by}" if event.agreed_by else ""
    return f"Individual condition on {event.component}: {price}{until}{who} — {event.note}"


@describe.register
def _(event: ev.DiscountGranted) -> str:
    size = f"{event.percent} %" if event.kind == "percent" else str(event.amount)
    scope = f" on {event.component}" if event.component else ""
    span = (
        f" for {event.periods} periods" if event.periods
        else f" until {event.until}" if event.until else " with no end date"
    )
    return f"Discount granted: {size}{scope}{span} ({event.description})"


@describe.register
def _(event: ev.PaymentReceived) -> str:
    ref = f", ref {event.reference}" if event.reference else ""
    settled = f", settles {len(event.allocations)} invoice(s)" if event.allocations else ""
    return f"Payment received: {event.amount} on {event.received_on}{ref}{settled}"


@describe.register
def _(event: ev.AdjustmentRecorded) -> str:
    direction = "raised" if event.amount.minor > 0 else "lowered"
    return f"Adjustment: debt {direction} by {abs(event.amount)} — {event.meta.reason}"


@describe.register
def _(event: ev.ServiceStatusChanged) -> str:
    return f"Service status: {event.previous.value} → {event.status.value} ({event.meta.reason})"


@describe.register
def _(event: ev.CustomerClosed) -> str:
    return f"Customer closed ({event.meta.reason or 'no reason given'})"


def _on_invoices(amounts: dict[str, int], numbers: dict[str, str], currency: str) -> str:
    return ", ".join(f"{numbers.get(i, i)} {Money(m, currency)}" for i, m in amounts.items())


@describe.register
def _(event: cev.PaymentReallocated) -> str:
    moves = []
    if event.removed:
        moves.append(f"taken off {_on_invoices(event.removed, event.numbers, event.currency)}")
    if event.added:
        moves.append(f"put on {_on_invoices(event.added, event.numbers, event.currency)}")
    return f"Payment {event.payment_id} re-allocated: {'; '.join(moves)} — {event.meta.reason}"


_CREDIT_SOURCES = {"invoice": "invoice", "credit_note": "credit note"}


@describe.register
def _(event: cev.CreditAllocated) -> str:
    currency = event.credit.currency
    left = event.credit.minor - sum(event.allocations.values())
    rest = f"; {Money(left, currency)} stays credit for the next invoices" if left else ""
    return (f"Credit of {event.credit} from {_CREDIT_SOURCES[event.source]}"
            f" {event.source_number} settled"
            f" {_on_invoices(event.allocations, event.numbers, currency)}"
            f" (oldest due first){rest}")


@describe.register
def _(event: cev.RefundIssued) -> str:
    source = f"against payment {event.payment_id}" if event.payment_id else "from credit"
    return f"Refund of {event.amount} {source} — {event.meta.reason}"


@describe.register
def _(event: cev.ChargebackRecorded) -> str:
    reopened = (f"; reopened {_on_invoices(event.removed, event.numbers, event.amount.currency)}"
                if event.removed else "")
    why = f" — {event.meta.reason}" if event.meta.reason else ""
    return (f"Chargeback: the bank took back {event.amount} of payment {event.payment_id}"
            f"{reopened}{why}")


@describe.register
def _(event: cev.DebtWrittenOff) -> str:
    return (f"Bad debt written off on invoice {event.invoice_number}: {event.amount},"
            f" approved by {event.approver} — {event.meta.reason}")


_STEP_NAMES = {"remind": "reminder", "suspend": "suspension", "cancel": "cancellation"}


@describe.register
def _(event: cev.DunningStepTaken) -> str:
    return (f"Dunning step {event.step} ({_STEP_NAMES[event.action]}) on invoice"
            f" {event.invoice_number}: {event.days_overdue} days overdue, {event.open_amount}"
            f" open (policy v{event.policy_version})")
