"""The VAT rate of each invoice line: the customer's for charges, the charged rate for credits.

Why a credit keeps the rate of its charge: a credit (unused days after a cancellation, a
pause, a plan change) gives back what was actually charged for its days, VAT included.
Those days were taxed at the rate of the day their invoice was issued; the rate applies
by the date of the tax base, so days of December 2025 charged at 20 % are given back at
20 % even when the customer (or the law) moved to 22 % since. So a credit line whose
first day an earlier issued invoice charged takes that fee's rate
(``BilledCharge.vat_rate``), found as the discount it gives back is found
(``ledger.billing.credits``): the last fee of the same subscription and component an
issued invoice charged for that day. Every other line a tariff priced takes the
customer's rate when it has one, a tariff's rate being only a default; a credit of days
charged on the same invoice is rated like that charge, so it is rated the same way.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ledger.billing.credits import credited_charges

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ledger.billing.model import InvoiceLine, SubscriptionTerms
    from ledger.vat import VatRate


def rated_lines(
    lines: Sequence[InvoiceLine],
    subscriptions: Sequence[SubscriptionTerms],
    vat_rate: VatRate | None,
) -> tuple[InvoiceLine, ...]:
    """Each line at the VAT rate it is invoiced at, in line order.

    Args:
        lines: the invoice's lines, in document order.
        subscriptions: the customer's subscriptions, with the fees issued invoices charged.
        vat_rate: the customer's VAT rate; ``None`` keeps each tariff's.

    Returns:
        The lines; a credit of days an earlier invoice charged at that fee's rate, every
        other line a tariff priced at the customer's rate, one-off charges as recorded.
    """
    charges = credited_charges(lines, subscriptions)
    return tuple(
        _rated(line, vat_rate) if charge is None else replace(line, vat_rate=charge.vat_rate)
        for line, charge in zip(lines, charges, strict=True)
    )


def _rated(line: InvoiceLine, vat_rate: VatRate | None) -> InvoiceLine:
    """The line at the customer's VAT rate, when it has one and a tariff priced the line.

    A tariff's rate is only a default: the customer's rate replaces it on every line a
    tariff priced, including the corrections of a plan change that wait as pending lines
    (they keep the tariff's rate in stored events). A one-off charge keeps the rate it was
    recorded with: its own, else the customer's, else the one its tariffs agreed on when
    it was recorded (charges recorded without one take the customer's rate of the bill
    run, ``BillingDecisions._pending_lines``).
    """
    if vat_rate is None or line.kind == "one_off":
        return line
    return replace(line, vat_rate=vat_rate.percent)
