"""One pricing ladder per billing period: how a metered component's units are priced.

Why a ladder: tiers, packages, free units and a first tier's flat fee are per billing
period, whatever happens inside it. A plan change (a seat change, a new version, another
tariff) or an individual price that starts or ends cuts the period into *stretches*, each
with one pricing model, but the units still climb one ladder: the period's units are
counted in the order of their days, and a stretch with ``u`` units, after ``c`` units used
earlier in the period, costs ``M(c + u) − M(c)`` under its own model ``M`` — the part of
the ladder its units climb. The period's first stretch costs ``M(u)`` in full (its model's
first-tier flat fee included), so that fee is charged once per period. Where the model is
the same on every stretch the charges add up to ``M(total)``: the period priced once.

Each charge is final: a later stretch never changes what an earlier one cost, so a period
billed in two invoices (usage up to a plan change, then the rest) costs what it would in
one. Usage that comes late is placed on the ladder by its day like any other, and the
invoice bills the difference it makes (``usage``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger.billing.fees import segments
from ledger.money import Money
from ledger.pricing import Percentage, from_dict
from ledger.proration import MINUS, signed

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ledger.billing.model import UsageRecord
    from ledger.billing.schedule import Plan, Slice
    from ledger.periods import Interval
    from ledger.pricing import PricingModel, Quantity
    from ledger.tariffs.definition import Component


@dataclass(frozen=True, slots=True)
class Stretch:
    """Days of one billing period on which a metered component has one pricing model."""

    part: Interval
    full: Interval
    plan: Plan
    component: Component
    model: PricingModel
    note: str

    def looks_like(self, other: Stretch) -> bool:
        """True when both would print the same line: model, note, tariff, names and VAT."""
        mine, theirs = self.plan.definition, other.plan.definition
        return (
            self.model == other.model and self.note == other.note
            and self.plan.tariff_code == other.plan.tariff_code and mine.name == theirs.name
            and self.component.name == other.component.name
            and mine.vat_rate == theirs.vat_rate
        )


@dataclass(frozen=True, slots=True)
class Climb:
    """What a stretch's units cost on the period's ladder.

    Attributes:
        earlier: the period's units before the stretch's (its place on the ladder).
        units: the stretch's units; ``records`` are its usage records.
        top: the model's price of ``earlier + units``.
        bottom: the model's price of ``earlier``; zero for the period's first stretch.
        first: the stretch opens the period's ladder.
    """

    stretch: Stretch
    earlier: Quantity
    units: Quantity
    records: tuple[UsageRecord, ...]
    top: Money
    bottom: Money
    first: bool

    @property
    def amount(self) -> Money:
        """The stretch's charge: ``top − bottom``."""
        return self.top - self.bottom

    def describe(self) -> str:
        """How the charge is worked out: ``"80 units after the period's first 80, …"``."""
        model = self.stretch.model.describe()
        if self.first:
            text = f"{self.units} units, {model}"
        else:
            text = (f"{self.units} units after the period's first {self.earlier}, {model}:"
                    f" {signed(self.top)} {MINUS} {signed(self.bottom)}")
        return f"{text}, {self.stretch.note}" if self.stretch.note else text


def model_on(plan: Plan, component: Component, part: Interval) -> tuple[PricingModel, str]:
    """A metered component's pricing model on the days of ``part`` (an individual one if in force).

    ``part`` never straddles an individual price's start or end (:func:`stretches` cuts
    there), so its first day speaks for all of it.
    """
    found = plan.override(component.code, part.start)
    if found is not None and found.pricing is not None:
        note = f"individual pricing: {found.note}" if found.note else "individual pricing"
        return from_dict(found.pricing), note
    return component.model(), ""


def stretches(pieces: Sequence[Slice], code: str) -> list[Stretch]:
    """The stretches of a metered component over a period's slices, in day order.

    A slice whose plan does not meter ``code`` has none; one in which an individual
    price of the component starts or ends is cut there.
    """
    found: list[Stretch] = []
    for piece in pieces:
        component = piece.plan.definition.component(code)
        if component is None or component.kind != "metered":
            continue
        for part in segments(piece.part, piece.plan.overrides.get(code)):
            model, note = model_on(piece.plan, component, part)
            found.append(Stretch(part, piece.full, piece.plan, component, model, note))
    return found


def climb(ladder: Sequence[Stretch], records: Sequence[UsageRecord]) -> list[Climb]:
    """Price each stretch's records on the period's ladder, in day order."""
    climbs: list[Climb] = []
    earlier: Quantity = 0
    transactions = 0
    for index, stretch in enumerate(ladder):
        mine = tuple(record for record in records if record.occurred_on in stretch.part)
        units = total_quantity(mine)
        currency = stretch.plan.definition.currency
        top = _price(stretch.model, earlier + units, transactions + len(mine), currency)
        bottom = (Money.zero(currency) if index == 0
                  else _price(stretch.model, earlier, transactions, currency))
        climbs.append(Climb(stretch, earlier, units, mine, top, bottom, first=index == 0))
        earlier += units
        transactions += len(mine)
    return climbs


def joined(climbs: Sequence[Climb], part: Interval) -> Climb:
    """Consecutive climbs of stretches that look alike, as one over ``part``.

    With one model the charges telescope: the joined charge is the last top less the
    first bottom, exactly their sum.
    """
    head, tail = climbs[0], climbs[-1]
    stretch = Stretch(part, head.stretch.full, tail.stretch.plan, head.stretch.component,
                      head.stretch.model, head.stretch.note)
    records = tuple(record for item in climbs for record in item.records)
    return Climb(stretch, head.earlier, total_quantity(records), records, tail.top,
                 head.bottom, head.first)


def total_quantity(records: Sequence[UsageRecord]) -> Quantity:
    """The units of several records: an ``int`` when every record counts whole units."""
    exact = sum((Decimal(record.quantity) for record in records), Decimal(0))
    if all(isinstance(record.quantity, int) for record in records):
        return int(exact)
    return exact


def _price(model: PricingModel, quantity: Quantity, transactions: int, currency: str) -> Money:
    if isinstance(model, Percentage):
        return model.price(quantity, currency, transactions=transactions)
    return model.price(quantity, currency)
