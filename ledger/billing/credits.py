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
A fee whose invoice was voided, or whose line a credit note credited, charged nothing in
the end (``BilledCharge.withdrawn``): a credit of its days carries its whole amount and
nets zero, so the same days are never given back twice.

A credit whose days are charged on the same invoice (a change's charge still waiting, then
credited by a second change or a cancellation before a bill run) carries nothing: both
lines get that invoice's discounts (``invoice_math``), a fixed one in the share the charge
took (``same_invoice_charges`` says which charge). So does a credit whose days no issued
invoice charged.
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
    carried: list[Money | None] = []
    for line, charge in zip(lines, credited_charges(lines, subscriptions), strict=True):
        day = _first_credited_day(line)
        carried.append(None if charge is None or day is None else _given_back(line, day, charge))
    return carried


def credited_charges(
    lines: Sequence[InvoiceLine], subscriptions: Sequence[SubscriptionTerms]
) -> list[BilledCharge | None]:
    """For each credit line, the fee an earlier issued invoice charged its first day with.

    Returns:
        That fee, in line order; ``None`` for a charge, a credit of days charged on this
        same invoice, and a credit of days no issued invoice charged.
    """
    billed = {terms.subscription_id: terms.billed for terms in subscriptions}
    found: list[BilledCharge | None] = []
    for line, on_invoice in zip(lines, same_invoice_charges(lines), strict=True):
        day = _first_credited_day(line)
        charge = None
        if day is not None and line.component is not None and on_invoice is None:
            charge = _last_charge(billed.get(line.subscription_id, ()), line.component, day)
        found.append(charge)
    return found


def same_invoice_charges(lines: Sequence[InvoiceLine]) -> list[int | None]:
    """For each credit line, the last earlier line of the invoice that charges its first day.

    Returns:
        That charge's index, in line order; ``None`` for every other line.
    """
    found: list[int | None] = []
    for index, line in enumerate(lines):
        day = _first_credited_day(line)
        found.append(None if day is None else next(
            (i for i in reversed(range(index)) if _charges(lines[i], line, day)), None))
    return found


def _first_credited_day(line: InvoiceLine) -> date | None:
    """A credit line's first day; ``None`` for a charge or a line without days."""
    if line.amount.minor >= 0 or line.component is None or line.period is None:
        return None
    return line.period.start


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
    credited days reach past the charge's; it is zero when the charge was withdrawn.
    """
    if charge.withdrawn:
        return credit.amount
    days = credit.period.end - day if credit.period is not None else timedelta(0)
    charged = charge.amount - charge.discount
    net = -charged.times(Fraction(days.days, charge.period.days))
    return credit.amount - min(max(net, credit.amount), Money.zero(net.currency))
