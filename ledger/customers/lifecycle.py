"""The Customer's subscription lifecycle and document corrections.

Pause, resume and cancel only move dates: the billing engine credits days already billed
beyond the end of service on the next invoice. Nothing is dated before the last resumption,
which has already settled the pause before it. Individual prices are validated against the
subscription's tariff and start on a day not yet billed (``individual_prices``). An invoice
is never edited: it is voided (when nothing settled it) or corrected by a credit note that
references it. A note credits each line at most once, and what it gives back beyond the
invoice's open amount is released from the payments that paid the invoice, so that money
settles one invoice at a time. Either correction may clear a suspended customer's overdue
debt, and then reactivates the customer, as a payment does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.billing.schedule import cycle_of
from ledger.customers import billing_events as ev
from ledger.customers.contract_terms import term_end_after
from ledger.customers.individual_prices import check_individual_price
from ledger.errors import InvalidField, NotFound, Rejected, Term
from ledger.money import Money

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from ledger.billing.model import SubscriptionTerms
    from ledger.customers.billing import Catalog
    from ledger.customers.state import CustomerState, InvoiceState, Subscription
    from ledger.events import Provenance


def ensure_nothing_given_back(
    state: CustomerState, invoice: InvoiceState, line_ids: set[str] | None, *, field: str
) -> None:
    """Refuse to void or credit a fee of ``invoice`` that a later credit in part gave back.

    ``line_ids``: the lines a credit note credits (``None``: a void, all of them).

    A credit on a later invoice (a cancellation, a pause, a plan change) already gave back
    some of the fee's days (``BilledChargeState.given_back``): voiding the invoice or
    crediting the line whole would give those days back twice. What is left is credited
    by an adjustment, whose reason says why.
    """
    for sub in state.subscriptions.values():
        for fee in sub.billed:
            if (fee.invoice_id != invoice.invoice_id or fee.given_back is None
                    or (line_ids is not None and fee.line_id not in line_ids)):
                continue
            raise InvalidField(field=field, why=(
                "line {line_id} of invoice {number}: {given_back} of its days was already"
                " credited on invoice {credited_on} (a cancellation, a pause or a plan"
                " change); credit the rest by an adjustment with the reason"),
                line_id=fee.line_id, number=invoice.number, given_back=fee.given_back,
                credited_on=fee.given_back_on)


def ensure_after_resumption(sub: Subscription, day: date, action: str) -> None:
    """Refuse an ``action`` (a pause, cancellation or plan change) dated before a resumption.

    The resumption already settled the pause: it credited the days billed after the pause
    began and bills again from the resumption. A date before it would credit those paused
    days a second time, or price them on another plan, so it is refused whether the action
    takes effect that day or at the end of the term.
    """
    if sub.last_pause is None or day >= sub.last_pause[1]:
        return
    paused_from, resumed_on = sub.last_pause
    raise InvalidField(field="effective_date", why=(
        "a {action} dated {day} is before the subscription's resumption: it was paused from"
        " {paused_from} and resumed on {resumed_on}; date the {action} on or after"
        " {resumed_on}"), action=Term(action), day=day, paused_from=paused_from,
        resumed_on=resumed_on)


class LifecycleDecisions:
    """Pause, resume, cancel, individual prices, voids and credit notes (mixed into Customer)."""

    state: CustomerState
    record: Callable[..., None]
    subscription: Callable[[str], Subscription]
    terms_of: Callable[[Subscription, Catalog], SubscriptionTerms]
    settle_with_credit: Callable[..., dict[str, int]]
    reactivate_if_settled: Callable[[Provenance, date], bool]

    def pause_subscription(
        self, provenance: Provenance, subscription_id: str, paused_from: date
    ) -> None:
        """Stop billing from ``paused_from`` (days billed beyond it are credited)."""
        sub = self.subscription(subscription_id)
        if sub.status != "active":
            raise InvalidField(field="subscription_id", why="the subscription is {status}",
                               status=Term(sub.status))
        if paused_from < sub.started_on:
            raise InvalidField(field="effective_date", why="a pause before the start")
        ensure_after_resumption(sub, paused_from, "pause")
        self.record(ev.SubscriptionPaused, provenance, paused_from,
                    subscription_id=subscription_id, paused_from=paused_from)

    def resume_subscription(
        self, provenance: Provenance, subscription_id: str, resumed_on: date
    ) -> None:
        """Bill again from ``resumed_on``."""
        sub = self.subscription(subscription_id)
        if sub.status != "paused" or sub.paused_from is None:
            raise InvalidField(field="subscription_id", why="the subscription is not paused")
        if resumed_on < sub.paused_from:
            raise InvalidField(field="effective_date", why="a resume before the pause")
        self.record(ev.SubscriptionResumed, provenance, resumed_on,
                    subscription_id=subscription_id, resumed_on=resumed_on)

    def cancel_subscription(
        self, provenance: Provenance, subscription_id: str, on: date, *, when: str,
        catalog: Catalog, reason: str | None,
    ) -> date:
        """End the subscription now or at the end of its term; return the end.

        The end of the term is that of a fixed term when the subscription has one running
        (:mod:`ledger.customers.contract_terms`), else the end of the current period.
        """
        sub = self.subscription(subscription_id)
        if sub.status == "cancelled":
            raise InvalidField(field="subscription_id", why="the subscription is already cancelled")
        if on < sub.started_on:
            raise InvalidField(field="effective_date", why="a cancellation before the start")
        ensure_after_resumption(sub, on, "cancellation")
        cancel_at = on
        if when == "end_of_term":  # the contract's term, else the billing period
            cycle = cycle_of(self.terms_of(sub, catalog))
            cancel_at = term_end_after(sub, on) or cycle.period_at(cycle.index_of(on)).end
        self.record(ev.SubscriptionCancelled, provenance, on, reason,
                    subscription_id=subscription_id, when=when, cancel_at=cancel_at)
        return cancel_at

    def set_individual_price(
        self, provenance: Provenance, subscription_id: str, component: str,
        catalog: Catalog, **condition: Any,
    ) -> None:
        """Agree a special price (or tiers) for one component of a subscription.

        ``condition`` carries ``agreed_on``, the business date of the agreement, and may
        carry ``effective_from``, the first day it prices (``agreed_on`` when not given):
        never a day already billed (:mod:`ledger.customers.individual_prices`).
        """
        sub = self.subscription(subscription_id)
        definition = catalog(sub.tariff_code, sub.tariff_version)
        condition["effective_from"] = condition.get("effective_from") or condition["agreed_on"]
        check_individual_price(sub, definition, component, condition)
        self.record(ev.IndividualPriceSet, provenance, condition["agreed_on"],
                    subscription_id=subscription_id, component=component, **condition)

    def void_invoice(
        self, provenance: Provenance, invoice_id: str, reason: str, *, on: date,
        today: date | None = None,
    ) -> None:
        """Void an invoice nothing has settled yet (otherwise issue a credit note).

        ``on`` is the business date of the void (the company's day, not the UTC one);
        ``today`` the real business day of recording, on which a suspended customer whose
        overdue invoice this was is reactivated (``on`` when not given).
        """
        invoice = self._invoice(invoice_id)
        if invoice.paid or invoice.credited or invoice.written_off:
            raise InvalidField(field="invoice_id", why=(
                "invoice {number} is already (partly) settled; issue a credit note"),
                number=invoice.number)
        if invoice.credit_allocated:
            raise InvalidField(field="invoice_id", why=(
                "the credit of invoice {number} already settled other invoices"),
                number=invoice.number)
        self._ensure_credit_unspent(invoice)
        ensure_nothing_given_back(self.state, invoice, None, field="invoice_id")
        self.record(ev.InvoiceVoided, provenance, on, reason,
                    invoice_id=invoice_id, number=invoice.number,
                    total=Money(invoice.total, invoice.currency))
        self.reactivate_if_settled(provenance, max(on, today or on))

    def _ensure_credit_unspent(self, invoice: InvoiceState) -> None:
        """Refuse to void a negative invoice whose credit the customer no longer holds.

        Credit used at the issue of a later invoice (``credit_applied``) is gone from the
        balance without a trace on the negative invoice: voiding it would leave a debt that
        no open invoice carries. Only credit no payment holds can be that credit: a
        payment's free money (an overpayment) is the payment's, and stays refundable.
        """
        if invoice.total >= 0:
            return
        left = Money(self.state.credit_no_payment_holds(invoice.currency), invoice.currency)
        credit = Money(-invoice.total, invoice.currency)
        if left.minor < credit.minor:
            raise Rejected(
                "invoice {number} (invoice_id {invoice_id}) cannot be voided: its credit of"
                " {credit} was already used and only {left} of credit no payment holds is"
                " left; issue an invoice or a charge for what should be taken back instead",
                field="invoice_id", number=invoice.number, invoice_id=invoice.invoice_id,
                credit=credit, left=left)

    def credit_invoice(
        self, provenance: Provenance, invoice_id: str, lines: list[ev.LineRecord],
        *, credit_note_id: str, number: str, reason: str, on: date, today: date | None = None,
    ) -> Money:
        """Credit chosen lines of an invoice (all of them for a full credit note).

        The note first lowers what its own invoice has open; what goes beyond that is
        credit, and only as much of it as was paid on the invoice (a written-off part was
        never paid, so crediting it gives nothing back). The note releases that much of what
        had paid the invoice (``CreditNoteIssued.released``): the payments that settled it,
        the most recent first, hold that money free again. It then settles the customer's
        other open invoices at once, as those payments' allocations (``CreditAllocated``,
        carrying the note's reason), and only the rest waits for the next invoices. A note
        may credit only lines that no note credited yet, and only what is neither credited
        nor written off. ``on`` is the note's business date: its document date and its
        events' effective date. ``today`` is the real business day of recording, on which a
        suspended customer's debt is judged (``on`` when not given).
        """
        invoice = self._invoice(invoice_id)
        total = Money(sum(line.total.minor for line in lines), invoice.currency)
        self._ensure_creditable(invoice, lines, total)
        ensure_nothing_given_back(self.state, invoice, {line.line_id for line in lines},
                                  field="line_ids")
        vat = Money(sum(line.vat.minor for line in lines), invoice.currency)
        beyond = min(max(total.minor - invoice.open_minor, 0), invoice.paid)
        released = self._release(invoice, beyond)
        self.record(ev.CreditNoteIssued, provenance, on, reason,
                    credit_note_id=credit_note_id, number=number, invoice_id=invoice_id,
                    invoice_number=invoice.number, lines=lines, vat_total=vat, total=total,
                    released=released, released_credit=beyond - sum(released.values()))
        if beyond:
            self.settle_with_credit(provenance, on, Money(beyond, invoice.currency),
                                    source="credit_note", source_id=credit_note_id,
                                    source_number=number, today=today or on, reason=reason,
                                    funds=released)
        self.reactivate_if_settled(provenance, max(on, today or on))
        return total

    @staticmethod
    def _ensure_creditable(invoice: InvoiceState, lines: list[ev.LineRecord], total: Money) -> None:
        """Refuse a note that credits nothing, a line again, or more than is left to credit."""
        again = sorted({line.line_id for line in lines if line.line_id in invoice.credited_lines})
        if again:
            raise InvalidField(
                field="line_ids", why="already credited on invoice {number}: {lines}",
                number=invoice.number, lines=", ".join(again))
        if total.minor <= 0:
            raise InvalidField(field="line_ids", why="nothing to credit")
        if invoice.credited + invoice.written_off + total.minor > invoice.total:
            raise InvalidField(field="line_ids", why=(
                "more than invoice {number} has left to credit: of its {total}, {credited} is"
                " already credited and {written_off} written off"), number=invoice.number,
                total=Money(invoice.total, invoice.currency),
                credited=Money(invoice.credited, invoice.currency),
                written_off=Money(invoice.written_off, invoice.currency))

    def _release(self, invoice: InvoiceState, minor: int) -> dict[str, int]:
        """Take ``minor`` off the payments that settle ``invoice``, the most recent first.

        Returns the payments and amounts (payment id → minor units); what they do not cover
        is credit no payment holds that had settled the invoice.
        """
        released: dict[str, int] = {}
        for payment in reversed(list(self.state.payments.allocated_to(invoice.invoice_id))):
            take = min(payment.allocations[invoice.invoice_id], minor - sum(released.values()))
            if take <= 0:
                break
            released[payment.payment_id] = take
        return released

    def _invoice(self, invoice_id: str) -> InvoiceState:
        invoice = self.state.invoices.get(invoice_id)
        if invoice is None:
            raise NotFound("no invoice {invoice_id}", field="invoice_id", invoice_id=invoice_id)
        if invoice.void:
            raise InvalidField(field="invoice_id", why="invoice {number} is void",
                               number=invoice.number)
        return invoice
