"""A customer's VAT mode changes only where no credit would read billed days in the new one.

Why: an invoice reads every line in one VAT mode, its credits included (``ledger.billing``).
Days billed VAT-exclusive were paid with VAT on top: 15 days of a 1000.00 month cost 483.87
+ 106.45 VAT = 590.32. Read VAT-inclusive, a credit of those days would give back 483.87
with VAT inside, 106.45 less than was paid; billed inclusive and read exclusive, it would give
back more; billed without VAT and read with it, it would give back VAT never charged. An
accountant corrects a shipment in the terms it was made in (the rate and the VAT of its
document), so the ledger does not guess a conversion: ``UpdateCustomer`` refuses to change
the mode the customer's invoices are read in (its own, else its tariffs') while a
subscription has days billed that a credit could still give back from the change's day —
a cancellation, a pause or a plan change dated then or later, or one already recorded whose
credit waits for the next invoice. The remedy is named: change the mode on the day the
billed days run out, before that day's bill run, or first credit the invoice that billed
them by a credit note (a credit of days whose charge was taken back gives nothing back).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.customers.vat_modes import modes_in_use
from ledger.errors import InvalidField

if TYPE_CHECKING:
    from datetime import date

    from ledger.customers.state import BilledChargeState, CustomerState, Subscription
    from ledger.customers.vat_modes import Catalog
    from ledger.vat import VatMode


def ensure_billed_days_keep_their_mode(
    state: CustomerState, catalog: Catalog, vat_mode: VatMode | None, on: date,
) -> None:
    """Refuse a VAT mode that a credit of days billed in another mode would be read in.

    Args:
        state: the customer, with its VAT mode, subscriptions and the fees they were billed.
        catalog: looks up the tariff versions the subscriptions are on.
        vat_mode: the customer's VAT mode asked for; ``None`` leaves it to the tariffs.
        on: the first day the new mode may read a credit of (the business day, or the
            change's effective date when that is earlier).

    Raises:
        InvalidField: ``vat_mode``: the mode invoices are read in would change while a
            fee an invoice charged (and nothing took back) covers a day a credit could
            still give back.
    """
    current = _read_in(state.profile.vat_mode, state, catalog, on)
    wanted = _read_in(vat_mode, state, catalog, on)
    if wanted == current:
        return
    for sub in state.subscriptions.values():
        fee = _creditable_fee(state, sub, on)
        if fee is None or sub.billed_until is None:
            continue
        invoice = state.invoices.get(fee.invoice_id)
        raise InvalidField(field="vat_mode", why=(
            "subscription {subscription_id} is billed until {billed_until} with VAT"
            " {current} (invoice {number}): a credit of those days would be read with VAT"
            " {wanted} and not give back what was charged; change vat_mode on"
            " {billed_until}, before that day is billed, or first credit invoice {number}"
            " by a credit note"), subscription_id=sub.subscription_id,
            billed_until=sub.billed_until, current=", ".join(sorted(current)),
            wanted=", ".join(sorted(wanted)),
            number=invoice.number if invoice is not None else fee.invoice_id)


def _read_in(own: VatMode | None, state: CustomerState, catalog: Catalog,
             on: date) -> set[VatMode]:
    """The mode invoices are read in: the customer's own, else its tariffs' (which agree)."""
    return {own} if own is not None else modes_in_use(state, catalog, on)


def _creditable_fee(state: CustomerState, sub: Subscription,
                    on: date) -> BilledChargeState | None:
    """The first standing fee of ``sub`` charging a day a credit could still give back.

    Those days run from ``on`` — or from the end of service already recorded, or the
    first day of a plan change's credit waiting for an invoice, when earlier — to
    ``billed_until``. A fee whose invoice was voided, or whose line a credit note
    credited, stands no more: a credit of its days gives nothing back.
    """
    term_end = None if sub.auto_renew else sub.term_end
    waiting = [charge.period_start for charge in state.pending_charges.values()
               if charge.subscription_id == sub.subscription_id and charge.amount.minor < 0
               and charge.period_start is not None]
    ends = (sub.cancel_at, sub.paused_from, term_end, *waiting)
    since = min((day for day in ends if day is not None), default=on)
    since = min(since, on)
    until = sub.billed_until
    if until is None or until <= since:
        return None
    return next((fee for fee in sub.billed if not fee.withdrawn
                 and fee.period_start < until and fee.period_end > since), None)
