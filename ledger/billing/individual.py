"""Individual prices across a plan change: which carry over to the new plan, which lapse.

The policy: a change within one tariff (another version, or only seats) keeps each
individual price whose component code the new definition still has, with a kind that
reads the price it sets — ``price`` for a flat, seat or setup component, ``pricing`` for a
metered one — and that price then runs to its own ``until``. A move to another tariff is a
new deal: every price agreed for the old one lapses, as does any other one still in force
on the change's date, and the change says so (``Lapse.sentence``): what was agreed with
the customer is never dropped without a word. (An 800.00 agreed on Старт's fee carried to
Про's 2,000.00 fee, because both call it ``base``, would be a price nobody agreed.)

Why decided once, when the change is made: replaying the change has no catalog to compare
definitions with, so the change records which components' prices lapse
(``PendingChange.lapsed``) and both the engine and the aggregate's state read that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ledger.money import Money

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date

    from ledger.billing.model import PendingChange, PriceOverride
    from ledger.tariffs.definition import Component, TariffDefinition


@dataclass(frozen=True, slots=True)
class Lapse:
    """An individual price that a plan change ends on its date, and why."""

    code: str
    override: PriceOverride
    why: str
    currency: str

    def sentence(self) -> str:
        """``"individual price 'base' lapses: b v2 has no component 'base' (agreed: 80.00 …)"``."""
        agreed = self.override
        terms = "a pricing model"
        if agreed.price is not None:
            terms = Money.parse(format(agreed.price, "f"), self.currency).to_decimal_string()
        if agreed.until is not None:
            terms += f" until {agreed.until.isoformat()}"
        if agreed.note:
            terms += f", {agreed.note}"
        return f"individual price {self.code!r} lapses: {self.why} (agreed: {terms})"


def fits(override: PriceOverride, component: Component) -> bool:
    """True when ``component`` reads the price ``override`` sets (a pricing if metered)."""
    if component.kind == "metered":
        return override.pricing is not None
    return override.price is not None


def lapses(
    overrides: Mapping[str, PriceOverride], definition: TariffDefinition, effective_on: date,
    *, plan: str, other_tariff: bool = False,
) -> tuple[Lapse, ...]:
    """The individual prices a move to ``definition`` on ``effective_on`` ends, by code.

    One that ended before the change's date lapses with nothing: it prices none of the new
    plan's days either way. ``plan`` names the new plan in the reasons (``"b v2"``);
    ``other_tariff``: the move is to another tariff, where no agreed price carries over.
    """
    found: list[Lapse] = []
    for code, override in sorted(overrides.items()):
        if override.until is not None and override.until <= effective_on:
            continue
        component = definition.component(code)
        if other_tariff:
            why = f"{plan} is another tariff; agree its prices anew"
        elif component is None:
            why = f"{plan} has no component {code!r}"
        elif not fits(override, component):
            takes = "a pricing model" if component.kind == "metered" else "a price"
            why = f"{code!r} is a {component.kind} component in {plan}, which takes {takes}"
        else:
            continue
        found.append(Lapse(code, override, why, definition.currency))
    return tuple(found)


def carried(
    overrides: Mapping[str, PriceOverride], change: PendingChange, definition: TariffDefinition,
) -> Mapping[str, PriceOverride]:
    """The individual prices of the plan before ``change`` that the new plan keeps.

    ``definition``: the plan's before the change. A change recorded before lapses were
    decided (``lapsed is None``) keeps them only on the same definition, as it did.
    """
    if change.lapsed is None:
        return overrides if change.definition == definition else {}
    return {code: found for code, found in overrides.items() if code not in change.lapsed}
