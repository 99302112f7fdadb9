"""The VAT rate a one-off charge is recorded with, decided once, when it is recorded.

Why decided then and written on ``ChargeRecorded``: the invoice that bills the charge must
say which rate it carries, and an auditor must find that rate in the charge itself, not
work it out from whatever the customer's profile and tariffs said on the day of a later
bill run. The rate is the one the charge names; else the customer's own; else the one the
customer's tariffs that can still bill agree on — a service re-billed with ``RecordCharge``
after a void is taxed like the fee it replaces, not «без НДС». Tariffs that disagree leave
no rate to take, so the charge must name one. A customer without tariffs keeps what it
always had: no rate on the charge, so the invoice takes the customer's rate of its day.
The VAT mode follows the customer, else its tariffs, when the charge is invoiced
(``ledger.billing.engine``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.customers.vat_modes import tariffs_in_use
from ledger.errors import InvalidField
from ledger.vat import VatRate

if TYPE_CHECKING:
    from datetime import date
    from decimal import Decimal

    from ledger.customers.state import CustomerState
    from ledger.customers.vat_modes import Catalog


def charge_rate(
    state: CustomerState, catalog: Catalog | None, vat_rate: Decimal | None, on: date,
) -> Decimal | None:
    """The rate to record a one-off charge with.

    Args:
        state: the customer, with its VAT rate and subscriptions.
        catalog: looks up the tariff versions the subscriptions are on; ``None`` leaves the
            tariffs out (the charge then has the rate it names, else the customer's).
        vat_rate: the rate the charge names, if any.
        on: the day it is recorded: tariffs of subscriptions over by then do not count.

    Returns:
        The charge's rate, else the customer's, else the tariffs'; ``None`` when no tariff
        can still bill, or those that can agree on «без НДС» (the invoice then reads the
        customer's rate of its day, none while it has none).

    Raises:
        InvalidField: ``vat_rate``: the charge names none, the customer has none, and the
            tariffs that can still bill disagree on it.
    """
    if vat_rate is not None:
        return vat_rate
    if state.profile.vat_rate is not None or catalog is None:
        return state.profile.vat_rate
    rates = {definition.vat_rate for definition in tariffs_in_use(state, catalog, on)}
    if len(rates) > 1:
        listed = ", ".join(sorted(str(VatRate(rate)) for rate in rates))
        raise InvalidField(field="vat_rate", why=(
            "the customer's tariffs bill VAT at {listed} and the customer has no rate of its"
            " own: give the charge's vat_rate"), listed=listed)
    return next(iter(rates), None)
