"""Which days of a subscription are billed, under which plan, and in which pieces.

Why one module cuts the calendar: every line the engine writes is "a plan's price
over a slice of days", so the slicing is done once, here. A slice is the part of
one billing period that lies within the service (from the start, or a cursor, up
to the service's end), cut again wherever another plan takes over: at the end of
each past plan (``SubscriptionTerms.history``) and where a pending change takes
effect. So every slice has one plan, the one in force on its days. All
slices of a subscription come from one ``BillingCycle`` fixed by its anchor and
start, so re-running from a cursor yields exactly the same days.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger.billing.individual import carried
from ledger.billing.model import PastPlan
from ledger.money import Money, total
from ledger.periods import Anchor, BillingCycle, Interval

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from datetime import date

    from ledger.billing.model import PriceOverride, SubscriptionTerms
    from ledger.tariffs.definition import Component, TariffDefinition


@dataclass(frozen=True, slots=True)
class Plan:
    """The tariff terms in force for some days: definition, quantity and individual prices."""

    tariff_code: str
    tariff_version: int
    definition: TariffDefinition
    quantity: int
    overrides: Mapping[str, PriceOverride]

    @property
    def label(self) -> str:
        """The plan as a formula names it: ``"Pro"`` or ``"Pro × 3"`` (seats)."""
        seats = any(component.kind == "seat" for component in self.definition.components)
        return f"{self.definition.name} × {self.quantity}" if seats else self.definition.name

    def override(self, code: str, day: date) -> PriceOverride | None:
        """The individual condition for a component in force on ``day``, if any."""
        found = self.overrides.get(code)
        return found.on(day) if found is not None else None

    def unit_price(self, component: Component, day: date) -> tuple[Money, str]:
        """A flat, seat or setup component's price on ``day``, and the override's note."""
        found = self.override(component.code, day)
        if found is not None and found.price is not None:
            note = f"individual price: {found.note}" if found.note else "individual price"
            return money(found.price, self.definition.currency), note
        return money(component.price, self.definition.currency), ""

    def recurring_price(self, day: date) -> Money:
        """The full-period price of the flat and seat components on ``day``."""
        prices = [
            self.unit_price(c, day)[0].times(self.quantity if c.kind == "seat" else 1)
            for c in self.definition.components
            if c.kind in {"flat", "seat"}
        ]
        return total(prices, self.definition.currency)


@dataclass(frozen=True, slots=True)
class Slice:
    """Days billed together (``part``) within their full billing period, under one plan."""

    part: Interval
    full: Interval
    plan: Plan


def money(price: Decimal | None, currency: str) -> Money:
    """A tariff price as ``Money``, refusing more decimals than the currency has."""
    return Money.parse(format(Decimal(0) if price is None else price, "f"), currency)


def has_arrears_items(definition: TariffDefinition) -> bool:
    """True when a tariff bills anything at the end of each period: usage or a minimum."""
    metered = any(component.kind == "metered" for component in definition.components)
    return metered or definition.minimum is not None


def cycle_of(terms: SubscriptionTerms) -> BillingCycle:
    """The subscription's period boundaries: from the anchor day, or from its start."""
    period = terms.definition.period
    anchor: Anchor = terms.anchor_day if period.months else terms.started_on
    return BillingCycle.of(anchor, period, terms.started_on)


def plan_on(terms: SubscriptionTerms, day: date) -> Plan:
    """The plan in force on ``day``: the pending change's from its date, else the one of its time.

    A pending change replaces every plan from its date on (a backdated change reaches
    over the plans it starts before); before it, the past plans keep their days. The
    change's plan has the individual prices the change did not end
    (``ledger.billing.individual``).
    """
    change = terms.pending
    if change is not None and day >= change.effective_on:
        return Plan(
            change.tariff_code,
            change.tariff_version,
            change.definition,
            change.quantity,
            carried(terms.overrides, change, terms.definition),
        )
    for past in terms.history:
        if day < past.until:
            return Plan(
                past.tariff_code, past.tariff_version, past.definition, past.quantity,
                past.overrides,
            )
    return Plan(
        terms.tariff_code, terms.tariff_version, terms.definition, terms.quantity, terms.overrides
    )


def plan_cuts(terms: SubscriptionTerms) -> list[date]:
    """The days another plan takes over: each past plan's end, and the pending change's date."""
    change = terms.pending
    cuts = [p.until for p in terms.history if change is None or p.until < change.effective_on]
    if change is not None:
        cuts.append(change.effective_on)
    return cuts


def slice_at(
    terms: SubscriptionTerms, day: date, *, since: date, cycle: BillingCycle | None = None
) -> Slice | None:
    """The slice that holds ``day``, counting no day before ``since``; ``None`` outside service.

    ``cycle``: the terms' :func:`cycle_of`, when the caller already has it.
    """
    end = terms.service_end
    if day < since or (end is not None and day >= end):
        return None
    if cycle is None:
        cycle = cycle_of(terms)
    full = cycle.period_at(cycle.index_of(day))
    start = max(full.start, since)
    stop = full.end if end is None else min(full.end, end)
    for cut in plan_cuts(terms):
        if cut <= day:
            start = max(start, cut)
        else:
            stop = min(stop, cut)
    return Slice(Interval(start, stop), full, plan_on(terms, start))


def slices(terms: SubscriptionTerms, since: date) -> Iterator[Slice]:
    """Yield the slices from ``since`` on, in order, until the service ends (or for ever)."""
    day, cycle = since, cycle_of(terms)
    while (current := slice_at(terms, day, since=since, cycle=cycle)) is not None:
        yield current
        day = current.part.end


def settle(terms: SubscriptionTerms) -> SubscriptionTerms:
    """Fold a pending plan change into the terms once no day before it remains unbilled.

    Until then the engine prices each slice with the plan in force on its days;
    afterwards the new plan simply is the subscription's current plan, and the plans
    before it join ``history`` (cut at the change's date), so days already billed
    keep their price. Individual prices carry over unless the change ended them
    (``ledger.billing.individual``). When the old plan billed nothing at period ends, the
    usage cursor starts at the change, so a new minimum or meter never reaches back
    before it.
    """
    change = terms.pending
    if change is None or not _billed_through(terms, change.effective_on):
        return terms
    plan = plan_on(terms, change.effective_on)
    usage_until = terms.usage_billed_until
    if not has_arrears_items(_plan_before(terms, change.effective_on).definition):
        usage_until = max(usage_until or change.effective_on, change.effective_on)
    return replace(
        terms,
        tariff_code=plan.tariff_code,
        tariff_version=plan.tariff_version,
        definition=plan.definition,
        quantity=plan.quantity,
        overrides=plan.overrides,
        usage_billed_until=usage_until,
        pending=None,
        history=history_before(terms, change.effective_on),
    )


def history_before(terms: SubscriptionTerms, day: date) -> tuple[PastPlan, ...]:
    """The plans in force before ``day``: the past ones cut there, then the current one."""
    kept = [replace(past, until=min(past.until, day)) for past in terms.history if past.since < day]
    since = terms.plan_since
    if since < day:
        kept.append(
            PastPlan(
                since, day, terms.tariff_code, terms.tariff_version, terms.definition,
                terms.quantity, terms.overrides,
            )
        )
    return tuple(kept)


def _plan_before(terms: SubscriptionTerms, day: date) -> Plan:
    """The plan in force on the day before ``day`` (the first plan, for the first day)."""
    return plan_on(replace(terms, pending=None), day - timedelta(days=1))


def _billed_through(terms: SubscriptionTerms, day: date) -> bool:
    recurring_from = max(terms.billing_start, terms.billed_until or terms.billing_start)
    if recurring_from < day:
        return False
    if not has_arrears_items(_plan_before(terms, day).definition):
        return True
    return max(terms.started_on, terms.usage_billed_until or terms.started_on) >= day
