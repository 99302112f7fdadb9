"""Credit for days nobody paid: a credit of days an invoice charged that was written off.

An invoice is written off because its customer will not pay it. When the subscription is
then cancelled, paused or downgraded, the next invoice credits the days after that
(``ledger.billing.credits``), whatever happened to the invoice that charged them. Left as
it is, that credit would settle other invoices or be paid out as cash: the customer would
receive money for days that they never paid and that the company already gave up.

The credit-note path has the rule (``LifecycleDecisions.credit_invoice``): a written-off
part was never paid, so crediting it gives nothing back. The same rule applies here. Of
what later credits gave back of an invoice's days (``InvoiceState.given_back``), only as
much as the invoice has not written off (paid, or still open) is the customer's credit.
The rest is taken back in the same command by a debit adjustment whose reason names the
invoices, so the credit invoice stays the document the engine made, the balance shows
neither debt nor credit for those days, and the statement of account shows why.
Histories recorded before this rule keep the credit they recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.system_texts import UNPAID_CREDIT

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ledger.customers.state import InvoiceState

REASON = UNPAID_CREDIT.template
"""Why the unpaid part of a credit is taken back (the adjustment's ``meta.reason``)."""


def unpaid(invoice: InvoiceState) -> int:
    """What later credits gave back of ``invoice`` beyond what it has not written off."""
    kept = invoice.total - invoice.written_off - invoice.credited
    return max(invoice.given_back - max(kept, 0), 0)


def written_off(invoices: Iterable[InvoiceState]) -> dict[str, int]:
    """The unpaid credit of each invoice that has something written off, before a credit."""
    return {i.invoice_id: unpaid(i) for i in invoices if i.written_off and not i.void}


def newly_unpaid(before: dict[str, int], invoices: dict[str, InvoiceState]) -> dict[str, int]:
    """Invoice number → how much more of its days a credit just gave back unpaid."""
    grown = {invoices[i].number: unpaid(invoices[i]) - was for i, was in before.items()}
    return {number: minor for number, minor in grown.items() if minor > 0}
