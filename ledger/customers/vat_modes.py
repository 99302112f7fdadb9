"""One VAT mode per customer's invoices: a tariff that would mix modes is refused up front.

Why at the door: an invoice reads every line in one VAT mode — the customer's own, else
that of the tariffs billed on it, which must agree. Tariffs that disagree, accepted on one
customer, would make every later bill run skip the customer (nothing billed, and a plan
change's corrections read in the wrong mode). So a new subscription, or a change to
another tariff, must bill in the mode of the customer's tariffs that can still put a line
on an invoice, unless the customer has a VAT mode of its own, which then governs; and that
mode of its own cannot be cleared while the tariffs it governs disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.billing.schedule import has_arrears_items
from ledger.errors import InvalidField

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from ledger.customers.state import CustomerState, Subscription
    from ledger.tariffs.definition import TariffDefinition
    from ledger.vat import VatMode

    Catalog = Callable[[str, int], TariffDefinition]


def ensure_one_vat_mode(
    state: CustomerState, catalog: Catalog, tariff_code: str, definition: TariffDefinition,
    on: date,
) -> None:
    """Refuse ``definition`` when its VAT mode differs from the customer's tariffs'.

    Args:
        state: the customer, with its subscriptions as they stand (the one changing too).
        catalog: looks up the tariff versions the subscriptions are on.
        tariff_code: the tariff asked for, named in the refusal.
        definition: that tariff's version.
        on: the first day it would be billed for (a start, a change's date).

    Raises:
        InvalidField: ``tariff_code``: the customer has no VAT mode of its own and a
            subscription that can still be billed is on a tariff of another mode.
    """
    if state.profile.vat_mode is not None:
        return
    others = modes_in_use(state, catalog, on) - {definition.vat_mode}
    if others:
        listed = ", ".join(sorted(others))
        raise InvalidField(field="tariff_code", why=(
            "{tariff_code} bills VAT {mode}, the customer's tariffs bill it {listed}; one"
            " invoice has one VAT mode: set the customer's vat_mode to mix them"),
            tariff_code=tariff_code, mode=definition.vat_mode, listed=listed)


def ensure_own_mode_kept(
    state: CustomerState, catalog: Catalog, vat_mode: VatMode | None, on: date,
) -> None:
    """Refuse to clear the customer's own VAT mode while its tariffs disagree.

    Args:
        state: the customer, with its VAT mode and subscriptions as they stand.
        catalog: looks up the tariff versions the subscriptions are on.
        vat_mode: the customer's VAT mode asked for; ``None`` clears it.
        on: the day from which the tariffs alone would decide (the business day).

    Raises:
        InvalidField: ``vat_mode``: clearing it would leave a subscription that can still
            be billed on a tariff of another mode than the others'.
    """
    if vat_mode is not None or state.profile.vat_mode is None:
        return
    modes = modes_in_use(state, catalog, on)
    if len(modes) > 1:
        listed = ", ".join(sorted(modes))
        raise InvalidField(field="vat_mode", why=(
            "the customer's tariffs bill VAT {listed}; one invoice has one VAT mode: keep the"
            " customer's vat_mode while they mix"), listed=listed)


def modes_in_use(state: CustomerState, catalog: Catalog, on: date) -> set[VatMode]:
    """The VAT modes of the tariffs (and pending plans) that may bill alongside one from ``on``."""
    return {definition.vat_mode for definition in tariffs_in_use(state, catalog, on)}


def tariffs_in_use(state: CustomerState, catalog: Catalog, on: date) -> list[TariffDefinition]:
    """The tariff versions (and pending plans) that may still put a line on an invoice from ``on``.

    A customer without a VAT mode or rate of its own is billed in theirs
    (``modes_in_use``; ``ledger.customers.charge_vat`` for a one-off charge's rate).
    """
    definitions: list[TariffDefinition] = []
    for sub in state.subscriptions.values():
        definition = catalog(sub.tariff_code, sub.tariff_version)
        if _over(state, sub, definition, on):
            continue
        definitions.append(definition)
        if sub.pending is not None:
            definitions.append(catalog(sub.pending.tariff_code, sub.pending.tariff_version))
    return definitions


def _over(state: CustomerState, sub: Subscription, definition: TariffDefinition,
          on: date) -> bool:
    """True only for a cancelled subscription ended by ``on`` and billed exactly to its end.

    Paused subscriptions may resume. A cancelled one serving after ``on`` may still be
    credited for days after a closing day, and one ended may still owe fees or usage of the
    days before its end, or a credit for days billed after it: those still count.
    """
    if sub.status != "cancelled" or sub.cancel_at is None or sub.cancel_at > on:
        return False
    if any(c.subscription_id == sub.subscription_id for c in state.pending_charges.values()):
        return False
    term_end = None if sub.auto_renew else sub.term_end
    end = min(day for day in (sub.cancel_at, sub.paused_from, term_end) if day is not None)
    billing_start = max(sub.started_on, sub.trial_end or sub.started_on)
    fees_done = (sub.setup_billed or sub.started_on >= end) and (
        (sub.billed_until or billing_start) >= end)
    credit_done = sub.billed_until is None or sub.billed_until <= max(end, billing_start)
    usage_done = (not has_arrears_items(definition) or sub.started_on >= end
                  or (sub.usage_billed_until is not None and sub.usage_billed_until >= end))
    return fees_done and credit_done and usage_done
