"""What an individual price must say before the Customer records it.

Checked against the subscription's current tariff and its billing cursors:

- the component exists and is given the one price its kind reads (a ``price`` for a flat,
  seat or setup component, a ``pricing`` model for a metered one); a field the kind never
  reads is refused, as in a tariff (``unused_price_field``), since no invoice would show it;
- it starts (``effective_from``) on a day not yet billed for that component. An issued
  invoice is never re-priced: days billed before a price was agreed keep the price they were
  billed at, for whatever re-prices them later (a credit, late usage). To give back part of
  what an invoice charged, the accountant issues a credit note;
- it ends (``until``) after it starts, or it would price nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ledger.billing.schedule import money
from ledger.errors import InvalidAmount, InvalidField, Term
from ledger.pricing import parse_pricing
from ledger.tariffs.definition import unused_price_field

if TYPE_CHECKING:
    from datetime import date
    from decimal import Decimal

    from ledger.customers.state import Subscription
    from ledger.tariffs.definition import Component, TariffDefinition


_UNUSED = {
    "price": ("a {kind} component ({component!r}) takes tiers (pricing), not a price: no"
              " invoice would read the price given"),
    "pricing": ("a {kind} component ({component!r}) takes a price, not tiers: no invoice"
                " would read the pricing given"),
}
"""Why a price field the component's kind never reads is refused, by the field given."""


def check_individual_price(
    sub: Subscription, definition: TariffDefinition, component: str, condition: dict[str, Any],
) -> None:
    """Refuse a condition the tariff would not read, or one that re-prices billed days.

    ``condition`` holds ``price``, ``pricing``, ``until`` and ``effective_from`` (set).

    Raises:
        InvalidField: naming ``component``, ``price``, ``pricing``, ``effective_from`` or
            ``until``.
    """
    found = definition.component(component)
    if found is None:
        raise InvalidField(field="component", why="{tariff_code} has no component {component!r}",
                           tariff_code=sub.tariff_code, component=component)
    price, pricing = condition.get("price"), condition.get("pricing")
    if found.kind == "metered" and pricing is None:
        raise InvalidField(field="pricing", why="a metered component takes tiers (pricing)")
    if found.kind != "metered" and price is None:
        raise InvalidField(field="price", why="a {kind} component takes a price",
                           kind=Term(found.kind))
    unused = unused_price_field(found.kind, price=price, pricing=pricing)
    if unused is not None:
        raise InvalidField(field=unused, why=_UNUSED[unused], kind=Term(found.kind),
                           component=component)
    if pricing is not None:
        parse_pricing(pricing)  # validates tiers and decimal text, naming the field
    if price is not None:
        _check_minor_units(price, definition.currency)
    _check_dates(sub, found, condition["effective_from"], condition.get("until"))


def _check_minor_units(price: Decimal, currency: str) -> None:
    """Refuse a price finer than the currency's minor unit (``990.123`` RUB), naming ``price``.

    ``money`` names ``amount``, the field of an amount; the request has a ``price``.
    """
    try:
        money(price, currency)
    except InvalidAmount as error:
        raise InvalidAmount(error.wording, field="price", **error.facts) from None


def _check_dates(sub: Subscription, component: Component, start: date, until: date | None) -> None:
    if component.kind == "setup":
        _check_setup(sub, start)
    billed = billed_until(sub, component)
    if billed is not None and start < billed:
        raise InvalidField(field="effective_from", why=(
            "effective_from {start} is on days already billed for {component!r} (up to"
            " {billed}): an issued invoice is never re-priced. Start the price on {billed} or"
            " later; to give back part of what an invoice charged, the accountant issues a"
            " credit note"), start=start, component=component.code, billed=billed)
    if until is not None and until <= start:
        raise InvalidField(field="until", why=(
            "until {until} is not after effective_from {start}: the price would apply to no"
            " day"), until=until, start=start)


def _check_setup(sub: Subscription, start: date) -> None:
    """A setup fee is priced once, for the subscription's first day."""
    first = sub.started_on
    if sub.setup_billed:
        raise InvalidField(field="effective_from", why=(
            "the setup fee was already billed, for the subscription's first day ({first}):"
            " an issued invoice is never re-priced; to give back part of it, the accountant"
            " issues a credit note"), first=first)
    if start > sub.started_on:
        raise InvalidField(field="effective_from", why=(
            "a setup fee is charged once, for the subscription's first day ({first}): a"
            " price from {start} would never apply; start it on {first}"), first=first,
            start=start)


def billed_until(sub: Subscription, component: Component) -> date | None:
    """The first day of ``component`` not yet billed (``None``: nothing billed yet).

    Usage is billed by its own cursor; a setup fee, for the first day, on the first invoice.
    """
    if component.kind == "metered":
        return sub.usage_billed_until
    if component.kind == "setup":
        return sub.started_on + timedelta(days=1) if sub.setup_billed else None
    return sub.billed_until
