"""Which of the customer's discounts an invoice gets, and what using them consumes.

Why apart from the totals: ``invoice_math`` knows how to take a discount off
(in order, before VAT); whether a discount still applies is a fact of the
customer's agreement. A discount applies in ``position`` order (ties broken by
id) while it has invoices left (``periods``) and its ``until`` date has not
passed the invoice date. A limited discount uses up one period per invoice that
has a positive line it can touch; an empty invoice uses nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.invoice_math import DiscountSpec

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from ledger.billing.model import DiscountTerms, InvoiceLine


def active_discounts(discounts: Sequence[DiscountTerms], as_of: date) -> list[DiscountTerms]:
    """Return the discounts that apply to an invoice dated ``as_of``, in the order they apply."""
    live = [
        discount
        for discount in discounts
        if (discount.periods is None or discount.periods_used < discount.periods)
        and (discount.until is None or as_of <= discount.until)
    ]
    return sorted(live, key=lambda discount: (discount.position, discount.discount_id))


def spec_of(discount: DiscountTerms) -> DiscountSpec:
    """The discount as ``invoice_math`` applies it.

    Raises:
        InvalidDiscount: a percent discount without a percent, or a fixed one without
            an amount.
    """
    label = discount.description or discount.discount_id
    if discount.kind == "percent":
        return DiscountSpec(percent=discount.percent, component=discount.component, label=label)
    return DiscountSpec(amount=discount.amount, component=discount.component, label=label)


def periods_used(
    discounts: Sequence[DiscountTerms], lines: Sequence[InvoiceLine]
) -> dict[str, int]:
    """Return the new ``periods_used`` of each limited discount that touched a line."""
    used: dict[str, int] = {}
    for discount in discounts:
        touched = any(
            line.amount.minor > 0
            and (discount.component is None or line.component == discount.component)
            for line in lines
        )
        if discount.periods is not None and touched:
            used[discount.discount_id] = discount.periods_used + 1
    return used
