"""Usage and minimums: what each period owes once it has ended.

Why these rules live together: both are known only at a period's end. A metered
component's charge for a slice is its pricing model applied to the total quantity
of the usage records dated in the slice (a percentage model also counts them as
transactions). The tariff's minimum is then checked for the same slice: when the
slice's fees and usage come to less than the minimum (prorated like a fee for a
part period, and never for trial days), a "minimum" line adds the difference.

Usage that arrives after its period was billed is charged on the next invoice as
a correction naming its original period, priced as the increase it causes:
``price(billed + late) − price(billed)``, so tiers and free units count the units
already invoiced (as far as the caller passes them), under the plan in force on the
usage's day. With a minimum, a correction is what the period's charges grow by
above it: ``max(minimum, charged after) − max(minimum, charged before)``, so usage
the minimum top-up already paid for costs nothing more.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger.billing.fees import expression, fee_lines
from ledger.billing.line_texts import FEE_LINE, LATE_USAGE_LINE, MINIMUM_LINE
from ledger.billing.model import InvoiceLine
from ledger.billing.schedule import Slice, money, slice_at
from ledger.errors import InvalidField
from ledger.money import total
from ledger.periods import Interval
from ledger.pricing import Percentage, PricingModel, from_dict
from ledger.proration import MINUS, prorate, signed

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from ledger.billing.model import SubscriptionTerms, UsageRecord
    from ledger.billing.schedule import Plan
    from ledger.money import Money
    from ledger.tariffs.definition import Component


def total_quantity(records: Sequence[UsageRecord]) -> Decimal | int:
    """The units of several records: an ``int`` when every record counts whole units."""
    exact = sum((Decimal(record.quantity) for record in records), Decimal(0))
    if all(isinstance(record.quantity, int) for record in records):
        return int(exact)
    return exact


def pricing_on(plan: Plan, component: Component, day: date) -> tuple[PricingModel, str]:
    """A metered component's pricing model on ``day`` (an individual one if in force)."""
    found = plan.override(component.code, day)
    if found is not None and found.pricing is not None:
        note = f"individual pricing: {found.note}" if found.note else "individual pricing"
        return from_dict(found.pricing), note
    return component.model(), ""


def _price(model: PricingModel, records: Sequence[UsageRecord], currency: str) -> Money:
    quantity = total_quantity(records)
    if isinstance(model, Percentage):
        return model.price(quantity, currency, transactions=len(records))
    return model.price(quantity, currency)


def _charge(
    piece: Slice, component: Component, records: Sequence[UsageRecord]
) -> tuple[Money, str]:
    model, note = pricing_on(piece.plan, component, piece.part.start)
    amount = _price(model, records, piece.plan.definition.currency)
    text = f"{total_quantity(records)} units, {model.describe()}"
    return amount, f"{text}, {note}" if note else text


def metered_component(plan: Plan, record: UsageRecord) -> Component:
    """The metered component a usage record counts for.

    Raises:
        InvalidField: the plan in force on the record's day has no such metered component.
    """
    found = plan.definition.component(record.component)
    if found is None or found.kind != "metered":
        why = f"usage {record.usage_id}: {plan.definition.name} has no metered {record.component!r}"
        raise InvalidField(field="component", why=why)
    return found


def usage_lines(
    subscription_id: str, piece: Slice, records: Sequence[UsageRecord]
) -> list[InvoiceLine]:
    """Return a line per metered component used in ``piece`` (or charging even unused)."""
    lines: list[InvoiceLine] = []
    for component in piece.plan.definition.components:
        if component.kind != "metered":
            continue
        mine = [record for record in records if record.component == component.code]
        amount, text = _charge(piece, component, mine)
        if not mine and not amount:
            continue
        lines.append(
            InvoiceLine(
                line_id=f"{subscription_id}:{component.code}:{piece.part.start}:usage",
                subscription_id=subscription_id,
                component=component.code,
                kind="usage",
                description=FEE_LINE.write(
                    plan=piece.plan.definition.name, component=component.name,
                    start=piece.part.start.isoformat(), end=piece.part.end.isoformat()),
                period=piece.part,
                quantity=total_quantity(mine),
                amount=amount,
                formula=f"{signed(amount)} = {text}",
                vat_rate=piece.plan.definition.vat_rate,
                tariff_code=piece.plan.tariff_code,
            )
        )
    return lines


def minimum_line(
    subscription_id: str, piece: Slice, billing_start: date, usage_charged: Money
) -> InvoiceLine | None:
    """Return the top-up to the tariff's minimum for ``piece``, if its charges fall short.

    Args:
        subscription_id: the subscription billed.
        piece: the ended slice; only its days from ``billing_start`` count.
        billing_start: the first day after the trial.
        usage_charged: the usage lines of ``piece`` on this invoice.
    """
    floor = _floor(subscription_id, piece, billing_start)
    if floor is None:
        return None
    part, floor_due, fees, said = floor
    charged = fees + usage_charged
    if charged >= floor_due:
        return None
    shortfall = floor_due - charged
    definition = piece.plan.definition
    return InvoiceLine(
        line_id=f"{subscription_id}:minimum:{part.start}:minimum",
        subscription_id=subscription_id,
        component=None,
        kind="minimum",
        description=MINIMUM_LINE.write(plan=definition.name, start=part.start.isoformat(),
                                       end=part.end.isoformat()),
        period=part,
        quantity=1,
        amount=shortfall,
        formula=f"{signed(shortfall)} = minimum {said} {MINUS} {signed(charged)} charged",
        vat_rate=definition.vat_rate,
        tariff_code=piece.plan.tariff_code,
    )


def _floor(
    subscription_id: str, piece: Slice, billing_start: date
) -> tuple[Interval, Money, Money, str] | None:
    """The minimum of ``piece``, or ``None`` when it has none.

    Returns its days after the trial, the minimum prorated over them, the flat and
    seat fees of those days, and the minimum as a formula writes it.
    """
    definition = piece.plan.definition
    start = max(piece.part.start, billing_start)
    if definition.minimum is None or start >= piece.part.end:
        return None
    part = Interval(start, piece.part.end)
    floor = money(definition.minimum, definition.currency)
    fees = fee_lines(subscription_id, Slice(part, piece.full, piece.plan), "recurring")
    return (
        part,
        prorate(floor, part, piece.full).amount,
        total((line.amount for line in fees), definition.currency),
        expression(floor, None, part, piece.full),
    )


def late_lines(
    terms: SubscriptionTerms, late: Sequence[UsageRecord], billed: Sequence[UsageRecord]
) -> list[InvoiceLine]:
    """Return the corrections for usage that arrived after its period was billed.

    Each record is priced under the plan in force on its day (a past plan too), in
    the slice of that plan that holds its day.

    Args:
        terms: the subscription; each record's period is found from its date.
        late: unbilled records dated before ``usage_billed_until``.
        billed: records already invoiced, the base the correction is priced on top of.
    """
    groups: dict[date, tuple[Slice, list[UsageRecord]]] = {}
    for record in late:
        piece = slice_at(terms, record.occurred_on, since=terms.started_on)
        if piece is not None:
            groups.setdefault(piece.part.start, (piece, []))[1].append(record)
    lines = [
        line
        for piece, records in groups.values()
        for line in _corrections(terms, piece, records, billed)
    ]
    return sorted(lines, key=lambda line: (line.component or "", line.line_id))


def _corrections(
    terms: SubscriptionTerms,
    piece: Slice,
    records: list[UsageRecord],
    billed: Sequence[UsageRecord],
) -> list[InvoiceLine]:
    """The corrections of one slice, one per metered component used late.

    With a minimum, what the slice was charged (fees and usage) only grows past the
    minimum: each correction is ``max(minimum, charged after) − max(minimum, charged
    before)``, taken component after component.
    """
    sub = terms.subscription_id
    base = [r for r in billed if r.subscription_id == sub and r.occurred_on in piece.part]
    floor = _floor(sub, piece, terms.billing_start)
    charged = None
    if floor is not None:
        metered = [c for c in piece.plan.definition.components if c.kind == "metered"]
        usage = [_charge(piece, c, [r for r in base if r.component == c.code])[0] for c in metered]
        charged = total(usage, piece.plan.definition.currency) + floor[2]
    lines = []
    for code in sorted({record.component for record in records}):
        mine = [record for record in records if record.component == code]
        line, increase = _correction(sub, piece, mine, [r for r in base if r.component == code])
        if floor is not None and charged is not None:
            line = _floored(line, floor[1], charged, increase)
            charged += increase
        lines.append(line)
    return lines


def _floored(line: InvoiceLine, floor_due: Money, charged: Money, increase: Money) -> InvoiceLine:
    """A late correction less what the minimum already charged for the slice covers."""
    after = charged + increase
    amount = max(floor_due, after) - max(floor_due, charged)
    if amount == increase:
        return line
    formula = (
        f"{signed(amount)} = max({signed(floor_due)} minimum, {signed(after)} charged)"
        f" {MINUS} max({signed(floor_due)} minimum, {signed(charged)} charged);"
        f" usage {line.formula}"
    )
    return replace(line, amount=amount, formula=formula)


def _correction(
    subscription_id: str,
    piece: Slice,
    records: list[UsageRecord],
    base: list[UsageRecord],
) -> tuple[InvoiceLine, Money]:
    component = metered_component(piece.plan, records[0])
    code = component.code
    before, _ = _charge(piece, component, base)
    after, text = _charge(piece, component, [*base, *records])
    amount = after - before
    formula = f"{signed(amount)} = {text}"
    if base:
        already = f"{signed(before)} already billed for {total_quantity(base)} units"
        formula = f"{signed(amount)} = {signed(after)} ({text}) {MINUS} {already}"
    digest = hashlib.sha256(",".join(sorted(r.usage_id for r in records)).encode()).hexdigest()
    name = piece.plan.definition.name
    line = InvoiceLine(
        line_id=f"{subscription_id}:{code}:{piece.part.start}:usage-late-{digest[:12]}",
        subscription_id=subscription_id,
        component=code,
        kind="usage",
        description=LATE_USAGE_LINE.write(
            plan=name, component=component.name, start=piece.part.start.isoformat(),
            end=piece.part.end.isoformat()),
        period=piece.part,
        quantity=total_quantity(records),
        amount=amount,
        formula=formula,
        vat_rate=piece.plan.definition.vat_rate,
        tariff_code=piece.plan.tariff_code,
    )
    return line, amount
