"""Credit settles what is already owed: a negative invoice or a credit note pays open invoices.

An invoice whose credits exceed its charges (a cancellation, a downgrade, a settled pause)
or a credit note larger than what its own invoice still had open leaves the customer credit.
An accountant expects that credit to settle what the customer already owes — the open
invoices, oldest due first — exactly as a payment that names no invoice is allocated, and
not to wait for the next invoice while older ones stay open, age and are dunned.

So the decision that records such a document then calls
:meth:`CreditSettlement.settle_with_credit`, which records ``CreditAllocated`` in the same
command: the history says which credit settled which invoice, views and dunning follow that
event, and histories recorded before it existed replay as they were. Only what no open
invoice needs stays credit, used by the next invoices (``InvoiceIssued.credit_applied``).
What the customer owes never changes: the money was already counted when the document was.

A credit note's credit is mostly money a payment brought: the note released it from the
invoice the payment had paid (``CreditNoteIssued.released``). That money settles the open
invoices as the payment's own allocations (``CreditAllocated.payments``), so that a later
refund, re-allocation or chargeback of the payment finds its money where it really is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from ledger.customers import collections_events as ev

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import date

    from ledger.customers.state import CustomerState
    from ledger.events import Provenance
    from ledger.money import Money


class CreditSettlement:
    """Settling open invoices with credit a document left (mixed into ``Customer``)."""

    state: CustomerState
    record: Callable[..., None]
    reactivate_if_settled: Callable[[Provenance, date], bool]

    def settle_with_credit(
        self, provenance: Provenance, effective_date: date, credit: Money, *,
        source: Literal["invoice", "credit_note"], source_id: str, source_number: str,
        today: date | None = None, reason: str | None = None,
        funds: Mapping[str, int] | None = None,
    ) -> dict[str, int]:
        """Let ``credit`` from a document settle the open invoices, oldest due first.

        Records nothing when no invoice of the credit's currency is open: the credit then
        stays for the next invoices, as it always did. A customer suspended by dunning is
        reactivated in the same command once nothing is overdue past its bar, as after a
        payment (judged on the recording day, like a payment: ``today``, the business day,
        which commands give; without it, the UTC date of recording stands in). ``reason``
        is the document's own (a credit note's), recorded in ``meta.reason`` so that the
        timeline says why the credit arose. ``funds`` says which payments' free money the
        credit is (payment id → minor units, drawn in that order; the rest of the credit
        is no payment's): the invoices it settles become those payments' allocations.

        Returns:
            The allocation (invoice id → minor units), in the order settled.
        """
        left, allocations = credit.minor, {}
        open_invoices = sorted(
            (i for i in self.state.invoices.values()
             if i.open_minor > 0 and i.currency == credit.currency),
            key=lambda i: (i.due_on, i.number),
        )
        for invoice in open_invoices:
            take = min(invoice.open_minor, left)
            if take <= 0:
                break
            allocations[invoice.invoice_id] = take
            left -= take
        if not allocations:
            return {}
        self.record(
            ev.CreditAllocated, provenance, effective_date, reason,
            source=source, source_id=source_id, source_number=source_number, credit=credit,
            allocations=allocations,
            numbers={i: self.state.invoices[i].number for i in allocations},
            payments=_drawn_from(funds or {}, allocations),
        )
        self.reactivate_if_settled(provenance, max(effective_date,
                                                    today or provenance.recorded_at.date()))
        return allocations


def _drawn_from(funds: Mapping[str, int], allocations: dict[str, int]) -> dict[str, dict[str, int]]:
    """Which payment's money settles which invoice: ``funds`` drawn in order, invoice by invoice.

    What the funds do not cover is credit no payment holds, and is not listed.
    """
    left = dict(funds)
    drawn: dict[str, dict[str, int]] = {}
    for invoice_id, minor in allocations.items():
        need = minor
        for payment_id, free in left.items():
            take = min(free, need)
            if take > 0:
                drawn.setdefault(payment_id, {})[invoice_id] = take
                left[payment_id] -= take
                need -= take
    return drawn
