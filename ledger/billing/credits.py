"""What a credit gives back: the net the invoice that billed its days charged for them.

Why not the discounts in force today: a credit (unused days after a cancellation, a pause,
a plan change, a backdated change) returns what was charged for those days, no more and no
less. A discount that has since run out must not make the credit bigger than what was paid,
and one granted since must not make it smaller. So a credit line is worth the net (after
discount) amount of its days as charged by the fee that charged its first day: the last fee
of the same subscription and component an issued invoice charged for it
(``SubscriptionTerms.billed``). That fee's net times the credited days over its days, rounded
once half-up, is the credit's net; the rest of its list amount is the discount it carries,
and the invoice's own discounts leave it alone (``invoice_math.DraftLine.carried_discount``).

A credit whose days are charged on the same invoice (a change's charge still waiting, then
credited by a second change or a cancellation before a bill run) carries nothing: both
lines get that invoice's discounts (``invoice_math``). So does a credit whose days no
issued invoice charged.
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

from ledger.money import Money

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from ledger.billing.model import BilledCharge, InvoiceLine, SubscriptionTerms


def carried_discounts(
    lines: Sequence[InvoiceLine], subscriptions: Sequence[SubscriptionTerms]
) -> list[Money | None]:
    """The discount each credit line gives back, in line order (``None``: not decided yet).

    Args:
        lines: the invoice's lines, in document order.
        subscriptions: the customer's subscriptions, with the fees issued invoices charged.

    Returns:
        For a credit line whose first day an issued invoice charged, the part of its
        amount that charge did not net (negative or zero); ``None`` for every other line.
    """
    billed = {terms.subscription_id: terms.billed for terms in subscriptions}
    carried: list[Money | None] = []
    for index, line in enumerate(lines):
        day = line.period.start if line.period is not None else None
        charge = None
        if line.amount.minor < 0 and line.component is not None and day is not None and not any(
            _charges(earlier, line, day) for earlier in lines[:index]
        ):
            charge = _last_charge(billed.get(line.subscription_id, ()), line.component, day)
        carried.append(None if charge is None or day is None else _given_back(line, day, charge))
    return carried


def _charges(earlier: InvoiceLine, credit: InvoiceLine, day: date) -> bool:
    """True when ``earlier``, on the same invoice, charges the credit's first day."""
    return (
        earlier.amount.minor > 0
        and earlier.subscription_id == credit.subscription_id
        and earlier.component == credit.component
        and earlier.period is not None
        and day in earlier.period
    )


def _last_charge(billed: Sequence[BilledCharge], component: str, day: date) -> BilledCharge | None:
    """The last fee of ``component`` an issued invoice charged for ``day``."""
    for charge in reversed(billed):
        if charge.component == component and day in charge.period:
            return charge
    return None


def _given_back(credit: InvoiceLine, day: date, charge: BilledCharge) -> Money:
    """The discount of a credit: its amount less the charge's net for the credited days.

    The net is never more than the credit's own amount (nor below zero), should the
    credited days reach past the charge's.
    """
    days = credit.period.end - day if credit.period is not None else timedelta(0)
    charged = charge.amount - charge.discount
    net = -charged.times(Fraction(days.days, charge.period.days))
    return credit.amount - min(max(net, credit.amount), Money.zero(net.currency))
