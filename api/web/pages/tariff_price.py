"""The price calculator: what one full period of a tariff costs for N units and M seats.

Why the engine and not a formula of our own: the numbers a person sees while editing a
tariff must be the numbers the bill run will charge. So each component is priced here by
the same pieces the billing engine uses — ``TariffDefinition.recurring_price`` for flat
and seat fees, the component's ``ledger.pricing`` model for usage, the minimum top-up rule
(recurring fees plus usage, topped up to the minimum) and ``vat_for_line`` per line —
for one whole period, with no proration, discounts or individual prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger.money import Money, total
from ledger.pricing import Percentage
from ledger.vat import document_vat, vat_for_line

if TYPE_CHECKING:
    from ledger.tariffs.definition import Component, TariffDefinition
    from ledger.vat import VatLine

MAX_UNITS = Decimal(10) ** 12
"""Beyond a trillion units a figure is a typo, not a question."""


@dataclass(frozen=True)
class QuoteLine:
    """One component's charge for the quantities asked."""

    component: Component
    quantity: Decimal | int | None
    amount: Money

    @property
    def kind(self) -> str:
        """The component's kind (flat, seat, metered, setup)."""
        return self.component.kind


@dataclass(frozen=True)
class Quote:
    """A full period's charges, the minimum top-up, VAT and the total."""

    currency: str
    lines: tuple[QuoteLine, ...]
    minimum_top_up: Money
    totals: VatLine
    once: Money

    @property
    def charges(self) -> Money:
        """Every component's charge, setup included, before the minimum top-up and VAT."""
        return total((line.amount for line in self.lines), self.currency)

    @property
    def recurring(self) -> Money:
        """The period's charges without the one-time setup fees."""
        return total((line.amount for line in self.lines if line.kind != "setup"),
                     self.currency) + self.minimum_top_up


def _line(component: Component, definition: TariffDefinition, units: Decimal,
          seats: int) -> QuoteLine:
    currency = definition.currency
    if component.kind == "metered":
        model = component.model()
        amount = (model.price(units, currency) if not isinstance(model, Percentage)
                  else model.price(units, currency, transactions=0))
        return QuoteLine(component, units, amount)
    price = component.price or Decimal(0)
    if component.kind == "seat":
        return QuoteLine(component, seats, Money.of(price * seats, currency))
    return QuoteLine(component, None, Money.of(price, currency))


def quote(definition: TariffDefinition, *, units: Decimal, seats: int) -> Quote:
    """Price one full period of ``definition`` for ``units`` of usage and ``seats`` seats.

    ``units`` is the usage of every metered component (for a percentage model, the
    transacted amount in major units); the setup fee is listed but is charged only once.
    """
    currency = definition.currency
    lines = tuple(_line(c, definition, units, seats) for c in definition.components)
    recurring = definition.recurring_price(seats)
    usage = total((line.amount for line in lines if line.kind == "metered"), currency)
    top_up = Money.zero(currency)
    if definition.minimum is not None:
        floor = Money.of(definition.minimum, currency)
        top_up = max(floor - (recurring + usage), Money.zero(currency))
    amounts = [line.amount for line in lines] + ([top_up] if top_up else [])
    taxed = [vat_for_line(amount, definition.vat, definition.vat_mode) for amount in amounts]
    once = total((line.amount for line in lines if line.kind == "setup"), currency)
    return Quote(currency, lines, top_up, document_vat(taxed, currency), once)
