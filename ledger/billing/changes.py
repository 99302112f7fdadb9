"""Plan and quantity changes: the lines they cause now, and the terms they leave.

Why a pure function: the same call previews a change for a person and makes it
for the command layer, so what is shown is what is booked. The money policy:

- immediate change on day D: days from D that were already billed (in advance)
  get a credit of the unused part of the price they were billed at and a charge of
  the same part of the new price, per flat or seat component ("−500.00 =
  1000.00 × 15/30, unused part of A"); days not yet billed are billed later at
  the new price;
- end of term: no lines now; the new price applies from the next period;
- a quantity change is a change to the same tariff with another quantity.

The new plan is recorded as a ``PendingChange`` on the terms, so slices before
its date keep the old price (an in-arrears period, the usage of the period) and
slices from it take the new; it is folded into the terms once everything before
it is billed (``schedule.settle``), and the plans before it stay in the terms'
``history``, so a later change, cancellation or late usage re-prices their days at
their own price. Individual prices carry over to the new plan unless its definition
no longer reads them; those the change ends are its ``lapsed``
(``ledger.billing.individual``). A change keeps the billing period: moving
between periods of different length is a new subscription.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, TypeAlias

from ledger.billing.fees import segments
from ledger.billing.individual import lapses
from ledger.billing.model import InvoiceLine, PendingChange
from ledger.billing.schedule import Plan, cycle_of, plan_on, settle, slices
from ledger.errors import CurrencyMismatch, InvalidField
from ledger.periods import Interval
from ledger.proration import prorate, signed
from ledger.system_texts import (
    REMAINING_PART,
    REMAINING_PART_LINE,
    UNUSED_PART,
    UNUSED_PART_LINE,
)

if TYPE_CHECKING:
    from datetime import date

    from ledger.billing.individual import Lapse
    from ledger.billing.model import SubscriptionTerms
    from ledger.money import Money
    from ledger.tariffs.definition import Component, TariffDefinition

When: TypeAlias = Literal["immediate", "end_of_term"]


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """What a plan change invoices now, and the subscription's terms after it.

    Attributes:
        lines: credit and charge lines for days already billed (invoice them with
            ``bill(..., pending_lines=lines)``); empty for an end-of-term change.
        new_terms: the terms to record; the new plan applies from ``effective_on``.
        effective_on: the first day of the new plan.
        settled: when the subscription had a pending change already billed through,
            the terms with it folded in (``schedule.settle``), which this change
            starts from; record that fold with the change, or the plan of its days
            is lost. ``None`` otherwise.
        lapsed: the individual prices the change ends on ``effective_on`` (the new plan
            no longer reads them), to be told to whoever makes or previews it.
    """

    lines: tuple[InvoiceLine, ...]
    new_terms: SubscriptionTerms
    effective_on: date
    settled: SubscriptionTerms | None = None
    lapsed: tuple[Lapse, ...] = ()


def change_plan(
    subscription: SubscriptionTerms,
    new_definition: TariffDefinition,
    new_quantity: int,
    change_on: date,
    when: When,
    *,
    tariff_code: str | None = None,
    tariff_version: int | None = None,
) -> ChangeResult:
    """Change a subscription's tariff or quantity, now or at the end of the current period.

    Args:
        subscription: the subscription's terms, billed as far as recorded.
        new_definition: the tariff version to move to (the current one for a
            quantity change).
        new_quantity: the number of seats on the new plan.
        change_on: the day the change is asked to take effect (immediate) or is
            requested (end of term).
        when: ``"immediate"`` or ``"end_of_term"``.
        tariff_code: the new tariff's code; ``None`` keeps the current one.
        tariff_version: the new tariff's version; ``None`` keeps the current one.

    Raises:
        InvalidField: the change is dated before the subscription began or after
            it ended, another change is still pending (``effective_date``), the
            billing period differs (``period_unit``), the quantity is below 1
            (``quantity``) or ``when`` is unknown (``when``).
        CurrencyMismatch: the new tariff is in another currency.
    """
    terms = settle(subscription)
    _check(terms, new_definition, new_quantity, change_on)
    effective_on = _effective_on(terms, change_on, when)
    code = terms.tariff_code if tariff_code is None else tariff_code
    version = terms.tariff_version if tariff_version is None else tariff_version
    lapsed = lapses(terms.overrides, new_definition, effective_on, plan=f"{code} v{version}",
                    other_tariff=code != terms.tariff_code)
    change = PendingChange(
        effective_on=effective_on,
        tariff_code=code,
        tariff_version=version,
        definition=new_definition,
        quantity=new_quantity,
        lapsed=frozenset(lapse.code for lapse in lapsed),
    )
    new_terms = replace(terms, pending=change)
    lines = _settlement(terms, plan_on(new_terms, effective_on), effective_on)
    folded = terms if subscription.pending is not None and terms.pending is None else None
    return ChangeResult(tuple(lines), settle(new_terms), effective_on, folded, lapsed)


def _check(
    terms: SubscriptionTerms, definition: TariffDefinition, quantity: int, change_on: date
) -> None:
    if change_on < terms.started_on:
        why = "the change on {change_on} is before the subscription began ({started_on})"
        raise InvalidField(field="effective_date", why=why, change_on=change_on,
                           started_on=terms.started_on)
    if terms.pending is not None:
        why = "a plan change from {pending_on} is still pending"
        raise InvalidField(field="effective_date", why=why,
                           pending_on=terms.pending.effective_on)
    if definition.currency != terms.definition.currency:
        raise CurrencyMismatch(expected=terms.definition.currency, got=definition.currency)
    if definition.period != terms.definition.period:
        why = "a plan change keeps the billing period; start a new subscription instead"
        raise InvalidField(field="period_unit", why=why)
    if quantity < 1:
        raise InvalidField(field="quantity", why="quantity must be at least 1")


def _effective_on(terms: SubscriptionTerms, change_on: date, when: When) -> date:
    if when == "immediate":
        effective_on = change_on
    elif when == "end_of_term":
        cycle = cycle_of(terms)
        effective_on = cycle.boundary(cycle.index_of(change_on) + 1)
    else:
        raise InvalidField(field="when", why="when is immediate or end_of_term, not {when!r}",
                           when=when)
    end = terms.service_end
    if end is not None and effective_on >= end:
        why = "the subscription ends on {end}, before the change on {effective_on}"
        raise InvalidField(field="effective_date", why=why, end=end, effective_on=effective_on)
    return effective_on


def _settlement(terms: SubscriptionTerms, new: Plan, effective_on: date) -> list[InvoiceLine]:
    """Credit the old price and charge the new one for days already billed from the change.

    One credit and one charge per flat or seat component and per stretch of one price
    (an individual price that starts or ends inside the days splits them), like the fee lines
    they correct, so a component's discount and VAT treat both the same way. Each
    stretch of days is credited at the plan it was billed under (a past plan, for a
    backdated change); a component priced the same before and after is left alone.
    """
    billed_until = terms.billed_until
    if billed_until is None or billed_until <= effective_on:
        return []
    lines: list[InvoiceLine] = []
    for piece in slices(terms, max(effective_on, terms.billing_start)):
        if piece.part.start >= billed_until:
            break
        part = Interval(piece.part.start, min(piece.part.end, billed_until))
        old, charged = _priced(piece.plan, part), _priced(new, part)
        same = {key for key in old.keys() & charged.keys() if old[key][1] == charged[key][1]}
        lines += [
            _line(terms.subscription_id, piece.plan, old[key], key[1], piece.full, credit=True)
            for key in old if key not in same
        ]
        lines += [
            _line(terms.subscription_id, new, charged[key], key[1], piece.full, credit=False)
            for key in charged if key not in same
        ]
    return lines


_Key: TypeAlias = tuple[str, Interval]


def _priced(plan: Plan, part: Interval) -> dict[_Key, tuple[Component, Money]]:
    """Each flat and seat component's full-period price (seats included), per stretch of days.

    Keyed by component code and days, so the same component on both sides of a change
    can be matched.
    """
    priced: dict[_Key, tuple[Component, Money]] = {}
    for component in plan.definition.components:
        if component.kind not in {"flat", "seat"}:
            continue
        for stretch in segments(part, plan.overrides.get(component.code)):
            unit, _ = plan.unit_price(component, stretch.start)
            seats = plan.quantity if component.kind == "seat" else 1
            priced[component.code, stretch] = (component, unit.times(seats))
    return priced


def _line(
    subscription_id: str,
    plan: Plan,
    priced: tuple[Component, Money],
    part: Interval,
    full: Interval,
    *,
    credit: bool,
) -> InvoiceLine:
    component, price = priced
    recurring = [c for c in plan.definition.components if c.kind in {"flat", "seat"}]
    single = len(recurring) == 1
    label = plan.label if single else f"{plan.label}, {component.name}"
    name = plan.definition.name if single else f"{plan.definition.name}, {component.name}"
    days = {"days": part.days, "period_days": full.days, "plan": label}
    amount = prorate(price, part, full).amount
    if credit:
        amount = -amount
        formula = UNUSED_PART.write(amount=signed(amount), price=signed(price), **days)
    else:
        formula = REMAINING_PART.write(amount=signed(amount), price=signed(price), **days)
    plan_id = f"{plan.tariff_code}.v{plan.tariff_version}x{plan.quantity}"
    kind: Literal["proration_credit", "proration_charge"] = (
        "proration_credit" if credit else "proration_charge"
    )
    described = UNUSED_PART_LINE if credit else REMAINING_PART_LINE
    return InvoiceLine(
        line_id=f"{subscription_id}:{plan_id}:{component.code}:{part.start}:{kind}",
        subscription_id=subscription_id,
        component=component.code,
        kind=kind,
        description=described.write(plan=name, start=part.start.isoformat(),
                                    end=part.end.isoformat()),
        period=part,
        quantity=plan.quantity,
        amount=amount,
        formula=formula,
        vat_rate=plan.definition.vat_rate,
        tariff_code=plan.tariff_code,
    )
