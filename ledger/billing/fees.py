"""Recurring and one-time fees: the lines of flat and seat components, setup fees, credits.

Why these rules live together: each is "a price over some days" and must read the
same on every invoice. A recurring line is the component's price (times seats),
prorated over the full billing period that holds its days, rounded once half-up
(``ledger.proration.prorate``), and it says so: ``"7.24 = 24.95 × 9/31"``. An
individual price that starts or ends inside a slice splits it, so each day pays the
price in force on it. Days billed in advance beyond the end of service are credited back
the same way, with a minus sign.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from typing import TYPE_CHECKING

from ledger.billing.line_texts import FEE_CREDIT_LINE, FEE_LINE
from ledger.billing.model import InvoiceLine
from ledger.billing.schedule import Slice, plan_on, slices
from ledger.periods import Interval
from ledger.proration import prorate, signed

if TYPE_CHECKING:
    from datetime import date

    from ledger.billing.model import LineKind, PriceOverride, SubscriptionTerms
    from ledger.money import Money
    from ledger.tariffs.definition import Component


def expression(unit: Money, seats: int | None, part: Interval, full: Interval) -> str:
    """The right-hand side of a fee formula: ``"10.00 × 3 seats × 9/31"``."""
    terms = [signed(unit)]
    if seats is not None:
        terms.append(f"{seats} seat" + ("" if seats == 1 else "s"))
    if part != full:
        terms.append(f"{part.days}/{full.days}")
    return " × ".join(terms)


def fee_lines(
    subscription_id: str, piece: Slice, kind: LineKind, *, credit: bool = False
) -> list[InvoiceLine]:
    """Return the lines of every flat and seat component for the days of ``piece``.

    Args:
        subscription_id: the subscription billed.
        piece: the days, their full billing period and the plan in force.
        kind: ``"recurring"`` for charges, ``"proration_credit"`` for credits.
        credit: negate the amounts (days paid for but not served).
    """
    lines: list[InvoiceLine] = []
    for component in piece.plan.definition.components:
        if component.kind not in {"flat", "seat"}:
            continue
        lines.extend(
            _fee_line(subscription_id, piece, component, segment, kind=kind, credit=credit)
            for segment in segments(piece.part, piece.plan.overrides.get(component.code))
        )
    return lines


def segments(part: Interval, override: PriceOverride | None) -> tuple[Interval, ...]:
    """``part`` cut where an individual price starts or ends inside it: one price a piece.

    Every line that prices days (fees, plan-change lines, credits, usage stretches) cuts
    here, so a day before a price's start keeps the price it was billed at.
    """
    if override is None:
        return (part,)
    cuts = sorted(day for day in override.bounds() if part.start < day < part.end)
    bounds = [part.start, *cuts, part.end]
    return tuple(Interval(start, end) for start, end in pairwise(bounds))


def _fee_line(
    subscription_id: str,
    piece: Slice,
    component: Component,
    segment: Interval,
    *,
    kind: LineKind,
    credit: bool,
) -> InvoiceLine:
    plan = piece.plan
    unit, note = plan.unit_price(component, segment.start)
    seats = plan.quantity if component.kind == "seat" else None
    amount = prorate(unit.times(seats or 1), segment, piece.full).amount
    if credit:
        amount, unit = -amount, -unit
    formula = f"{signed(amount)} = {expression(unit, seats, segment, piece.full)}"
    described = FEE_CREDIT_LINE if credit else FEE_LINE
    return InvoiceLine(
        line_id=f"{subscription_id}:{component.code}:{segment.start.isoformat()}:{kind}",
        subscription_id=subscription_id,
        component=component.code,
        kind=kind,
        description=described.write(plan=plan.definition.name, component=component.name,
                                    start=segment.start.isoformat(),
                                    end=segment.end.isoformat()),
        period=segment,
        quantity=seats or 1,
        amount=amount,
        formula=f"{formula}, {note}" if note else formula,
        vat_rate=plan.definition.vat_rate,
        tariff_code=plan.tariff_code,
    )


def setup_lines(terms: SubscriptionTerms) -> list[InvoiceLine]:
    """Return the one-time fees of the plan in force on the subscription's first day."""
    plan = plan_on(terms, terms.started_on)
    lines: list[InvoiceLine] = []
    for component in plan.definition.components:
        if component.kind != "setup":
            continue
        unit, note = plan.unit_price(component, terms.started_on)
        formula = f"{signed(unit)} one-time fee"
        lines.append(
            InvoiceLine(
                line_id=f"{terms.subscription_id}:{component.code}:{terms.started_on}:setup",
                subscription_id=terms.subscription_id,
                component=component.code,
                kind="setup",
                description=f"{plan.definition.name}: {component.name}",
                period=None,
                quantity=1,
                amount=unit,
                formula=f"{formula}, {note}" if note else formula,
                vat_rate=plan.definition.vat_rate,
                tariff_code=plan.tariff_code,
            )
        )
    return lines


def unused_credit_lines(terms: SubscriptionTerms) -> tuple[list[InvoiceLine], date | None]:
    """Credit the days billed beyond the end of service (a cancellation or pause after billing).

    Returns:
        The credit lines and the new ``billed_until`` (the end of service), or no
        lines and ``None`` when nothing was billed past the end.
    """
    end, billed_until = terms.service_end, terms.billed_until
    if end is None or billed_until is None or billed_until <= end:
        return [], None
    since = max(end, terms.billing_start)
    if since >= billed_until:
        return [], None
    running = replace(terms, status="active", cancel_at=None, paused_from=None, auto_renew=True)
    lines: list[InvoiceLine] = []
    for piece in slices(running, since):
        if piece.part.start >= billed_until:
            break
        part = Interval(piece.part.start, min(piece.part.end, billed_until))
        lines += fee_lines(
            terms.subscription_id,
            Slice(part, piece.full, piece.plan),
            "proration_credit",
            credit=True,
        )
    return lines, since
